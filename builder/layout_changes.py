"""Changes of a form's layout (tabs of sections of fields) told in words: "Field “X” moved
after “Y”", "Section “Contact” now has 3 columns", instead of the JSON the diff sees."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from runtime.fields.base import label_text


@dataclass
class Section:
    name: str  # how the section is called in a sentence
    label: str  # its own label ("": none)
    columns: int
    fields: list[str] = field(default_factory=list)
    spans: dict[str, int] = field(default_factory=dict)


@dataclass
class Tab:
    name: str
    sections: list[Section] = field(default_factory=list)


def quote(text: str) -> str:
    return f"“{text}”"


def read_layout(layout: Any, lang: str) -> list[Tab]:
    """The tabs of a layout, each tab and section named by its label (or its place: #2)."""
    tabs = layout.get("tabs", []) if isinstance(layout, Mapping) else []
    out = []
    for t, tab in enumerate(tabs):
        tab_label = label_text(tab.get("label"), lang)
        item = Tab(quote(tab_label) if tab_label else f"#{t + 1}")
        for s, section in enumerate(tab.get("sections", [])):
            label = label_text(section.get("label"), lang)
            name = quote(label) if label else f"#{s + 1}"
            if len(tabs) > 1:
                name = _("%(section)s (tab %(tab)s)", section=name, tab=item.name)
            item.sections.append(Section(name, label, section.get("columns") or 1,
                                         list(section.get("fields", [])),
                                         dict(section.get("spans") or {})))
        out.append(item)
    return out


def _sections(tabs: list[Tab]) -> list[tuple[tuple[int, int], Section]]:
    return [((t, s), sec) for t, tab in enumerate(tabs) for s, sec in enumerate(tab.sections)]


def layout_sentences(old: Any, new: Any, names: Mapping[str, str], lang: str) -> list[str]:
    """What changed from layout ``old`` to ``new``; ``names``: the labels of the fields the
    form has now, by key."""
    if old == new:
        return []
    before, after = read_layout(old, lang), read_layout(new, lang)
    if not before or not after:
        count = sum(len(t.sections) for t in after)
        return [ngettext("The form is now laid out in %(num)d section.",
                         "The form is now laid out in %(num)d sections.", count) if after
                else _("The layout was removed: the fields show one after another.")]
    out = tab_sentences(before, after) + section_sentences(before, after)
    return out + field_sentences(before, after, names)


def tab_sentences(before: list[Tab], after: list[Tab]) -> list[str]:
    out = []
    for old, new in zip(before, after, strict=False):
        if old.name != new.name:
            out.append(_("Tab %(old)s renamed to %(new)s", old=old.name, new=new.name))
    out += [_("Tab %(name)s added", name=t.name) for t in after[len(before):]]
    out += [_("Tab %(name)s removed", name=t.name) for t in before[len(after):]]
    return out


def section_sentences(before: list[Tab], after: list[Tab]) -> list[str]:
    old, new = dict(_sections(before)), dict(_sections(after))
    out = []
    for place, section in new.items():
        was = old.get(place)
        if was is None:
            out.append(_("Section %(name)s added", name=section.name))
            continue
        if was.label != section.label:
            out.append(_("Section %(old)s renamed to %(new)s", old=was.name, new=section.name))
        if was.columns != section.columns:
            out.append(ngettext("Section %(name)s now has %(num)d column",
                                "Section %(name)s now has %(num)d columns", section.columns,
                                name=section.name))
    out += [_("Section %(name)s removed", name=s.name) for p, s in old.items() if p not in new]
    return out


def field_sentences(before: list[Tab], after: list[Tab], names: Mapping[str, str]
                    ) -> list[str]:
    """Fields moved to another section or within one, and fields whose width changed."""
    def where(tabs: list[Tab]) -> dict[str, tuple[tuple[int, int], Section]]:
        return {key: (place, sec) for place, sec in _sections(tabs) for key in sec.fields}

    old, new = where(before), where(after)
    old_sections = dict(_sections(before))
    out = []
    for place, section in _sections(after):
        staying = [k for k in section.fields if k in old and old[k][0] == place]
        was_here = [k for k in old_sections[place].fields if k in staying] \
            if place in old_sections else []
        kept = set(_longest_common(was_here, staying))
        for i, key in enumerate(section.fields):
            name = quote(names.get(key, key))
            if key not in old:
                out.append(_("Field %(name)s placed in section %(section)s", name=name,
                             section=section.name))
            elif old[key][0] != place or key not in kept:
                out.append(_moved(name, section, section.fields[i - 1] if i else None,
                                  old[key][0] != place, names))
            span, was = section.spans.get(key, 1), old[key][1].spans.get(key, 1)
            if key in old and span != was:
                out.append(ngettext("Field %(name)s now spans %(num)d column",
                                    "Field %(name)s now spans %(num)d columns", span, name=name))
    out += [_("Field %(name)s taken out of the layout", name=quote(names.get(k, k)))
            for k in old if k not in new and k in names]
    return out


def _moved(name: str, section: Section, previous: str | None, elsewhere: bool,
           names: Mapping[str, str]) -> str:
    if previous is None:
        return (_("Field %(name)s moved to the top of section %(section)s", name=name,
                  section=section.name) if elsewhere
                else _("Field %(name)s moved to the top", name=name))
    after = quote(names.get(previous, previous))
    if elsewhere:
        return _("Field %(name)s moved to section %(section)s, after %(after)s", name=name,
                 section=section.name, after=after)
    return _("Field %(name)s moved after %(after)s", name=name, after=after)


def _longest_common(a: Sequence[str], b: Sequence[str]) -> list[str]:
    """The longest common subsequence of two orders: the fields that kept their order."""
    table = [[0] * (len(b) + 1) for _row in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = (table[i + 1][j + 1] + 1 if a[i] == b[j]
                           else max(table[i + 1][j], table[i][j + 1]))
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            out.append(a[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out
