"""Derived hiding: calculated fields that read what a reader may not see are hidden too."""

from __future__ import annotations

import pytest

from runtime.fields.registry import build_field_registry
from runtime.forms.formulas import document_facts, reader_scope
from runtime.formula.checker import check
from runtime.formula.errors import FormulaError
from runtime.formula.registry import build_function_registry
from runtime.formula.types import FType, Scope
from runtime.permissions import (
    FormFacts,
    Principal,
    ReaderAccesses,
    reader_accesses,
)

MEMBER = Principal(user_id=5, roles=frozenset({"member"}))
AUDITOR = Principal(user_id=6, roles=frozenset({"auditor"}))
BOTH = Principal(user_id=7, roles=frozenset({"member", "auditor"}))
ADMIN = Principal(user_id=1, roles=frozenset({"admin"}))
ALL = {"create": "all", "read": "all", "update": "all", "delete": "all"}


def policy(**roles) -> dict:
    return {"permissions": {"roles": roles}}


FORMS = {
    "item": FormFacts(
        policy(member={**ALL, "hidden_fields": ["cost"]}, auditor=ALL),
        reads={"margin": frozenset({"price", "cost"}), "label": frozenset({"name"}),
               "shown": frozenset({"margin"}), "co": frozenset({"company.score"}),
               "co_name": frozenset({"company.name"}), "lines_total": frozenset({"lines.qty"}),
               "safe": frozenset({"vault.code", "created_at"})},
        links={"company": "company", "vault": "vault"}),
    # company.score reads one hop further: what parent hides spreads back to item.co
    "company": FormFacts(policy(member=ALL, auditor=ALL),
                         reads={"score": frozenset({"parent.secret"})},
                         links={"parent": "parent"}),
    "parent": FormFacts(policy(member={**ALL, "hidden_fields": ["secret"]},
                               auditor={**ALL, "hidden_fields": ["secret"]})),
    "vault": FormFacts(policy(member={**ALL, "read": "none"}, auditor=ALL)),
}


def test_hiding_spreads_through_calculated_fields_and_one_hop_away():
    accesses = reader_accesses(MEMBER, "item", FORMS.get)
    assert accesses["item"].hidden == {"cost", "margin", "shown", "co", "safe"}
    assert accesses["item"].readonly >= accesses["item"].hidden
    assert accesses["company"].hidden == {"score"}
    assert accesses["parent"].hidden == {"secret"}
    assert accesses["vault"].scope("read") == "none"


def test_what_one_role_shows_stays_shown():
    # the auditor sees the cost and the vault: only the parent's secret stays hidden
    assert reader_accesses(AUDITOR, "item", FORMS.get)["item"].hidden == {"co"}
    assert reader_accesses(BOTH, "item", FORMS.get)["item"].hidden == {"co"}


def test_admins_see_everything_and_unknown_forms_hide_nothing():
    assert reader_accesses(ADMIN, "item", FORMS.get)["item"].hidden == frozenset()
    lonely = {"x": FormFacts({}, reads={"c": frozenset({"rel.y"})}, links={"rel": "gone"})}
    assert reader_accesses(MEMBER, "x", lonely.get)["x"].hidden == frozenset()


def test_circles_between_forms_end():
    forms = {"a": FormFacts(policy(member={**ALL, "hidden_fields": ["s"]}),
                            reads={"c": frozenset({"b.d"})}, links={"b": "b"}),
             "b": FormFacts(policy(member=ALL), reads={"d": frozenset({"a.s"})},
                            links={"a": "a"})}
    accesses = reader_accesses(MEMBER, "a", forms.get)
    assert accesses["a"].hidden == {"s", "c"} and accesses["b"].hidden == {"d"}


def test_reader_accesses_remember_each_form():
    asked = []

    def facts(key):
        asked.append(key)
        return FORMS.get(key)

    book = ReaderAccesses(MEMBER, facts)
    assert book("company").hidden == {"score"}
    assert book("item").hidden >= {"co"} and book("parent").hidden == {"secret"}
    assert book("nowhere").scope("read") == "none"
    assert sorted(asked) == sorted(["company", "parent", "item", "vault", "company", "parent",
                                    "nowhere"])
    book("item"), book("company")
    assert len(asked) == 7


def test_document_facts_parse_calculated_fields():
    doc = {"fields": [
        {"key": "company", "type": "relation", "config": {"target_form": "company"}},
        {"key": "many", "type": "relation", "config": {"target_form": "x", "multiple": True}},
        {"key": "c", "type": "formula", "config": {"formula": "{company.name} & {n}"}},
        {"key": "broken", "type": "formula", "config": {"formula": "{n} +"}}]}
    facts = document_facts(doc, build_field_registry())
    assert facts.reads == {"c": frozenset({"company.name", "n"}), "broken": frozenset()}
    assert facts.links == {"company": "company"}


def test_the_readers_scope_names_only_what_the_reader_sees():
    company = Scope("Company", {"name": FType.TEXT, "secret": FType.TEXT})
    rows = Scope("Lines", {"qty": FType.INTEGER})
    full = Scope("Item", {"name": FType.TEXT, "cost": FType.NUMBER},
                 related=lambda key: company if key in ("company", "vault", "hid") else None,
                 rows={"lines": rows, "hidden_lines": rows})
    concealed = {"company": frozenset({"secret"}), "vault": None, "hid": frozenset()}
    scope = reader_scope(full, {"cost", "hidden_lines", "hid"}, concealed.get)
    registry = build_function_registry()
    assert check('{company.name} & {name}', scope, registry).type == FType.TEXT
    assert check('SUM({lines.qty})', scope, registry).type in (FType.INTEGER, FType.NUMBER)
    for source, column in (('LEFT({company.secret}, 3)', 6), ("{cost} + 1", 1),
                           ('{vault.name}', 1), ("{hid.name}", 1),
                           ("SUM({hidden_lines.qty})", 5)):
        with pytest.raises(FormulaError) as exc:
            check(source, scope, registry)
        assert exc.value.column == column, source
        assert "secret" not in str(exc.value.message).replace("{company.secret}", "")
    # no suggestion gives a hidden field away
    with pytest.raises(FormulaError) as exc:
        check("{company.secre}", scope, registry)
    assert "did you mean" not in str(exc.value.message)
    everything = reader_scope(full, set(), lambda key: frozenset())
    assert check("{company.secret}", everything, registry).type == FType.TEXT
