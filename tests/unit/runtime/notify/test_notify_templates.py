"""Message templates in Jinja's sandbox: fields render, escapes out of the sandbox are refused
(not rendered as blanks), size, range and time are bounded, errors name their line."""

from __future__ import annotations

import pytest

from runtime.notify.templates import MAX_OUTPUT, TemplateFailed, Verbatim, check, render


def test_fields_render_by_key_and_as_record():
    out = render("{{ name }}（{{ record.company }}）{% if score > 80 %}高意向{% endif %}",
                 {"name": "张三", "company": "华信", "score": 85})
    assert out == "张三（华信）高意向"


def test_a_literal_is_sent_as_it_is():
    assert render(Verbatim("{{ 7 * 7 }} {name}"), {"name": "x"}) == "{{ 7 * 7 }} {name}"


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ name.__class__.__base__.__subclasses__() }}",
    "{{ record.__init__.__globals__ }}",
    "{{ name.format.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ self._TemplateReference__context }}",
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{{ c }}{% endfor %}",
])
def test_escapes_out_of_the_sandbox_are_refused(source):
    with pytest.raises(TemplateFailed) as failed:
        render(source, {"name": "x"})
    assert failed.value.line == 1


@pytest.mark.parametrize("source,words", [
    ("{{ range(100000) | list }}", "range() gives at most 1000"),
    ("{{ 'x' * 10**7 }}", "a value this large"),
    ("{{ 9 ** 9 ** 9 }}", "power"),
    ("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
     "{% endfor %}{% endfor %}{% endfor %}", "longer than"),
    ("{% for i in range(1000) %}{% for j in range(1000) %}{{ 'x' * 1000 }}{% endfor %}"
     "{% endfor %}", str(MAX_OUTPUT)),
])
def test_work_and_output_are_bounded(source, words):
    with pytest.raises(TemplateFailed, match=words.replace("(", r"\(").replace(")", r"\)")):
        render(source, {})


def test_a_syntax_error_at_save_names_its_line():
    (problem,) = check("Dear {{ name }},\n\n{% if vip %}\nwelcome\n")
    assert problem.line == 3 and "endif" in problem.message  # the block left open
    (problem,) = check("a\n{{ name }\n")
    assert problem.line == 2 and str(problem).startswith("line 2: ")


def test_names_that_are_no_fields_are_reported_at_save():
    problems = check("{{ name }} {{ nmae }} {{ unsubscribe_url }} {% set x = 1 %}{{ x }}",
                     {"name"})
    assert [p.message for p in problems] == ["{{ nmae }} is not a field of this form"]
    assert check("x" * 20_001)[0].message.startswith("a template holds at most")


def test_an_error_at_send_names_its_line_and_cause():
    with pytest.raises(TemplateFailed) as failed:
        render("one\ntwo\n{{ total / count }}", {"total": 1, "count": 0})
    assert failed.value.line == 3 and "ZeroDivisionError" in failed.value.message
    with pytest.raises(TemplateFailed, match="line 1: .*undefined"):
        render("{{ missing.deeper }}", {})
