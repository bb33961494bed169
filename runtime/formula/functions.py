"""The function registry: one small class per formula function, owning everything about it.

A function declares its name, Chinese aliases, arity and signature, its result type rule (which
also checks its arguments), a Python implementation and a SQL implementation. Functions that
cannot run in SQL set ``sql = False`` and are refused where a formula becomes SQL.

Not yet here: SUM / AVG / COUNT over the rows of a sub-table. They need the sub-table's rows in
the Python record and a correlated subquery in SQL, and come with the sub-table support of the
formula scope (the checker has no sub-table types yet).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, ClassVar

import sqlalchemy as sa

from runtime.formula.ast import Node
from runtime.formula.types import FType, describe

Fn = Callable[[Mapping], Any]  # a compiled formula piece: record -> value


class ArgumentProblem(Exception):
    """A wrong argument; ``index`` says which (None: the call as a whole)."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.index = index


@dataclass(frozen=True)
class CallContext:
    """What an implementation may know about its call besides the argument values."""

    nodes: Sequence[Node]
    types: Sequence[FType]
    now: Callable[[], datetime]
    dialect: str = ""  # "sqlite" or "postgresql" when compiling to SQL


class Function:
    """Base of every formula function. Subclasses set the class attributes and override."""

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    signature: ClassVar[str]
    description: ClassVar[str] = ""
    min_args: ClassVar[int] = 1
    max_args: ClassVar[int | None] = 1  # None: any number
    sql: ClassVar[bool] = True

    def result_type(self, types: Sequence[FType], nodes: Sequence[Node]) -> FType:
        """The type of the result; raises ArgumentProblem for unsuitable arguments."""
        raise NotImplementedError

    def evaluate(self, *values: Any) -> Any:
        """The result for non-null argument values (strict functions)."""
        raise NotImplementedError

    def python(self, fns: Sequence[Fn], call: CallContext) -> Fn:
        """A closure computing the call; by default any NULL argument gives NULL."""
        return strict(self.evaluate, fns)

    def to_sql(self, args: Sequence[sa.ColumnElement], call: CallContext) -> sa.ColumnElement:
        raise NotImplementedError


def strict(evaluate: Callable[..., Any], fns: Sequence[Fn]) -> Fn:
    """``evaluate`` over the values of ``fns``, or None as soon as one is None."""
    if not fns:
        return lambda record: evaluate()
    if len(fns) == 1:
        (f,) = fns

        def one(record: Mapping) -> Any:
            v = f(record)
            return None if v is None else evaluate(v)
        return one
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


def expect(types: Sequence[FType], index: int, allowed: Iterable[FType], what: str) -> None:
    """Refuse argument ``index`` unless its type is one of ``allowed`` (or NULL)."""
    allowed = frozenset(allowed)
    if types[index] != FType.NULL and types[index] not in allowed:
        raise ArgumentProblem(f"{what} must be {' or '.join(sorted(describe(t) for t in allowed))}"
                              f", not {describe(types[index])}", index)


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


def build_function_registry(extra: tuple[type[Function], ...] = ()) -> FunctionRegistry:
    from runtime.formula.fn_date import DATE_FUNCTIONS
    from runtime.formula.fn_logic import LOGIC_FUNCTIONS
    from runtime.formula.fn_math import MATH_FUNCTIONS
    from runtime.formula.fn_text import TEXT_FUNCTIONS

    return FunctionRegistry((*LOGIC_FUNCTIONS, *TEXT_FUNCTIONS, *MATH_FUNCTIONS,
                             *DATE_FUNCTIONS, *extra))


@cache
def default_registry() -> FunctionRegistry:
    """The built-in functions, built once on first use."""
    return build_function_registry()
