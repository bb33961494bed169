"""Real tables: names, table building, migrations on publish, records and their audit trail."""
