from __future__ import annotations

import pytest

from runtime.fields import regions
from runtime.fields.base import FieldValueError
from runtime.fields.regions import RegionData, short_name


@pytest.mark.parametrize(("name", "short"), [
    ("广东省", "广东"), ("深圳市", "深圳"), ("南山区", "南山"), ("内蒙古自治区", "内蒙古"),
    ("广西壮族自治区", "广西"), ("新疆维吾尔自治区", "新疆"), ("宁夏回族自治区", "宁夏"),
    ("西藏自治区", "西藏"), ("黔东南苗族侗族自治州", "黔东南"), ("延边朝鲜族自治州", "延边"),
    ("伊犁哈萨克自治州", "伊犁"), ("石柱土家族自治县", "石柱"), ("龙胜各族自治县", "龙胜"),
    ("浦东新区", "浦东"), ("神农架林区", "神农架"), ("阿克苏地区", "阿克苏"),
    ("锡林郭勒盟", "锡林郭勒"),
    ("东乡族自治县", None), ("鄂伦春自治旗", None), ("矿区", None), ("郊区", None),
])
def test_short_names(name, short):
    assert short_name(name) == short


@pytest.mark.parametrize(("text", "place"), [
    ("广东省深圳市南山区", ("广东省", "深圳市", "南山区")),
    ("广东 深圳 南山", ("广东省", "深圳市", "南山区")),
    ("广东/深圳/南山区", ("广东省", "深圳市", "南山区")),
    ("中国广东省广州市天河区", ("广东省", "广州市", "天河区")),
    ("广东省", ("广东省", None, None)),
    ("广东", ("广东省", None, None)),
    ("深圳", ("广东省", "深圳市", None)),
    ("深圳南山", ("广东省", "深圳市", "南山区")),
    ("北京", ("北京市", "北京市", None)),
    ("北京市", ("北京市", "北京市", None)),
    ("北京市朝阳区", ("北京市", "北京市", "朝阳区")),
    ("北京 朝阳", ("北京市", "北京市", "朝阳区")),
    ("北京市市辖区海淀区", ("北京市", "北京市", "海淀区")),
    ("吉林", ("吉林省", None, None)),  # the province before the city of the same name
    ("吉林市", ("吉林省", "吉林市", None)),
    ("吉林省吉林市昌邑区", ("吉林省", "吉林市", "昌邑区")),
    ("长春朝阳区", ("吉林省", "长春市", "朝阳区")),
    ("延边", ("吉林省", "延边朝鲜族自治州", None)),
    ("湖北仙桃", ("湖北省", "仙桃市", None)),
    ("仙桃市", ("湖北省", "仙桃市", None)),
    ("重庆城口县", ("重庆市", "重庆市", "城口县")),
    ("重庆 石柱", ("重庆市", "重庆市", "石柱土家族自治县")),
    ("重庆 渝中区", ("重庆市", "重庆市", "渝中区")),
    ("广西南宁", ("广西壮族自治区", "南宁市", None)),
    ("广东，深圳　南山", ("广东省", "深圳市", "南山区")),  # full-width comma, ideographic space
])
def test_resolve_written_places(region_sample, text, place):
    assert region_sample.resolve(text) == place


@pytest.mark.parametrize("text", ["火星", "广东省深圳市南山区科技园", "广东北京", "深圳朝阳区",
                                  "", "  "])
def test_unknown_places(region_sample, text):
    with pytest.raises(FieldValueError):
        region_sample.resolve(text)


def test_district_in_two_cities_is_ambiguous(region_sample):
    with pytest.raises(FieldValueError, match="ambiguous.*南京市 鼓楼区.*徐州市 鼓楼区"):
        region_sample.resolve("鼓楼区")
    assert region_sample.resolve("南京鼓楼") == ("江苏省", "南京市", "鼓楼区")


def test_a_municipal_district_wins_over_a_guessed_city(region_sample):
    # 朝阳区 is in Beijing (whose city level people leave out) and in Changchun (which they don't)
    assert region_sample.resolve("朝阳区") == ("北京市", "北京市", "朝阳区")


def test_lists_for_the_widget(region_sample):
    assert region_sample.provinces()[:2] == ["北京市", "吉林省"]
    assert region_sample.cities("北京") == ["北京市"]
    assert region_sample.cities("重庆市") == ["重庆市"]
    assert region_sample.districts("重庆", "重庆市") == ["渝中区", "城口县", "石柱土家族自治县"]
    assert region_sample.cities("湖北省") == ["武汉市", "仙桃市", "神农架林区"]
    assert region_sample.districts("广东省", "深圳") == ["南山区", "福田区"]
    with pytest.raises(FieldValueError, match="not a province"):
        region_sample.cities("火星")
    with pytest.raises(FieldValueError, match="not a city of 广东省"):
        region_sample.districts("广东", "北京")


def test_canonical(region_sample):
    assert region_sample.canonical("广东", "深圳", "南山") == ("广东省", "深圳市", "南山区")
    assert region_sample.canonical("北京", "市辖区", "朝阳区") == ("北京市", "北京市", "朝阳区")
    assert region_sample.canonical("北京", None, "朝阳区") == ("北京市", "北京市", "朝阳区")
    assert region_sample.canonical("北京") == ("北京市", "北京市", None)
    assert region_sample.canonical(None, "深圳") == ("广东省", "深圳市", None)
    assert region_sample.canonical("广东省") == ("广东省", None, None)
    with pytest.raises(FieldValueError, match="not a district of 深圳市"):
        region_sample.canonical("广东", "深圳", "天河区")
    with pytest.raises(FieldValueError, match="not a city of 广东省"):
        region_sample.canonical("广东", "长春")


def test_data_is_loaded_once_per_path(region_sample):
    assert RegionData.from_path(region_sample.path) is region_sample
    assert region_sample.tree is region_sample.tree


def test_missing_data_says_how_to_install_it(tmp_path):
    data = RegionData.from_path(tmp_path / "nowhere.json")
    with pytest.raises(FieldValueError, match="region data not installed: run make vendor"):
        data.provinces()


def test_broken_data_is_reported(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(FieldValueError, match="cannot be read"):
        RegionData.from_path(path).provinces()


def test_default_path_is_the_vendored_file():
    assert regions.DEFAULT_PATH.parts[-4:] == ("static", "vendor", "china-division",
                                               "pca-code.json")


@pytest.mark.skipif(not regions.DEFAULT_PATH.exists(), reason="run make vendor for the full data")
@pytest.mark.parametrize(("text", "place"), [
    ("广东省深圳市南山区", ("广东省", "深圳市", "南山区")),
    ("上海浦东", ("上海市", "上海市", "浦东新区")),
    ("内蒙古 呼和浩特", ("内蒙古自治区", "呼和浩特市", None)),
    ("新疆石河子", ("新疆维吾尔自治区", "石河子市", None)),
    ("海南", ("海南省", None, None)),
    ("河南", ("河南省", None, None)),  # not 河南蒙古族自治县 in Qinghai
    ("黔东南", ("贵州省", "黔东南苗族侗族自治州", None)),
])
def test_full_vendored_data(text, place):
    assert RegionData.from_path(regions.DEFAULT_PATH).resolve(text) == place
