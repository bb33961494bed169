"""Routing: who gets a record. A registry of strategies (round-robin, weighted round-robin,
least loaded, by field value), each a small class with a config schema and a pure ``choose``;
the members' availability (working hours, days off, pause, capacity); the store of members'
routing attributes, round-robin cursors and the assignment log; and ``assign``, the service
the rule engine's ``assign`` action calls. ``docs/routing.md`` describes it.

The core (``members``, ``choice``, ``strategies``, ``registry``, ``config``) imports no Flask
and no SQL; ``store``, ``models`` and ``service`` are its database adapter.
"""
