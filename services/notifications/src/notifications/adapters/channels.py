"""The channels' senders, built from the settings: each channel's providers in failover order; a
channel with none fails its messages with a reason (it never pretends to deliver). In-app has no
sender: its rows are the inbox. Webhooks are sent by `adapters.webhooks.WebhookSender` when that
module is present."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from unionfed_chassis.contact_seal import ContactKeyring

from notifications.adapters.email import SmtpProvider
from notifications.adapters.failover import FailoverSender, NoProvider, Provider
from notifications.adapters.sms import HttpSmsProvider
from notifications.domain.model import Channel, ChannelSender
from notifications.settings import NotificationsSettings

log = logging.getLogger("unionfed.notifications.channels")


def build_senders(
    settings: NotificationsSettings, session_factory: Any, keyring: ContactKeyring
) -> dict[Channel, ChannelSender]:
    s = settings
    email: list[Provider] = [
        SmtpProvider(url, s.email_from, s.send_timeout_seconds, s.email_pool_size)
        for url in s.email_providers
    ]
    keys = [k.get_secret_value() for k in s.sms_api_keys]
    sms: list[Provider] = [
        HttpSmsProvider(url, keys[i] if i < len(keys) else None, s.send_timeout_seconds)
        for i, url in enumerate(s.sms_providers)
    ]
    senders: dict[Channel, ChannelSender] = {
        Channel.EMAIL: _channel(Channel.EMAIL, email, "EMAIL_PROVIDERS", s),
        Channel.SMS: _channel(Channel.SMS, sms, "SMS_PROVIDERS", s),
    }
    webhook = _webhook_sender(session_factory, keyring, s)
    if webhook is not None:
        senders[Channel.WEBHOOK] = webhook
    return senders


def _channel(
    channel: Channel, providers: list[Provider], setting: str, s: NotificationsSettings
) -> ChannelSender:
    if not providers:
        log.warning(
            "no %s provider configured: every %s message fails (set %s)",
            channel.value,
            channel.value,
            setting,
        )
        return NoProvider(channel, setting)
    return FailoverSender(channel, providers, s.provider_failure_threshold, s.provider_cooldown_seconds)


def _webhook_sender(
    session_factory: Any, keyring: ContactKeyring, s: NotificationsSettings
) -> ChannelSender | None:
    try:
        module = importlib.import_module("notifications.adapters.webhooks")
    except ModuleNotFoundError as exc:
        if exc.name != "notifications.adapters.webhooks":
            raise
        return None
    sender: ChannelSender = module.WebhookSender(session_factory, keyring, s)
    return sender
