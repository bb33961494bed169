"""Regular expressions that people write (REGEX_MATCH in formulas, a text field's ``pattern``),
run by RE2: time linear in the length of the text whatever the pattern, so no pattern can
stall a request (Python's ``re`` backtracks: ``(a+)+$`` takes exponential time).

RE2 has no back-references (``\\1``) and no look-around (``(?=``, ``(?!``, ``(?<=``,
``(?<!``); such patterns are refused when they are saved, naming the construct and where it
is. ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII-only; Unicode classes are written
``\\p{Han}`` (Chinese characters), ``\\p{L}`` (letters), ``\\p{N}`` (digits).
"""

from __future__ import annotations

import functools

import re2

from metadata.messages import Message, msg

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # refusals are answered to the person, not logged
LOOK_AROUND = ("(?=", "(?!", "(?<=", "(?<!")


class PatternError(ValueError):
    """A pattern RE2 refuses: ``message`` for people, to follow "the pattern" ("is not a valid
    regular expression: ..."), and ``offset``, where in the pattern."""

    def __init__(self, message: Message, offset: int | None):
        super().__init__(message)
        self.message = message
        self.offset = offset


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re2._Regexp:
    """The compiled pattern; PatternError when RE2 refuses it."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise _refusal(pattern, exc) from None


def _refusal(pattern: str, exc: re2.error) -> PatternError:
    raw = exc.args[0] if exc.args else ""
    error = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    fragment = error.partition(": ")[2]
    offset = pattern.find(fragment) if fragment else -1
    offset = offset if offset >= 0 else None
    if error.startswith("invalid escape sequence") and fragment[1:].isdigit():
        return PatternError(msg("uses %(fragment)s: back-references are not supported "
                                "(patterns run on RE2, which never backtracks)",
                                fragment=fragment), offset)
    if fragment in LOOK_AROUND:
        return PatternError(msg("uses %(fragment)s: look-ahead and look-behind are not "
                                "supported (patterns run on RE2, which never backtracks)",
                                fragment=fragment), offset)
    return PatternError(msg("is not a valid regular expression: %(error)s", error=error), offset)


def search(pattern: str, text: str) -> bool:
    return compile_pattern(pattern).search(text) is not None


def fullmatch(pattern: str, text: str) -> bool:
    return compile_pattern(pattern).fullmatch(text) is not None
