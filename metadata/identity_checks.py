"""Semantic checks of a form's ``identity`` key (match rules and merge policy) beyond its
JSON Schema: rules name fields of the form that can identify someone, are either exact or
fuzzy, have unique keys, and each merge policy fits the type of its field.

What a field type allows is read from its capability flags (``matchable``, ``formula_type``,
``numeric``): never from lists of type names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metadata.errors import Problem, pointer
from metadata.messages import msg, quoted

NUMBER_POLICIES = ("sum", "max", "min")
TEXT_POLICIES = ("concatenate",)


def identity_problems(doc: Mapping, field_types: Mapping[str, Any]) -> list[Problem]:
    """The problems of ``doc["identity"]`` (none when the form has no identity key)."""
    identity = doc.get("identity")
    if not identity:
        return []
    fields = {f.get("key"): f for f in doc.get("fields", [])}
    kinds = {key: _kind(field_types.get(f.get("type"))) for key, f in fields.items()}
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, rule in enumerate(identity.get("match") or []):
        at = pointer("identity", "match", i)
        key = rule.get("key")
        if key in seen:
            problems.append(Problem(f"{at}/key", msg(
                "rule %(key)s is already used by rule %(n)s", key=quoted(key), n=seen[key])))
        else:
            seen[key] = i
        problems += _rule_problems(rule, at, kinds)
    problems += _merge_problems(identity.get("merge") or {}, kinds)
    return problems


def _kind(ftype: Any) -> str | None:
    """``text``, ``number`` or ``value`` (matched exactly only); None: cannot be matched."""
    if ftype is None or not getattr(ftype, "matchable", True):
        return None
    if getattr(ftype, "numeric", False):
        return "number"
    return "text" if getattr(ftype, "formula_type", None) == "text" else "value"


def _rule_problems(rule: Mapping, at: str, kinds: Mapping[str, str | None]) -> list[Problem]:
    exact, fuzzy = rule.get("fields"), rule.get("fuzzy")
    if exact is None and fuzzy is None:
        return [Problem(at, msg("a rule needs either fields (exact) or fuzzy (similar "
                                "values)"))]
    if exact is not None and fuzzy is not None:
        return [Problem(at, msg("a rule is either exact (fields) or fuzzy, not both: "
                                "make two rules"))]
    problems = []
    for i, key in enumerate(exact or []):
        problems += _field_problems(key, f"{at}/fields/{i}", kinds)
    for key in fuzzy or {}:
        where = f"{at}/fuzzy/{key}"
        found = _field_problems(key, where, kinds)
        if not found and kinds[key] != "text":
            found = [Problem(where, msg("%(key)s is not text: fuzzy rules compare texts; "
                                        "match it exactly (fields) instead", key=quoted(key)))]
        problems += found
    for i, key in enumerate(rule.get("block") or []):
        problems += _field_problems(key, f"{at}/block/{i}", kinds)
    if rule.get("block") and fuzzy is None:
        problems.append(Problem(f"{at}/block", msg("only fuzzy rules take block fields")))
    return problems


def _field_problems(key: str, at: str, kinds: Mapping[str, str | None]) -> list[Problem]:
    if key not in kinds:
        return [Problem(at, msg("%(key)s is not a field of this form", key=quoted(key)))]
    if kinds[key] is None:
        return [Problem(at, msg("%(key)s cannot identify a record (files and sub-tables "
                                "cannot be matched)", key=quoted(key)))]
    return []


def _merge_problems(merge: Mapping, kinds: Mapping[str, str | None]) -> list[Problem]:
    problems = []
    for key, policy in (merge.get("fields") or {}).items():
        at = pointer("identity", "merge", "fields", key)
        if key not in kinds:
            problems.append(Problem(at, msg("%(key)s is not a field of this form",
                                            key=quoted(key))))
        elif policy in NUMBER_POLICIES and kinds[key] != "number":
            problems.append(Problem(at, msg("%(policy)s needs a number field; %(key)s is not "
                                            "a number", policy=policy, key=quoted(key))))
        elif policy in TEXT_POLICIES and kinds[key] != "text":
            problems.append(Problem(at, msg("%(policy)s needs a text field; %(key)s is not "
                                            "text", policy=policy, key=quoted(key))))
    return problems
