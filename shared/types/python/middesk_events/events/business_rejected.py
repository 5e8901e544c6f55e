# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .. import event
from ..event import Event


class BusinessRejectedData(BaseModel):
    object: event.Business


class BusinessRejectedEvent(Event):
    data: BusinessRejectedData | None = Field(
        None,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='BusinessRejectedData',
    )
    type: Literal['business.rejected']
