"""The docs in docs/ stay true: the generated metadata reference is current, and every field type,
CLI command (with its options) and API route is documented; links between the docs resolve."""

from __future__ import annotations

import re
from pathlib import Path

from app import docs as app_docs
from metadata.checks import CheckContext, Validators, check_document
from metadata.docs import EXAMPLE_APP, EXAMPLE_COMPANY_FORM, EXAMPLE_FORM, EXAMPLE_VIEW
from metadata.package import FORMAT, FORMAT_VERSION, import_package
from metadata.schemas import build_schemas
from runtime.fields.registry import build_field_registry
from tests.support import api_routes

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ENDPOINT = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^`\s?]*)")


def read(name: str) -> str:
    path = DOCS / name
    assert path.exists(), f"docs/{name} is missing"
    return path.read_text(encoding="utf-8")


# -- the generated reference ------------------------------------------------------------------
def test_metadata_reference_is_current():
    expected = app_docs.render()
    current = app_docs.METADATA_DOC.read_text(encoding="utf-8") \
        if app_docs.METADATA_DOC.exists() else ""
    assert current == expected, (
        "docs/metadata.md is stale: it no longer matches the JSON Schemas and field types; "
        "run make docs (python -m app.docs) and commit docs/metadata.md")


def test_docs_check_reports_a_stale_file(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "metadata.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(app_docs, "ROOT", tmp_path)
    monkeypatch.setattr(app_docs, "METADATA_DOC", stale)
    monkeypatch.setattr(app_docs, "FORMULA_DOC", tmp_path / "formula.md")
    assert app_docs.main(["--check"]) == 1
    assert "run `make docs`" in capsys.readouterr().err
    assert stale.read_text(encoding="utf-8") == "# old\n"  # --check writes nothing
    assert app_docs.main([]) == 0
    assert app_docs.main(["--check"]) == 0


def test_rendering_is_deterministic():
    assert app_docs.render() == app_docs.render()


def test_every_field_type_is_documented():
    text = read("metadata.md")
    for ftype in build_field_registry():
        assert f"### Field type `{ftype.type}`" in text, f"field type {ftype.type} undocumented"


# -- the examples in the reference ------------------------------------------------------------
def test_example_form_uses_every_field_type():
    used = {f["type"] for f in EXAMPLE_FORM["fields"]}
    missing = set(build_field_registry().keys()) - used
    assert not missing, f"add a field of each type to metadata/docs.py EXAMPLE_FORM: {missing}"


def test_examples_are_valid_documents():
    registry = build_field_registry()
    validators = Validators(build_schemas(registry))
    forms = {d["key"]: d for d in (EXAMPLE_FORM, EXAMPLE_COMPANY_FORM)}
    ctx = CheckContext(app_key=EXAMPLE_APP["key"], forms=forms,
                       field_types={t.type: t for t in registry})
    for kind, doc in (("app", EXAMPLE_APP), ("form", EXAMPLE_FORM),
                      ("form", EXAMPLE_COMPANY_FORM), ("view", EXAMPLE_VIEW)):
        check_document(validators, kind, doc, ctx)  # raises InvalidDocument with every problem


def test_examples_import_and_publish_their_tables(runtime):
    package = {"format": FORMAT, "format_version": FORMAT_VERSION, "app": EXAMPLE_APP,
               "documents": [EXAMPLE_COMPANY_FORM, EXAMPLE_FORM, EXAMPLE_VIEW]}
    with runtime.session() as session, session.begin():
        key = import_package(runtime.store, session, package,
                             on_publish=lambda d, v: runtime.on_publish(session, d, v))
    assert key == EXAMPLE_APP["key"]
    with runtime.session() as session:
        plan = runtime.plan(session, key, EXAMPLE_FORM["key"])
    assert [f["key"] for f in plan.fields] == [f["key"] for f in EXAMPLE_FORM["fields"]]


# -- coverage of the hand-written guides ------------------------------------------------------
def test_every_cli_command_and_option_is_documented(app):
    text = read("cli.md")
    sections = dict(re.findall(r"^## `trellis ([a-z-]+)`\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    for name, command in sorted(app.cli.commands.items()):
        assert name in sections, f"docs/cli.md has no section '## `trellis {name}`'"
        for param in command.params:
            for opt in param.opts:
                wanted = opt if opt.startswith("-") else opt.upper()
                assert wanted in sections[name], f"docs/cli.md: trellis {name} lacks {wanted}"
    stale = set(sections) - set(app.cli.commands)
    assert not stale, f"docs/cli.md documents commands that do not exist: {sorted(stale)}"


def _documented_endpoints(text: str) -> set[tuple[str, str]]:
    return {(m, re.sub(r"\{[^}]*\}|<[^>]*>", "{}", p)) for m, p in ENDPOINT.findall(text)}


def test_every_api_route_is_documented(app):
    routes = api_routes(app)
    assert routes, "no routes under /api/v1?"
    documented = _documented_endpoints(read("api.md"))
    missing = sorted(routes - documented)
    assert not missing, ("docs/api.md does not mention (as `METHOD /api/v1/path`): "
                         + ", ".join(f"{m} {p}" for m, p in missing))
    unknown = sorted(documented - routes)
    assert not unknown, ("docs/api.md documents endpoints that do not exist: "
                         + ", ".join(f"{m} {p}" for m, p in unknown))


def test_every_setting_is_documented():
    from app.config import DEFAULTS

    text = read("deployment.md")
    for key in DEFAULTS:
        assert f"TRELLIS_{key}" in text, f"docs/deployment.md does not explain TRELLIS_{key}"


# -- links ------------------------------------------------------------------------------------
def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def _anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        slug = _slug(line.lstrip("#"))
        count = seen.get(slug, 0)
        anchors.add(slug if count == 0 else f"{slug}-{count}")
        seen[slug] = count + 1
    return anchors


def test_links_between_docs_resolve():
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    problems = []
    for page in pages:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            linked = (page.parent / file_part).resolve() if file_part else page
            if not linked.exists():
                problems.append(f"{page.name}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(
                    linked.read_text(encoding="utf-8")):
                problems.append(f"{page.name}: {target} (no such heading)")
    assert not problems, "broken links: " + "; ".join(problems)
