"""The generated pages of published forms (/a/...): list, new, edit, detail, the live form,
the widgets' lookups and the navigation; Flask views over the form core (runtime.forms) and
the records service (runtime.storage)."""
