# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import event
from ..event import MiddeskEvent


class RunCreatedData(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    object: event.Run
    previous_attributes: event.Run | None = Field(
        None,
        description='On updates: the fields that changed, with their values before.',
    )


class RunCreatedEvent(MiddeskEvent):
    model_config = ConfigDict(
        extra='allow',
    )
    data: RunCreatedData = Field(
        ...,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='RunCreatedData',
    )
    type: Literal['run.created']
