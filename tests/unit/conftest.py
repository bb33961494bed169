"""Fixtures shared by the unit tests."""

from __future__ import annotations

import json

import pytest

from runtime.fields import regions

# A slice of china-division's pca-code.json, shaped like the real file: municipalities with the
# placeholder city 市辖区 (and 县 for Chongqing), a province-ruled county-level city (湖北 仙桃),
# a province and a city of the same name (吉林), and district names found in two cities (鼓楼区).
REGION_SAMPLE = [
    {"code": "11", "name": "北京市", "children": [
        {"code": "1101", "name": "市辖区", "children": [
            {"code": "110101", "name": "东城区"}, {"code": "110105", "name": "朝阳区"},
            {"code": "110108", "name": "海淀区"}]}]},
    {"code": "22", "name": "吉林省", "children": [
        {"code": "2201", "name": "长春市", "children": [
            {"code": "220104", "name": "朝阳区"}, {"code": "220102", "name": "南关区"}]},
        {"code": "2202", "name": "吉林市", "children": [
            {"code": "220202", "name": "昌邑区"}]},
        {"code": "2224", "name": "延边朝鲜族自治州", "children": [
            {"code": "222401", "name": "延吉市"}]}]},
    {"code": "32", "name": "江苏省", "children": [
        {"code": "3201", "name": "南京市", "children": [
            {"code": "320106", "name": "鼓楼区"}, {"code": "320104", "name": "秦淮区"}]},
        {"code": "3203", "name": "徐州市", "children": [
            {"code": "320302", "name": "鼓楼区"}]}]},
    {"code": "42", "name": "湖北省", "children": [
        {"code": "4201", "name": "武汉市", "children": [{"code": "420106", "name": "武昌区"}]},
        {"code": "4290", "name": "省直辖县级行政区划", "children": [
            {"code": "429004", "name": "仙桃市"}, {"code": "429021", "name": "神农架林区"}]}]},
    {"code": "44", "name": "广东省", "children": [
        {"code": "4403", "name": "深圳市", "children": [
            {"code": "440305", "name": "南山区"}, {"code": "440304", "name": "福田区"}]},
        {"code": "4401", "name": "广州市", "children": [
            {"code": "440106", "name": "天河区"}]}]},
    {"code": "45", "name": "广西壮族自治区", "children": [
        {"code": "4501", "name": "南宁市", "children": [{"code": "450102", "name": "兴宁区"}]}]},
    {"code": "50", "name": "重庆市", "children": [
        {"code": "5001", "name": "市辖区", "children": [{"code": "500103", "name": "渝中区"}]},
        {"code": "5002", "name": "县", "children": [
            {"code": "500229", "name": "城口县"},
            {"code": "500240", "name": "石柱土家族自治县"}]}]},
]


@pytest.fixture
def region_sample(tmp_path):
    """Point the region field at the sample data above for one test."""
    path = tmp_path / "pca-code.json"
    path.write_text(json.dumps(REGION_SAMPLE, ensure_ascii=False), encoding="utf-8")
    previous = regions.region_data_path()
    regions.set_region_data_path(path)
    yield regions.region_data()
    regions.set_region_data_path(previous)
