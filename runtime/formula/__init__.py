"""One formula language for visibility, validation, calculation, rules and filters.

``grammar.parse`` turns text into the AST (``ast``), ``checker.check`` types it against a form's
fields, and ``python.compile_python`` / ``sql.compile_sql`` turn the checked formula into a
closure over a record and a SQLAlchemy expression with the same semantics; the SQL calls the
capped text functions that ``sqlfunctions`` gives every database connection.
"""
