"""The directory's protocol (runtime/directory.py) stays documented for the engines that will
ask it: every question is in docs/directory.md's table."""

from __future__ import annotations

from pathlib import Path

from runtime.directory import Directory, Person

DOC = Path(__file__).resolve().parents[3] / "docs" / "directory.md"


def questions() -> list[str]:
    return sorted(name for name, member in vars(Directory).items()
                  if callable(member) and not name.startswith("_"))


def test_every_question_of_the_directory_is_documented():
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in questions() if f"| `{name}(" not in text]
    assert not missing, f"docs/directory.md does not describe {missing}"


def test_a_picker_entry_carries_an_address_only_when_one_was_given():
    assert Person(3, "Mia").picker_entry() == {"id": 3, "name": "Mia"}
    assert Person(3, "Mia", email="mia@example.com").picker_entry() == {
        "id": 3, "name": "Mia", "email": "mia@example.com"}
