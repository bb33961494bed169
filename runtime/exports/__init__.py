"""Exports of record lists to files (CSV, XLSX): the formats, formula neutralisation, and the
exports that run in the background, each kept for its requester until it expires.

A pure core: what the cells say (values as people see them) is worked out by the page and API
adapters (runtime.web.forms.exporting) and handed in as rows."""
