# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import event
from ..event import MiddeskEvent


class AgentJurisdictionRegistrationUpdatedData(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    object: event.JurisdictionRegistration
    previous_attributes: event.JurisdictionRegistration | None = Field(
        None,
        description='On updates: the fields that changed, with their values before.',
    )


class AgentJurisdictionRegistrationUpdatedEvent(MiddeskEvent):
    model_config = ConfigDict(
        extra='allow',
    )
    data: AgentJurisdictionRegistrationUpdatedData = Field(
        ...,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='AgentJurisdictionRegistrationUpdatedData',
    )
    namespace: Literal['agent_jurisdiction_registration.updated'] = Field(
        ...,
        description='The event type, where Middesk names it here instead of in `type`.',
    )
    type: Literal['agent_jurisdiction_registration.updated'] | None = None
