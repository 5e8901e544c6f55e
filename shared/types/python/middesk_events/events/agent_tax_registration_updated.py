# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .. import event
from ..event import Event


class AgentTaxRegistrationUpdatedData(BaseModel):
    object: event.AgentTaxRegistration


class AgentTaxRegistrationUpdatedEvent(Event):
    data: AgentTaxRegistrationUpdatedData | None = Field(
        None,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='AgentTaxRegistrationUpdatedData',
    )
    type: Literal['agent_tax_registration.updated']
