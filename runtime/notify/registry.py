"""The notification channels of the installation, built from an explicit tuple."""

from __future__ import annotations

from metadata.registry import Registry
from runtime.notify.channels import Channel, InAppChannel, WebhookChannel
from runtime.notify.email import EmailChannel
from runtime.notify.sms import SmsChannel

CHANNEL_TYPES: tuple[type[Channel], ...] = (InAppChannel, EmailChannel, SmsChannel,
                                            WebhookChannel)


def build_channel_registry(types: tuple[type[Channel], ...] = CHANNEL_TYPES
                           ) -> Registry[Channel]:
    return Registry("notification channel", types, key_attr="key")
