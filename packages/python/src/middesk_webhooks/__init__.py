"""Consume the events a middesk-webhooks-aws stack queues.

    from middesk_webhooks import BusinessUpdatedEvent, Consumer

    consumer = Consumer("my-consumer")

    @consumer.on("business.updated")
    async def handle(event: BusinessUpdatedEvent):
        ...

    lambda_handler = consumer.lambda_handler

Every event's model (`models`, generated from shared/schemas/) is importable from here.
"""
from .consumer import Consumer, Failure, Freshness
from .models import *  # noqa: F403 (the models, flat)
from .models import __all__ as _models

__all__ = ["Consumer", "Failure", "Freshness", *_models]
