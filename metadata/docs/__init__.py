"""The metadata reference (docs/metadata.md), rendered from the JSON Schemas of the kinds.

Pure: schemas and field types come in as plain data, Markdown text goes out. ``python -m app.docs``
gathers the inputs from the field-type registry and writes the file; a test renders it again and
fails when the file is stale.
"""

from metadata.docs.examples import EXAMPLE_APP, EXAMPLE_COMPANY_FORM, EXAMPLE_FORM, EXAMPLE_VIEW
from metadata.docs.render import GENERATOR, render_metadata_reference

__all__ = ["EXAMPLE_APP", "EXAMPLE_COMPANY_FORM", "EXAMPLE_FORM", "EXAMPLE_VIEW", "GENERATOR",
           "render_metadata_reference"]
