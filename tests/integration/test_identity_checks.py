"""The semantic checks of a form's ``identity`` key at save: 422 with JSON Pointer paths."""

from __future__ import annotations

from tests.integration.helpers import assert_error, field, form_doc

STAGE = {"choices": [{"value": "new", "label": "New"}]}
FIELDS = [field("name"), field("phone", "phone"), field("email", "email"),
          field("score", "number"), field("files", "attachment"),
          field("stage", "select", config=STAGE)]


def save(api, identity: dict):
    return api.put("/apps/crm/forms/lead", json=form_doc("lead", FIELDS, identity=identity))


def test_a_sound_identity_key_saves(admin_api, factory):
    factory.app_doc(admin_api)
    answer = save(admin_api, {"match": [
        {"key": "phone", "fields": ["phone"]}, {"key": "email", "fields": ["email"]},
        {"key": "name", "fuzzy": {"name": 0.9}, "block": ["phone"], "then": "review"}],
        "merge": {"default": "fill_blanks", "fields": {"score": "sum", "name": "concatenate",
                                                       "stage": "newest"}}})
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)


def test_each_mistake_is_named_where_it_is(admin_api, factory):
    factory.app_doc(admin_api)
    cases = [
        ({"match": [{"key": "a", "fields": ["nope"]}]}, "/identity/match/0/fields/0",
         "not a field"),
        ({"match": [{"key": "a"}]}, "/identity/match/0", "either"),
        ({"match": [{"key": "a", "fields": ["phone"], "fuzzy": {"name": 0.9}}]},
         "/identity/match/0", "not both"),
        ({"match": [{"key": "a", "fuzzy": {"score": 0.9}}]}, "/identity/match/0/fuzzy/score",
         "not text"),
        ({"match": [{"key": "a", "fields": ["phone"]}, {"key": "a", "fields": ["email"]}]},
         "/identity/match/1/key", "already used"),
        ({"match": [{"key": "a", "fields": ["files"]}]}, "/identity/match/0/fields/0",
         "cannot identify"),
        ({"merge": {"fields": {"name": "sum"}}}, "/identity/merge/fields/name", "number"),
        ({"merge": {"fields": {"score": "concatenate"}}}, "/identity/merge/fields/score",
         "text"),
        ({"merge": {"fields": {"ghost": "newest"}}}, "/identity/merge/fields/ghost",
         "not a field"),
    ]
    for identity, path, words in cases:
        assert_error(save(admin_api, identity), 422, path, words)
