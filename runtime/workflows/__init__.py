"""Durable workflows: a pure core (node types, the graph, transitions: state + signal + time
-> new state, effects, timers) and its adapters (the store, the runner, the consumer)."""
