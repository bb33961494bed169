from __future__ import annotations

import pytest

from runtime.fields.base import FieldValueError
from runtime.fields.url import UrlField

FLD = {"key": "website", "type": "url", "label": "Website"}
URL = UrlField()


@pytest.mark.parametrize(("value", "expected"), [
    ("https://example.com", "https://example.com"),
    ("HTTP://Example.COM/Path?Q=1#Top", "http://example.com/Path?Q=1#Top"),
    ("example.com/x", "https://example.com/x"),
    ("www.Example.com", "https://www.example.com"),
    ("//cdn.example.com/a.js", "https://cdn.example.com/a.js"),
    ("localhost:8080/admin", "https://localhost:8080/admin"),
    ("http://127.0.0.1:5000/", "http://127.0.0.1:5000/"),
    ("http://[::1]:8080/x", "http://[::1]:8080/x"),
    ("https://例子.公司/路径", "https://例子.公司/路径"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    ("  https://example.com/  ", "https://example.com/"),
])
def test_web_addresses(value, expected):
    assert URL.coerce(value, FLD) == expected


@pytest.mark.parametrize("value", [
    "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd",
    "ftp://example.com", "mailto:a@example.com", "vbscript:msgbox", "tel:+8613800138000",
])
def test_other_schemes_are_refused(value):
    with pytest.raises(FieldValueError, match="http or https"):
        URL.coerce(value, FLD)


@pytest.mark.parametrize("value", ["https://", "https://exa_mple..com", "http://-bad-.com",
                                   "https://example.com:99999", "https://example.com\x00/x",
                                   "https://exa mple.com"])
def test_broken_addresses(value):
    with pytest.raises(FieldValueError):
        URL.coerce(value, FLD)


def test_at_most_2000_characters():
    assert URL.coerce("https://example.com/" + "a" * 1980, FLD)
    with pytest.raises(FieldValueError, match="2000"):
        URL.coerce("https://example.com/" + "a" * 1981, FLD)


@pytest.mark.parametrize("value", [1, True, ["https://example.com"], {}])
def test_must_be_text(value):
    with pytest.raises(FieldValueError):
        URL.coerce(value, FLD)


def test_blank_is_empty():
    assert URL.coerce(" ", FLD) is None


def test_searchable_text_column():
    assert URL.searchable
    assert URL.column_type(FLD).__class__.__name__ == "Text"
