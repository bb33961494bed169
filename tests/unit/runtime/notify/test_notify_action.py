"""The rules' notify action checked at save, with paths: recipient fields a channel reaches,
channels no recipient reaches, templates with syntax errors (their line) or unknown names."""

from __future__ import annotations

from runtime.fields.registry import build_field_registry
from runtime.rules.actions import ActionContext, NotifyAction

FORM = {"key": "lead", "fields": [
    {"key": "name", "type": "text"}, {"key": "email", "type": "email"},
    {"key": "phone", "type": "phone"}, {"key": "rep", "type": "user"}]}
CTX = ActionContext(FORM, {"lead": FORM}, build_field_registry(), {})
AT = "/rules/0/actions/1"


def problems(**action) -> list[tuple[str, str]]:
    found = NotifyAction().check({"type": "notify", "title": "x", **action}, AT, CTX)
    return [(p.path, str(p.message)) for p in found]


def test_each_channel_reaches_its_recipients():
    assert problems(to=[{"field": "rep"}], channels=["in_app", "email"]) == []
    assert problems(to=[{"field": "email"}, {"field": "phone"}],
                    channels=["email", "sms"]) == []
    assert problems(to=[{"address": "li@example.com"}], channels=["email"]) == []
    assert problems(to=[{"role": "sales"}]) == []


def test_a_channel_no_recipient_reaches_is_refused_at_its_path():
    assert problems(to=[{"field": "email"}], channels=["email", "sms"]) == [
        (AT + "/channels/1", "no recipient can be reached by sms")]
    assert problems(to=[{"field": "phone"}]) == [
        (AT + "/channels/0", "no recipient can be reached by in_app")]


def test_a_field_that_reaches_nobody_is_refused():
    assert problems(to=[{"field": "name"}], channels=["email"]) == [
        (AT + "/to/0/field", "'name' is not a user, e-mail or phone field of this form")]


def test_templates_are_checked_with_their_line():
    assert problems(to=[{"field": "email"}], channels=["email"],
                    body="Hi {{ name }}\n{% if x %}") == [
        (AT + "/body", "line 2: Unexpected end of template. Jinja was looking for the "
                       "following tags: 'elif' or 'else' or 'endif'. The innermost block "
                       "that needs to be closed is 'if'.")]
    assert problems(to=[{"field": "email"}], channels=["email"],
                    html="<p>{{ nmae }}</p>") == [
        (AT + "/html", "{{ nmae }} is not a field of this form")]
