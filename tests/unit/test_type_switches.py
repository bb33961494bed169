"""Type knowledge stays in the types: no module outside the field types (``runtime/fields/``) and
the widgets (``runtime/web/forms/widgets/``) switches on a field's type or widget by name.

Such a switch (``fld["type"] == "formula"``, ``ftype.widget in ("number", "decimal")``, a table
keyed by widget names) is the place a new type or widget would be forgotten; it belongs in the
type (a capability: ``calculated``, ``holds_rows``, ``numeric``, ``names``, ...) or in the
widget (``runtime.web.forms.widgets``). An AST scan finds comparisons, ``match`` cases and table
lookups of a type or widget against string literals, also through module constants (imported
ones too) and local names.

``"number"`` and ``"boolean"`` are JSON Schema types as well as field types: compared with a
``["type"]`` or ``.get("type")`` (which JSON Schema nodes have too) they are not reported; with
``.type`` or ``.widget`` they are.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "builder", "metadata", "runtime")
OWNERS = ("runtime/fields/", "runtime/web/forms/widgets/")  # where type and widget names belong
JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})


def registered_names() -> tuple[frozenset[str], frozenset[str]]:
    """(field type keys, widget keys) of the built-in registries."""
    from runtime.fields.registry import build_field_registry
    from runtime.web.forms.widgets.registry import build_widget_registry

    fields = build_field_registry()
    return frozenset(fields.keys()), frozenset(build_widget_registry(fields).keys())


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def strings(node: ast.AST | None, constants: dict[str, frozenset[str]]) -> frozenset[str]:
    """The string literals a node stands for: a literal, a collection or dict (its keys) of
    literals, ``frozenset({...})``, or a module constant holding those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return frozenset({node.value})
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return frozenset().union(*(strings(e, constants) for e in node.elts))
    if isinstance(node, ast.Dict):
        return frozenset().union(*(strings(k, constants) for k in node.keys))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args and \
            node.func.id in ("frozenset", "set", "tuple", "list", "dict"):
        return strings(node.args[0], constants)
    if isinstance(node, ast.Name):
        return constants.get(node.id, frozenset())
    return frozenset()


def module_constants(tree: ast.Module) -> dict[str, frozenset[str]]:
    """A module's names bound to string literals: ``A = "a"``, ``A, B = "a", "b"``,
    ``A: tuple = ("a", "b")``, ``A = {"a": ...}``."""
    out = {}
    for stmt in tree.body:
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            else stmt.target if isinstance(stmt, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and (found := strings(stmt.value, {})):
            out[target.id] = found
        elif isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple):
            for name, value in zip(target.elts, stmt.value.elts, strict=False):
                if isinstance(name, ast.Name) and (found := strings(value, {})):
                    out[name.id] = found
    return out


class SwitchFinder(ast.NodeVisitor):
    """Finds comparisons, match cases and table lookups of a type or widget with literals."""

    def __init__(self, path: str, constants: dict[str, frozenset[str]],
                 type_names: frozenset[str], widget_names: frozenset[str]):
        self.path, self.constants = path, constants
        self.type_names, self.widget_names = type_names, widget_names
        self.tainted: dict[str, str] = {}  # local names holding a type or widget
        self.findings: list[Finding] = []

    # -- what is a type or a widget -----------------------------------------------------------
    def subject(self, node: ast.AST) -> str | None:
        """"widget", "type" (an attribute) or "key" (``["type"]``, ``.get("type")``)."""
        if isinstance(node, ast.Attribute) and node.attr in ("widget", "type"):
            return node.attr
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and node.slice.value == "type":
            return "key"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "get" and node.args \
                and isinstance(node.args[0], ast.Constant) and node.args[0].value == "type":
            return "key"
        if isinstance(node, ast.Name):
            return self.tainted.get(node.id)
        if isinstance(node, ast.Tuple):
            return next((s for e in node.elts if (s := self.subject(e))), None)
        return None

    def switches(self, kind: str, names: frozenset[str]) -> bool:
        known = self.type_names | self.widget_names
        if kind == "widget":
            return bool(names)
        if kind == "type":
            return bool(names & known)
        # ["type"] and .get("type"): JSON Schema nodes have them too
        return bool(names & (self.type_names - JSON_TYPES)) and not names & (
            JSON_TYPES - self.type_names)

    def report(self, node: ast.AST, kind: str) -> None:
        text = ast.unparse(node).splitlines()[0][:120]
        self.findings.append(Finding(self.path, node.lineno, f"{kind} switch: {text}"))

    # -- visiting -----------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer, self.tainted = self.tainted, dict(self.tainted)
        self.generic_visit(node)
        self.tainted = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        kind = self.subject(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if kind:
                    self.tainted[target.id] = kind
                else:
                    self.tainted.pop(target.id, None)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        kinds = [k for o in operands if (k := self.subject(o))]
        names = frozenset().union(*(strings(o, self.constants) for o in operands))
        if kinds and self.switches(kinds[0], names):
            self.report(node, kinds[0])
        self.generic_visit(node)

    def visit_Match(self, node: ast.Match) -> None:
        kind = self.subject(node.subject)
        if kind:
            names = frozenset(c.pattern.value.value for c in node.cases
                              if isinstance(c.pattern, ast.MatchValue)
                              and isinstance(c.pattern.value, ast.Constant)
                              and isinstance(c.pattern.value.value, str))
            if self.switches(kind, names):
                self.report(node, kind)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.lookup(node, node.value, node.slice)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
            self.lookup(node, node.func.value, node.args[0])
        self.generic_visit(node)

    def lookup(self, node: ast.AST, table: ast.AST, key: ast.AST) -> None:
        """``TABLE[ftype.widget]`` or ``TABLE.get(...)`` of a table keyed by names."""
        kind = self.subject(key)
        if kind and isinstance(table, ast.Name) and table.id in self.constants \
                and self.switches(kind, self.constants[table.id]):
            self.report(node, kind)


def imported_constants(tree: ast.Module, constants_of) -> dict[str, frozenset[str]]:
    """The constants a module imports by name from the scanned packages."""
    out = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
            theirs = constants_of(stmt.module)
            for alias in stmt.names:
                if alias.name in theirs:
                    out[alias.asname or alias.name] = theirs[alias.name]
    return out


def modules(root: Path) -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "/migrations/versions/" not in relative:
                yield relative, ast.parse(path.read_text(encoding="utf-8"), relative)


def find_switches(root: Path, type_names: frozenset[str], widget_names: frozenset[str]
                  ) -> list[Finding]:
    trees = dict(modules(root))
    own = {path: module_constants(tree) for path, tree in trees.items()}

    def constants_of(module: str) -> dict[str, frozenset[str]]:
        base = module.replace(".", "/")
        return own.get(base + ".py") or own.get(base + "/__init__.py") or {}

    findings = []
    for path, tree in trees.items():
        if path.startswith(OWNERS):
            continue
        constants = {**imported_constants(tree, constants_of), **own[path]}
        finder = SwitchFinder(path, constants, type_names, widget_names)
        finder.visit(tree)
        findings += finder.findings
    return findings


def scan(source: str) -> list[Finding]:
    """The switches in one module's source, as ``find_switches`` sees them."""
    tree = ast.parse(source)
    finder = SwitchFinder("<source>", module_constants(tree), *registered_names())
    finder.visit(tree)
    return finder.findings


def test_no_module_outside_the_types_and_widgets_switches_on_their_names():
    findings = find_switches(ROOT, *registered_names())
    assert not findings, (
        "type knowledge outside runtime/fields/ and runtime/web/forms/widgets/: give the type a "
        "capability or the widget a method instead of switching on names:\n"
        + "\n".join(map(str, findings)))


@pytest.mark.parametrize("source", [
    'if fld["type"] == "formula": pass',
    'if fld.get("type") in ("text", "auto_number", "email", "phone"): pass',
    'x = plan.types[fld["type"]].widget == "sub_table"',
    'widget = ftype.widget\nif widget == "relation": pass',
    'def f(ftype):\n    widget = ftype.widget\n    return widget in ("url", "email")',
    'SUB_TABLE = "sub_table"\ndef f(t):\n    return t.widget == SUB_TABLE',
    'RELATION, USER = "relation", "user"\ndef f(t):\n    return t.widget == USER',
    'CALCULATED = "formula"\ndef f(fld):\n    return fld.get("type") == CALCULATED',
    'NUMERIC = ("number", "decimal")\ndef f(t):\n    return t.widget in NUMERIC',
    'NO_PLACEHOLDER = frozenset({"checkbox", "region"})\ndef f(t):\n'
    '    return t.widget not in NO_PLACEHOLDER',
    'EXTRAS = {"select": 1, "user": 2}\ndef f(t):\n    return EXTRAS.get(t.widget, 0)',
    'SCHEMES = {"url": "", "email": "mailto:"}\ndef f(t):\n    return SCHEMES[t.widget]',
    'TEMPLATES = {("select", "radio"): "_radio.html"}\n'
    'def f(vm):\n    return TEMPLATES.get((vm.widget, vm.ctx.get("display")))',
    'match ftype.widget:\n    case "region":\n        pass',
    'if ftype.type != "attachment": pass',
    'if ftype.type == "number": pass',
])
def test_the_scan_finds_a_switch(source):
    assert scan(source), f"not found: {source!r}"


@pytest.mark.parametrize("source", [
    "if ftype.holds_rows: pass",
    'if ftype.names(fld) is not None: pass',
    'if schema.get("type") in ("string", "integer", "number", "boolean"): pass',
    'if items.get("type") == "string": pass',
    'kind = schema.get("type")\nif kind == "boolean": pass',
    'if tok.type == "$END": pass',
    'if fld["type"] == type_key: pass',
    'if site.role == "formula": pass',
    'if entry.get("user"): pass',
    'LABELS = {"select": 1}\ndef f(name):\n    return LABELS.get(name)',
])
def test_the_scan_leaves_other_comparisons_alone(source):
    assert scan(source) == []


def test_the_scan_follows_constants_imported_from_another_module(tmp_path):
    (tmp_path / "runtime").mkdir()
    (tmp_path / "runtime" / "kinds.py").write_text('SUB_TABLE = "sub_table"\n')
    (tmp_path / "runtime" / "pages.py").write_text(
        "from runtime.kinds import SUB_TABLE\n\n\ndef rows(ftype):\n"
        "    return ftype.widget == SUB_TABLE\n")
    findings = find_switches(tmp_path, *registered_names())
    assert [(f.path, f.line) for f in findings] == [("runtime/pages.py", 5)]
