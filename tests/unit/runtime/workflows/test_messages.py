"""The messages of workflow checks are translatable, each with a Chinese text."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[4]
PO = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
MODULES = sorted((ROOT / "runtime" / "workflows").rglob("*.py")) + [
    ROOT / "metadata" / "workflows.py"]


@pytest.fixture(scope="module")
def zh() -> dict[str, str]:
    with PO.open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_template_has_a_chinese_text(path, zh):
    found = [m for _line, m, _c, _x in extract_from_file("python", str(path),
                                                          keywords={"msg": None})]
    missing = [t for t in found if not zh.get(t)]
    assert not missing, f"no zh msgstr for {missing}"
