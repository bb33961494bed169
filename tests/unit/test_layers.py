"""Dependencies point one way (DESIGN.md): ``builder -> runtime -> metadata``, ``app`` wires
them together; and the runtime's engines are pure cores that import no web framework, with
their HTTP in ``runtime/api`` and their pages in ``runtime/web``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_htmx", "werkzeug",
       "runtime.web", "runtime.api")
# the adapters: the pages, the API, and the two RQ entry points that read the app's config
ADAPTERS = ("runtime/web/", "runtime/api/", "runtime/jobs/worker.py", "runtime/jobs/scheduler.py")
RULES = [  # (folder, what it must not import, the files exempt from the rule)
    ("metadata", ("runtime", "builder", "app"), ()),
    ("runtime", ("builder", "app"), ()),
    ("builder", ("app",), ()),
    ("runtime", WEB, ADAPTERS),
]


def imported(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (at any depth: deferred imports count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def under(module: str, names: tuple[str, ...]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


def violations(folder: str, banned: tuple[str, ...], exempt: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(exempt) or "/migrations/versions/" in rel:
            continue
        out.extend(f"{rel}:{line} imports {module}" for line, module in imported(path)
                   if under(module, banned))
    return out


@pytest.mark.parametrize(("folder", "banned", "exempt"), RULES,
                         ids=[f"{r[0]}-not-{r[1][0]}" for r in RULES])
def test_dependencies_point_one_way(folder, banned, exempt):
    assert violations(folder, banned, exempt) == []


def test_the_scan_sees_deferred_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from flask import g\n    import runtime.web.forms\n")
    assert [m for _, m in imported(module)] == ["flask", "runtime.web.forms"]
    assert under("runtime.web.forms", WEB) and not under("runtime.webhooks", WEB)
