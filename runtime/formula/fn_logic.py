"""Logic functions: IF, IFS, AND, OR, NOT, ISBLANK, COALESCE."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.formula.functions import (
    ArgumentProblem,
    CallContext,
    Fn,
    Function,
    argument_of,
    expect,
)
from runtime.formula.types import FType, describe, unify

BOOL = (FType.BOOLEAN,)


def unify_all(types: Sequence[FType], indexes: Sequence[int], what: str) -> FType:
    result = FType.NULL
    for i in indexes:
        joined = unify(result, types[i])
        if joined is None:
            raise ArgumentProblem(msg("%(what)s must all be of one type: %(first)s and "
                                      "%(other)s do not mix", what=what,
                                      first=describe(result), other=describe(types[i])), i)
        result = joined
    return result


def connective(fns: Sequence[Fn], wins: bool) -> Fn:
    """Three-valued AND (``wins`` FALSE) or OR (``wins`` TRUE) of the values of ``fns``, as
    SQL: the winning value wins, then NULL. Every operand is evaluated, whatever the first
    ones give."""
    loses = not wins
    if len(fns) == 2:
        left, right = fns

        def two(record: Mapping) -> Any:
            a, b = left(record), right(record)
            if a is wins or b is wins:
                return wins
            return None if a is None or b is None else loses
        return two

    def many(record: Mapping) -> Any:
        result = loses
        for f in fns:
            value = f(record)
            if value is wins:
                result = wins
            elif value is None and result is loses:
                result = None
        return result
    return many


def and_fns(fns: Sequence[Fn]) -> Fn:
    return connective(fns, wins=False)


def or_fns(fns: Sequence[Fn]) -> Fn:
    return connective(fns, wins=True)


def null(record: Mapping) -> None:
    return None


class If(Function):
    name, aliases = "IF", ("如果",)
    signature = "IF(condition, value_if_true, value_if_false)"
    description = msg("The second value when the condition is TRUE, else the third (or NULL).")
    min_args, max_args = 2, 3
    strict = False

    def null_argument(self, index, result):
        return FType.BOOLEAN if index == 0 else result

    def result_type(self, types, nodes):
        expect(types, 0, BOOL, argument_of("condition", "IF"))
        return unify_all(types, range(1, len(types)), argument_of("values", "IF"))

    def python(self, fns, call):
        cond, then = fns[0], fns[1]
        other = fns[2] if len(fns) == 3 else null
        # constant values, the usual case (IF(..., 25, 0)), are returned without a call
        if call.literal(1):
            yes = call.value(1)
            if other is null or call.literal(2):
                no = None if other is null else call.value(2)
                return lambda record: yes if cond(record) is True else no
            return lambda record: yes if cond(record) is True else other(record)
        return lambda record: then(record) if cond(record) is True else other(record)

    def to_sql(self, args, call):
        return sa.case((args[0], args[1]), else_=args[2] if len(args) == 3 else sa.null())


def first_true(pairs: list[tuple[Fn, Fn]], otherwise: Fn) -> Fn:
    """The value of the first pair whose condition is TRUE, else ``otherwise``'s."""
    def run(record: Mapping) -> Any:
        for cond, value in pairs:
            if cond(record) is True:
                return value(record)
        return otherwise(record)
    return run


def first_true_constant(pairs: list[tuple[Fn, Any]], otherwise: Any) -> Fn:
    """``first_true`` for values written as constants."""
    def run(record: Mapping) -> Any:
        for cond, value in pairs:
            if cond(record) is True:
                return value
        return otherwise
    return run


class Ifs(Function):
    name, aliases = "IFS", ("多条件",)
    signature = "IFS(condition1, value1, condition2, value2, ...)"
    description = msg("The value after the first TRUE condition, NULL when none is TRUE.")
    min_args, max_args = 2, None
    strict = False

    def null_argument(self, index, result):
        return result if index % 2 else FType.BOOLEAN

    def result_type(self, types, nodes):
        if len(types) % 2:
            raise ArgumentProblem(msg("IFS takes pairs of a condition and a value"))
        for i in range(0, len(types), 2):
            expect(types, i, BOOL, msg("condition %(n)s of IFS", n=i // 2 + 1))
        return unify_all(types, range(1, len(types), 2), argument_of("values", "IFS"))

    def python(self, fns, call):
        pairs = [(i, i + 1) for i in range(0, len(fns), 2)]  # argument indexes
        otherwise = None  # the index of the value when no condition is TRUE
        for n, (cond, value) in enumerate(pairs):
            if call.literal(cond) and call.value(cond) is True:  # IFS(..., TRUE, 0): an else
                pairs, otherwise = pairs[:n], value
                break
        if all(call.literal(value) for _, value in pairs) and (
                otherwise is None or call.literal(otherwise)):
            return first_true_constant([(fns[cond], call.value(value)) for cond, value in pairs],
                                       None if otherwise is None else call.value(otherwise))
        return first_true([(fns[cond], fns[value]) for cond, value in pairs],
                          null if otherwise is None else fns[otherwise])

    def to_sql(self, args, call):
        return sa.case(*zip(args[::2], args[1::2], strict=True), else_=sa.null())


class And(Function):
    name, aliases = "AND", ("并且",)
    signature = "AND(condition1, condition2, ...)"
    description = msg("TRUE when every condition is TRUE; FALSE when any is FALSE; else NULL.")
    min_args, max_args = 1, None
    strict = False

    def null_argument(self, index, result):
        return FType.BOOLEAN

    def result_type(self, types, nodes):
        for i in range(len(types)):
            expect(types, i, BOOL, msg("argument %(n)s of %(fn)s", n=i + 1, fn=self.name))
        return FType.BOOLEAN

    def python(self, fns, call):
        return and_fns(fns)

    def to_sql(self, args, call):
        return sa.and_(*args)


class Or(And):
    name, aliases = "OR", ("或者",)
    signature = "OR(condition1, condition2, ...)"
    description = msg("TRUE when any condition is TRUE; FALSE when all are FALSE; else NULL.")

    def python(self, fns, call):
        return or_fns(fns)

    def to_sql(self, args, call):
        return sa.or_(*args)


class Not(Function):
    name, aliases = "NOT", ("非",)
    signature = "NOT(condition)"
    description = msg("TRUE for FALSE, FALSE for TRUE, NULL for NULL.")

    def result_type(self, types, nodes):
        expect(types, 0, BOOL, argument_of("argument", "NOT"))
        return FType.BOOLEAN

    def evaluate(self, value: Any) -> Any:
        return not value

    def to_sql(self, args, call):
        return sa.not_(args[0])


class IsBlank(Function):
    name, aliases = "ISBLANK", ("为空",)
    signature = "ISBLANK(value)"
    description = msg("TRUE when the value is NULL, empty text or an empty list.")
    strict = False

    def result_type(self, types, nodes):
        return FType.BOOLEAN

    def python(self, fns: Sequence[Fn], call: CallContext) -> Fn:
        f = fns[0]
        return lambda record: (v := f(record)) is None or v == "" or v == []  # is_blank

    def to_sql(self, args, call):
        if call.types[0] == FType.TEXT:
            return sa.or_(args[0].is_(None), args[0] == "")
        return args[0].is_(None)


class Coalesce(Function):
    name, aliases = "COALESCE", ("首个非空",)
    signature = "COALESCE(value1, value2, ...)"
    description = msg("The first value that is not NULL (empty text counts as a value).")
    min_args, max_args = 1, None
    strict = False

    def result_type(self, types, nodes):
        return unify_all(types, range(len(types)), argument_of("values", "COALESCE"))

    def python(self, fns, call):
        if len(fns) == 1:
            return fns[0]
        if len(fns) == 2:
            first, second = fns
            if call.literal(1):
                fallback = call.value(1)
                return lambda record: fallback if (v := first(record)) is None else v
            return lambda record: second(record) if (v := first(record)) is None else v

        def run(record: Mapping) -> Any:
            for f in fns:
                value = f(record)
                if value is not None:
                    return value
            return None
        return run

    def to_sql(self, args, call):
        return sa.func.coalesce(*args) if len(args) > 1 else args[0]


LOGIC_FUNCTIONS = (If, Ifs, And, Or, Not, IsBlank, Coalesce)
