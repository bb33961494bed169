"""The metadata model: document kinds, their schemas and checks, the versioned store, packages.

Nothing here imports the runtime: field types reach the schema builder and the semantic checks
as a registry handed in by the caller.
"""
