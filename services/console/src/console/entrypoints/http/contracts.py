"""The contract catalog: every event type of `unionfed_events.registry` with its JSON Schema and
versions, who produces and who consumes it (from the services' AsyncAPI documents; a service
that does not answer is named, its part left blank), and the latest event of the type the index
holds, masked (within the caller's district for a district officer)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from unionfed_chassis.auth import Principal
from unionfed_chassis.errors import NotFound
from unionfed_chassis.http import RuntimeDep
from unionfed_events.display import short_type
from unionfed_events.registry import all_event_classes
from unionfed_events.schemas import schema_for

from console.adapters.contracts import AsyncApiDocuments, latest_of_type
from console.domain.contracts import Parties, parties
from console.entrypoints.http.access import READ, Allow
from console.entrypoints.http.pages import render
from console.settings import ConsoleSettings

router = APIRouter(tags=["contracts"])
Reader = Annotated[Principal, Allow("contracts", READ)]
EventType = Annotated[
    str, Path(max_length=200, description="CloudEvents type, e.g. org.unionfed.membership.MemberJoined.v1")
]


class ProducerOut(BaseModel):
    service: str
    topic: str


class ConsumerOut(BaseModel):
    service: str
    group: str
    topic: str = Field(description="The topic, or the pattern the group subscribes to")


class SourceOut(BaseModel):
    service: str
    reachable: bool
    error: str | None


class ContractOut(BaseModel):
    type: str
    short_type: str
    domain: str
    name: str
    version: int
    versions: list[str] = Field(description="Every version of this event the registry knows, oldest first")
    description: str
    producers: list[ProducerOut]
    consumers: list[ConsumerOut]


class SampleOut(BaseModel):
    event_id: str | None
    time: datetime | None
    district: str | None
    topic: str
    partition: int
    offset: int
    payload: Any = Field(description="The event's data as indexed (personal identifiers masked)")


class ContractDetailOut(ContractOut):
    json_schema: dict[str, Any] = Field(description="The event's JSON Schema (draft 2020-12)")
    sample: SampleOut | None = Field(description="The latest event of this type in the index, if any")


class CatalogOut(BaseModel):
    sources: list[SourceOut] = Field(description="Whose AsyncAPI document the producers/consumers come from")
    contracts: list[ContractOut]


async def _parties(request: Request, runtime: RuntimeDep) -> tuple[Parties, list[SourceOut]]:
    settings = cast(ConsoleSettings, runtime.settings)
    documents: AsyncApiDocuments | None = getattr(request.app.state, "asyncapi_documents", None)
    if documents is None:
        documents = request.app.state.asyncapi_documents = AsyncApiDocuments(settings.contracts_cache_seconds)
    answers = await documents.get(settings.services)
    readable = {name: a.body for name, a in answers.items() if a.ok and isinstance(a.body, dict)}
    sources = [
        SourceOut(
            service=name,
            reachable=name in readable,
            error=None if name in readable else (a.error or f"answered {a.status}"),
        )
        for name, a in answers.items()
    ]
    return parties(readable), sources


def _contracts(found: Parties) -> list[ContractOut]:
    classes = sorted(all_event_classes(), key=lambda c: (c.domain, c.event_name, c.version))
    contracts = []
    for cls in classes:
        ce_type = cls.ce_type()
        versions = [c.ce_type() for c in classes if (c.domain, c.event_name) == (cls.domain, cls.event_name)]
        contracts.append(
            ContractOut(
                type=ce_type,
                short_type=short_type(ce_type),
                domain=cls.domain,
                name=cls.event_name,
                version=cls.version,
                versions=versions,
                description=(cls.__doc__ or "").strip(),
                producers=[ProducerOut(**vars(p)) for p in sorted(found.producers.get(ce_type, ()))],
                consumers=[ConsumerOut(**vars(c)) for c in sorted(found.consumers.get(ce_type, ()))],
            )
        )
    return contracts


async def _catalog(request: Request, runtime: RuntimeDep) -> CatalogOut:
    found, sources = await _parties(request, runtime)
    return CatalogOut(sources=sources, contracts=_contracts(found))


async def _detail(
    request: Request, runtime: RuntimeDep, principal: Principal, ce_type: str
) -> ContractDetailOut:
    classes = {cls.ce_type(): cls for cls in all_event_classes()}
    if ce_type not in classes:
        raise NotFound(f"event type {ce_type}")
    found, _ = await _parties(request, runtime)
    [contract] = [c for c in _contracts(found) if c.type == ce_type]
    # Fail closed: a scoped principal without a district sees no sample.
    district = None if principal.is_federation_wide else (principal.district or "")
    async with runtime.engine.connect() as conn:
        row = await latest_of_type(conn, ce_type, district)
    sample = None
    if row is not None:
        sample = SampleOut(
            event_id=row.event_id,
            time=row.time,
            district=row.district,
            topic=row.topic,
            partition=row.partition,
            offset=row.offset,
            payload=row.payload,
        )
    return ContractDetailOut(**contract.model_dump(), json_schema=schema_for(classes[ce_type]), sample=sample)


@router.get("/api/contracts")
async def api_contracts(request: Request, runtime: RuntimeDep, _: Reader) -> CatalogOut:
    """Every event type with its versions, producers and consumers (from the services' AsyncAPI)."""
    return await _catalog(request, runtime)


@router.get("/api/contracts/{ce_type}")
async def api_contract(
    request: Request, runtime: RuntimeDep, ce_type: EventType, principal: Reader
) -> ContractDetailOut:
    """One event type: its JSON Schema, versions, producers, consumers and the latest sample."""
    return await _detail(request, runtime, principal, ce_type)


@router.get("/contracts", include_in_schema=False, response_class=HTMLResponse)
async def contracts_page(request: Request, runtime: RuntimeDep, principal: Reader) -> HTMLResponse:
    catalog = await _catalog(request, runtime)
    return render(request, "contracts.html", principal, page="contracts", catalog=catalog)


@router.get("/contracts/{ce_type}", include_in_schema=False, response_class=HTMLResponse)
async def contract_page(
    request: Request, runtime: RuntimeDep, ce_type: EventType, principal: Reader
) -> HTMLResponse:
    detail = await _detail(request, runtime, principal, ce_type)
    # Readable JSON (Chinese as itself, not \u escapes); the template autoescapes it.
    sample = None if detail.sample is None else _pretty(detail.sample.payload)
    return render(
        request,
        "contract.html",
        principal,
        page="contracts",
        contract=detail,
        sample_json=sample,
        schema_json=_pretty(detail.json_schema),
    )


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
