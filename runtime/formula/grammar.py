"""Parse formula source text into the AST, with errors a business user can act on.

The lark LALR parser is built once per process (on first use, not at import) and builds the AST
while parsing, with no recursion, so deeply nested input fails cleanly with a FormulaError.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from metadata.messages import Message, msg
from runtime.formula.ast import (
    MAX_DEPTH,
    Binary,
    Call,
    FieldRef,
    ListLiteral,
    Literal,
    Node,
    Unary,
)
from runtime.formula.errors import FormulaError

MAX_SOURCE = 10_000  # characters of formula text
INT_LIMIT = 2**63 - 1
OPERATORS = {"×": "*", "÷": "/", "−": "-", "!=": "<>"}
VALUE_STARTS = {"NUMBER", "STRING", "TRUE", "FALSE", "NULL", "FIELD", "LBRACKET", "NAME",
                "LPAR", "MINUS", "PLUS", "NOT", "AND", "OR"}
OPENERS = {"LPAR": "RPAR", "LBRACKET": "RBRACKET"}
QUOTES = "\"'“‘"
Built = tuple[Node, int]  # a node and its depth, while parsing


class _Located(Exception):
    """A problem found while building the AST, at an offset of the source."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.message = message
        self.position = position


class _Builder(Transformer):
    """Callbacks lark runs as it reduces each rule; each returns (node, depth)."""

    def _make(self, node: Node, *parts: Built) -> Built:
        level = 1 + max((d for _, d in parts), default=0)
        if level > MAX_DEPTH:
            raise _Located(msg("the formula is nested more than %(n)s levels deep",
                               n=MAX_DEPTH), node.pos)
        return node, level

    def number(self, children: list[Token]) -> Built:
        (tok,) = children
        text = str(tok)
        value: int | float = float(text) if any(c in text for c in ".eE") else int(text)
        if abs(value) > INT_LIMIT:
            raise _Located(msg("the number %(number)s is too large", number=text),
                           tok.start_pos)
        return self._make(Literal(tok.start_pos, value))

    def string(self, children: list[Token]) -> Built:
        (tok,) = children
        quote, body = tok[0], tok[1:-1]
        if quote in "\"'":
            body = body.replace(quote * 2, quote)
        return self._make(Literal(tok.start_pos, body))

    def true(self, children: list[Token]) -> Built:
        return self._make(Literal(children[0].start_pos, True))

    def false(self, children: list[Token]) -> Built:
        return self._make(Literal(children[0].start_pos, False))

    def null(self, children: list[Token]) -> Built:
        return self._make(Literal(children[0].start_pos, None))

    def field(self, children: list[Token]) -> Built:
        (tok,) = children
        parts = [p.strip() for p in tok[1:-1].split(".")]
        if not parts[-1] or not parts[0]:
            raise _Located(msg("%(ref)s does not name a field", ref=str(tok)), tok.start_pos)
        if len(parts) > 2:
            raise _Located(msg("%(ref)s goes more than one step through related forms; only "
                               "{relation.field} is allowed", ref=str(tok)), tok.start_pos)
        relation, key = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
        return self._make(FieldRef(tok.start_pos, key, relation))

    def list(self, children: list) -> Built:
        items = [c for c in children if isinstance(c, tuple)]
        node = ListLiteral(children[0].start_pos, tuple(n for n, _ in items))
        return self._make(node, *items)

    def call(self, children: list) -> Built:
        name_tree, *rest = children
        name = name_tree.children[0]
        args = [c for c in rest if isinstance(c, tuple)]
        node = Call(name.start_pos, str(name), tuple(n for n, _ in args))
        return self._make(node, *args)

    def group(self, children: list) -> Built:
        return children[1]

    def negate(self, children: list) -> Built:
        op, operand = children
        return self._make(Unary(op.start_pos, "-", operand[0]), operand)

    def plus(self, children: list) -> Built:
        return children[1]

    def not_op(self, children: list) -> Built:
        op, operand = children
        return self._make(Unary(op.start_pos, "NOT", operand[0]), operand)

    def _binary(self, children: list, op: str | None = None) -> Built:
        left, tok, right = children
        name = op or OPERATORS.get(str(tok), str(tok))
        return self._make(Binary(tok.start_pos, name, left[0], right[0]), left, right)

    def arith(self, children: list) -> Built:
        return self._binary(children)

    def concat_op(self, children: list) -> Built:
        return self._binary(children)

    def compare(self, children: list) -> Built:
        return self._binary(children)

    def in_op(self, children: list) -> Built:
        return self._binary(children, "IN")

    def not_in_op(self, children: list) -> Built:
        return self._binary(children, "NOT IN")

    def and_op(self, children: list) -> Built:
        return self._binary(children, "AND")

    def or_op(self, children: list) -> Built:
        return self._binary(children, "OR")


@cache
def _grammar() -> str:
    return resources.files("runtime.formula").joinpath("formula.lark").read_text("utf-8")


@cache
def _lexer() -> Lark:
    """A parser used only to split text into tokens, for error messages."""
    return Lark(_grammar(), parser="lalr", lexer="basic")


@cache
def _parser() -> Lark:
    return Lark(_grammar(), parser="lalr", lexer="basic", transformer=_Builder())


def parse(source: str) -> Node:
    """The AST of ``source``; a FormulaError tells what is wrong and where."""
    if not isinstance(source, str):
        raise FormulaError(msg("a formula must be text"))
    if len(source) > MAX_SOURCE:
        raise FormulaError(msg("the formula is longer than %(n)s characters", n=MAX_SOURCE))
    if not source.strip():
        raise FormulaError(msg("the formula is empty"), 0, 1, 1)
    if "\x00" in source:  # no database stores it, PostgreSQL refuses it even as a parameter
        raise _fail(msg("a formula must not contain NUL characters (\\u0000)"), source,
                    source.index("\x00"))
    try:
        node, _ = _parser().parse(source)
    except _Located as exc:
        raise _fail(exc.message, source, exc.position) from None
    except UnexpectedCharacters as exc:
        raise _character_error(source, exc.pos_in_stream) from None
    except UnexpectedToken as exc:
        raise _token_error(source, exc) from None
    return node


def where(source: str, position: int) -> Message:
    """``column 12``, or ``line 2, column 3`` in a formula of several lines."""
    err = FormulaError.at("", source, position)
    if "\n" in source:
        return msg("line %(line)s, column %(column)s", line=err.line, column=err.column)
    return msg("column %(column)s", column=err.column)


def _fail(message: Message, source: str, position: int) -> FormulaError:
    return FormulaError.at(msg("%(problem)s at %(where)s", problem=message,
                               where=where(source, position)), source, position)


def _character_error(source: str, position: int) -> FormulaError:
    char = source[position]
    if char in QUOTES:
        return _fail(msg("unclosed string: the text starting here has no closing quote"),
                     source, position)
    if char == "{":
        return _fail(msg("unclosed field reference: '{' has no matching '}'"), source,
                     position)
    if char == "}":
        return _fail(msg("'}' has no matching '{'"), source, position)
    return _fail(msg("unknown character '%(char)s'", char=char), source, position)


def _tokens_before(source: str, position: int) -> list[Token]:
    return [t for t in _lexer().lex(source[:position]) if t.start_pos < position]


def _unclosed(tokens: list[Token]) -> Token | None:
    """The innermost '(' or '[' that is still open after ``tokens``."""
    stack: list[Token] = []
    for tok in tokens:
        if tok.type in OPENERS:
            stack.append(tok)
        elif tok.type in OPENERS.values() and stack:
            stack.pop()
    return stack[-1] if stack else None


def _token_error(source: str, exc: UnexpectedToken) -> FormulaError:
    tok = exc.token
    at_end = tok.type == "$END"
    position = len(source.rstrip()) if at_end else tok.start_pos
    before = _tokens_before(source, position)
    prev = before[-1] if before else None
    if prev is not None and prev.type == "NAME" and "LPAR" in exc.expected:
        return _fail(msg("'%(name)s' is not a value: write a field as {%(name)s}, text in "
                         "quotes (\"%(name)s\") or a function call as %(name)s(...)",
                         name=str(prev)), source, prev.start_pos)
    if exc.expected & VALUE_STARTS and tok.type not in VALUE_STARTS:
        if prev is None:
            return _fail(msg("the formula must start with a value, not '%(token)s'",
                             token=str(tok)), source, position)
        if prev.type not in OPENERS or at_end:
            message = (msg("expected a value after '%(prev)s'", prev=str(prev)) if at_end
                       else msg("expected a value after '%(prev)s', found '%(token)s'",
                                prev=str(prev), token=str(tok)))
            return _fail(message, source, prev.start_pos)
    opener = _unclosed(before)
    if at_end and opener is not None:
        closer = ")" if opener.type == "LPAR" else "]"
        return _fail(msg("missing '%(closer)s' to close the '%(opener)s'", closer=closer,
                         opener=str(opener)), source, opener.start_pos)
    if tok.type in OPENERS.values() and (opener is None or OPENERS[opener.type] != tok.type):
        return _fail(msg("'%(token)s' has nothing to close", token=str(tok)), source, position)
    if at_end:
        return _fail(msg("the formula ends too early"), source, position)
    return _fail(msg("unexpected '%(token)s' — is an operator or a comma missing before it?",
                     token=str(tok)), source, position)
