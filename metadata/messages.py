"""Messages that can be put into another language where they are shown.

A ``Message`` is the English text (it is a ``str``, so it goes wherever a message goes: into a
Problem, an exception, JSON) that also keeps its template and parameters. The place that shows
it to a person translates the template through the gettext catalogue and fills in the
parameters — themselves translated when they are Messages — so code deep inside an engine
never needs to know the reader's language. Templates use ``%(name)s`` placeholders, as the
catalogue does; ``pybabel extract -k msg`` finds them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from metadata.labels import label_text


class Message(str):
    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self

    def localized(self, gettext: Callable[..., str], lang: str | None = None) -> str:
        """The message through ``gettext`` (flask-babel's, or any with its signature);
        ``lang`` ("zh" or "en", the language ``gettext`` translates to) picks the texts of
        labels among the parameters (``Texts``)."""
        params = {k: v.localized(gettext, lang) if isinstance(v, Message) else v
                  for k, v in self.params.items()}
        return gettext(self.template, **params) if params else gettext(self.template)


def msg(template: str, **params: Any) -> Message:
    """A translatable message: ``msg("%(ref)s is not a field of %(form)s", ref=..., form=...)``."""
    return Message(template, **params)


class Quoted(Message):
    """A value people typed, in quotes as Python writes them in English (``'12345'``) and bare
    in a translation, whose own text sets it apart."""

    def __new__(cls, value: Any) -> Quoted:
        self = str.__new__(cls, repr(value))
        self.template = "%(value)s"
        self.params = {"value": value}
        return self

    def __getnewargs__(self) -> tuple[Any]:  # copies and pickles quote the value once
        return (self.params["value"],)

    def localized(self, gettext: Callable[..., str], lang: str | None = None) -> str:
        return str(self.params["value"])


def quoted(value: Any) -> Quoted:
    """A value to put into a message: ``msg("%(value)s is not a ...", value=quoted(text))``."""
    return Quoted(value)


class Texts(Message):
    """A designer's words in several languages (a label, ``{"zh": "行业", "en": "Industry"}``)
    put into a message: shown in the reader's language, else in the language written. As
    text (programs, logs) it is the English, else the Chinese."""

    def __new__(cls, texts: Mapping[str, str] | str) -> Texts:
        texts = dict(texts) if isinstance(texts, Mapping) else {"": str(texts)}
        self = str.__new__(cls, label_text(texts, "en") or next(iter(texts.values()), ""))
        self.template = "%(texts)s"
        self.params = {"texts": texts}
        return self

    def __getnewargs__(self) -> tuple[Any]:  # copies and pickles keep the languages
        return (self.params["texts"],)

    def localized(self, gettext: Callable[..., str], lang: str | None = None) -> str:
        texts = self.params["texts"]
        if lang is None:
            return str(self)
        return label_text(texts, lang) or next(iter(texts.values()), "")


def texts(label: Any) -> Texts:
    """A label (``{"zh": ..., "en": ...}`` or a plain string) to put into a message."""
    if isinstance(label, Mapping):
        return Texts({k: v for k, v in label.items() if isinstance(v, str) and v})
    return Texts("" if label is None else str(label))


def listing(messages: list[str]) -> str:
    """``a, b, c`` (``a、b、c`` in Chinese), translatable when the parts are Messages."""
    if not messages:
        return ""
    result = messages[-1]
    for item in reversed(messages[:-1]):
        result = msg("%(first)s, %(rest)s", first=item, rest=result)
    return result


def alternatives(messages: list[str]) -> str:
    """``a or b or c``, translatable when the parts are Messages."""
    if not messages:
        return ""
    result = messages[-1]
    for item in reversed(messages[:-1]):
        result = msg("%(first)s or %(rest)s", first=item, rest=result)
    return result
