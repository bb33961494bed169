"""View models of the identity editor (/build/<app>/forms/<form>/identity): the form's match
rules (exact or fuzzy, merge at once or send to review, on or off, in order) and its merge
policy, read from the draft's ``identity``. Python decides which fields a rule may name and
which policies fit each field; the template prints them; builder-identity.js writes the page
back into the draft's ``identity``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from metadata.labels import label_text
from metadata.schemas import MERGE_POLICIES
from runtime.fields.base import FieldType

EVERY_FIELD = ("fill_blanks", "keep_existing", "newest", "non_blank")  # fit any value
DEFAULT_POLICY = "fill_blanks"
DEFAULT_THRESHOLD = 0.9


def joiner(lang: str) -> str:
    """What separates the items of a list in a sentence."""
    return "、" if lang.startswith("zh") else ", "


def policy_words() -> dict[str, tuple[str, str]]:
    """Each merge policy's name and what it does, in the reader's language."""
    return {
        "fill_blanks": (_("Fill blanks"), _("The oldest record's value stays; a blank one "
                                            "takes the first value the others give.")),
        "keep_existing": (_("Keep existing"), _("The oldest record's value stays, even "
                                                "blank.")),
        "newest": (_("Newest"), _("The newest record's value wins, even blank.")),
        "non_blank": (_("Non-blank"), _("The newest value that is not blank wins.")),
        "concatenate": (_("Concatenate"), _("The different texts are all kept, oldest "
                                            "first, joined with \"; \".")),
        "max": (_("Max"), _("The largest number wins.")),
        "min": (_("Min"), _("The smallest number wins.")),
        "sum": (_("Sum"), _("The numbers are added up.")),
    }


def fitting_policies(ftype: FieldType) -> list[str]:
    """The merge policies a field of ``ftype`` can take, in the schema's order: sums and
    extremes of numbers, concatenation of free text (as metadata's identity checks hold)."""
    fit = set(EVERY_FIELD)
    if ftype.numeric:
        fit |= {"sum", "max", "min"}
    if ftype.free_text:  # not a choice, an address or a number: two joined are still one
        fit.add("concatenate")
    return [p for p in MERGE_POLICIES if p in fit]


def matchable(ftype: FieldType | None, fld: Mapping) -> bool:
    """May a match rule compare this field's values (one stored value, not files or rows)?"""
    if ftype is None or fld.get("archived"):
        return False
    if not getattr(ftype, "matchable", True) or ftype.holds_rows or ftype.holds_files(fld):
        return False
    return ftype.single_column(fld)


def comparable(ftype: FieldType, fld: Mapping) -> bool:
    """May a fuzzy rule measure how alike two values are (texts, not picked from choices)?"""
    return (matchable(ftype, fld) and ftype.formula_type == "text" and not ftype.numeric
            and ftype.default_choices(fld, "en") is None)


@dataclass
class FieldOption:
    key: str
    label: str
    exact: bool
    fuzzy: bool
    policies: list[tuple[str, str]]  # (policy, its name) that fit the field
    policy: str = ""  # the field's own policy ("": the default)


@dataclass
class RuleRow:
    index: int
    key: str
    label: str  # in the reader's language
    fuzzy: bool
    fields: list[str]
    thresholds: dict[str, float]
    block: list[str]
    review: bool
    enabled: bool
    item: str  # the rule as JSON: what the card writes back, less what its inputs change

    @property
    def path(self) -> str:
        return f"/identity/match/{self.index}"


@dataclass
class IdentityVM:
    app_key: str
    form_key: str
    form_label: str
    rules: list[RuleRow]
    fields: list[FieldOption]
    default_policy: str
    default_choices: list[tuple[str, str, str]]  # (policy, name, what it does)
    words: dict[str, tuple[str, str]]
    document_json: str
    revision: int
    published_version: int | None
    draft_dirty: bool  # the draft differs from the published version
    other_changes: bool  # ...in more than its identity: publish from the form designer
    lang: str
    joiner: str
    urls: dict[str, str] = field(default_factory=dict)
    default_threshold: float = DEFAULT_THRESHOLD


def field_options(fields: list[Mapping], types: Mapping[str, FieldType], identity: Mapping,
                  lang: str) -> list[FieldOption]:
    """The draft's fields a rule may name or a policy may apply to, with what fits each.
    What the draft names already stays on offer (the checks at save judge it): the page
    never drops a part of the document it does not show."""
    words = policy_words()
    own, named, alike = _named(identity)
    out = []
    for fld in fields:
        ftype = types.get(fld.get("type"))
        key = fld.get("key")
        if ftype is None or fld.get("archived") or ftype.holds_rows:
            continue
        policies = [] if ftype.calculated or ftype.generated else fitting_policies(ftype)
        if own.get(key) and own[key] not in policies:  # set elsewhere: kept, and checked
            policies.append(own[key])
        out.append(FieldOption(
            key, label_text(fld.get("label"), lang) or key,
            matchable(ftype, fld) or key in named, comparable(ftype, fld) or key in alike,
            [(p, words[p][0]) for p in policies if p in words], str(own.get(key) or "")))
    return out


def _named(identity: Mapping) -> tuple[Mapping, set[str], set[str]]:
    """(own merge policies, fields named by rules, fields named by fuzzy rules)."""
    merge = identity.get("merge") if isinstance(identity.get("merge"), Mapping) else {}
    own = merge.get("fields") if isinstance(merge.get("fields"), Mapping) else {}
    named: set[str] = set()
    alike: set[str] = set()
    for rule in identity.get("match") or []:
        if isinstance(rule, Mapping):
            fuzzy = rule.get("fuzzy") if isinstance(rule.get("fuzzy"), Mapping) else {}
            alike |= set(fuzzy)
            named |= set(rule.get("fields") or []) | set(rule.get("block") or []) | set(fuzzy)
    return own, named, alike


def rule_rows(rules: list[Any], lang: str) -> list[RuleRow]:
    rows = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        fuzzy = rule.get("fuzzy") if isinstance(rule.get("fuzzy"), Mapping) else None
        rows.append(RuleRow(
            i, str(rule.get("key", "")), label_text(rule.get("label"), lang),
            fuzzy is not None, list(rule.get("fields") or []),
            {k: v for k, v in (fuzzy or {}).items() if isinstance(v, int | float)},
            list(rule.get("block") or []), rule.get("then") == "review",
            rule.get("enabled", True) is not False, json.dumps(rule, ensure_ascii=False)))
    return rows


def identity_of(body: Mapping) -> Mapping:
    identity = body.get("identity")
    return identity if isinstance(identity, Mapping) else {}


def without_identity(body: Mapping | None) -> dict:
    return {k: v for k, v in (body or {}).items() if k != "identity"}


def identity_vm(draft: Mapping, published: Mapping | None, types: Mapping[str, FieldType],
                lang: str, **doc: Any) -> IdentityVM:
    """The editor of ``draft``'s identity; ``doc``: app_key, form_key, revision,
    published_version and urls."""
    identity = identity_of(draft)
    merge = identity.get("merge") if isinstance(identity.get("merge"), Mapping) else {}
    words = policy_words()
    default = merge.get("default") if merge.get("default") in MERGE_POLICIES else DEFAULT_POLICY
    return IdentityVM(
        form_label=label_text(draft.get("label"), lang) or doc["form_key"],
        rules=rule_rows(list(identity.get("match") or []), lang),
        fields=field_options(list(draft.get("fields") or []), types, identity, lang),
        default_policy=default,
        default_choices=[(p, *words[p]) for p in EVERY_FIELD],
        words=words, document_json=json.dumps(draft, ensure_ascii=False),
        draft_dirty=published != draft,
        other_changes=without_identity(published) != without_identity(draft)
        if published is not None else True, lang=lang, joiner=joiner(lang), **doc)
