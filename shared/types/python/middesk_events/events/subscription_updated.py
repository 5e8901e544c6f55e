# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .. import event
from ..event import Event


class SubscriptionUpdatedData(BaseModel):
    object: event.Subscription


class SubscriptionUpdatedEvent(Event):
    data: SubscriptionUpdatedData | None = Field(
        None,
        description='The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.',
        title='SubscriptionUpdatedData',
    )
    type: Literal['subscription.updated']
