"""The function registry: one small class per formula function, owning everything about it.

A function declares its name, Chinese aliases, arity and signature, its result type rule (which
also checks its arguments), a Python implementation and a SQL implementation. Functions that
cannot run in SQL set ``sql = False`` and are refused where a formula becomes SQL.

There is no module-level registry: the app builds one with ``registry.build_function_registry`` at
start-up (adding its own functions) and hands it to ``checker.check``; a checked formula keeps
the registry it was checked with, so the compilers use the same functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, ClassVar

import sqlalchemy as sa

from metadata.messages import Message, alternatives, msg
from runtime.formula.ast import Literal, Node
from runtime.formula.types import FType, describe

Fn = Callable[[Mapping], Any]  # a compiled formula piece: record -> value


class ArgumentProblem(Exception):
    """A wrong argument; ``index`` says which (None: the call as a whole), ``offset`` how many
    characters into its source text the problem is (e.g. inside a pattern)."""

    def __init__(self, message: str, index: int | None = None, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.index = index
        self.offset = offset


@dataclass(frozen=True)
class CallContext:
    """What an implementation may know about its call besides the argument values."""

    nodes: Sequence[Node]
    types: Sequence[FType]
    now: Callable[[], datetime]
    dialect: str = ""  # "sqlite" or "postgresql" when compiling to SQL
    tz: tzinfo = UTC  # the installation's time zone: the one TODAY() gives the date in

    def literal(self, index: int) -> bool:
        """Whether argument ``index`` is written as a constant (its value: ``value(index)``);
        closures use such values directly rather than calling a closure for them."""
        return isinstance(self.nodes[index], Literal)

    def value(self, index: int) -> Any:
        return self.nodes[index].value


class Function:
    """Base of every formula function. Subclasses set the class attributes and override."""

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    signature: ClassVar[str]
    description: ClassVar[str] = ""
    min_args: ClassVar[int] = 1
    max_args: ClassVar[int | None] = 1  # None: any number
    sql: ClassVar[bool] = True
    # any NULL argument gives NULL (the SQL compiler folds such calls to a typed NULL)
    strict: ClassVar[bool] = True
    # the argument is a sub-table's rows ({items}) or one of their fields ({items.amount})
    aggregate: ClassVar[bool] = False
    # the value depends on more than the arguments (the clock): never kept for reuse
    volatile: ClassVar[bool] = False

    def result_type(self, types: Sequence[FType], nodes: Sequence[Node]) -> FType:
        """The type of the result; raises ArgumentProblem for unsuitable arguments."""
        raise NotImplementedError

    def evaluate(self, *values: Any) -> Any:
        """The result for non-null argument values (strict functions)."""
        raise NotImplementedError

    def python(self, fns: Sequence[Fn], call: CallContext) -> Fn:
        """A closure computing the call; by default any NULL argument gives NULL."""
        return strict(self.evaluate, fns, call)

    def to_sql(self, args: Sequence[sa.ColumnElement], call: CallContext) -> sa.ColumnElement:
        raise NotImplementedError

    def choice_arguments(self, types: Sequence[FType]) -> tuple[tuple[int, int], ...]:
        """The (field, text) argument positions where a text names a choice of the field
        (a select or multi-select): written as a label, it means the choice's value."""
        return ()

    def null_argument(self, index: int, result: FType) -> FType:
        """The type a NULL written as argument ``index`` stands for (SQL needs typed NULLs);
        only asked of functions that are not ``strict``."""
        return result


def strict(evaluate: Callable[..., Any], fns: Sequence[Fn], call: CallContext | None = None
           ) -> Fn:
    """``evaluate`` over the values of ``fns``, or None as soon as one is None; with ``call``, a
    constant last argument of two (``CONTAINS({title}, "经理")``) is passed as it is."""
    if not fns:
        return lambda record: evaluate()
    if len(fns) == 1:
        (f,) = fns

        def one(record: Mapping) -> Any:
            v = f(record)
            return None if v is None else evaluate(v)
        return one
    if len(fns) == 2 and call is not None and call.literal(1) and call.value(1) is not None:
        f, constant = fns[0], call.value(1)

        def with_constant(record: Mapping) -> Any:
            a = f(record)
            return None if a is None else evaluate(a, constant)
        return with_constant
    if len(fns) == 2:
        f, g = fns

        def two(record: Mapping) -> Any:
            a = f(record)
            if a is None:
                return None
            b = g(record)
            return None if b is None else evaluate(a, b)
        return two

    def many(record: Mapping) -> Any:
        values = [f(record) for f in fns]
        return None if any(v is None for v in values) else evaluate(*values)
    return many


# what the arguments of functions are called in messages ("the text of LEFT")
PARTS = {
    "amount": msg("amount"), "argument": msg("argument"), "condition": msg("condition"),
    "count": msg("count"), "date": msg("date"), "divisor": msg("divisor"), "end": msg("end"),
    "first argument": msg("first argument"), "new text": msg("new text"),
    "number": msg("number"), "old text": msg("old text"), "power": msg("power"),
    "prefix": msg("prefix"), "second argument": msg("second argument"), "start": msg("start"),
    "text": msg("text"), "value": msg("value"), "values": msg("values"),
}


def argument_of(name: str, function: str) -> Message:
    """``the text of LEFT``: an argument of a function, for messages."""
    return msg("the %(part)s of %(function)s", part=PARTS[name], function=function)


def expect(types: Sequence[FType], index: int, allowed: Iterable[FType], what: str) -> None:
    """Refuse argument ``index`` unless its type is one of ``allowed`` (or NULL)."""
    allowed = frozenset(allowed)
    if types[index] != FType.NULL and types[index] not in allowed:
        wanted = alternatives(sorted(describe(t) for t in allowed))
        raise ArgumentProblem(msg("%(what)s must be %(wanted)s, not %(actual)s", what=what,
                                  wanted=wanted, actual=describe(types[index])), index)


class FunctionRegistry:
    """Functions by upper-cased name and alias; duplicate names fail loudly."""

    def __init__(self, functions: Iterable[type[Function]]):
        self._by_name: dict[str, Function] = {}
        self._all: list[Function] = []
        for cls in functions:
            fn = cls()
            self._all.append(fn)
            for name in (cls.name, *cls.aliases):
                key = name.upper()
                if key in self._by_name:
                    raise ValueError(f"formula function registry: duplicate name {name!r} "
                                     f"({cls.__name__})")
                self._by_name[key] = fn

    def get(self, name: str) -> Function | None:
        return self._by_name.get(name.upper())

    def names(self) -> list[str]:
        return list(self._by_name)

    def __iter__(self):
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)
