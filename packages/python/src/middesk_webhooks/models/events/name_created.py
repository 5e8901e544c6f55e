# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import event
from ..event import MiddeskEvent


class NameCreatedData(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    object: event.Name
    previous_attributes: event.Name | None = Field(
        None,
        description='On updates: the fields that changed, with their values before.',
    )


class NameCreatedEvent(MiddeskEvent):
    model_config = ConfigDict(
        extra='allow',
    )
    data: NameCreatedData = Field(
        ...,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='NameCreatedData',
    )
    type: Literal['name.created']
