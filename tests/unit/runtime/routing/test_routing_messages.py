"""Every reason routing gives and every problem it finds has a Chinese text (the assignment
log and the admin page show them in the reader's language)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from runtime.routing.choice import REASONS, Reason

ROOT = Path(__file__).resolve().parents[4]
PO = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
MODULES = [ROOT / "runtime" / "routing" / "members.py", ROOT / "runtime" / "web" / "routing.py",
           ROOT / "runtime" / "web" / "routing_form.py"]


@pytest.fixture(scope="module")
def zh() -> dict[str, str]:
    with PO.open("rb") as source:
        return {m.id: m.string for m in read_po(source) if isinstance(m.id, str) and m.id}


def test_every_reason_has_a_chinese_text(zh):
    assert [t for t in REASONS.values() if not zh.get(t)] == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_marked_message_has_a_chinese_text(path, zh):
    found = [m for _line, m, _c, _ctx in extract_from_file("python", str(path),
                                                          keywords={"N_": None, "_": None})]
    assert found and [m for m in found if not zh.get(m)] == []


def test_a_nested_reason_reads_in_chinese(zh):
    def gettext(template: str, **params) -> str:
        return (zh.get(template) or template) % params

    reason = Reason("fallback_team", {"inner": Reason("round_robin", {"after": 3})})
    assert reason.text.localized(gettext) == "无人符合条件：后备团队中用户 3 之后轮到"
