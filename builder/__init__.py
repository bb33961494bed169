"""The designers: form builder, workflow designer, rule editor, view and dashboard designer.

They save drafts and publish through ``metadata`` (via the API the runtime serves); the runtime
never imports this package. The form builder arrives with the next issue.
"""
