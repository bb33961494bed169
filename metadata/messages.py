"""Messages that can be put into another language where they are shown.

A ``Message`` is the English text (it is a ``str``, so it goes wherever a message goes: into a
Problem, an exception, JSON) that also keeps its template and parameters. The place that shows
it to a person translates the template through the gettext catalogue and fills in the
parameters — themselves translated when they are Messages — so code deep inside an engine
never needs to know the reader's language. Templates use ``%(name)s`` placeholders, as the
catalogue does; ``pybabel extract -k msg`` finds them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Message(str):
    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self

    def localized(self, gettext: Callable[..., str]) -> str:
        """The message through ``gettext`` (flask-babel's, or any with its signature)."""
        params = {k: v.localized(gettext) if isinstance(v, Message) else v
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

    def localized(self, gettext: Callable[..., str]) -> str:
        return str(self.params["value"])


def quoted(value: Any) -> Quoted:
    """A value to put into a message: ``msg("%(value)s is not a ...", value=quoted(text))``."""
    return Quoted(value)


def alternatives(messages: list[str]) -> str:
    """``a or b or c``, translatable when the parts are Messages."""
    if not messages:
        return ""
    result = messages[-1]
    for item in reversed(messages[:-1]):
        result = msg("%(first)s or %(rest)s", first=item, rest=result)
    return result
