"""The built-in routing strategies, one small class each (see ``runtime.routing.registry``)."""
