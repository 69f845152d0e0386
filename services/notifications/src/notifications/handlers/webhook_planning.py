"""Which branch systems' webhook subscriptions an event goes to: the active subscriptions of the
event's district (and, for a transfer, the district left) that asked for its type; a
federation-level event, with no district, goes to every district's subscriptions that asked
for it. Each event that has one becomes one `contents` row (template `webhook`, the CloudEvent
as its body) and one `notifications` row per subscription, in the consumer's transaction; both
inserts skip what exists, so a redelivered batch plans nothing twice."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from unionfed_chassis.consumer import Delivery, inbox_id
from unionfed_chassis.db import UnitOfWork
from unionfed_events.envelope import CONTENT_TYPE, Envelope

from notifications.adapters import webhook_store as store
from notifications.domain.model import Category, Channel, Priority, RecipientKind

WEBHOOK_TEMPLATE = "webhook"
# Content ids derive from the event id, so a redelivered event's content row is the same row and
# its notifications can name it without reading it back.
_CONTENT_NAMESPACE = uuid.UUID("6a1f4c1e-2f43-4f0e-9a55-0d7f1c3b8e21")


def event_id_of(envelope: Envelope) -> uuid.UUID:
    """`contents.caused_by`: our services' ids are UUIDs; any other id gets a stable one."""
    try:
        return uuid.UUID(envelope.id)
    except ValueError:
        return uuid.uuid5(_CONTENT_NAMESPACE, inbox_id(envelope))


def content_id_of(event_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_CONTENT_NAMESPACE, f"{event_id}/{WEBHOOK_TEMPLATE}")


def cloud_event_body(envelope: Envelope) -> str:
    """The event in CloudEvents' structured JSON format: its attributes and its data exactly as
    published, so the body carries no more (personal) data than the event itself."""
    attributes: dict[str, Any] = {
        "specversion": envelope.specversion,
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": envelope.time.isoformat(),
        "subject": envelope.subject,
        "datacontenttype": CONTENT_TYPE,
        "district": envelope.district,
        "branch": envelope.branch,
    }
    body = {k: v for k, v in attributes.items() if v is not None}
    body["data"] = json.loads(envelope.data or b"{}")
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def content_row(envelope: Envelope) -> dict[str, Any]:
    event_id = event_id_of(envelope)
    return {
        "content_id": content_id_of(event_id),
        "caused_by": event_id,
        "caused_type": envelope.type,
        "template": WEBHOOK_TEMPLATE,
        "category": Category.WEBHOOK.value,
        "critical": False,
        "district": envelope.district,
        "params": {"body": cloud_event_body(envelope)},
    }


def notification_rows(content: dict[str, Any], subscription_ids: Iterable[uuid.UUID]) -> list[dict[str, Any]]:
    return [
        {
            "content_id": content["content_id"],
            "caused_by": content["caused_by"],
            "recipient_kind": RecipientKind.SUBSCRIPTION.value,
            "recipient_id": str(subscription_id),
            "channel": Channel.WEBHOOK.value,
            "status": "pending",
            "priority": int(Priority.PERSONAL),
        }
        for subscription_id in subscription_ids
    ]


def districts_of(delivery: Delivery) -> set[str] | None:
    """The districts an event concerns, None for a federation-level one. A transfer concerns the
    district left as well (`from_district`): membership copies it to both districts' topics with
    one id, and the consumer's inbox keeps only the first copy."""
    if delivery.envelope.district is None:
        return None
    left = getattr(delivery.event, "from_district", None)
    return {delivery.envelope.district, *([left] if isinstance(left, str) else [])}


async def plan_webhooks(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    """Plan the batch's webhook deliveries: one query for the subscriptions of all its districts."""
    if not deliveries:
        return
    reach = [districts_of(d) for d in deliveries]
    districts = None if None in reach else sorted(set().union(*(r for r in reach if r)))
    types = sorted({d.envelope.type for d in deliveries})
    subscriptions = await store.active_for(uow.session, districts, types)
    if not subscriptions:
        return
    by_district: dict[str, list[Any]] = defaultdict(list)
    for row in subscriptions:
        by_district[row.district].append(row)
    contents, rows = [], []
    for delivery, concerned in zip(deliveries, reach, strict=True):
        envelope = delivery.envelope
        candidates = subscriptions if concerned is None else [s for d in concerned for s in by_district[d]]
        targets = [s.subscription_id for s in candidates if envelope.type in s.event_types]
        if targets:
            content = content_row(envelope)
            contents.append(content)
            rows += notification_rows(content, targets)
    await store.plan(uow.session, contents, rows)
