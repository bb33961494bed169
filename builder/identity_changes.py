"""Changes of a form's identity (match rules, merge policy) told in words — "Match rule “Phone”
now sends pairs to review", "Merge policy of Stage: Fill blanks → Newest" — instead of the JSON
the diff sees. The version history and package imports show them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from builder.identity_vm import DEFAULT_POLICY, joiner, policy_words
from builder.layout_changes import quote
from runtime.fields.base import label_text


def _rules(identity: Any) -> dict[str, Mapping]:
    match = identity.get("match") if isinstance(identity, Mapping) else None
    return {r["key"]: r for r in match or [] if isinstance(r, Mapping) and "key" in r}


def _merge(identity: Any) -> Mapping:
    merge = identity.get("merge") if isinstance(identity, Mapping) else None
    return merge if isinstance(merge, Mapping) else {}


class Words:
    """Names of fields, rules and policies in the reader's language."""

    def __init__(self, names: Mapping[str, str], lang: str):
        self.names, self.lang = names, lang
        self.sep = joiner(lang)
        self.policies = {k: v[0] for k, v in policy_words().items()}

    def fields(self, keys: Any) -> str:
        return self.sep.join(self.names.get(k, k) for k in keys or [])

    def rule(self, rule: Mapping) -> str:
        return quote(label_text(rule.get("label"), self.lang) or rule["key"])

    def policy(self, key: Any) -> str:
        return self.policies.get(key, str(key)) if key else _("as every field")

    def kind(self, rule: Mapping) -> str:
        fuzzy = rule.get("fuzzy")
        if isinstance(fuzzy, Mapping):
            return _("alike %(fields)s", fields=self.sep.join(
                f"{self.names.get(k, k)} ≥ {v}" for k, v in fuzzy.items()))
        return _("same %(fields)s", fields=self.fields(rule.get("fields")))

    def then(self, rule: Mapping) -> str:
        return _("sent to review") if rule.get("then") == "review" else _("merged at once")


def identity_sentences(old: Any, new: Any, names: Mapping[str, str], lang: str
                       ) -> list[tuple[str, str]]:
    """(op, sentence) for what changed from identity ``old`` to ``new``; ``names``: the labels
    of the form's fields, by key."""
    if old == new:
        return []
    words = Words(names, lang)
    before, after = _rules(old), _rules(new)
    out = []
    for key, rule in after.items():
        if key not in before:
            out.append(("added", _("Match rule %(rule)s added: %(kind)s, %(then)s",
                                   rule=words.rule(rule), kind=words.kind(rule),
                                   then=words.then(rule))))
        else:
            out += [("changed", s) for s in rule_sentences(before[key], rule, words)]
    out += [("removed", _("Match rule %(rule)s removed", rule=words.rule(rule)))
            for key, rule in before.items() if key not in after]
    kept = [k for k in after if k in before]
    if kept != [k for k in before if k in after]:
        out.append(("moved", _("Match rules now tried in the order %(rules)s",
                               rules=words.sep.join(words.rule(after[k]) for k in after))))
    return out + merge_sentences(_merge(old), _merge(new), words)


def rule_sentences(old: Mapping, new: Mapping, words: Words) -> list[str]:
    name = words.rule(new)
    out = []
    if label_text(old.get("label"), words.lang) != label_text(new.get("label"), words.lang):
        out.append(_("Match rule %(old)s renamed %(new)s", old=words.rule(old), new=name))
    if words.kind(old) != words.kind(new):
        out.append(_("Match rule %(rule)s now compares: %(kind)s (was: %(old)s)", rule=name,
                     kind=words.kind(new), old=words.kind(old)))
    if list(old.get("block") or []) != list(new.get("block") or []):
        out.append(_("Match rule %(rule)s compares only records sharing %(fields)s", rule=name,
                     fields=words.fields(new["block"])) if new.get("block") else
                   _("Match rule %(rule)s compares records however they are narrowed down",
                     rule=name))
    if words.then(old) != words.then(new):
        out.append(_("Match rule %(rule)s: a match is now %(then)s", rule=name,
                     then=words.then(new)))
    if (old.get("enabled") is False) != (new.get("enabled") is False):
        out.append(_("Match rule %(rule)s switched off", rule=name)
                   if new.get("enabled") is False else
                   _("Match rule %(rule)s switched on", rule=name))
    return out


def merge_sentences(old: Mapping, new: Mapping, words: Words) -> list[tuple[str, str]]:
    out = []
    if old.get("default", DEFAULT_POLICY) != new.get("default", DEFAULT_POLICY):
        out.append(("changed", _("Merge policy of every field: %(old)s → %(new)s",
                                 old=words.policy(old.get("default", DEFAULT_POLICY)),
                                 new=words.policy(new.get("default", DEFAULT_POLICY)))))
    own_old, own_new = old.get("fields") or {}, new.get("fields") or {}
    for key in [*own_new, *(k for k in own_old if k not in own_new)]:
        if own_old.get(key) != own_new.get(key):
            out.append(("changed", _("Merge policy of %(field)s: %(old)s → %(new)s",
                                     field=words.names.get(key, key),
                                     old=words.policy(own_old.get(key)),
                                     new=words.policy(own_new.get(key)))))
    return out
