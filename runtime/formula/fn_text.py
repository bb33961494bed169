"""Text functions: LEN, LOWER, UPPER, TRIM, CONCAT, LEFT, RIGHT, MID, SUBSTITUTE, REPLACE,
CONTAINS, STARTSWITH, REGEX_MATCH.

LOWER and UPPER change ASCII letters the same way everywhere; other letters follow the
database's rules in SQL (SQLite leaves them alone) and Python's in closures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from metadata.messages import msg
from runtime.formula import sqlparts
from runtime.formula.ast import Literal
from runtime.formula.functions import ArgumentProblem, Function, argument_of, expect
from runtime.formula.types import FType
from runtime.formula.values import MAX_TEXT, join_texts, replace_at, substitute
from runtime.patterns import PatternError, compile_pattern

TEXT = (FType.TEXT,)
INTEGER = (FType.INTEGER,)
CONCATENABLE = (FType.TEXT, FType.INTEGER, FType.DATE)
MAX_PATTERN = 200


class TextFunction(Function):
    """One text argument, text (or ``result``) out."""

    result: FType = FType.TEXT

    def result_type(self, types, nodes):
        expect(types, 0, TEXT, argument_of("argument", self.name))
        return self.result


class Len(TextFunction):
    name, aliases, signature = "LEN", ("长度",), "LEN(text)"
    description = msg("The number of characters of the text.")
    result = FType.INTEGER

    def evaluate(self, value):
        return len(value)

    def to_sql(self, args, call):
        return sa.func.length(args[0])


class Lower(TextFunction):
    name, aliases, signature = "LOWER", ("小写",), "LOWER(text)"
    description = msg("The text in lower case.")

    def evaluate(self, value):
        return value.lower()

    def to_sql(self, args, call):
        return sa.func.lower(args[0])


class Upper(TextFunction):
    name, aliases, signature = "UPPER", ("大写",), "UPPER(text)"
    description = msg("The text in upper case.")

    def evaluate(self, value):
        return value.upper()

    def to_sql(self, args, call):
        return sa.func.upper(args[0])


class Trim(TextFunction):
    name, aliases, signature = "TRIM", ("去空格",), "TRIM(text)"
    description = msg("The text without spaces at either end.")

    def evaluate(self, value):
        return value.strip(" ")

    def to_sql(self, args, call):
        return sa.func.trim(args[0])


class Concat(Function):
    name, aliases, signature = "CONCAT", ("连接",), "CONCAT(value1, value2, ...)"
    description = msg("The values written one after the other; NULL counts as empty text (like &).")
    min_args, max_args = 1, None
    strict = False

    def null_argument(self, index, result):
        return FType.TEXT

    def result_type(self, types, nodes):
        for i in range(len(types)):
            expect(types, i, CONCATENABLE, msg("argument %(n)s of %(fn)s", n=i + 1,
                                               fn="CONCAT"))
        return FType.TEXT

    def python(self, fns, call):
        return lambda record: join_texts([f(record) for f in fns])

    def to_sql(self, args, call):
        return sqlparts.connection_function(
            "trellis_concat", [sqlparts.text_of(a, t, call.dialect)
                               for a, t in zip(args, call.types, strict=True)], call.dialect)


class Left(Function):
    name, aliases, signature = "LEFT", ("左",), "LEFT(text, count)"
    description = msg("The first count characters of the text.")
    min_args, max_args = 2, 2

    def result_type(self, types, nodes):
        expect(types, 0, TEXT, argument_of("text", self.name))
        expect(types, 1, INTEGER, argument_of("count", self.name))
        return FType.TEXT

    def evaluate(self, text, count):
        return text[:count] if count > 0 else ""

    def to_sql(self, args, call):
        text, count = args
        length = sa.case((count > 0, count), (count <= 0, 0), else_=sa.null())
        return sa.func.substr(text, 1, sqlparts.small_int(length, call.dialect))


class Right(Left):
    name, aliases, signature = "RIGHT", ("右",), "RIGHT(text, count)"
    description = msg("The last count characters of the text.")

    def evaluate(self, text, count):
        return text[-count:] if count > 0 else ""

    def to_sql(self, args, call):
        text, count = args
        length = sa.func.length(text)
        return sa.case((sa.or_(text.is_(None), count.is_(None)), sa.null()),
                       (count <= 0, ""), (count >= length, text),
                       else_=sa.func.substr(text, sa.cast(length - count + 1, sa.Integer())))


class Mid(Function):
    name, aliases, signature = "MID", ("截取",), "MID(text, start, count)"
    description = msg("count characters of the text from position start (the first character is "
                      "1); NULL when start is below 1 or count below 0.")
    min_args, max_args = 3, 3

    def result_type(self, types, nodes):
        expect(types, 0, TEXT, argument_of("text", "MID"))
        expect(types, 1, INTEGER, argument_of("start", "MID"))
        expect(types, 2, INTEGER, argument_of("count", "MID"))
        return FType.TEXT

    def evaluate(self, text, start, count):
        if start < 1 or count < 0:
            return None
        return text[start - 1:start - 1 + count]

    def to_sql(self, args, call):
        text, start, count = args
        part = sa.func.substr(text, sqlparts.small_int(start, call.dialect),
                              sqlparts.small_int(count, call.dialect))
        return sa.case((sa.or_(start < 1, count < 0), sa.null()), else_=part)


class Substitute(Function):
    name, aliases, signature = "SUBSTITUTE", ("替换",), "SUBSTITUTE(text, old, new)"
    description = msg("The text with every occurrence of old replaced by new (case-sensitive).")
    min_args, max_args = 3, 3

    def result_type(self, types, nodes):
        for i, what in enumerate(("text", "old text", "new text")):
            expect(types, i, TEXT, argument_of(what, "SUBSTITUTE"))
        return FType.TEXT

    def evaluate(self, text, old, new):
        return substitute(text, old, new)

    def to_sql(self, args, call):
        return sqlparts.connection_function("trellis_substitute", args, call.dialect)


class Replace(Function):
    name, aliases, signature = "REPLACE", ("替换位置",), "REPLACE(text, start, count, new)"
    description = msg("The text with count characters from position start (the first is 1) "
                      "replaced by new, as in spreadsheets; NULL when start is below 1 or count "
                      "below 0.")
    min_args, max_args = 4, 4

    def result_type(self, types, nodes):
        expect(types, 0, TEXT, argument_of("text", "REPLACE"))
        expect(types, 1, INTEGER, argument_of("start", "REPLACE"))
        expect(types, 2, INTEGER, argument_of("count", "REPLACE"))
        expect(types, 3, TEXT, argument_of("new text", "REPLACE"))
        return FType.TEXT

    def evaluate(self, text, start, count, new):
        return replace_at(text, start, count, new)

    def to_sql(self, args, call):
        return sqlparts.connection_function("trellis_replace", args, call.dialect)


class Contains(Function):
    name, aliases, signature = "CONTAINS", ("包含",), "CONTAINS(text_or_choices, part)"
    description = msg("TRUE when the text contains the part (case-sensitive), or when a "
                      "multi-select field has the choice.")
    min_args, max_args = 2, 2

    def choice_arguments(self, types):
        # CONTAINS({tags}, "热门") names a choice; CONTAINS({title}, "经理") a part of a text
        return ((0, 1),) if types[0] == FType.TEXT_LIST else ()

    def result_type(self, types, nodes):
        expect(types, 0, (FType.TEXT, FType.TEXT_LIST), argument_of("first argument", "CONTAINS"))
        expect(types, 1, TEXT, argument_of("second argument", "CONTAINS"))
        return FType.BOOLEAN

    def evaluate(self, whole, part):
        return part in whole

    def to_sql(self, args, call):
        if call.types[0] == FType.TEXT_LIST:
            return list_contains(args[0], args[1], call.dialect)
        return sqlparts.position(args[0], args[1], call.dialect) > 0


def list_contains(column: sa.ColumnElement, item: sa.ColumnElement, dialect: str
                  ) -> sa.ColumnElement:
    """Whether the JSON list ``column`` holds ``item``; NULL when either is NULL."""
    if dialect == sqlparts.PG:
        found = sa.func.jsonb_exists(column, item)
    else:
        each = sa.func.json_each(column).table_valued("value")
        found = sa.exists().where(each.c.value == item)
    return sa.case((sa.or_(column.is_(None), item.is_(None)), sa.null()), else_=found)


class StartsWith(Function):
    name, aliases, signature = "STARTSWITH", ("开头是",), "STARTSWITH(text, prefix)"
    description = msg("TRUE when the text begins with the prefix (case-sensitive).")
    min_args, max_args = 2, 2

    def result_type(self, types, nodes):
        expect(types, 0, TEXT, argument_of("text", "STARTSWITH"))
        expect(types, 1, TEXT, argument_of("prefix", "STARTSWITH"))
        return FType.BOOLEAN

    def evaluate(self, text, prefix):
        return text.startswith(prefix)

    def to_sql(self, args, call):
        text, prefix = args
        # .op(), not ==: with a NULL prefix SQLAlchemy would write IS NULL (TRUE), not NULL
        return sa.func.substr(text, 1, sa.func.length(prefix)).op("=", is_comparison=True)(
            prefix)


class RegexMatch(Function):
    name, aliases, signature = "REGEX_MATCH", ("正则匹配",), "REGEX_MATCH(text, \"pattern\")"
    description = msg("TRUE when the pattern (a regular expression written in the formula, in "
                      "RE2 syntax: see Regular expressions above) matches somewhere in the text. "
                      "Not available in list filters.")
    min_args, max_args = 2, 2
    sql = False

    def result_type(self, types, nodes):
        expect(types, 0, TEXT, argument_of("text", "REGEX_MATCH"))
        pattern = nodes[1]
        if not isinstance(pattern, Literal) or not isinstance(pattern.value, str):
            raise ArgumentProblem(msg("the pattern of REGEX_MATCH must be written as text in "
                                      "quotes"), 1)
        if len(pattern.value) > MAX_PATTERN:
            raise ArgumentProblem(msg("the pattern is longer than %(n)s characters",
                                      n=MAX_PATTERN), 1)
        try:
            compile_pattern(pattern.value)
        except PatternError as exc:
            # the offset counts from the opening quote (a doubled quote before it is one off)
            offset = 0 if exc.offset is None else exc.offset + 1
            raise ArgumentProblem(msg("the pattern %(problem)s", problem=exc.message), 1,
                                  offset) from None
        return FType.BOOLEAN

    def python(self, fns, call):
        text = fns[0]
        search = compile_pattern(call.nodes[1].value).search

        def run(record: Mapping) -> Any:
            value = text(record)
            return None if value is None else search(value[:MAX_TEXT]) is not None
        return run


TEXT_FUNCTIONS = (Len, Lower, Upper, Trim, Concat, Left, Right, Mid, Substitute, Replace,
                  Contains, StartsWith, RegexMatch)
