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
