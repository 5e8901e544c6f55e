"""A consumer of the business.updated queue on the middesk_webhooks package. Claim checks,
validation, idempotency, the newest state and partial batch failures are the package's; the
business logic is yours. Locally: an SQS event on standard input, the answer on standard output."""
import json
import os
import sys

from middesk_webhooks import BusinessUpdatedEvent, Consumer

# Its records are keyed by this name: keep it stable, and unique among the table's consumers.
consumer = Consumer(os.environ.get("CONSUMER_NAME", "python-consumer"))


@consumer.on("business.updated")
async def business_updated(event: BusinessUpdatedEvent):
    """Your business logic (a CRM call, say). What it returns is stored with the event's record."""
    business = event.data.object
    return {"business_id": business.id, "status": business.status}


lambda_handler = consumer.lambda_handler

if __name__ == "__main__":
    print(json.dumps(lambda_handler(json.load(sys.stdin))))
