from __future__ import annotations

import pytest
import sqlalchemy as sa

from runtime.fields.base import FieldValueError
from runtime.fields.region import RegionField

FLD = {"key": "place", "type": "region", "label": "Region"}
REGION = RegionField()
NANSHAN = {"country": "CN", "province": "广东省", "city": "深圳市", "district": "南山区",
           "code": "440305"}
BEIJING = {"country": "CN", "province": "北京市", "city": "北京市", "code": "110000"}
CHAOYANG = {"country": "CN", "province": "北京市", "city": "北京市", "district": "朝阳区",
            "code": "110105"}
REFUSE = {**FLD, "config": {"invalid": "refuse"}}

pytestmark = pytest.mark.usefixtures("region_sample")


@pytest.mark.parametrize(("value", "expected"), [
    ("广东省深圳市南山区", NANSHAN),
    ("广东 深圳 南山", NANSHAN),
    ({"country": "CN", "province": "广东", "city": "深圳", "district": "南山"}, NANSHAN),
    ({"province": "广东省", "city": "深圳市", "district": "南山区"}, NANSHAN),
    ({"country": "cn", "text": "广东深圳南山"}, NANSHAN),
    ("北京", BEIJING),
    ("北京市朝阳区", CHAOYANG),
    ({"country": "CN", "province": "北京", "city": "市辖区", "district": "朝阳区"}, CHAOYANG),
    ("深圳", {"country": "CN", "province": "广东省", "city": "深圳市", "code": "440300"}),
    ({"country": "CN", "province": "广东"},
     {"country": "CN", "province": "广东省", "code": "440000"}),
    ({"country": "us", "text": " Austin, Texas "}, {"country": "US", "text": "Austin, Texas"}),
])
def test_places(value, expected):
    assert REGION.coerce(value, FLD) == expected


@pytest.mark.parametrize("value", ["", "  ", {}, {"country": "", "province": " "}])
def test_blank_is_empty(value):
    assert REGION.coerce(value, FLD) is None


@pytest.mark.parametrize(("value", "message"), [
    ({"country": "China", "province": "广东"}, "two-letter"),
    ({"country": "US", "province": "Texas"}, "write other places as text"),
    ({"country": "US"}, "text is missing"),
    ({"country": "CN", "province": "广东", "zip": "518000"}, "unknown part 'zip'"),
    ({"country": "CN", "province": 44}, "province must be a text"),
    (44, "must be a place"),
    (["广东"], "must be a place"),
])
def test_refused(value, message):
    with pytest.raises(FieldValueError, match=message):
        REGION.coerce(value, FLD)


@pytest.mark.parametrize(("value", "message", "kept"), [
    ("火星基地", "not a province, city or district", "火星基地"),
    ({"country": "CN", "province": "广东", "city": "长春"}, "not a city of 广东省", "广东 长春"),
    ("鼓楼区", "ambiguous", "鼓楼区"),
    ("999999", "not the code", "999999"),
])
def test_places_that_do_not_resolve_are_kept_and_flagged(value, message, kept):
    with pytest.raises(FieldValueError, match=message):
        REGION.coerce(value, REFUSE)
    place = REGION.coerce(value, FLD)  # by default: kept as written, never dropped
    assert place == {"country": "CN", "text": kept}
    assert REGION.flag_of(place, FLD) == "unresolved"
    assert REGION.coerce(place, FLD) == place  # cleaning it again changes nothing
    assert REGION.display(place, FLD, "zh") == kept
    assert REGION.widget_context(FLD, place, "zh")["kept"] == kept
    assert REGION.flag_codes(REFUSE) == () and REGION.flag_codes(FLD) == ("unresolved",)


@pytest.mark.parametrize("value", ["北京", "北京市", "Beijing", "京", "BEIJING", "  北京 ",
                                   "中国北京", "110000", {"code": "110000"}, "11"])
def test_every_way_to_write_beijing_is_one_place(value):
    assert REGION.coerce(value, FLD) == BEIJING


@pytest.mark.parametrize("value", [
    "朝阳区, 北京", "北京市朝阳区", "北京 朝阳", "Chaoyang District, Beijing", "beijing chaoyang",
    "京 朝阳区", "110105", {"province": "北京", "district": "朝阳"}])
def test_districts_in_any_order_and_script(value):
    assert REGION.coerce(value, FLD) == CHAOYANG


@pytest.mark.parametrize("value", ["广东深圳南山", "南山区, 深圳市, 广东省", "粤 深圳 南山",
                                   "Nanshan District, Shenzhen, Guangdong Province, China",
                                   "Guangdong Shenzhen Nanshan", "440305", "4403 05"])
def test_nanshan_every_way(value):
    assert REGION.coerce(value, FLD) == NANSHAN


def test_code_is_worked_out_not_stored():
    row = REGION.to_row(NANSHAN, FLD)
    assert "code" not in {k.split("__")[1] for k in row}
    assert REGION.from_row(row, FLD)["code"] == "440305"
    # a code sent beside the names is the names' own
    assert REGION.coerce({**NANSHAN, "code": "110000"}, FLD) == NANSHAN


def test_levels_drop_finer_parts():
    assert REGION.coerce("广东深圳南山", {**FLD, "config": {"levels": 1}}) == {
        "country": "CN", "province": "广东省", "code": "440000"}
    assert REGION.coerce("广东深圳南山", {**FLD, "config": {"levels": 2}}) == {
        "country": "CN", "province": "广东省", "city": "深圳市", "code": "440300"}


def test_require_full():
    fld = {**FLD, "config": {"require_full": True}}
    assert REGION.coerce("深圳南山", fld) == NANSHAN
    with pytest.raises(FieldValueError, match="must name the city"):
        REGION.coerce("广东", fld)
    with pytest.raises(FieldValueError, match="must name the district"):
        REGION.coerce("北京", fld)
    # a county-level city ruled by its province has no districts to name
    assert REGION.coerce("湖北仙桃", fld) == {"country": "CN", "province": "湖北省",
                                            "city": "仙桃市", "code": "429004"}
    # kept as written (flagged) although not full: never dropped
    assert REGION.coerce("火星基地", fld) == {"country": "CN", "text": "火星基地"}
    assert REGION.coerce("广东", {**FLD, "config": {"require_full": True, "levels": 1}})


def test_countries_allow_list():
    fld = {**FLD, "config": {"countries": ["CN", "HK"]}}
    assert REGION.coerce({"country": "HK", "text": "Central"}, fld) == {"country": "HK",
                                                                       "text": "Central"}
    with pytest.raises(FieldValueError, match="must be a place in CN, HK"):
        REGION.coerce({"country": "US", "text": "Austin"}, fld)
    us_only = {**FLD, "config": {"countries": ["US"]}}
    assert REGION.coerce("Austin, Texas", us_only) == {"country": "US", "text": "Austin, Texas"}


def test_parse_form():
    assert REGION.parse_form(["CN", "广东省", "深圳市", "南山区"], FLD) == {
        k: v for k, v in NANSHAN.items() if k != "code"}
    # a place kept as written is posted back (after the empty selects) as it was
    assert REGION.coerce(REGION.parse_form(["CN", "", "", "", "火星基地"], FLD), FLD) == {
        "country": "CN", "text": "火星基地"}
    assert REGION.parse_form(["CN", "广东省", "", ""], FLD) == {"country": "CN",
                                                               "province": "广东省"}
    assert REGION.parse_form(["US", "Austin, Texas"], FLD) == {"country": "US",
                                                               "text": "Austin, Texas"}
    assert REGION.parse_form(["广东", "深圳"], FLD) == {"country": "CN", "province": "广东",
                                                        "city": "深圳"}
    assert REGION.parse_form(["CN", "", "", ""], FLD) is None
    assert REGION.parse_form([], FLD) is None


def test_display():
    assert REGION.display(NANSHAN, FLD, "zh") == "广东省 深圳市 南山区"
    beijing = {"country": "CN", "province": "北京市", "city": "北京市", "district": "朝阳区"}
    assert REGION.display(beijing, FLD, "zh") == "北京市 朝阳区"
    assert REGION.display({"country": "US", "text": "Austin, Texas"}, FLD, "en") == (
        "Austin, Texas (US)")
    assert REGION.display(None, FLD, "zh") == ""


def test_widget_context_lists_the_choices_for_the_selected_place():
    context = REGION.widget_context(FLD, NANSHAN, "zh")
    assert context["province"] == "广东省" and context["district"] == "南山区"
    assert "广东省" in context["provinces"]
    assert context["cities"] == ["深圳市", "广州市"]
    assert context["districts"] == ["南山区", "福田区"]
    assert context["data_error"] is None
    empty = REGION.widget_context(FLD, None, "zh")
    assert empty["provinces"] and empty["cities"] == [] and empty["country"] == "CN"


def test_widget_context_reports_missing_data(tmp_path):
    from runtime.fields import regions
    regions.set_region_data_path(tmp_path / "missing.json")
    context = REGION.widget_context(FLD, None, "zh")
    assert context["data_error"] == "region data not installed: run make vendor"
    assert context["provinces"] == []


def test_five_columns_and_row():
    names = [c.name for c in REGION.columns(FLD)]
    assert names == ["place__country", "place__province", "place__city", "place__district",
                     "place__text"]
    row = REGION.to_row(NANSHAN, FLD)
    assert row == {"place__country": "CN", "place__province": "广东省", "place__city": "深圳市",
                   "place__district": "南山区", "place__text": None}
    assert REGION.from_row(row, FLD) == NANSHAN
    assert REGION.to_row(None, FLD) == dict.fromkeys(names)
    assert REGION.from_row(dict.fromkeys(names), FLD) is None


def test_check_key_length():
    fld = {**FLD, "key": "p" * 54}
    assert [p.path for p in REGION.check(fld, "/f", None)] == ["/f/key"]
    assert REGION.check({**FLD, "key": "p" * 53}, "/f", None) == []


@pytest.fixture
def stored():
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     *REGION.columns(FLD))
    table.metadata.create_all(engine)
    places = ["广东深圳南山", "广东深圳福田", "广州天河", "北京朝阳", "北京", None,
              {"country": "US", "text": "Austin, Texas"}, "长春朝阳区"]
    with engine.begin() as conn:
        conn.execute(table.insert(), [
            {"id": i, **REGION.to_row(None if p is None else REGION.coerce(p, FLD), FLD)}
            for i, p in enumerate(places)])
    return engine, table


def found(stored, op, value, fld=FLD):
    engine, table = stored
    with engine.connect() as conn:
        where = REGION.filter_expression(table, fld, op, value)
        return conn.execute(sa.select(table.c.id).where(where).order_by(table.c.id)).scalars().all()


def test_eq_matches_the_level_named(stored):
    assert found(stored, "eq", "广东") == [0, 1, 2]
    assert found(stored, "eq", "深圳") == [0, 1]
    assert found(stored, "eq", "深圳南山") == [0]
    assert found(stored, "eq", "北京") == [3, 4]
    assert found(stored, "eq", {"country": "CN", "province": "北京市", "city": "北京市",
                                "district": "朝阳区"}) == [3]
    assert found(stored, "eq", {"country": "US"}) == [6]


def test_ne_in_nin(stored):
    assert found(stored, "ne", "广东") == [3, 4, 5, 6, 7]
    assert found(stored, "in", ["深圳", "北京"]) == [0, 1, 3, 4]
    assert found(stored, "nin", ["广东", "北京"]) == [5, 6, 7]


def test_isnull_notnull(stored):
    assert found(stored, "isnull", None) == [5]
    assert found(stored, "notnull", None) == [0, 1, 2, 3, 4, 6, 7]


def test_filter_on_a_province_level_field(stored):
    assert found(stored, "eq", "北京", {**FLD, "config": {"levels": 1}}) == [3, 4]


def test_search_and_sort(stored):
    engine, table = stored
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table)).mappings().all()
        texts = {row["id"]: REGION.search_text(REGION.from_row(row, FLD), FLD) for row in rows}
        assert sorted(i for i, t in texts.items() if any("朝阳" in x for x in t)) == [3, 7]
        assert sorted(i for i, t in texts.items() if any("Austin" in x for x in t)) == [6]
        assert texts[3] == ["北京市", "朝阳区"]  # a municipality is its own city: named once
        order = conn.execute(sa.select(table.c.id).order_by(REGION.sort_expression(table, FLD),
                                                            table.c.id)).scalars().all()
        assert order[0] == 5  # no place first
