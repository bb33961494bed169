"""The words the to-do settings editor's scripts show (static/js/builder-todo*.js), in the
reader's language: the scripts build the editor from the settings and print these."""

from __future__ import annotations

from flask_babel import gettext as _


def _save_words() -> dict[str, str]:
    return {
        "saving": _("Saving…"), "saved": _("All changes saved"),
        "unsaved": _("Unsaved changes"), "invalid": _("Not saved: fix the marked problems"),
        "failed": _("Not saved: the server could not be reached. Your edits are kept; it "
                    "retries on the next change."),
        "conflict": _("Someone else changed this app since you opened this page. Your edits "
                      "are kept on this page and were not saved."),
        "published": _("Published as version %(num)s.", num="{n}"),
        "unchanged": _("Nothing new to publish: version %(num)s is current.", num="{n}"),
        "publishing": _("Publishing…"), "version": _("published version %(num)s", num="{n}"),
    }


def _hint_words() -> dict[str, str]:
    return {
        "hint": _("Hint %(num)s", num="{n}"), "form": _("Form"), "none": _("— choose —"),
        "when": _("Shown when (TRUE/FALSE formula, empty: always)"),
        "countRelated": _("Also count related records"),
        "relatedForm": _("Related form"), "link": _("Its link to the record"),
        "days": _("In the last (days)"), "per": _("Count"),
        "perDay": _("days with one"), "perRecord": _("records"),
        "min": _("At least"), "relatedWhen": _("Related records that count (formula, empty: "
                                               "all)"),
        "textZh": _("Hint in Chinese"), "textEn": _("Hint in English"),
        "placeholders": _("Placeholders:"), "related": _("the count"),
        "drag": _("Drag to reorder"), "moveUp": _("Move up"), "moveDown": _("Move down"),
        "remove": _("Delete"),
    }


def _preview_words() -> dict[str, str]:
    return {
        "search": _("Search records…"), "noRecord": _("No record found"),
        "priority": _("Priority"), "noPriority": _("none: the task's own"),
        "hintGiven": _("Hint"), "noHint": _("none: the task's own"),
        "fromRule": _("from hint %(num)s", num="{n}"), "record": _("Record"),
        "previewFailed": _("The preview could not be worked out."),
    }


def todo_strings() -> dict[str, str]:
    """Everything the editor's scripts print, by name."""
    return {**_save_words(), **_hint_words(), **_preview_words(),
            "noFormula": _("No priority formula: the task's own"),
            "followForm": _("Form of the follow-up records"),
            "followLink": _("Its link to the task's record"),
            "followNote": _("Field that takes the text")}
