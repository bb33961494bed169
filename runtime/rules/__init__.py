"""Rules, scoring and decision tables: the pure core (no Flask, no SQL) of rulesets."""
