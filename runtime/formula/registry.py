"""The registry of built-in formula functions, built by the app at start-up (no module-level
registry: nothing registers itself on import)."""

from __future__ import annotations

from runtime.formula.fn_aggregate import AGGREGATE_FUNCTIONS
from runtime.formula.fn_clean import CLEAN_FUNCTIONS
from runtime.formula.fn_convert import CONVERT_FUNCTIONS
from runtime.formula.fn_date import DATE_FUNCTIONS
from runtime.formula.fn_logic import LOGIC_FUNCTIONS
from runtime.formula.fn_math import MATH_FUNCTIONS
from runtime.formula.fn_text import TEXT_FUNCTIONS
from runtime.formula.functions import Function, FunctionRegistry

BUILTIN_FUNCTIONS: tuple[type[Function], ...] = (
    *LOGIC_FUNCTIONS, *TEXT_FUNCTIONS, *MATH_FUNCTIONS, *DATE_FUNCTIONS, *CONVERT_FUNCTIONS,
    *AGGREGATE_FUNCTIONS, *CLEAN_FUNCTIONS)


def build_function_registry(extra: tuple[type[Function], ...] = ()) -> FunctionRegistry:
    """The built-in functions and ``extra`` ones; a name used twice fails here."""
    return FunctionRegistry((*BUILTIN_FUNCTIONS, *extra))
