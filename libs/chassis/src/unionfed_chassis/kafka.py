"""Kafka clients built from settings, in one place, so every service talks to Kafka the same way."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from .settings import ServiceSettings


def make_producer(settings: ServiceSettings, **overrides: object) -> AIOKafkaProducer:
    """acks=all so an acknowledged event survives a broker failure; idempotence where the
    broker supports it (Tansu does not: KAFKA_ENABLE_IDEMPOTENCE=false there)."""
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.kafka_client_id or settings.service_name,
        "acks": "all",
        "enable_idempotence": settings.kafka_enable_idempotence,
        "linger_ms": 5,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 15000,
        "retry_backoff_ms": 200,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)
