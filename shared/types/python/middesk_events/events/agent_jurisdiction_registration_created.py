# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .. import event
from ..event import Event


class AgentJurisdictionRegistrationCreatedData(BaseModel):
    object: event.JurisdictionRegistration


class AgentJurisdictionRegistrationCreatedEvent(Event):
    data: AgentJurisdictionRegistrationCreatedData | None = Field(
        None,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='AgentJurisdictionRegistrationCreatedData',
    )
    namespace: Literal['agent_jurisdiction_registration.created'] = Field(
        ...,
        description='The event type, where Middesk names it here instead of in `type`.',
    )
    type: Literal['agent_jurisdiction_registration.created'] | None = None
