"""The words of the workflow designer (static/js/builder-workflow*.js), in the reader's
language: the node types' names and icons, their options and values, the outcomes of edges,
the page's messages and what a simulated step does. The scripts print these; they decide no
wording."""

from __future__ import annotations

from flask_babel import gettext as _

# an icon per node type; a type without one shows a dot
ICONS = {"trigger": "⚡", "approval": "✔", "task": "☑", "condition": "◇",
         "parallel_split": "⇉", "parallel_join": "⇶", "wait": "◷", "update_record": "✎",
         "create_record": "＋", "assign": "⇢", "send_message": "✉", "call_webhook": "⇄",
         "sub_workflow": "↳", "end": "■"}


def node_words() -> dict[str, str]:
    return {"trigger": _("Trigger"), "approval": _("Approval"), "task": _("Task"),
            "condition": _("Condition"), "parallel_split": _("Parallel split"),
            "parallel_join": _("Parallel join"), "wait": _("Wait"),
            "update_record": _("Update record"), "create_record": _("Create record"),
            "assign": _("Assign"), "send_message": _("Send message"),
            "call_webhook": _("Call webhook"), "sub_workflow": _("Sub-workflow"),
            "end": _("End")}


def option_words() -> dict[str, str]:
    """A node option's name, by its key in the config."""
    return {"on": _("Starts when"), "fields": _("Fields"), "model": _("Scoring model"),
            "threshold": _("Threshold"), "when": _("Condition"), "every": _("Every"),
            "cron": _("Cron expression"), "at": _("At (HH:MM)"),
            "weekday": _("Weekday (1 = Monday)"), "assignees": _("Assignees"),
            "title": _("Title"), "description": _("Description"), "due": _("Due after"),
            "priority": _("Priority"), "hint": _("Hint"), "mode": _("Decision"),
            "editable": _("Fields the assignee may change"),
            "remind_before": _("Remind before due"), "escalate_after": _("Escalate after due"),
            "escalate_to": _("Escalate to"), "reassign": _("Hand the task over"),
            "escalate_strategy": _("Hand over by routing strategy"),
            "escalate_team": _("Team the strategy picks in"),
            "duration": _("Duration"), "until_field": _("Until the date in"),
            "offset": _("Offset"), "until": _("Until the formula holds"),
            "timeout": _("Timeout"), "values": _("Values"), "form": _("Form"),
            "link": _("Link field"), "strategy": _("Routing strategy"), "team": _("Team"),
            "user": _("User"), "field": _("User field"), "to": _("Recipients"),
            "channel": _("Channel"), "message": _("Message"), "template": _("Template"),
            "url": _("Webhook URL"), "method": _("Method"), "body": _("Body"),
            "secret": _("Signing secret"), "workflow": _("Workflow"),
            "wait": _("Wait until it ends"), "status": _("Ends as")}


def value_words() -> dict[str, str]:
    """Enumerated values of options and edge outcomes, by their stored value."""
    return {"created": _("a record is created"), "updated": _("a record is updated"),
            "field_changed": _("a field changes"), "threshold": _("a score threshold is crossed"),
            "manual": _("run by hand"), "schedule": _("on a schedule"),
            "webhook": _("an inbound webhook writes it"), "hourly": _("hourly"),
            "daily": _("daily"), "weekly": _("weekly"), "any": _("any one decides"),
            "all": _("all must approve"), "in_app": _("In the app"), "email": _("E-mail"),
            "sms": _("SMS"), "normal": _("normal"), "high": _("high"),
            "completed": _("completed"), "rejected": _("rejected"),
            "cancelled": _("cancelled"), "next": _("next"), "approved": _("approved"),
            "returned": _("returned"), "done": _("done"), "timeout": _("timed out"),
            "running": _("running"), "exited": _("exited"), "failed": _("failed"),
            "waiting": _("waiting"), "pending": _("pending"), "enter": _("entered"),
            "timer": _("timer fired"), "task": _("task decided"),
            "record": _("record changed"), "child": _("sub-workflow ended"),
            "owner": _("Owner")}


def node_help() -> dict[str, str]:
    """What each node type does, shown in its properties panel and the palette's tips."""
    return {"trigger": _("What starts the workflow on a record."),
            "approval": _("Ask people to approve, reject or return the record for changes."),
            "task": _("A task for a person, with a due time, a reminder and an escalation."),
            "condition": _("Takes the first connection whose condition holds, else the "
                           "default one."),
            "parallel_split": _("Goes on along every connection at once."),
            "parallel_join": _("Waits until every incoming branch arrived, then goes on "
                               "once."),
            "wait": _("Waits for a duration, until a date field, or until a formula "
                      "holds."),
            "update_record": _("Sets fields of the record to the values of formulas."),
            "create_record": _("Creates a record of a form, linked back."),
            "assign": _("Assigns the record by a routing strategy."),
            "send_message": _("Sends a message in the app, by e-mail or SMS."),
            "call_webhook": _("Calls an outbound webhook (signed, retried)."),
            "sub_workflow": _("Runs another workflow of the app on the record."),
            "end": _("The path ends here.")}


def recipient_words() -> dict[str, str]:
    return {"user": _("User"), "role": _("Role"), "team": _("Team"),
            "field": _("User in field"), "manager": _("Owner's manager"),
            "formula": _("Formula")}


def page_words() -> dict[str, str]:
    return {
        "saving": _("Saving…"), "saved": _("All changes saved"),
        "unsaved": _("Unsaved changes"), "invalid": _("Not saved: fix the marked problems"),
        "failed": _("Not saved: the server could not be reached. Your edits are kept; it "
                    "retries on the next change."),
        "conflict": _("Someone else changed this workflow since you opened this page. Your "
                      "edits are kept on this page and were not saved."),
        "published": _("Published as version %(num)s.", num="{n}"),
        "unchanged": _("Nothing new to publish: version %(num)s is current.", num="{n}"),
        "publishing": _("Publishing…"), "version": _("published version %(num)s", num="{n}"),
        "searchUser": _("Search people…"),
        "remove": _("Delete"), "edge": _("Connection"), "isDefault": _("Default edge"),
        "outcome": _("Leaves on"), "label": _("Label"), "key": _("Key"),
        "noSelection": _("Select a node or a connection to edit it; drag node types from "
                         "the palette onto the canvas and connect them by dragging from "
                         "the dot under a node to another node."),
        "add": _("Add"), "days": _("days"), "hours": _("hours"), "minutes": _("minutes"),
        "working": _("working time only"), "blank": _("—"),
        "workflowSettings": _("Workflow settings"), "exit": _("Exit conditions"),
        "enabled": _("The workflow is on"), "multiple": _("Several instances per record"),
        "onMerge": _("When the record is merged into another, go on with that record"),
        "running": _("running"), "instances": _("instances"), "history": _("History"),
        "noInstances": _("No instance yet."), "current": _("Now at"),
        "oldVersion": _("runs on version %(num)s", num="{n}"),
    }


def simulation_words() -> dict[str, str]:
    return {"status": _("Ends as"), "path": _("Path taken"), "at": _("Time"),
            "stuck": _("waits for a change of the record"), "run": _("Simulate"),
            "noEffects": _("goes on")}


def designer_strings() -> dict[str, object]:
    """Everything the designer's scripts print, by name."""
    return {"nodes": node_words(), "options": option_words(), "values": value_words(),
            "recipients": recipient_words(), "sim": simulation_words(), **page_words()}
