# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .. import event
from ..event import MiddeskEvent


class AgentInfoRequestCreatedEvent(MiddeskEvent):
    model_config = ConfigDict(
        extra='allow',
    )
    data: event.InformationRequest = Field(
        ...,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='AgentInfoRequestCreatedData',
    )
    type: Literal['agent_info_request.created']
