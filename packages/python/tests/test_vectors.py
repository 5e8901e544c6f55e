"""The vectors of docs/records.md (shared/vectors/ordering.json), through the package, on the
emulator: what each handler is told, each object's record, each event's status."""
import json
from datetime import datetime, timezone

from conftest import record, sample, vectors

from middesk_webhooks import Consumer

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def micros(text):
    return int((datetime.fromisoformat(text.replace("Z", "+00:00")) - EPOCH).total_seconds() * 1_000_000)


def body(step):
    event = sample(step["type"])
    event["id"], event["created_at"] = step["id"], step["created_at"]
    for field, given in (("id", "object_id"), ("business_id", "business_id")):
        if given in step:
            if step[given] is None:
                event["data"]["object"].pop(field, None)
            else:
                event["data"]["object"][field] = step[given]
    return json.dumps(event)


def item(dynamodb, table, key):
    return dynamodb.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")


def test_the_package_passes_the_vectors(dynamodb, table):
    for case in vectors():
        told = []
        consumer = Consumer("vectors", env={"IDEMPOTENCY_TABLE": table}, dynamodb=dynamodb)
        handler = lambda event, freshness: told.append(freshness) or {"ran": event.id}  # noqa: E731
        for family in {step["type"].split(".")[0] for step in case["steps"]}:
            consumer.on(family, handler, older=True)
        for step in case["steps"]:
            sqs = {"Records": [record(body(step), step["id"], sent_ms=micros(step["sent_at"]) // 1000)]}
            assert consumer.lambda_handler(sqs) == {"batchItemFailures": []}, step["id"]
            freshness = told.pop()
            assert freshness.kind == step["freshness"], (case["name"], step["id"])
            if step["freshness"] == "older":
                assert freshness.newest_event_id == step["older_than"]
            assert item(dynamodb, table, f"vectors#{step['id']}")["status"]["S"] == step["status"]
            if step["object"]:
                newest = item(dynamodb, table, f"vectors#newest#{step['object']}")
                assert newest["newest_id"]["S"] == step["newest"]["event_id"], (case["name"], step["id"])
                assert int(newest["newest_at"]["N"]) == micros(step["newest"]["at"])
        table_items = dynamodb.scan(TableName=table)["Items"]
        for leftover in table_items:  # the next case starts from an empty table
            dynamodb.delete_item(TableName=table, Key={"id": leftover["id"]})
