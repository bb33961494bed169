"""Names in formulas as designers write them: a field by its key or its label (``{hang_ye}``
or ``{行业}``), a choice of a select field by its value or its label (``"金融"``).

A key always wins over a label, and a choice's value over a label, so what resolves once keeps
resolving. A name that fits several fields or choices is refused with the candidates; one that
fits none gets a "did you mean" over keys and labels alike. Formulas are stored with keys
(``keyed_source``) and shown with labels (``labelled_source``), so renaming a label never
breaks a formula.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from metadata.labels import label_text
from metadata.messages import Message, listing, msg, quoted, texts
from runtime.formula.ast import FieldRef
from runtime.formula.errors import FormulaError
from runtime.formula.grammar import parse
from runtime.formula.types import Choice, Scope

UNWRITABLE = set("{}.\n")  # a label holding one of these cannot stand between braces
MAX_LISTED = 12  # choices named in a message


class NameProblem(Exception):
    """A name that does not resolve; the message says why and offers the candidates."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def close_match(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    close = difflib.get_close_matches(word, list(dict.fromkeys(candidates)), n=1,
                                      cutoff=cutoff)
    return close[0] if close else None


# -- fields -----------------------------------------------------------------------------------
def _labelled(scope: Scope, among: Iterable[str]) -> dict[str, list[str]]:
    """Each label of the fields ``among`` → the keys it names (usually one)."""
    out: dict[str, list[str]] = {}
    for key in among:
        for text in dict.fromkeys(scope.labels.get(key, {}).values()):
            out.setdefault(text, []).append(key)
    return out


def field_key(scope: Scope, name: str, among: Iterable[str] | None = None) -> str | None:
    """The key of the field ``name`` names (a key, else a label; letter case aside when only
    that differs) among ``among`` (default: the fields formulas may read), or None; a label
    of several fields raises NameProblem naming them."""
    keys = list(scope.fields if among is None else among)
    if name in keys:
        return name
    labelled = _labelled(scope, keys)
    found = labelled.get(name)
    if found is None:
        folded = name.casefold()
        found = [k for text, ks in labelled.items() if text.casefold() == folded for k in ks]
    found = list(dict.fromkeys(found))
    if len(found) > 1:
        raise NameProblem(msg("{%(name)s} could be several fields: %(candidates)s — write "
                              "the one you mean by its key", name=name,
                              candidates=listing([f"{{{k}}}" for k in found])))
    return found[0] if found else None


def field_suggestion(scope: Scope, name: str) -> str | None:
    """The key or label closest to ``name`` among the fields formulas may read."""
    keys = list(scope.fields)
    return close_match(name, [*keys, *_labelled(scope, keys)])


def field_name(scope: Scope, key: str, lang: str, among: Iterable[str] | None = None) -> str:
    """How a formula shows ``key`` to a reader of ``lang``: its label when that names it and
    nothing else (it resolves back to ``key``), else the key."""
    label = label_text(scope.labels.get(key) or {}, lang).strip()
    if not label or UNWRITABLE & set(label) or label != label.strip():
        return key
    try:
        return label if field_key(scope, label, among) == key else key
    except NameProblem:
        return key


# -- choices ----------------------------------------------------------------------------------
def choice_value(choices: Iterable[Choice], text: str) -> str | None:
    """The stored value of the choice ``text`` names (its value, else one of its labels), or
    None; a label of several choices raises NameProblem."""
    choices = list(choices)
    if any(c.value == text for c in choices):
        return text
    found = list(dict.fromkeys(c.value for c in choices if text in c.labels.values()))
    if len(found) > 1:
        raise NameProblem(msg("%(text)s is the label of several choices: %(values)s — write "
                              "the value of the one you mean", text=quoted(text),
                              values=listing([quoted(v) for v in found])))
    return found[0] if found else None


def not_a_choice(choices: Iterable[Choice], text: str, field_label: Mapping[str, str] | str
                 ) -> Message:
    """``"金融" is not a choice of {行业}; the choices are …`` (with "did you mean")."""
    choices = list(choices)
    shown = [texts(c.labels) if c.labels else c.value for c in choices[:MAX_LISTED]]
    listed = listing([*shown, "…"] if len(choices) > MAX_LISTED else shown)
    # choices are short words: one character of two wrong ("零兽") is still worth a suggestion
    close = close_match(text, [n for c in choices for n in c.names()], cutoff=0.5)
    if close is not None:
        return msg("%(text)s is not a choice of {%(field)s} — did you mean %(close)s? The "
                   "choices are %(choices)s", text=quoted(text), field=texts(field_label),
                   close=quoted(close), choices=listed)
    return msg("%(text)s is not a choice of {%(field)s}; the choices are %(choices)s",
               text=quoted(text), field=texts(field_label), choices=listed)


# -- sources ----------------------------------------------------------------------------------
def rewrite_refs(source: str, refs: Mapping[int, str]) -> str:
    """``source`` with the field reference starting at each position of ``refs`` written as
    ``{path}`` (a reference spans from its '{' to the first '}' after it)."""
    out, last = [], 0
    for pos in sorted(refs):
        end = source.index("}", pos) + 1
        out += [source[last:pos], "{" + refs[pos] + "}"]
        last = end
    return "".join([*out, source[last:]])


def labelled_source(source: str, scope: Scope, lang: str) -> str:
    """``source`` (with keys) as a designer of ``lang`` reads it: each field reference by its
    label wherever that label names the same field. A formula that does not parse, or names
    what ``scope`` does not know, is left as it is where it does not resolve."""
    try:
        node = parse(source)
    except FormulaError:
        return source
    refs: dict[int, str] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        stack.extend(current.children())
        if isinstance(current, FieldRef):
            shown = _shown_path(scope, current, lang)
            if shown is not None and shown != current.path:
                refs[current.pos] = shown
    return rewrite_refs(source, refs) if refs else source


def _shown_path(scope: Scope, ref: FieldRef, lang: str) -> str | None:
    if ref.relation is None:
        return field_name(scope, ref.key, lang) if ref.key in scope.fields else None
    everything = [*scope.fields, *scope.labels]
    if ref.relation not in everything:
        return None
    inner = scope.rows.get(ref.relation) or scope.related(ref.relation)
    if inner is None or ref.key not in inner.fields:
        return None
    return (f"{field_name(scope, ref.relation, lang, everything)}."
            f"{field_name(inner, ref.key, lang)}")
