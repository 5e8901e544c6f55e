"""Consume the events a middesk-webhooks-aws stack queues.

    from middesk_webhooks import Consumer

    consumer = Consumer("my-consumer")
    consumer.on("business.updated", handle)
    lambda_handler = consumer.lambda_handler
"""
from .consumer import Consumer, Event, Failure, Freshness

__all__ = ["Consumer", "Event", "Failure", "Freshness"]
