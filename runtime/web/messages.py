"""Problem messages of the runtime, put into the language of the page.

Field types, storage and permissions write their messages as ``metadata.messages.msg(...)``:
English text that keeps its template and parameters, translated here through the catalogue.
Anything else (a designer's own pattern message, say) is shown as written.
"""

from __future__ import annotations

from flask_babel import get_locale, gettext

from metadata.messages import Message


def ui_lang() -> str:
    """The UI language: "zh" or "en"."""
    locale = get_locale()
    return "en" if locale is not None and str(locale).startswith("en") else "zh"


def N_(text: str) -> str:
    """Mark a message for extraction; it is translated when shown."""
    return text


def translate(message: str, sub_labels: dict[str, str] | None = None) -> str:
    """The message in the page's language when it is one the catalogue knows.

    ``sub_labels`` name a sub-table's fields: a row's message ("row 2, qty: ...") carries the
    sub-field's key as its ``sub`` and shows its label instead.
    """
    if not isinstance(message, Message):
        return message
    sub = message.params.get("sub")
    label = sub_labels.get(sub) if sub_labels and isinstance(sub, str) else None
    if label:
        message = Message(message.template, **{**message.params, "sub": label})
    return message.localized(gettext, ui_lang())
