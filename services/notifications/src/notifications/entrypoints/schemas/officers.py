"""Request and response models of officers' alert registration. Addresses come in clear, are
sealed before they are stored, and go out masked only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from unionfed_chassis.routes import Public

from notifications.domain.contact_addresses import normalise_email, normalise_mobile

Digest = Literal["none", "hourly", "daily"]
Email = Annotated[
    str, Field(max_length=320, examples=["zhang.wei@example.org"]), AfterValidator(normalise_email)
]
Mobile = Annotated[str, Field(max_length=32, examples=["13812345678"]), AfterValidator(normalise_mobile)]


class OfficerRegistration(BaseModel):
    """Where one's alerts go (in-app always; e-mail and SMS when given) and how often."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    phone: Mobile | None = None
    digest: Digest = Field("none", description="none: one message per alert; hourly or daily: one summary")


class OfficerPublic(Public):
    officer_id: str
    role: str
    district: str | None
    branch_id: str | None
    email: str | None = Field(description="Masked")
    phone: str | None = Field(description="Masked")
    digest: str
    updated_at: datetime
