"""The field-type registry, built from an explicit tuple of the built-in types."""

from __future__ import annotations

from metadata.registry import Registry
from runtime.fields.attachment import AttachmentField
from runtime.fields.auto_number import AutoNumberField
from runtime.fields.base import FieldType
from runtime.fields.boolean import BooleanField
from runtime.fields.date import DateField
from runtime.fields.datetime import DateTimeField
from runtime.fields.decimal import DecimalField
from runtime.fields.email import EmailField
from runtime.fields.formula import FormulaField
from runtime.fields.multiselect import MultiSelectField
from runtime.fields.number import NumberField
from runtime.fields.phone import PhoneField
from runtime.fields.region import RegionField
from runtime.fields.relation import RelationField
from runtime.fields.select import SelectField
from runtime.fields.sub_table import SubTableField
from runtime.fields.text import TextField
from runtime.fields.textarea import TextAreaField
from runtime.fields.touch import TouchField
from runtime.fields.url import UrlField
from runtime.fields.user import UserField

BUILTIN_FIELD_TYPES: tuple[type[FieldType], ...] = (
    TextField,
    TextAreaField,
    NumberField,
    DecimalField,
    DateField,
    DateTimeField,
    BooleanField,
    SelectField,
    MultiSelectField,
    PhoneField,
    EmailField,
    UrlField,
    RegionField,
    UserField,
    RelationField,
    AttachmentField,
    AutoNumberField,
    TouchField,
    SubTableField,
    FormulaField,
)


def build_field_registry(extra: tuple[type[FieldType], ...] = ()) -> Registry[FieldType]:
    registry: Registry[FieldType] = Registry("field type", (*BUILTIN_FIELD_TYPES, *extra))
    for ftype in registry:
        ftype.bind(registry)
    return registry
