"""Message templates that users write: Jinja in its sandbox, bounded in size and time.

- **Sandboxed**: ``jinja2.sandbox.SandboxedEnvironment`` refuses access to unsafe attributes
  (``__class__``, ``mro``, function internals...), so a template reaches nothing but the
  values it is given: the record's fields (as the system reads them: ids for relations and
  people, never another record) and a few of the message's own (``unsubscribe_url``).
- **Bounded**: the source at most ``MAX_SOURCE`` characters, the output at most
  ``MAX_OUTPUT``, loops over ``range`` at most ``MAX_RANGE`` items, ``*`` and ``**`` refused
  when they would make huge values, and the rendering stopped after ``TIME_LIMIT`` seconds.
- **Clear errors**: a syntax error at save names its line; an error at send names its line
  and what went wrong (``TemplateFailed``).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

MAX_SOURCE = 20_000
MAX_OUTPUT = 200_000
MAX_RANGE = 1000
TIME_LIMIT = 0.5  # seconds
NAME = "<template>"
GIVEN = ("record", "unsubscribe_url", "range", "app")  # names a template may use beside fields


class Verbatim(str):
    """Text sent as it is: not a template (text filled in already, a record's own words)."""


class TemplateFailed(ValueError):
    """A template that cannot be compiled or rendered: ``line`` (1-based) when known."""

    def __init__(self, message: str, line: int | None = None):
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class _Budget(threading.local):
    """The current rendering's deadline (per thread: pages render in threads)."""

    deadline: float = 0.0

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateFailed(f"the template took longer than {TIME_LIMIT} s: stopped")


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with arithmetic that cannot build huge values and a bounded ``range``."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self) -> None:
        super().__init__(autoescape=False, keep_trailing_newline=True)
        self.budget = _Budget()
        self.globals = {"range": self._range}

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        raise SecurityError(f"{attribute!r} of a {type(obj).__name__} is not reachable from a "
                            "template")

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if not isinstance(right, int | float) or abs(right) > 64 or (
                    isinstance(left, int | float) and abs(left) > 10**6):
                raise SecurityError("a power this large is not allowed in a template")
            return left ** right
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                if len(seq) * times > MAX_OUTPUT:
                    raise SecurityError("a value this large is not allowed in a template")
        return left * right

    def _range(self, *args: int) -> Iterator[int]:
        found = range(*args)
        if len(found) > MAX_RANGE:
            raise SecurityError(f"range() gives at most {MAX_RANGE} items in a template")
        for i in found:
            self.budget.check()
            yield i


_env = BoundedEnvironment()


def check(source: str, fields: set[str] | None = None) -> list[TemplateFailed]:
    """The problems of a template at save: too long, a syntax error (with its line), names
    that are neither fields (when ``fields`` is given) nor given by the message."""
    if len(source) > MAX_SOURCE:
        return [TemplateFailed(f"a template holds at most {MAX_SOURCE} characters")]
    try:
        parsed = _env.parse(source)
    except TemplateSyntaxError as exc:
        return [TemplateFailed(exc.message or "syntax error", exc.lineno)]
    if fields is None:
        return []
    unknown = sorted(meta.find_undeclared_variables(parsed) - fields - set(GIVEN))
    return [TemplateFailed(f"{{{{ {name} }}}} is not a field of this form") for name in unknown]


def render(source: str, values: Mapping[str, Any], extra: Mapping[str, Any] | None = None,
           ) -> str:
    """``source`` rendered with the record's ``values`` (each field by its key, and all of
    them as ``record``) and ``extra``; ``TemplateFailed`` when it cannot be."""
    if isinstance(source, Verbatim):
        return str(source)
    problems = check(source)
    if problems:
        raise problems[0]
    context = {**values, "record": dict(values), **(extra or {})}
    _env.budget.deadline = time.monotonic() + TIME_LIMIT
    out: list[str] = []
    size = 0
    try:
        for chunk in _env.from_string(source).generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateFailed(f"the message is longer than {MAX_OUTPUT} characters")
            _env.budget.check()
            out.append(chunk)
    except TemplateFailed:
        raise
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError,
            AttributeError, RecursionError) as exc:
        raise TemplateFailed(_words(exc), _line(exc)) from None
    return "".join(out)


def _words(exc: Exception) -> str:
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {exc}"
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, TemplateError) else str(exc)


def _line(exc: BaseException) -> int | None:
    """The template's line the error happened on (Jinja rewrites its frames to the
    template's lines)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == NAME]
    return frames[-1].lineno if frames else getattr(exc, "lineno", None)
