"""The assignment log writes a record's values as people read them: a choice's label in the
reader's language, of the field the reason names (or, for older entries, of the one choice
field that has the value)."""

from __future__ import annotations

from runtime.routing.choice import Reason
from runtime.web.routing_log import value_words

REGIONS = {"choices": [{"value": "east", "label": {"zh": "华东", "en": "East"}},
                       {"value": "north", "label": {"zh": "华北", "en": "North"}}]}
FIELDS = [{"key": "region", "type": "select", "config": REGIONS},
          {"key": "home", "type": "select", "config": REGIONS},
          {"key": "product", "type": "select", "config": {"choices": [
              {"value": "a", "label": {"zh": "A产品", "en": "Product A"}}]}},
          {"key": "name", "type": "text"}]


def test_a_value_is_written_as_its_choice_label_of_the_named_field():
    assert value_words(FIELDS, "region", "north", "zh") == "华北"
    assert value_words(FIELDS, "region", "north", "en") == "North"
    assert value_words(FIELDS, "region", "south", "en") == "south"  # no such choice
    assert value_words(FIELDS, "name", "north", "en") == "north"  # not a choice field


def test_without_a_field_only_a_value_one_choice_field_has_is_labelled():
    assert value_words(FIELDS, None, "a", "zh") == "A产品"
    assert value_words(FIELDS, None, "east", "en") == "east"  # two fields have it


def test_reasons_about_a_value_name_its_field():
    from runtime.routing.choice import RoutingState, availability
    from runtime.routing.members import Member

    member = Member(user_id=1, name="A", active=True, routing=True, regions=("east",))
    why = availability(member, RoutingState(now=None, loads={}), {"region": "north"},
                       {"match": {"regions": "region"}, "respect_hours": False})
    assert why == Reason("region", {"value": "north", "field": "region"})
    assert why.text == "does not cover the region north"
