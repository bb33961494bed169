"""A form's match rules, compiled from its ``identity`` key: the keys of a record per exact
rule, the block keys of a record per fuzzy rule, and the score of a pair under a fuzzy rule.

Pure: values come in as a mapping of field key to stored (cleaned) value, and each field's
``match_key`` (its type's: phones in E.164, e-mail addresses in lower case, texts case-folded)
comes in as a function, so nothing here knows a field type, a table or a request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from runtime.identity.similarity import block_form, similarity

Keyer = Callable[[Any], "str | None"]  # a field's match key of a stored value
SEPARATOR = "\x1f"  # between the values of a key over several fields


@dataclass(frozen=True)
class Rule:
    """One match rule: exact (``fields``) or fuzzy (``fuzzy``: field -> threshold)."""

    key: str
    fields: tuple[str, ...] = ()
    fuzzy: Mapping[str, float] = field(default_factory=dict)
    block: tuple[str, ...] = ()
    review: bool = False  # queue the pair for review instead of merging
    via: str | None = None  # matches only arrivals through this channel (None: every one)

    @property
    def exact(self) -> bool:
        return bool(self.fields)

    @property
    def block_fields(self) -> tuple[str, ...]:
        """The fields whose values narrow the candidates: ``block``, or else the first fuzzy
        field (compared by its pinyin or letters, words sorted)."""
        return self.block or tuple(self.fuzzy)[:1]


@dataclass(frozen=True)
class Rules:
    """The enabled match rules of a form, in order, with the keyers of the fields."""

    rules: tuple[Rule, ...]
    keyers: Mapping[str, Keyer]
    policies: Mapping[str, str] = field(default_factory=dict)  # field -> merge policy
    default_policy: str = "fill_blanks"

    @cached_property
    def exact(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.exact)

    @cached_property
    def fuzzy(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if not r.exact)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def through(self, via: str) -> Rules:
        """The rules that match arrivals through channel ``via``."""
        return replace(self, rules=tuple(r for r in self.rules if r.via in (None, via)))

    def policy(self, field_key: str) -> str:
        return self.policies.get(field_key, self.default_policy)

    def keys(self, values: Mapping[str, Any]) -> list[tuple[Rule, str]]:
        """The key of ``values`` under each exact rule whose fields are all filled in."""
        out, keyers = [], self.keyers
        for rule in self.exact:  # plain loops: twice per arriving record (match, then store)
            parts = []
            for f in rule.fields:
                part = keyers[f](values.get(f))
                if part is None:
                    break
                parts.append(part)
            else:
                out.append((rule, SEPARATOR.join(parts)))
        return out

    def block_keys(self, values: Mapping[str, Any]) -> list[tuple[Rule, str]]:
        """The block key of ``values`` under each fuzzy rule whose block fields are filled."""
        out = []
        for rule in self.fuzzy:
            parts = [self._block_part(rule, f, values.get(f)) for f in rule.block_fields]
            if all(p is not None for p in parts):
                out.append((rule, SEPARATOR.join(parts)))  # type: ignore[arg-type]
        return out

    def _block_part(self, rule: Rule, field_key: str, value: Any) -> str | None:
        if rule.block or not isinstance(value, str):
            return self.keyers[field_key](value)
        return block_form(value)

    def score(self, rule: Rule, a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
        """The mean similarity of ``a`` and ``b`` over the rule's fields when each reaches its
        threshold; None when one does not (or is blank)."""
        scores = []
        for key, threshold in rule.fuzzy.items():
            x, y = a.get(key), b.get(key)
            if not isinstance(x, str) or not isinstance(y, str) or not x.strip() or \
                    not y.strip():
                return None
            s = similarity(x, y)
            if s < threshold:
                return None
            scores.append(s)
        return round(sum(scores) / len(scores), 4) if scores else None


def compile_rules(identity: Mapping | None, keyers: Mapping[str, Keyer]) -> Rules:
    """The enabled rules of a form's ``identity`` key (checked at save: fields exist)."""
    identity = identity or {}
    rules = tuple(
        Rule(key=r["key"], fields=tuple(r.get("fields") or ()),
             fuzzy=dict(r.get("fuzzy") or {}), block=tuple(r.get("block") or ()),
             review=r.get("then") == "review")
        for r in identity.get("match") or () if r.get("enabled", True))
    merge = identity.get("merge") or {}
    return Rules(rules, keyers, dict(merge.get("fields") or {}),
                 merge.get("default", "fill_blanks"))
