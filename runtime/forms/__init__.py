"""The forms engine: compiled plans of published forms, validation, generated pages."""
