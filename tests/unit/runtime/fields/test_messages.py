"""Field-type messages are translatable ``msg(...)`` Messages, every one with a Chinese text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from metadata.messages import Message
from runtime.fields.base import FieldValueError
from runtime.fields.registry import build_field_registry

ROOT = Path(__file__).resolve().parents[4]
PO = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
FIELD_MODULES = sorted((ROOT / "runtime" / "fields").glob("*.py"))
# where the messages about records come from besides the field types
OTHER_MODULES = [ROOT / p for p in (
    "runtime/storage/checks.py", "runtime/storage/records.py", "runtime/storage/query.py",
    "runtime/permissions.py", "runtime/forms/plan.py", "runtime/forms/behaviour.py",
    "runtime/events/hub.py", "runtime/fields/roles/cleaning.py", "runtime/cleaning/phones.py",
    "runtime/cleaning/emails.py",
)]


@pytest.fixture(scope="module")
def zh() -> dict[str, str]:
    with PO.open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


def zh_gettext(catalogue: dict[str, str]):
    def gettext(template: str, **params) -> str:
        text = catalogue.get(template) or template
        return text % params if params else text
    return gettext


def templates(path: Path) -> list[str]:
    return [message for _line, message, _comments, _context
            in extract_from_file("python", str(path), keywords={"msg": None})]


@pytest.mark.parametrize("path", FIELD_MODULES + OTHER_MODULES,
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_template_has_a_chinese_text(path, zh):
    missing = [t for t in templates(path) if not zh.get(t)]
    assert not missing, f"no zh msgstr in {PO.relative_to(ROOT)} for {missing}"


def _plain_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                               and isinstance(node.value, str))


@pytest.mark.parametrize("path", FIELD_MODULES, ids=lambda p: p.name)
def test_field_types_raise_messages_not_plain_text(path):
    """English written straight into FieldValueError or Problem could not be translated."""
    plain = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        message = {"FieldValueError": node.args[:1], "Problem": node.args[1:2]}.get(
            node.func.id, [])
        plain += [f"{path.name}:{node.lineno}" for arg in message if _plain_text(arg)]
    assert not plain


def coerce_error(ftype: str, value, fld: dict) -> Message:
    registry = build_field_registry()
    with pytest.raises(FieldValueError) as caught:
        registry[ftype].coerce(value, {"key": "f", "type": ftype, **fld})
    assert isinstance(caught.value.message, Message)
    return caught.value.message


def test_a_typed_value_keeps_its_english_quotes_and_is_bare_in_chinese(zh):
    message = coerce_error("phone", "12345", {})
    assert message == "'12345' is not a valid phone number"
    assert message.localized(zh_gettext(zh)) == "12345 不是有效的电话号码"


@pytest.mark.parametrize(("ftype", "value", "fld", "english", "chinese"), [
    ("number", "many", {}, "must be a whole number", "请填写整数"),
    ("number", 3, {"config": {"max": 2}}, "must be at most 2", "不能大于 2"),
    ("date", "2024-02-30", {}, "'2024-02-30' is not a day of the calendar",
     "2024-02-30 不是有效的日期"),
    ("select", "maybe", {"config": {"choices": [{"value": "a", "label": "A"}]}},
     "'maybe' is not one of the choices (a)", "maybe 不在可选项中"),
    ("decimal", "1,5", {}, "must use . for the decimal point and , only between thousands",
     "小数点请用“.”，“,”只能用作千位分隔符"),
])
def test_field_messages_in_english_and_chinese(zh, ftype, value, fld, english, chinese):
    message = coerce_error(ftype, value, fld)
    assert message == english
    assert message.localized(zh_gettext(zh)) == chinese


def test_a_row_of_a_sub_table_names_its_sub_field_and_keeps_the_inner_message(zh):
    fld = {"config": {"fields": [{"key": "qty", "type": "number", "label": "Qty"}]}}
    message = coerce_error("sub_table", [{"qty": 1}, {"qty": "x"}], fld)
    assert message == "row 2, qty: must be a whole number"
    assert message.params["sub"] == "qty"
    assert message.localized(zh_gettext(zh)) == "第 2 行，qty：请填写整数"
