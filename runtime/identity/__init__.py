"""Identity resolution: recognising the same person or company arriving again.

A pure core — rules compiled from a form's ``identity`` key (``rules``), the keys and block
keys of a record (``rules``), fuzzy comparison of names (``similarity``), survivorship
(``survivorship``) and transitive grouping (``groups``) — imports no Flask and no SQL. The
adapters keep keys in tables (``store``), merge records (``merging``) and keep merge history
with undo (``history``).
"""
