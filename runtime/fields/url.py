"""Web addresses (http and https only); ``example.com/x`` becomes ``https://example.com/x``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

from metadata.messages import msg, quoted
from runtime.fields.base import TEXT_OPS, FieldType, FieldValueError

MAX_LENGTH = 2000
SCHEMES = ("http", "https")
# "name:" starts a scheme unless digits follow, as in "localhost:8080/x"
SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?!\d)")
HOST_LABEL_RE = re.compile(r"(?!-)[a-z0-9_\u0080-\U0010ffff-]{1,63}(?<!-)")
IPV6_RE = re.compile(r"\[[0-9a-f:.]+\]")


def _host_ok(host: str) -> bool:
    if IPV6_RE.fullmatch(host):
        return True
    labels = host.split(".")
    if not all(HOST_LABEL_RE.fullmatch(label) for label in labels):
        return False
    if not host.isascii():
        try:
            host.encode("idna")
        except UnicodeError:
            return False
    return True


def normalise_url(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise FieldValueError(msg("must not contain control characters"))
    text = re.sub(r"\s", "%20", text)
    match = SCHEME_RE.match(text)
    if match and match.group(1).lower() not in SCHEMES:
        raise FieldValueError(msg("must be an http or https address, not %(scheme)s:",
                                  scheme=match.group(1)))
    if not match:
        text = "https:" + text if text.startswith("//") else "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise FieldValueError(msg("%(value)s is not a web address",
                                  value=quoted(value.strip()))) from None
    host = unicodedata.normalize("NFKC", parts.hostname or "").rstrip(".")
    if parts.netloc.count("[") and not host.startswith("["):
        host = f"[{host}]"
    if not host or not _host_ok(host):
        raise FieldValueError(msg("%(value)s is not a web address", value=quoted(value.strip())))
    netloc = host if port is None else f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    url = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    if len(url) > MAX_LENGTH:
        raise FieldValueError(msg("must be at most %(n)s characters long", n=MAX_LENGTH))
    return url


class UrlField(FieldType):
    type = "url"
    formula_type = "text"
    converts_from = frozenset({"text"})
    label = {"zh": "网址", "en": "URL"}
    icon = "⇗"
    description = "A web address (http or https); https:// is added when the scheme is left out."
    widget = "url"
    searchable = True
    aggregations = ("count", "distinct")
    filter_ops = TEXT_OPS

    def value_schema(self, fld: Mapping) -> dict[str, Any]:
        return {"type": "string", "format": "iri", "pattern": "^https?://",
                "maxLength": MAX_LENGTH}

    def coerce(self, value: Any, fld: Mapping) -> Any:
        if not isinstance(value, str):
            raise FieldValueError(msg("must be a web address written as text"))
        return normalise_url(value)

    def column_type(self, fld: Mapping) -> sa.types.TypeEngine:
        return sa.Text()
