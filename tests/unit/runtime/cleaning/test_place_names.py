"""Other ways to write a place, over the full division data (vendored by make vendor)."""

from __future__ import annotations

import pytest

from runtime.cleaning.place_names import abbreviation, has_latin
from runtime.fields import regions

DATA = regions.DEFAULT_PATH
pytestmark = pytest.mark.skipif(not DATA.is_file(), reason="region data not vendored")


@pytest.fixture(scope="module")
def data():
    return regions.RegionData(DATA)


@pytest.mark.parametrize(("text", "place", "code"), [
    ("北京", ("北京市", "北京市", None), "110000"),
    ("Beijing", ("北京市", "北京市", None), "110000"),
    ("京", ("北京市", "北京市", None), "110000"),
    ("朝阳区, 北京", ("北京市", "北京市", "朝阳区"), "110105"),
    ("Chaoyang District, Beijing", ("北京市", "北京市", "朝阳区"), "110105"),
    ("广东深圳南山", ("广东省", "深圳市", "南山区"), "440305"),
    ("Shenzhen", ("广东省", "深圳市", None), "440300"),
    ("沪 浦东新区", ("上海市", "上海市", "浦东新区"), "310115"),
    ("Shanghai Pudong New Area", ("上海市", "上海市", "浦东新区"), "310115"),
    ("Xi'an, Shaanxi", ("陕西省", "西安市", None), "610100"),
    ("Taiyuan, Shanxi", ("山西省", "太原市", None), "140100"),
    ("Chongqing", ("重庆市", "重庆市", None), "500000"),
    ("Changsha", ("湖南省", "长沙市", None), "430100"),
    ("Xiamen", ("福建省", "厦门市", None), "350200"),
    ("Hohhot", ("内蒙古自治区", "呼和浩特市", None), "150100"),
    ("Inner Mongolia", ("内蒙古自治区", None, None), "150000"),
    ("蜀", ("四川省", None, None), "510000"),
    ("510107", ("四川省", "成都市", "武侯区"), "510107"),
])
def test_full_data(data, text, place, code):
    assert data.resolve(text) == place
    assert data.code_of(*place) == code


@pytest.mark.parametrize("text", ["Chaoyang", "Fuzhou", "鼓楼区"])
def test_homophones_and_shared_names_are_ambiguous(data, text):
    with pytest.raises(regions.FieldValueError, match="ambiguous"):
        data.resolve(text)


def test_abbreviations_and_latin():
    assert abbreviation("粤") == "广东" and abbreviation("粤B") is None
    assert has_latin("Beijing 朝阳") and not has_latin("北京 110000")


def test_the_pinyin_index_is_kept_beside_the_data_and_read_back(tmp_path):
    """Built once (pypinyin over every name: 1-2 s per process before), then read from the
    file by the next process; a file built from other data is built again."""
    import json
    import shutil

    copy = tmp_path / "pca-code.json"
    shutil.copy(DATA, copy)
    built = regions.RegionData(copy)
    assert built.resolve("Chaoyang District, Beijing") == ("北京市", "北京市", "朝阳区")
    kept = tmp_path / "pca-code.pinyin.json"
    body = json.loads(kept.read_text(encoding="utf-8"))
    assert body["stamp"] == built.latin.stamp() and "chaoyang" in body["index"]

    body["index"]["chaoyang"] = ["海淀"]  # read back, not built again: the change shows
    kept.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert regions.RegionData(copy).latin.index["chaoyang"] == ["海淀"]

    body["stamp"] = "built from other data"
    kept.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert "朝阳" in regions.RegionData(copy).latin.index["chaoyang"]
    assert json.loads(kept.read_text(encoding="utf-8"))["stamp"] == built.latin.stamp()


def test_an_index_that_cannot_be_kept_stays_in_memory(tmp_path):
    """A read-only install: the file cannot be written (here: a folder in its way)."""
    import shutil

    copy = tmp_path / "pca-code.json"
    shutil.copy(DATA, copy)
    (tmp_path / "pca-code.pinyin.json").mkdir()
    assert regions.RegionData(copy).resolve("Shenzhen") == ("广东省", "深圳市", None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pca-code.json", "pca-code.pinyin.json"]
