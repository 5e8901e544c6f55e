# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import event
from ..event import MiddeskEvent


class TinRetriedData(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    object: event.Tin
    previous_attributes: event.Tin | None = Field(
        None,
        description='On updates: the fields that changed, with their values before.',
    )


class TinRetriedEvent(MiddeskEvent):
    model_config = ConfigDict(
        extra='allow',
    )
    data: TinRetriedData = Field(
        ...,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='TinRetriedData',
    )
    type: Literal['tin.retried']
