"""docs/formula.md is current and names every function and alias."""

from app.docs import FORMULA_DOC, render_formula
from runtime.formula.registry import build_function_registry


def test_formula_reference_is_current():
    assert FORMULA_DOC.read_text(encoding="utf-8") == render_formula(), (
        "docs/formula.md is stale: run make docs")


def test_every_function_and_alias_is_documented():
    text = FORMULA_DOC.read_text(encoding="utf-8")
    missing = [name for fn in build_function_registry() for name in (fn.name, *fn.aliases)
               if f"`{name}" not in text]
    assert not missing, missing
