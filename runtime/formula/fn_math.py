"""Number functions: ROUND, FLOOR, CEIL, ABS, MIN, MAX."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from runtime.formula import sqlparts
from runtime.formula.ast import Literal
from runtime.formula.fn_logic import unify_all
from runtime.formula.functions import ArgumentProblem, Function, expect
from runtime.formula.types import NUMERIC, FType

MAX_PLACES = 10
MIN_MAX_TYPES = (*NUMERIC, FType.DATE, FType.DATETIME)


def round_half_up(value: float, places: int) -> float:
    """Round halves away from zero on the value taken to 15 significant digits, as SQLite,
    PostgreSQL (float to numeric) and spreadsheets do: 2.51 * 5 is 12.55, so 12.6."""
    exact = Decimal(format(float(value), ".15g"))
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


class Round(Function):
    name, aliases, signature = "ROUND", ("四舍五入",), "ROUND(number, places)"
    description = ("The number rounded half away from zero to the given number of decimal "
                   "places (0 to 10, written as a number; 0 when left out).")
    min_args, max_args = 1, 2

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, "the number of ROUND")
        if len(nodes) == 2:
            places = nodes[1]
            if not (isinstance(places, Literal) and type(places.value) is int
                    and 0 <= places.value <= MAX_PLACES):
                raise ArgumentProblem(f"the places of ROUND must be a whole number from 0 to "
                                      f"{MAX_PLACES}, written in the formula", 1)
        return FType.NUMBER

    def python(self, fns, call):
        value = fns[0]
        places = call.nodes[1].value if len(call.nodes) == 2 else 0

        def run(record: Mapping) -> Any:
            v = value(record)
            return None if v is None else round_half_up(v, places)
        return run

    def to_sql(self, args, call):
        places = call.nodes[1].value if len(call.nodes) == 2 else 0
        if call.dialect == sqlparts.PG:
            rounded = sa.func.round(sa.cast(args[0], sa.Numeric()), places)
        else:
            rounded = sa.func.round(args[0], places)
        return sqlparts.as_float(rounded)


class Floor(Function):
    name, aliases, signature = "FLOOR", ("向下取整",), "FLOOR(number)"
    description = "The largest whole number not above the number."
    sql_function = "floor"

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, f"the number of {self.name}")
        return FType.INTEGER

    def evaluate(self, value):
        return math.floor(value)

    def to_sql(self, args, call):
        if call.types[0] == FType.INTEGER:
            return args[0]
        if call.dialect == sqlparts.PG:
            return sqlparts.as_integer(getattr(sa.func, self.sql_function)(args[0]))
        # SQLite: SQLAlchemy's pysqlite driver replaces floor() with a Python function that
        # fails on NULL; truncate and step instead
        value, whole = args[0], sqlparts.as_integer(args[0])
        if self.sql_function == "floor":
            return whole - sa.cast(value < whole, sa.Integer())
        return whole + sa.cast(value > whole, sa.Integer())


class Ceil(Floor):
    name, aliases, signature = "CEIL", ("CEILING", "向上取整"), "CEIL(number)"
    description = "The smallest whole number not below the number."
    sql_function = "ceil"

    def evaluate(self, value):
        return math.ceil(value)


class Abs(Function):
    name, aliases, signature = "ABS", ("绝对值",), "ABS(number)"
    description = "The number without its sign."

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, "the number of ABS")
        return FType.NUMBER if types[0] == FType.NULL else types[0]

    def evaluate(self, value):
        return abs(value)

    def to_sql(self, args, call):
        return sa.func.abs(args[0])


class Min(Function):
    name, aliases, signature = "MIN", ("最小值",), "MIN(value1, value2, ...)"
    description = "The smallest of the values, leaving out NULLs (NULL when all are NULL)."
    min_args, max_args = 1, None
    biggest = False

    def result_type(self, types, nodes):
        for i in range(len(types)):
            expect(types, i, MIN_MAX_TYPES, f"argument {i + 1} of {self.name}")
        return unify_all(types, range(len(types)), f"the values of {self.name}")

    def python(self, fns, call):
        pick = max if self.biggest else min

        def run(record: Mapping) -> Any:
            values = [v for f in fns if (v := f(record)) is not None]
            return pick(values) if values else None
        return run

    def to_sql(self, args, call):
        return sqlparts.least(args, call.dialect, biggest=self.biggest)


class Max(Min):
    name, aliases, signature = "MAX", ("最大值",), "MAX(value1, value2, ...)"
    description = "The largest of the values, leaving out NULLs (NULL when all are NULL)."
    biggest = True


MATH_FUNCTIONS = (Round, Floor, Ceil, Abs, Min, Max)
