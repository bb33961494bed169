"""The widgets of the generated form pages: one small class per widget, registered by key.

A field type names its widget (``FieldType.widget``); the widget holds what only the page needs:
its template (``templates/runtime/fields/_<key>.html``), what its view model needs beyond the
type's ``widget_context`` (choices shown as buttons, region lists, user and record pickers,
uploads, sub-table rows), how a posted value is shown again and how the record page shows a
value. ``registry.py`` builds the registry from a tuple, in the app factory.
"""
