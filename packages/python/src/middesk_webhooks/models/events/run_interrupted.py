# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import event
from ..event import MiddeskEvent


class RunInterruptedData(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    object: event.Run
    previous_attributes: event.Run | None = Field(
        None,
        description='On updates: the fields that changed, with their values before.',
    )


class RunInterruptedEvent(MiddeskEvent):
    model_config = ConfigDict(
        extra='allow',
    )
    data: RunInterruptedData = Field(
        ...,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='RunInterruptedData',
    )
    type: Literal['run.interrupted']
