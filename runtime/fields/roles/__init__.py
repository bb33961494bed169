"""The roles of a field type, one small class each, combined by ``runtime.fields.base.FieldType``.

- ``metadata``: how a field of the type is defined — label, config schema, checks;
- ``value``: how values are read, checked and made canonical, and what they point at;
- ``storage``: the columns, rows and separate tables that hold values;
- ``query``: sort, filter and search SQL, and what lists and reports may do with a field;
- ``files``: which uploads a value references;
- ``presentation``: how a value is shown — as text, in a widget, as a record's title.

A consumer names the role it uses (``StorageRole``, ``PresentationRole``, ...), not the whole
type: each role stays small, and the field types stay the one place that knows about types.
"""
