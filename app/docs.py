"""``python -m app.docs [--check]``: write docs/metadata.md (from the schemas and field types)
and docs/formula.md (from the formula function registry).

With ``--check`` nothing is written; the exit code is 1 when either file is stale.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from metadata.docs import EXAMPLE_FORM, render_metadata_reference
from metadata.schemas import build_schemas

ROOT = Path(__file__).resolve().parents[1]
METADATA_DOC = ROOT / "docs" / "metadata.md"
FORMULA_DOC = ROOT / "docs" / "formula.md"


def example_field(type_key: str, types: Mapping[str, Any]) -> dict | None:
    """The example form's field of this type (looking inside the rows of sub-tables too)."""
    for fld in EXAMPLE_FORM["fields"]:
        if fld["type"] == type_key:
            return fld
        ftype = types.get(fld["type"])
        for sub in ftype.row_fields(fld) if ftype is not None else ():
            if sub["type"] == type_key:
                return sub
    return None


def field_type_dict(ftype: Any, types: Mapping[str, Any]) -> dict[str, Any]:
    """A field type as the plain data the (pure) renderer takes."""
    info = {
        "type": ftype.type,
        "label": dict(ftype.label),
        "description": ftype.description,
        "config_schema": ftype.config_schema,
        "widget": ftype.widget,
        "searchable": ftype.searchable,
        "sortable": ftype.sortable,
        "can_group_by": ftype.can_group_by,
        "aggregations": list(ftype.aggregations),
        "filter_ops": list(ftype.filter_ops),
        "time_grains": list(ftype.time_grains),
        "generated": ftype.generated,
        "calculated": ftype.calculated,
        "can_be_title": ftype.can_be_title,
        "separate_storage": ftype.separate_storage,
        "sub_field_allowed": ftype.sub_field_allowed,
    }
    fld = example_field(ftype.type, types)
    if fld is not None:
        info["value_schema"] = ftype.value_schema(fld)
    return info


def render(field_types: Iterable[Any] | None = None) -> str:
    """The text docs/metadata.md should hold, for the built-in field types by default."""
    from runtime.capture.channels import build_channel_registry
    from runtime.fields.registry import build_field_registry
    from runtime.formula.registry import build_function_registry
    from runtime.permissions import DEFAULT_POLICY
    from runtime.rules.actions import build_action_registry

    types = list(field_types if field_types is not None else build_field_registry())
    by_key = {t.type: t for t in types}
    channels = build_channel_registry(build_function_registry())
    return render_metadata_reference(build_schemas(types, channels, build_action_registry()),
                                     [field_type_dict(t, by_key) for t in types],
                                     default_policy=DEFAULT_POLICY)


def render_formula() -> str:
    """The text docs/formula.md should hold."""
    from runtime.formula.reference import render_formula_reference
    from runtime.formula.registry import build_function_registry

    return render_formula_reference(build_function_registry())


def sync(path: Path, text: str, check: bool) -> bool:
    """Write (or with ``check`` only compare) one generated file; False when it is stale."""
    current = path.read_text(encoding="utf-8") if path.exists() else None
    relative = path.relative_to(ROOT)
    if current == text:
        print(f"{relative} is up to date")
        return True
    if check:
        print(f"{relative} is stale (it does not match the code it is generated from); "
              "run `make docs` and commit the result", file=sys.stderr)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {relative}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.docs", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a generated doc is stale instead of writing it")
    args = parser.parse_args(argv)
    fresh = [sync(METADATA_DOC, render(), args.check),
             sync(FORMULA_DOC, render_formula(), args.check)]
    return 0 if all(fresh) else 1


if __name__ == "__main__":
    sys.exit(main())
