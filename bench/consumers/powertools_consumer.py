"""The same consumer on AWS Lambda Powertools for Python, written the way its documentation
shows, for scripts/bench: BatchProcessor with a parser model (the package's own pydantic model
of business.updated, so both parse the same way), idempotent_function on DynamoDB keyed by the
event's id, process_partial_response."""
import os

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from middesk_webhooks import BusinessUpdatedEvent
from pydantic import Json


class BusinessUpdatedRecord(SqsRecordModel):
    body: Json[BusinessUpdatedEvent]


persistence = DynamoDBPersistenceLayer(table_name=os.environ["POWERTOOLS_IDEMPOTENCY_TABLE"])
config = IdempotencyConfig(event_key_jmespath="id")
processor = BatchProcessor(event_type=EventType.SQS, model=BusinessUpdatedRecord)


@idempotent_function(data_keyword_argument="event", persistence_store=persistence, config=config)
def business_updated(event: BusinessUpdatedEvent) -> dict:
    business = event.data.object
    return {"business_id": business.id, "status": business.status}


def record_handler(record: BusinessUpdatedRecord):
    return business_updated(event=record.body)


def lambda_handler(event, context):
    config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
