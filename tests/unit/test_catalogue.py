"""The zh catalogue: each message once (a message written twice keeps only one of its
translations, and which one depends on the tool)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MSGID = re.compile(r'^msgid "(.*)"$')


def entries(po: Path) -> list[str]:
    """The catalogue's msgids with their context, as written (multi-line ids joined)."""
    found, context, current = [], "", None
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("msgctxt "):
            context = line[len("msgctxt "):]
        elif (match := MSGID.match(line)) is not None:
            current = match.group(1)
        elif current is not None and line.startswith('"'):
            current += line[1:-1]
        elif current is not None:
            if current:
                found.append(f"{context}\x04{current}")
            context, current = "", None
    return found


def test_each_message_is_in_the_catalogue_once():
    for po in ROOT.glob("app/translations/*/LC_MESSAGES/messages.po"):
        twice = [key.split("\x04")[-1] for key, n in Counter(entries(po)).items() if n > 1]
        assert twice == [], f"{po.relative_to(ROOT)}: written twice: {twice}"


def test_every_message_the_code_marks_has_a_chinese_translation(tmp_path):
    """What ``_()``, ``N_()`` and ``msg()`` mark in the code and templates is in the zh
    catalogue with a translation (an English sentence in the Chinese UI is a bug)."""
    import subprocess
    import sys

    from babel.messages.pofile import read_po

    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract",
                    "-F", "babel.cfg", "-k", "N_", "-k", "msg", "--no-location",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        wanted = read_po(f)
    with (ROOT / "app/translations/zh/LC_MESSAGES/messages.po").open("rb") as f:
        zh = read_po(f)
    missing = []
    for message in wanted:
        if not message.id:
            continue
        found = zh.get(message.id, context=message.context)
        text = found.string if found is not None else None
        if not text or (isinstance(text, tuple) and not all(text)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert missing == [], f"no zh translation for {len(missing)}: {missing[:20]}"
