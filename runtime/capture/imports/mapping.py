"""Which column of a spreadsheet goes to which field: suggested from the column names (labels
in both languages, keys, and the words people use — ``synonyms.json``), edited by the person
importing, checked, and used to turn a row of cells into a record's values and its touch.

A mapping is ``{column name: target}``; a target is a field key or ``_touch.<part>`` (the
campaign part of the row's arrival: source, medium, campaign, term, content); a column mapped
to nothing (or left out) is not imported.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from metadata.errors import Problem
from metadata.messages import msg, quoted
from runtime.arrivals import PARTS, Touch
from runtime.fields.base import FieldType, label_text
from runtime.forms.plan import FormPlan

TOUCH_TARGET = "_touch."
LIST_SEPARATORS = re.compile(r"\s*[,，;；、|]\s*")
CLOSE_ENOUGH = 0.8  # a column name this similar to a label is suggested


@cache
def synonyms() -> dict[str, frozenset[str]]:
    raw = json.loads((Path(__file__).with_name("synonyms.json")).read_text(encoding="utf-8"))
    return {group: frozenset(squash(w) for w in words) for group, words in raw.items()
            if not group.startswith("_")}


def squash(name: str) -> str:
    """A column name as compared: NFKC, lower case, no spaces, underscores or punctuation."""
    text = unicodedata.normalize("NFKC", name).lower()
    return "".join(c for c in text if c.isalnum())


def importable(plan: FormPlan) -> list[dict]:
    """The fields a column may fill: those people enter, kept in the record's row."""
    return [f for f in plan.fields
            if not (plan.types[f["type"]].generated or plan.types[f["type"]].calculated
                    or plan.types[f["type"]].separate(f))]


def targets(plan: FormPlan, lang: str) -> list[tuple[str, str]]:
    """(target, what a person reads) of every target a column may have."""
    fields = [(f["key"], label_text(f.get("label"), lang) or f["key"]) for f in importable(plan)]
    return fields + [(TOUCH_TARGET + p, p) for p in PARTS]


def _names(fld: Mapping, type_key: str) -> set[str]:
    names = {squash(fld["key"])}
    label = fld.get("label")
    for text in (label.values() if isinstance(label, dict) else [label]):
        if isinstance(text, str) and squash(text):
            names.add(squash(text))
    groups = synonyms()
    words = set()
    for group, members in groups.items():
        if group == type_key or names & members or squash(group) in names:
            words |= members
    return names | words


def suggest(header: Sequence[str], plan: FormPlan) -> dict[str, str | None]:
    """A target for each column that names a field: exactly (its key or label), by a word
    people use for it, or closely; each field at most once, the surest match first."""
    fields = importable(plan)
    scored = []
    for column in header:
        name = squash(column)
        if not name:
            continue
        for fld in fields:
            own = {squash(fld["key"])} | {squash(t) for t in _label_texts(fld)}
            if name in own:
                score = 1.0
            elif name in _names(fld, fld["type"]):
                score = 0.95
            else:
                score = max((difflib.SequenceMatcher(None, name, o).ratio() for o in own),
                            default=0.0)
            if score >= CLOSE_ENOUGH:
                scored.append((score, column, fld["key"]))
    chosen: dict[str, str | None] = dict.fromkeys(header)
    used: set[str] = set()
    for _score, column, key in sorted(scored, key=lambda s: -s[0]):
        if chosen[column] is None and key not in used:
            chosen[column], used = key, used | {key}
    return chosen


def _label_texts(fld: Mapping) -> list[str]:
    label = fld.get("label")
    texts = label.values() if isinstance(label, dict) else [label]
    return [t for t in texts if isinstance(t, str)]


def check(mapping: Any, header: Sequence[str], plan: FormPlan) -> list[Problem]:
    """Problems of a mapping sent by a person or a client, with paths into it."""
    if not isinstance(mapping, dict):
        return [Problem("/mapping", msg("must be an object of column name → field key"))]
    problems = []
    allowed = {f["key"] for f in importable(plan)} | {TOUCH_TARGET + p for p in PARTS}
    seen: dict[str, str] = {}
    for column, target in mapping.items():
        at = "/mapping/" + column.replace("~", "~0").replace("/", "~1")
        if column not in header:
            problems.append(Problem(at, msg("the file has no column %(column)s; its columns "
                                            "are %(columns)s", column=quoted(column),
                                            columns=", ".join(header))))
        elif target is None or target == "":
            continue
        elif not isinstance(target, str) or target not in allowed:
            problems.append(Problem(at, msg("%(target)s is not a field that can be imported",
                                            target=quoted(str(target)))))
        elif target in seen:
            problems.append(Problem(at, msg("%(target)s is already filled from column "
                                            "%(column)s", target=quoted(target),
                                            column=quoted(seen[target]))))
        else:
            seen[target] = column
    if not seen and not problems:
        problems.append(Problem("/mapping", msg("map at least one column to a field")))
    return problems


class RowReader:
    """Turns a row of cells into a record's values and its touch, by a checked mapping."""

    def __init__(self, mapping: Mapping[str, str | None], header: Sequence[str],
                 plan: FormPlan, channel_ref: str):
        self.plan = plan
        self.ref = channel_ref  # "import:<id>": each row's touch refers to its row
        by_key = {f["key"]: f for f in plan.fields}
        self.columns = [(header.index(column), target, by_key.get(target))
                        for column, target in mapping.items() if target and column in header]
        self.touch_columns = [(index, target[len(TOUCH_TARGET):])
                              for index, target, _ in self.columns
                              if target.startswith(TOUCH_TARGET)]
        # the field columns with their type and value kind, looked up once, not per cell
        self.fields = [(index, target, fld, plan.types[fld["type"]],
                        plan.types[fld["type"]].value_schema(fld).get("type"))
                       for index, target, fld in self.columns if fld is not None]

    def values(self, cells: Sequence[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        width = len(cells)
        for index, target, fld, ftype, kind in self.fields:
            cell = cells[index] if index < width else None
            out[target] = self._cell(cell, fld, ftype, kind)
        return out

    def touch(self, cells: Sequence[Any], row: int) -> Touch:
        ref = f"{self.ref}:row:{row}"
        if not self.touch_columns:
            return Touch("import", ref=ref)
        parts = {part: cells[index] for index, part in self.touch_columns
                 if index < len(cells)}
        return Touch.from_params("import", parts, ref=ref)

    @staticmethod
    def _cell(cell: Any, fld: Mapping, ftype: FieldType, kind: Any) -> Any:
        """A cell as the field's API value: blank is empty; a list field's cell is split at
        commas, semicolons or 、; a yes/no cell is read as the form page reads it."""
        if isinstance(cell, str):
            cell = cell.strip()
            if not cell:
                return None
            if kind == "array":
                return [part for part in LIST_SEPARATORS.split(cell) if part]
            if kind == "boolean":
                return ftype.parse_form([cell], fld)
        return cell
