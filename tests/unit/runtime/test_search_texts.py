"""What the search index holds for a value and what a typed search looks for in it
(``runtime.storage.search``, ``runtime.storage.search_query``): as people see and type them."""

from __future__ import annotations

import pytest

from runtime.fields.registry import build_field_registry
from runtime.storage.search import SEP, document, grams, needle, normalise, search_table
from runtime.storage.search_index import FTS5, TRIGRAM
from runtime.storage.search_query import needle_groups

TYPES = build_field_registry()
LAYOUT = [
    {"key": "name", "type": "text", "config": {}},
    {"key": "phone", "type": "phone", "config": {"default_region": "CN"}},
    {"key": "email", "type": "email", "config": {}},
    {"key": "rank", "type": "select", "config": {"choices": [
        {"value": "a", "label": {"zh": "金融", "en": "Finance"}}]}},
    {"key": "size", "type": "number", "config": {}},
    {"key": "old", "type": "text", "config": {}, "archived": True},
]


@pytest.mark.parametrize(("typed", "compared"), [
    ("  Wang  FANG ", "wang fang"),
    ("ＷＡＮＧ １３８", "wang 138"),  # full-width, as Chinese input methods type them
    ("Straße", "strasse"),
    ("tab\tand\nline", "tab and line"),
    (f"a{SEP}b\x00c", "a b c"),  # control characters never reach the index
    ("王芳", "王芳"),
])
def test_normalise(typed, compared):
    assert normalise(typed) == compared


def test_grams_are_the_non_latin_letters_and_their_pairs():
    assert grams("王芳 abc 李") == {"王", "芳", "王芳", "李"}
    assert grams("a1-b2") == set()


def test_a_document_holds_the_texts_then_the_grams():
    assert document(["Wang", "王芳"]) == f"wang{SEP}王芳{SEP}王{SEP}王芳{SEP}芳{SEP}"
    assert document(["ABC", "abc"]) == "abc"  # the same text once
    assert document(["", " "]) is None


def test_short_non_latin_terms_are_sought_as_grams():
    assert needle("王芳") == f"{SEP}王芳{SEP}" and needle("王") == f"{SEP}王{SEP}"
    assert needle("ab") == "ab" and needle("王a") == "王a" and needle("王芳芳") == "王芳芳"
    for text in ("王芳", "王", "芳"):  # every short piece of a value is found
        assert needle(text) in document(["王芳"])


def test_which_needles_each_database_finds_through_its_index():
    assert FTS5.usable("abc") and FTS5.usable(f"{SEP}王{SEP}") and not FTS5.usable("ab")
    assert TRIGRAM.usable("abc") and TRIGRAM.usable(f"{SEP}王{SEP}")
    assert not TRIGRAM.usable("a.b") and not TRIGRAM.usable("👋🏽👋🏽") and not TRIGRAM.usable("ab")


def test_the_search_table_has_a_column_per_searchable_active_field():
    search = search_table("crm__lead", LAYOUT, TYPES)
    assert [c.name for c in search.table.columns] == ["id", "owner_id", "name", "phone",
                                                      "email", "_rank"]
    assert search.name == "crm__lead___search" and search.fts_name == "crm__lead___fts"
    row = search.row(7, {"name": "Wang Fang", "phone": "+8613800138000", "rank": "a",
                         "size": 3, "owner": 5}, TYPES)
    assert row == {"id": 7, "owner_id": 5, "name": "wang fang",
                   "phone": f"8613800138000{SEP}013800138000", "email": None,
                   "_rank": f"金融{SEP}finance{SEP}融{SEP}金{SEP}金融{SEP}"}
    assert search_table("crm__x", [LAYOUT[4], LAYOUT[5]], TYPES) is None


def test_each_field_looks_for_the_search_as_its_type_reads_it():
    search = search_table("crm__lead", LAYOUT, TYPES)
    assert needle_groups(search, TYPES, set(), "+86 138-0013-8000") == {
        "+86 138-0013-8000": ["name", "email", "_rank"], "8613800138000": ["phone"]}
    assert needle_groups(search, TYPES, set(), "0086 138 0013") == {
        "0086 138 0013": ["name", "email", "_rank"], "00861380013": ["phone"],
        "861380013": ["phone"]}
    assert needle_groups(search, TYPES, {"phone"}, "0086 138 0013") == {  # hidden: not sought
        "0086 138 0013": ["name", "email", "_rank"]}
    assert needle_groups(search, TYPES, set(), "FINANCE") == {
        "finance": ["name", "email", "_rank"]}
    assert needle_groups(search, TYPES, set(), "芳") == {f"{SEP}芳{SEP}": [
        "name", "email", "_rank"]}
    assert needle_groups(search, TYPES, set(), " ") == {}
