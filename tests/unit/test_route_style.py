"""One route style (docs/architecture.md): every module lists its routes in a table of
``(rule, endpoint, view, methods)`` that ``runtime.web.routes.add_routes`` adds to a blueprint,
with module-level views; and functions stay short.

The scans read the source, so a route added any other way (a decorator on a blueprint, a
call of ``add_url_rule`` or ``route``) fails here before it runs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("app", "runtime", "builder", "metadata")
HELPER = "runtime/web/routes.py"  # the one place that calls add_url_rule
ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete"})
# A function spans at most this many lines (its def to its last line). The house rule is
# ~50: a function longer than that does more than one thing.
MAX_LINES = 50
# Exempt, with the reason: a migration is the frozen record of a schema change, written once
# (mostly generated DDL) and never refactored after it has run somewhere.
LONG_EXEMPT = ("app/migrations/versions/",)


def sources() -> list[tuple[str, ast.Module]]:
    out = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            out.append((rel, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def _is_rule(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) \
        and node.value.startswith("/")


def _blueprint_method(node: ast.AST) -> str | None:
    """``route``, ``get``, ... when ``node`` calls a method of that name (any receiver)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in ROUTE_METHODS:
        return node.func.attr
    return None


def route_violations(rel: str, tree: ast.Module) -> list[str]:
    """Every place in one module that adds a route other than through the ROUTES tables:
    ``@bp.get(...)``-style decorators, ``bp.route(rule)(view)``, ``bp.get("/x")`` and
    ``add_url_rule`` outside the helper. (A ``get`` or ``route`` call that names no URL rule,
    a dict's ``get`` or a routing engine's ``route``, is no route.)"""
    found: dict[ast.AST, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if _blueprint_method(deco):
                    found[deco] = f"{rel}:{deco.lineno} @...{deco.func.attr}(...) on {node.name}"
        elif isinstance(node, ast.Call) and _blueprint_method(node.func):
            found[node.func] = f"{rel}:{node.lineno} ...{node.func.func.attr}(...)(view)"
    for node in ast.walk(tree):
        if node in found or not isinstance(node, ast.Call) \
                or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        if name == "add_url_rule" and rel != HELPER or \
                _blueprint_method(node) and node.args and _is_rule(node.args[0]):
            found[node] = f"{rel}:{node.lineno} ...{name}(...)"
    return sorted(found.values())


def long_functions(rel: str, tree: ast.Module, limit: int = MAX_LINES) -> list[str]:
    return [f"{rel}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > limit]


def test_routes_are_added_only_from_route_tables():
    found = [v for rel, tree in sources() for v in route_violations(rel, tree)]
    assert found == [], "add routes with a ROUTES table and runtime.web.routes.add_routes " \
                        "(docs/architecture.md): " + "; ".join(found)


def test_no_function_is_longer_than_the_limit():
    found = [v for rel, tree in sources() if not rel.startswith(LONG_EXEMPT)
             for v in long_functions(rel, tree)]
    assert found == [], f"functions over {MAX_LINES} lines (split them): " + "; ".join(found)


@pytest.mark.parametrize("source", [
    "def f(bp):\n    @bp.get('/x')\n    def view():\n        pass\n",
    "def f(bp):\n    @bp.route('/x', methods=['GET', 'POST'])\n    def view():\n        pass\n",
    "@app.post('/x', endpoint='y')\ndef view():\n    pass\n",
    "def f(bp, view):\n    bp.add_url_rule('/x', 'x', view)\n",
    "def f(app, view):\n    app.route('/x')(view)\n",
    "def f(bp, view):\n    bp.delete('/x/<int:id>')(view)\n",
])
def test_the_scan_sees_every_other_way_of_adding_a_route(source):
    assert len(route_violations("m.py", ast.parse(source))) == 1


@pytest.mark.parametrize("source", [
    "ROUTES = (('/x', 'x', view, ('GET',)),)\n",
    "def f(args):\n    return args.get('page')\n",  # a dict's get, not a route
    "def f(session):\n    session.delete(row)\n",
    "def f(strategy, record):\n    return strategy.route(record)\n",  # a routing engine
])
def test_the_scan_leaves_other_calls_alone(source):
    assert route_violations("m.py", ast.parse(source)) == []


def test_the_helper_alone_may_call_add_url_rule():
    source = "def add_routes(bp, routes):\n    bp.add_url_rule('/x', 'x', None)\n"
    assert route_violations(HELPER, ast.parse(source)) == []
    assert route_violations("runtime/web/other.py", ast.parse(source)) != []


def test_the_length_scan_counts_from_def_to_the_last_line():
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES - 1))
    fits = ast.parse(f"def f():\n{body}")
    assert long_functions("m.py", fits) == []
    assert long_functions("m.py", ast.parse(f"def f():\n{body}    y = 0\n")) == \
        [f"m.py:1 f ({MAX_LINES + 1} lines)"]


def test_every_view_is_a_module_level_function(app):
    """Views take what they need per request from accessors, not from an enclosing factory."""
    nested = sorted(f"{endpoint}: {view.__module__}.{view.__qualname__}"
                    for endpoint, view in app.view_functions.items()
                    if endpoint != "static"  # Flask's own
                    and "<locals>" in view.__qualname__)
    assert nested == []
