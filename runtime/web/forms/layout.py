"""The arrangement of a generated form: tabs of titled sections of 1–4 column grids, where a
field may span several columns of its section (``spans``).

Built from the form document's ``layout``; fields it does not place follow the last section,
and a form without a layout is one untitled section of two columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from runtime.fields.base import label_text

DEFAULT_COLUMNS = 2


class Placed(Protocol):
    key: str
    error: str


@dataclass
class SectionVM:
    label: str
    columns: int
    fields: list[Any] = field(default_factory=list)
    arranged: bool = True  # False: the form has no layout; the stylesheet's flow applies
    spans: dict[str, int] = field(default_factory=dict)  # key -> columns, only those over 1

    def span(self, key: str) -> int:
        """How many of the section's columns the field ``key`` takes."""
        return self.spans.get(key, 1)


@dataclass
class TabVM:
    label: str
    dom_id: str
    sections: list[SectionVM] = field(default_factory=list)
    has_error: bool = False
    active: bool = False


def _columns(raw: Any, default: int = DEFAULT_COLUMNS) -> int:
    return raw if isinstance(raw, int) and 1 <= raw <= 4 else default


def _spans(raw: Any, keys: list[str], columns: int) -> dict[str, int]:
    """The widths of the section's fields, each within the section's columns."""
    spans = raw if isinstance(raw, Mapping) else {}
    out = {}
    for key in keys:
        span = spans.get(key)
        if isinstance(span, int) and span > 1 and columns > 1:
            out[key] = min(span, columns)
    return out


def layout_tabs(layout: Mapping | None, fields: Sequence[Placed], lang: str,
                prefix: str = "tab") -> list[TabVM]:
    """The tabs a form page prints: ``fields`` (already filtered to what the person may see)
    placed by ``layout``; empty sections and tabs are left out."""
    by_key = {f.key: f for f in fields}
    placed: set[str] = set()
    tabs: list[TabVM] = []
    for n, tab in enumerate((layout or {}).get("tabs") or []):
        vm = TabVM(label=label_text(tab.get("label"), lang), dom_id=f"{prefix}-{n}")
        for section in tab.get("sections") or []:
            keys = [k for k in section.get("fields") or [] if k in by_key and k not in placed]
            placed.update(keys)
            columns = _columns(section.get("columns"), 1)
            vm.sections.append(SectionVM(label_text(section.get("label"), lang), columns,
                                         [by_key[k] for k in keys],
                                         spans=_spans(section.get("spans"), keys, columns)))
        tabs.append(vm)
    rest = [f for f in fields if f.key not in placed]
    if not tabs:
        tabs.append(TabVM(label="", dom_id=f"{prefix}-0"))
    if rest:
        last = tabs[-1].sections[-1].columns if tabs[-1].sections else DEFAULT_COLUMNS
        tabs[-1].sections.append(SectionVM("", last, rest, arranged=layout_given(layout)))
    return _shown(tabs)


def layout_given(layout: Mapping | None) -> bool:
    return bool((layout or {}).get("tabs"))


def _shown(tabs: list[TabVM]) -> list[TabVM]:
    out = []
    for tab in tabs:
        tab.sections = [s for s in tab.sections if s.fields]
        if not tab.sections:
            continue
        tab.has_error = any(f.error for s in tab.sections for f in s.fields)
        out.append(tab)
    if out:
        (next((t for t in out if t.has_error), out[0])).active = True
    return out
