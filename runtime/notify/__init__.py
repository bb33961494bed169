"""Notify: messages to people and systems over a registry of channels (in-app, e-mail, SMS,
webhook), the outbox that delivers them, user-written templates in a sandbox, tracked links
and unsubscribing. The entry point is ``send`` (runtime.notify.service); docs/notify.md."""

from runtime.notify.service import Sent, send

__all__ = ["Sent", "send"]
