"""Number functions: ROUND, FLOOR, CEIL, ABS, MIN, MAX, MOD, POWER, SQRT.

POWER, SQRT and ln need SQLite's math functions (built in since SQLite 3.35 by default).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.formula import sqlparts
from runtime.formula.ast import Literal
from runtime.formula.fn_logic import unify_all
from runtime.formula.functions import ArgumentProblem, Function, argument_of, expect, strict
from runtime.formula.types import NUMERIC, FType

MAX_PLACES = 10
MIN_MAX_TYPES = (*NUMERIC, FType.DATE, FType.DATETIME)


def round_half_up(value: float, places: int) -> float:
    """Round halves away from zero on the value taken to 15 significant digits, as SQLite,
    PostgreSQL (float to numeric) and spreadsheets do: 2.51 * 5 is 12.55, so 12.6."""
    scaled = value * SCALE[places]
    # Below 1e8 the 15 digits move the value by at most 5e-8 of the last place kept: away
    # from a half, the rounding of the value itself (Python's round) is the same and faster.
    if -1e8 < scaled < 1e8 and abs(abs(scaled) % 1.0 - 0.5) > 1e-6:
        return round(float(value), places)
    return float(decimal_half_up(value, places))


def decimal_half_up(value: float, places: int) -> Decimal:
    exact = Decimal(format(float(value), ".15g"))
    # room for the 309 digits of the largest double and the places
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP,
                          context=WIDE)


WIDE = Context(prec=330)
SCALE = [10.0**places for places in range(MAX_PLACES + 1)]


class Round(Function):
    name, aliases, signature = "ROUND", ("四舍五入",), "ROUND(number, places)"
    description = msg("The number rounded half away from zero to the given number of decimal "
                      "places (0 to 10, written as a number; 0 when left out).")
    min_args, max_args = 1, 2

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, argument_of("number", "ROUND"))
        if len(nodes) == 2:
            places = nodes[1]
            if not (isinstance(places, Literal) and type(places.value) is int
                    and 0 <= places.value <= MAX_PLACES):
                raise ArgumentProblem(msg("the places of ROUND must be a whole number from 0 "
                                          "to %(n)s, written in the formula", n=MAX_PLACES), 1)
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
    description = msg("The largest whole number not above the number.")
    sql_function = "floor"

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, argument_of("number", self.name))
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
    description = msg("The smallest whole number not below the number.")
    sql_function = "ceil"

    def evaluate(self, value):
        return math.ceil(value)


class Abs(Function):
    name, aliases, signature = "ABS", ("绝对值",), "ABS(number)"
    description = msg("The number without its sign.")

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, argument_of("number", "ABS"))
        return FType.NUMBER if types[0] == FType.NULL else types[0]

    def evaluate(self, value):
        return abs(value)

    def to_sql(self, args, call):
        return sa.func.abs(args[0])


class Min(Function):
    name, aliases, signature = "MIN", ("最小值",), "MIN(value1, value2, ...)"
    description = msg("The smallest of the values, leaving out NULLs (NULL when all are NULL).")
    min_args, max_args = 1, None
    strict = False
    biggest = False

    def result_type(self, types, nodes):
        for i in range(len(types)):
            expect(types, i, MIN_MAX_TYPES, msg("argument %(n)s of %(fn)s", n=i + 1, fn=self.name))
        return unify_all(types, range(len(types)), argument_of("values", self.name))

    def python(self, fns, call):
        if len(fns) == 2:
            return self.pick_of_two(fns, call)
        pick = max if self.biggest else min

        def run(record: Mapping) -> Any:
            values = [v for f in fns if (v := f(record)) is not None]
            return pick(values) if values else None
        return run

    def pick_of_two(self, fns, call):
        """MIN / MAX of two without a list; like the built-ins, the first unless the second is
        strictly smaller (larger)."""
        better = operator.gt if self.biggest else operator.lt
        first, second = fns
        if call.literal(1) and call.value(1) is not None:  # MAX({visits} * 2, 0)
            bound = call.value(1)
            return lambda record: (bound if (a := first(record)) is None or better(bound, a)
                                   else a)

        def run(record: Mapping) -> Any:
            a, b = first(record), second(record)
            if a is None or b is None:
                return b if a is None else a
            return b if better(b, a) else a
        return run

    def to_sql(self, args, call):
        return sqlparts.least(args, call.dialect, biggest=self.biggest)


class Max(Min):
    name, aliases, signature = "MAX", ("最大值",), "MAX(value1, value2, ...)"
    description = msg("The largest of the values, leaving out NULLs (NULL when all are NULL).")
    biggest = True


class Mod(Function):
    name, aliases, signature = "MOD", ("余数",), "MOD(number, divisor)"
    description = msg("The remainder of number divided by divisor, with the divisor's sign as in "
                      "spreadsheets (MOD(-3, 2) is 1); NULL when the divisor is 0.")
    min_args, max_args = 2, 2

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, argument_of("number", "MOD"))
        expect(types, 1, NUMERIC, argument_of("divisor", "MOD"))
        return FType.INTEGER if FType.NUMBER not in types else FType.NUMBER

    def python(self, fns, call):
        whole = FType.NUMBER not in call.types
        return strict(whole_mod if whole else decimal_mod, fns)

    def to_sql(self, args, call):
        a, b = args
        if FType.NUMBER not in call.types:
            b = sa.func.nullif(b, 0)
            return (a % b + b) % b  # SQL's % keeps the number's sign
        a, b = sqlparts.as_float(a), sa.func.nullif(sqlparts.as_float(b), 0)
        quotient = sqlparts.divide(a, b)
        floored = sqlparts.floor_float(quotient, call.dialect)
        return sa.case((sa.func.abs(quotient) < MOD_LIMIT, a - b * floored), else_=sa.null())


MOD_LIMIT = 2.0**53  # quotients beyond this have no exact floor in doubles


def whole_mod(a: int, b: int) -> int | None:
    return None if b == 0 else a % b


def decimal_mod(a: float, b: float) -> float | None:
    """a - b * FLOOR(a / b) in doubles, step by step as the databases compute it."""
    if b == 0:
        return None
    quotient = a / b
    return a - b * math.floor(quotient) if abs(quotient) < MOD_LIMIT else None


class Power(Function):
    name, aliases, signature = "POWER", ("乘方",), "POWER(number, power)"
    description = msg("The number raised to the power (a decimal). NULL when there is no real "
                      "result (a negative number to a fractional power, 0 to a negative power) "
                      "or it is too large or too close to 0 (beyond about 10^307).")
    min_args, max_args = 2, 2

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, argument_of("number", "POWER"))
        expect(types, 1, NUMERIC, argument_of("power", "POWER"))
        return FType.NUMBER

    def evaluate(self, base, power):
        base, power = float(base), float(power)
        if not power_defined(base, power):
            return None
        return math.pow(base, power)

    def to_sql(self, args, call):
        base, power = (sqlparts.as_float(a) for a in args)
        # the checks go into the argument: PostgreSQL fails on power(0, -1) even in an
        # untaken CASE branch when the arguments are constants
        defined = sa.and_(
            sa.not_(sa.and_(base == 0, power < 0)),
            sa.not_(sa.and_(base < 0, power != sqlparts.floor_float(power, call.dialect))),
            sa.or_(base == 0, sa.func.abs(power * sa.func.ln(
                sa.func.nullif(sa.func.abs(base), 0))) <= POWER_LIMIT))
        return sa.func.power(base, sa.case((defined, power), else_=sa.null()))


POWER_LIMIT = 709.0  # beyond e**709 or below e**-709 a double overflows or loses precision


def power_defined(base: float, power: float) -> bool:
    if base == 0:
        return power >= 0
    if base < 0 and power != math.floor(power):
        return False
    return abs(power * math.log(abs(base))) <= POWER_LIMIT


class Sqrt(Function):
    name, aliases, signature = "SQRT", ("平方根",), "SQRT(number)"
    description = msg("The square root of the number; NULL for a negative number.")

    def result_type(self, types, nodes):
        expect(types, 0, NUMERIC, argument_of("number", "SQRT"))
        return FType.NUMBER

    def evaluate(self, value):
        return math.sqrt(value) if value >= 0 else None

    def to_sql(self, args, call):
        value = sqlparts.as_float(args[0])
        return sa.func.sqrt(sa.case((value >= 0, value), else_=sa.null()))


MATH_FUNCTIONS = (Round, Floor, Ceil, Abs, Min, Max, Mod, Power, Sqrt)
