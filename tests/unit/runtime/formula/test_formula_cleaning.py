"""The cleaning functions: PHONE_REGION, PHONE_TYPE, HALFWIDTH, PROPER — forms only (no SQL)."""

from __future__ import annotations

import pytest

from runtime.formula.checker import check
from runtime.formula.errors import FormulaError
from runtime.formula.types import FType
from tests.unit.runtime.formula.formula_support import REGISTRY, SCOPE, python_value


@pytest.mark.parametrize(("source", "expected"), [
    ('PHONE_REGION("+8675588888888")', "广东省深圳市"),
    ('号码归属地("+861065529988;ext=12")', "北京市"),
    ('PHONE_REGION("+16502530000")', None),
    ('PHONE_REGION("not a number")', None),
    ('PHONE_TYPE("+8613800138000")', "mobile"),
    ('号码类型("+861065529988")', "landline"),
    ('PHONE_TYPE("kept as written")', None),
    ('HALFWIDTH("ＡＢＣ　１２３，好")', "ABC 123，好"),
    ('PROPER("john SMITH-lee")', "John Smith-Lee"),
    ("PROPER(NULL)", None),
])
def test_values(source, expected):
    assert python_value(source, {}) == expected


def test_text_in_text_out_and_forms_only():
    assert check('PHONE_REGION("x")', SCOPE, REGISTRY).type == FType.TEXT
    with pytest.raises(FormulaError):
        check("PHONE_TYPE(1)", SCOPE, REGISTRY)
    for name in ("PHONE_REGION", "PHONE_TYPE", "HALFWIDTH", "PROPER"):
        assert REGISTRY.get(name).sql is False
