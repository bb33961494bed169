"""Capture: records arriving from every channel (API, public forms, webhooks, imports) through
one intake, which cleans, resolves identities and remembers each arrival."""
