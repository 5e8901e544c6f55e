# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .. import event
from ..event import MiddeskEvent


class AgentItemChangeUpdatedEvent(MiddeskEvent):
    model_config = ConfigDict(
        extra='allow',
    )
    data: event.ItemChange = Field(
        ...,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='AgentItemChangeUpdatedData',
    )
    type: Literal['agent_item_change.updated']
