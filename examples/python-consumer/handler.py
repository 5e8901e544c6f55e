"""A Python consumer of a Middesk webhooks queue: an AWS Lambda handler for SQS batches.

What the Rust crate's `consume::run` does, in Python, on boto3 and jsonschema:

- follows a claim check (a body too large for SQS, kept in S3) into PAYLOAD_BUCKET under
  PAYLOAD_KEY_PREFIX only, reading an object only if its size is the pointer's, and checks
  that its SHA-256 is the key's last segment (the verifier names it so);
- validates the event against the JSON Schema of its type (shared/schemas/, generated from the
  Rust types), so that a field that changed type fails here as it fails the Rust model;
- runs the business logic at most once per Middesk event id, with a DynamoDB conditional write
  in IDEMPOTENCY_TABLE (the same records as the Rust consumers: they can share the table);
- reports partial batch failures (subscribe it with FunctionResponseTypes:
  [ReportBatchItemFailures]), so that only the failed messages come back, and reach the
  dead-letter queue after maxReceiveCount;
- logs one JSON line per step with the event id and the correlation id, never the payload.

  handler.handler            the Lambda handler
  SCHEMA_DIR                 where the schemas are (default: ../../shared/schemas from here;
                             copy the folder into your package)
"""
import base64
import hashlib
import json
import os
import time
from pathlib import Path

import boto3
import jsonschema
from botocore.exceptions import ClientError
from referencing import Registry, Resource

POINTER_CLASSES = ("software.amazon.payloadoffloading.PayloadS3Pointer", "com.amazon.sqs.javamessaging.MessageS3Pointer")
SCHEMA_BASE = "https://github.com/middesk-webhooks/middesk-webhooks-aws/raw/main/shared/schemas/"
CONSUMER = os.environ.get("CONSUMER_NAME", "python-consumer")
DEFAULT_RECORD_TTL = 2_332_800  # 27 days, as the Rust consumers (docs/archive-and-replay.md)
LOCK_SECONDS = 60


class Failure(Exception):
    """Why one message failed; it is reported failed and comes back."""


def log(level, message, **fields):
    print(json.dumps({"level": level, "message": message, "consumer": CONSUMER, **fields}), flush=True)


def _schemas():
    directory = Path(os.environ.get("SCHEMA_DIR", Path(__file__).resolve().parent / "../../shared/schemas"))
    event = json.loads((directory / "event.json").read_text())
    registry = Registry().with_resource(SCHEMA_BASE + "event.json", Resource.from_contents(event))
    by_type = {}
    for path in (directory / "events").glob("*.json"):
        schema = json.loads(path.read_text())
        by_type[path.stem] = jsonschema.Draft202012Validator(schema, registry=registry)
    return jsonschema.Draft202012Validator(event, registry=registry), by_type


ANY_EVENT, EVENT_OF_TYPE = _schemas()
S3 = boto3.client("s3")
DYNAMODB = boto3.client("dynamodb")


def attribute(record, name):
    value = record.get("messageAttributes", {}).get(name)
    return value.get("stringValue") if value else None


def body_of(record):
    """The event's bytes: the message body, or the object a claim check points to."""
    size = attribute(record, "ExtendedPayloadSize") or attribute(record, "SQSLargePayloadSize")
    if size is None:
        if attribute(record, "body_encoding") == "base64":
            return base64.b64decode(record["body"])
        return record["body"].encode("utf-8")
    try:
        pointer_class, location = json.loads(record["body"])
        bucket, key = location["s3BucketName"], location["s3Key"]
    except (ValueError, KeyError, TypeError):
        raise Failure("claim check: not a pointer") from None
    payload_bucket = os.environ.get("PAYLOAD_BUCKET", "").strip()
    # Unset or blank is the default, as for the Rust reader: an empty prefix would admit any key.
    prefix = os.environ.get("PAYLOAD_KEY_PREFIX", "").strip() or "payloads/"
    if pointer_class not in POINTER_CLASSES or not payload_bucket or bucket != payload_bucket or not key.startswith(prefix):
        raise Failure("claim check: points outside the payload bucket")
    head = S3.head_object(Bucket=bucket, Key=key)
    if head["ContentLength"] != int(size):
        raise Failure("claim check: the object is not the size the pointer gives")
    # The object HEAD measured, and no other: a write between the two fails the read (412),
    # and at most that many bytes are read whatever happens.
    body = S3.get_object(Bucket=bucket, Key=key, IfMatch=head["ETag"])["Body"].read(int(size) + 1)
    if len(body) != int(size):
        raise Failure("claim check: the object is not the size the pointer gives")
    if hashlib.sha256(body).hexdigest() != key.rsplit("/", 1)[-1]:
        raise Failure("claim check: the object is not the body its key names (SHA-256)")
    return body


def validate(event):
    validator = EVENT_OF_TYPE.get(event.get("type") or event.get("namespace") or "", ANY_EVENT)
    errors = sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))
    if errors:
        # Where, never the value: a payload's contents must not reach the logs.
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
        raise Failure(f"schema: {where} does not fit ({errors[0].validator})")


def claim(table, key, now):
    """Takes the event's claim: 'acquired', 'completed' (a repeat) or 'in_progress'."""
    try:
        DYNAMODB.put_item(
            TableName=table,
            Item={
                "id": {"S": key},
                "status": {"S": "IN_PROGRESS"},
                "expiration": {"N": str(int(now + RECORD_TTL))},
                "in_progress_expiration": {"N": str(int((now + LOCK_SECONDS) * 1000))},
            },
            ConditionExpression="attribute_not_exists(#id) OR #expiration < :now_s"
            " OR (#status = :in_progress AND #in_progress_expiration < :now_ms)",
            ExpressionAttributeNames={"#id": "id", "#status": "status", "#expiration": "expiration",
                                      "#in_progress_expiration": "in_progress_expiration"},
            ExpressionAttributeValues={":now_s": {"N": str(int(now))}, ":now_ms": {"N": str(int(now * 1000))},
                                       ":in_progress": {"S": "IN_PROGRESS"}},
        )
        return "acquired"
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    item = DYNAMODB.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item", {})
    return "completed" if item.get("status", {}).get("S") == "COMPLETED" else "in_progress"


MIN_RECORD_TTL = 2_332_800  # the Rust consumers' least: every copy of an event outlived
MAX_RECORD_TTL = 365 * 86_400


def record_ttl():
    """`IDEMPOTENCY_TTL_SECONDS`, within the bounds the Rust consumers accept."""
    value = os.environ.get("IDEMPOTENCY_TTL_SECONDS", "").strip()
    if not value:
        return DEFAULT_RECORD_TTL
    if not value.isdigit() or not MIN_RECORD_TTL <= int(value) <= MAX_RECORD_TTL:
        raise SystemExit(f"IDEMPOTENCY_TTL_SECONDS={value!r} is invalid: expected {MIN_RECORD_TTL} to {MAX_RECORD_TTL} seconds")
    return int(value)


def complete(table, key, now, result):
    DYNAMODB.put_item(
        TableName=table,
        Item={"id": {"S": key}, "status": {"S": "COMPLETED"}, "expiration": {"N": str(int(now + RECORD_TTL))},
              "data": {"S": json.dumps(result)}},
    )


def handle_event(event, ids):
    """The business logic: here, log what the event is about. Return what to store."""
    obj = event.get("data", {}).get("object")
    kind = obj.get("object") if isinstance(obj, dict) else obj
    log("info", "event handled", event_type=event.get("type"), object=kind, **ids)
    return {"handled": True}


def handle_record(record, table):
    ids = {"event_id": attribute(record, "event_id"), "correlation_id": attribute(record, "correlation_id"),
           "message_id": record.get("messageId")}
    if attribute(record, "malformed") == "true":
        raise Failure(f"malformed event: {attribute(record, 'malformed_reason')}")
    try:
        event = json.loads(body_of(record))
    except ValueError:
        raise Failure("the body is not JSON") from None
    validate(event)
    event_id = event["id"]
    ids["event_id"] = event_id
    if not table:
        handle_event(event, ids)
        return
    key, now = f"{CONSUMER}#{event_id}", time.time()
    state = claim(table, key, now)
    if state == "completed":
        log("info", "handled before: acknowledged, not run again", **ids)
        return
    if state == "in_progress":
        raise Failure("another invocation is handling it")
    try:
        result = handle_event(event, ids)
    except Exception:
        DYNAMODB.delete_item(TableName=table, Key={"id": {"S": key}})
        raise
    complete(table, key, time.time(), result)


def handler(event, context=None):
    table = os.environ.get("IDEMPOTENCY_TABLE")
    failures = []
    for record in event.get("Records", []):
        try:
            handle_record(record, table)
        except Exception as error:  # any failure fails this message alone
            reason = str(error) if isinstance(error, Failure) else type(error).__name__
            log("warn", "message failed", reason=reason, event_id=attribute(record, "event_id"),
                correlation_id=attribute(record, "correlation_id"), message_id=record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


# Read once, at the cold start: a lifetime shorter than an event's copies live is refused there.
RECORD_TTL = record_ttl()

if __name__ == "__main__":
    # An SQS event on standard input, the handler's answer on standard output (last line).
    import sys

    print(json.dumps(handler(json.load(sys.stdin))))
