"""How a record arrived: the channel it came through and the campaign that brought it (a touch).

Every arrival of a record — its creation, and each later submission that identity resolution
merges into it — is remembered as a touch (``runtime.storage.touches``). Channels
(``runtime.capture``) say what a touch holds; fields of the ``touch`` type show a record's first
or last one; reports count records by them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# the campaign parts of a touch, and the URL parameters that carry each (first present wins):
# Google's utm_* names, and the plain names people put in links and QR codes
PARTS: dict[str, tuple[str, ...]] = {
    "source": ("utm_source", "source"),
    "medium": ("utm_medium", "medium"),
    "campaign": ("utm_campaign", "campaign"),
    "term": ("utm_term", "term"),
    "content": ("utm_content", "content"),
}
PART_LENGTH = 200
CHANNEL_LENGTH = 16
REF_LENGTH = 200
DETAIL_KEYS = 20  # at most this many other named parameters are kept


@dataclass(frozen=True)
class Touch:
    """One arrival: the channel (ui, api, public, webhook, import), the campaign parts, a
    reference to what arrived (a stored payload, an import row) and other named parameters."""

    channel: str
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    term: str | None = None
    content: str | None = None
    ref: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)

    def part(self, name: str) -> Any:
        return getattr(self, name) if name in PARTS or name == "channel" else None

    def with_ref(self, ref: str) -> Touch:
        return replace(self, ref=ref[:REF_LENGTH])

    @classmethod
    def from_params(cls, channel: str, params: Mapping[str, Any],
                    named: tuple[str, ...] = (), ref: str | None = None) -> Touch:
        """The touch of an arrival whose campaign came as parameters (a URL's query, a body's
        ``_touch`` object): the utm_* parts, and the ``named`` others the designer keeps."""
        parts = {part: _first(params, names) for part, names in PARTS.items()}
        detail = {n: value for n in named[:DETAIL_KEYS]
                  if (value := _text(params.get(n))) is not None}
        return cls(channel=channel[:CHANNEL_LENGTH], ref=ref[:REF_LENGTH] if ref else None,
                   detail=detail, **parts)


def _first(params: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    """The first of ``names`` given a text in ``params`` (a loop: no generator per part)."""
    for name in names:
        value = params.get(name)
        if value is not None and (text := _text(value)):
            return text
    return None


def _text(value: Any) -> str | None:
    """A parameter as stored: trimmed text of at most PART_LENGTH characters (None: blank)."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None or isinstance(value, bool | dict):
        return None
    text = " ".join(str(value).split())[:PART_LENGTH]
    return text or None


# what people read for a channel's key (lists, filters, the record's touches)
CHANNEL_LABELS: dict[str, dict[str, str]] = {
    "ui": {"zh": "系统录入", "en": "Entered in Trellis"},
    "api": {"zh": "API", "en": "API"},
    "public": {"zh": "公开表单", "en": "Public form"},
    "webhook": {"zh": "Webhook", "en": "Webhook"},
    "import": {"zh": "导入", "en": "Import"},
    "system": {"zh": "系统", "en": "System"},
}


def channel_label(key: str | None, lang: str) -> str:
    labels = CHANNEL_LABELS.get(key or "")
    if labels is None:
        return key or ""
    return labels.get(lang) or labels["en"]
