"""The Python package's consumer of business.updated, as examples/python-consumer has it, for
scripts/bench: claim checks, validation into the typed event, idempotency and the newest state
on the stack's table, partial batch failures. The handler returns what it read."""
from middesk_webhooks import BusinessUpdatedEvent, Consumer

consumer = Consumer("bench-python-package")


@consumer.on("business.updated")
async def business_updated(event: BusinessUpdatedEvent):
    business = event.data.object
    return {"business_id": business.id, "status": business.status}


lambda_handler = consumer.lambda_handler
