"""The widget registry, built from an explicit tuple of the built-in widgets."""

from __future__ import annotations

from collections.abc import Iterable

from metadata.registry import Registry
from runtime.web.forms.widgets.attachment import AttachmentWidget
from runtime.web.forms.widgets.base import Widget
from runtime.web.forms.widgets.choices import MultiSelectWidget, SelectWidget
from runtime.web.forms.widgets.links import EmailWidget, PhoneWidget, UrlWidget
from runtime.web.forms.widgets.pickers import RelationWidget, UserWidget
from runtime.web.forms.widgets.plain import (
    CheckboxWidget,
    DateTimeWidget,
    DateWidget,
    DecimalWidget,
    NumberWidget,
    ReadonlyWidget,
    TextAreaWidget,
    TextWidget,
)
from runtime.web.forms.widgets.region import RegionWidget
from runtime.web.forms.widgets.sub_table import SubTableWidget

BUILTIN_WIDGETS: tuple[type[Widget], ...] = (
    TextWidget,
    TextAreaWidget,
    NumberWidget,
    DecimalWidget,
    DateWidget,
    DateTimeWidget,
    CheckboxWidget,
    SelectWidget,
    MultiSelectWidget,
    PhoneWidget,
    EmailWidget,
    UrlWidget,
    RegionWidget,
    UserWidget,
    RelationWidget,
    AttachmentWidget,
    ReadonlyWidget,
    SubTableWidget,
)


def build_widget_registry(field_types: Iterable, extra: tuple[type[Widget], ...] = ()
                          ) -> Registry[Widget]:
    """The widgets, checked against the field types: each type's widget must be one."""
    registry: Registry[Widget] = Registry("widget", (*BUILTIN_WIDGETS, *extra), key_attr="key")
    missing = sorted({t.widget for t in field_types} - set(registry.keys()))
    if missing:
        raise ValueError(f"widget registry: no widget {', '.join(map(repr, missing))} for the "
                         "field types that name it")
    return registry
