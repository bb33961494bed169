"""The words the rule editor's scripts show (static/js/builder-rules*.js), in the reader's
language: the scripts build the editor from the draft and print these, deciding no wording."""

from __future__ import annotations

from flask_babel import gettext as _


def trigger_words() -> dict[str, str]:
    return {"created": _("a record is created"), "updated": _("a record is updated"),
            "field_changed": _("a field changes"),
            "related_created": _("a related record is created"),
            "schedule": _("on a schedule"), "threshold": _("a score threshold is crossed"),
            "manual": _("run by hand")}


def operator_words() -> dict[str, str]:
    return {"=": _("is"), "<>": _("is not"), ">": _("is more than"),
            ">=": _("is at least"), "<": _("is less than"), "<=": _("is at most"),
            "in": _("is one of"), "not_in": _("is none of"), "contains": _("has"),
            "blank": _("is blank"), "not_blank": _("is not blank"), "true": _("is yes"),
            "false": _("is no")}


def action_words() -> dict[str, str]:
    return {"set_fields": _("Set fields"), "add_points": _("Add points"),
            "assign": _("Assign"), "create_record": _("Create a record"),
            "notify": _("Notify"), "webhook": _("Call a webhook"),
            "start_workflow": _("Start a workflow"), "stop_workflow": _("Stop a workflow")}


def status_words() -> dict[str, str]:
    return {"matched": _("matches"), "no_match": _("does not match"),
            "not_triggered": _("not triggered"), "disabled": _("switched off"),
            "own_write": _("its own write"), "stopped": _("stopped"), "error": _("failed")}


def policy_words() -> dict[str, str]:
    return {"unique": _("Unique: one row at most matches"),
            "any": _("Any: rows that match agree"),
            "first": _("First: the first matching row, top down"),
            "priority": _("Priority: the matching row whose output ranks first"),
            "rule_order": _("Rule order: every matching row, top down"),
            "output_order": _("Output order: every matching row, by output rank"),
            "collect": _("Collect: every matching row (optionally summed, counted…)")}


def rules_strings() -> dict[str, object]:
    """Everything the editor's scripts print, by name."""
    return {"triggers": trigger_words(), "ops": operator_words(), "actions": action_words(),
            "statuses": status_words(), "policies": policy_words(), **_page_words(),
            **_rule_words(), **_action_option_words(), **_scoring_words(),
            **_table_words(), **_test_words(), "score": _score_words(),
            "rescore": _rescore_words()}


def _page_words() -> dict[str, str]:
    return {
        "saving": _("Saving…"), "saved": _("All changes saved"),
        "unsaved": _("Unsaved changes"), "invalid": _("Not saved: fix the marked problems"),
        "failed": _("Not saved: the server could not be reached. Your edits are kept; it "
                    "retries on the next change."),
        "conflict": _("Someone else changed this ruleset since you opened this page. Your "
                      "edits are kept on this page and were not saved."),
        "published": _("Published as version %(num)s.", num="{n}"),
        "unchanged": _("Nothing new to publish: version %(num)s is current.", num="{n}"),
        "publishing": _("Publishing…"), "version": _("published version %(num)s", num="{n}"),
    }


def _rule_words() -> dict[str, str]:
    return {
        "when": _("When:"), "if": _("If:"), "then": _("Then:"), "always": _("always"),
        "nothing": _("nothing yet"), "and": _("and"), "or": _("or"), "sep": _(", "),
        "ruleName": _("Name of the rule"), "on": _("On"), "moveUp": _("Move up"),
        "moveDown": _("Move down"),
        "moveLeft": _("Move left"), "moveRight": _("Move right"), "remove": _("Delete"),
        "drag": _("Drag to reorder"),
        "stop": _("When this rule matches, skip the rules after it"),
        "fieldsChanging": _("Fields that change"), "relatedForm": _("Related form"),
        "link": _("Its link to this form"), "every": _("Every"), "at": _("At"),
        "weekday": _("Weekday (1 = Monday)"), "cron": _("or a cron expression"),
        "model": _("Scoring model"), "threshold": _("Threshold"), "direction": _("Direction"),
        "up": _("reached"), "down": _("fallen out of"), "both": _("either way"),
        "hourly": _("hour"), "daily": _("day"), "weekly": _("week"),
        "condition": _("Condition"), "rows": _("Rows"), "raw": _("Formula"),
        "allOf": _("all of these hold (AND)"), "anyOf": _("any of these holds (OR)"),
        "addRow": _("Condition"), "addGroup": _("Group"), "pickField": _("Pick a field…"),
        "pickValue": _("Pick a value…"), "notRows": _("This formula cannot be shown as rows: "
                                                      "edit it as a formula."),
    }


def _action_option_words() -> dict[str, str]:
    return {
        "actionsTitle": _("Actions"), "addAction": _("Action"), "field": _("Field"),
        "value": _("Value (a formula)"), "addValue": _("Field"), "points": _("Points"),
        "reason": _("Reason (shown in the point ledger)"), "strategy": _("Strategy"),
        "team": _("Team"), "table": _("Decision table"), "output": _("Its output"),
        "userField": _("Field assigned"), "owner": _("Owner"),
        "openRecords": _("Open records (least loaded)"), "fallbackTeam": _("Fallback team"),
        "fallbackUser": _("Fallback user"), "form": _("Form"), "linkBack": _("Linked back by"),
        "to": _("To"), "title": _("Title"), "message": _("Message"), "priority": _("Priority"),
        "normal": _("normal"), "high": _("high"), "user": _("User"), "role": _("Role"),
        "userInField": _("The user in a field"), "addRecipient": _("Recipient"),
        "url": _("URL"), "method": _("Method"), "body": _("Body (key → formula; the whole "
                                                          "record when empty)"),
        "key": _("Key"), "secret": _("Secret name"), "retries": _("Retries"),
        "workflow": _("Workflow"), "searchUser": _("Search people…"),
        "noUsers": _("Nobody found"), "none": _("(none)"),
        "newRule": _("New rule"), "rule": _("Rule"),
        "pointsTo": _("%(points)s points (%(reason)s)", points="{p}", reason="{r}"),
        "assignTo": _("assign %(field)s by %(strategy)s in %(team)s", field="{f}",
                      strategy="{s}", team="{t}"),
    }


def _scoring_words() -> dict[str, str]:
    return {
        "modelName": _("Name of the model"), "scoreField": _("Score field"),
        "stageField": _("Stage field"), "min": _("Lowest"), "max": _("Highest"),
        "attributes": _("Attribute rules"), "behaviours": _("Behaviour rules"),
        "thresholds": _("Thresholds"), "decay": _("Decay"), "addModel": _("Scoring model"),
        "cap": _("Cap"), "event": _("Event form"), "stage": _("Stage"),
        "everyDays": _("Every … days without interaction"), "percent": _("or percent"),
        "since": _("Last interaction field"), "fromTable": _("from decision table"),
        "fired": _("Fired"), "firedLater": _("counted once the ruleset is published"),
        "firedTitle": _("Times this rule gave its points"),
        "noModels": _("No scoring model yet."),
    }


def _table_words() -> dict[str, str]:
    return {
        "addTable": _("Decision table"), "tableName": _("Name of the table"),
        "hitPolicy": _("Hit policy"), "aggregation": _("Aggregation"), "inputs": _("Inputs"),
        "outputs": _("Outputs"), "addInput": _("Input"), "addOutput": _("Output"),
        "addTableRow": _("Row"), "note": _("Note"), "column": _("Column"),
        "formula": _("Formula"), "ranked": _("Values in rank order (comma-separated)"),
        "noTables": _("No decision table yet."), "analysis": _("Check"),
        "analysisOk": _("No gaps, overlaps or shadowed rows."),
        "analysisWait": _("Checked after each save."),
        "gridHelp": _("Type in the cells like a spreadsheet; paste rows copied from Excel. "
                      "Enter: next row; Ctrl+Enter: new row; Ctrl+Delete: delete the row; "
                      "Alt+↑/↓: move the row; Alt+←/→: move the column."),
        "pasteTrimmed": _("%(num)s pasted columns did not fit and were left out.", num="{n}"),
        "any": _("any"), "row": _("Row"),
    }


def _test_words() -> dict[str, str]:
    return {
        "testTitle": _("Test with a record"), "searchRecord": _("Search records…"),
        "sample": _("or type sample values"), "run": _("Test"), "noRecord": _("no record"),
        "eventKind": _("Event"), "results": _("Rules"), "ledger": _("Point ledger lines it "
                                                                    "would write"),
        "routing": _("Where it would be routed"), "noLedger": _("No points."),
        "noRouting": _("Not routed."), "matchedCount": _("%(num)s rules match", num="{n}"),
        "record": _("Record"), "total": _("Total"), "would": _("What it would do"),
        "nothingWritten": _("Nothing is written: a test changes no record."),
    }


def _score_words() -> dict[str, object]:
    """The test tab's scoring: per model the lines it would book, the score, the stage."""
    return {
        "title": _("Score: %(model)s", model="{m}"),
        "kinds": {"attribute": _("Attribute"), "behaviour": _("Behaviour"), "rule": _("Rule"),
                  "clamp": _("Bounds"), "decay": _("Decay"), "rescore": _("Re-score"),
                  "manual": _("By hand")},
        "kind": _("Kind"), "clamp": _("kept between the model's lowest and highest score"),
        "noLines": _("This event gives no points in this model."),
        "beforeAfter": _("Score %(before)s → %(after)s", before="{b}", after="{a}"),
        "stage": _("It would be at the stage %(stage)s.", stage="{s}"),
        "noStage": _("It would be at no stage."),
        "up": _("It would reach the threshold %(threshold)s.", threshold="{t}"),
        "down": _("It would fall out of the threshold %(threshold)s.", threshold="{t}"),
        "noCrossing": _("No threshold would be crossed."),
    }


def _rescore_words() -> dict[str, str]:
    """The re-score after a publish."""
    return {
        "queued": _("Re-scoring %(total)s records…", total="{n}"),
        "waiting": _("Re-scoring the records: waiting for a worker…"),
        "running": _("Re-scoring %(total)s records… %(done)s/%(total)s", total="{n}",
                     done="{x}"),
        "done": _("Re-scored %(total)s records, %(changed)s changed.", total="{n}",
                  changed="{m}"),
        "superseded": _("This re-score gave way to the one of a newer version."),
        "failed": _("The re-score failed: %(error)s", error="{e}"),
        "refused": _("The re-score could not be started: reload the page and try again."),
    }
