"""E-mail addresses: trimmed, the domain lower-cased, the local part kept as written."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg, quoted
from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError

MAX_LENGTH = 254
# what RFC 5321 allows unquoted, plus any non-ASCII letter (RFC 6531); no quoted local parts
LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+"
                      r"(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+)*")
SPACE_RE = re.compile(r"\s")
LABEL_RE = re.compile(r"(?!-)[a-z0-9\u0080-\U0010ffff-]{1,63}(?<!-)")


def _domain_ok(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2 or not all(LABEL_RE.fullmatch(label) for label in labels):
        return False
    if labels[-1].isdigit() or len(labels[-1]) < 2:
        return False
    if not domain.isascii():
        try:
            domain.encode("idna")
        except UnicodeError:
            return False
    return True


def normalise_email(value: str) -> str | None:
    text = value.strip().replace("＠", "@")
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:"):].strip()
    if not text:
        return None
    if text.count("@") != 1 or SPACE_RE.search(text):
        raise FieldValueError(msg("%(value)s is not an e-mail address", value=quoted(text)))
    local, domain = text.split("@")
    # full-width dots and letters in the domain (常见于中文输入法) become plain ASCII
    if not domain.isascii():
        domain = unicodedata.normalize("NFKC", domain).replace("。", ".")
    domain = domain.lower().rstrip(".")
    if not LOCAL_RE.fullmatch(local) or len(local) > 64 or not _domain_ok(domain):
        raise FieldValueError(msg("%(value)s is not an e-mail address", value=quoted(text)))
    address = f"{local}@{domain}"
    if len(address) > MAX_LENGTH:
        raise FieldValueError(msg("must be at most %(n)s characters long", n=MAX_LENGTH))
    return address


class EmailField(FieldType):
    type = "email"
    formula_type = "text"
    converts_from = frozenset({"text"})
    label = {"zh": "邮箱", "en": "Email"}
    icon = "@"
    description = "An e-mail address, checked, with its domain in lower case."
    widget = "email"
    can_be_title = True
    searchable = True
    aggregations = ("count", "distinct")
    filter_ops = TEXT_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "format": "idn-email", "maxLength": MAX_LENGTH}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not isinstance(value, str):
            raise FieldValueError(msg("must be an e-mail address written as text"))
        return normalise_email(value)

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.String(MAX_LENGTH)
