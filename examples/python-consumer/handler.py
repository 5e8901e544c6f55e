"""A Python consumer of a Middesk webhooks queue: an AWS Lambda handler for SQS batches.

What the Rust crate's `consume::run` does, in Python, on boto3 and jsonschema:

- follows a claim check (a body too large for SQS, kept in S3) into PAYLOAD_BUCKET under
  PAYLOAD_KEY_PREFIX only, reading an object only if its size is the pointer's, and checks
  that its SHA-256 is the key's last segment (the verifier names it so);
- validates the event against the JSON Schema of its type (shared/schemas/, generated from the
  Rust types), so that a field that changed type fails here as it fails the Rust model;
- runs the business logic at most once per Middesk event id, with a DynamoDB conditional write
  in IDEMPOTENCY_TABLE (the same records as the Rust consumers: they can share the table);
- tells it whether the event is older than the newest applied for its Middesk object (the
  object whose state it carries, never a sibling), in the same transactions and records as the
  Rust guard (docs/records.md): an older event arriving late is not acted on;
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
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import jsonschema
from botocore.exceptions import ClientError
from referencing import Registry, Resource

POINTER_CLASSES = ("software.amazon.payloadoffloading.PayloadS3Pointer", "com.amazon.sqs.javamessaging.MessageS3Pointer")
SCHEMA_BASE = "https://github.com/middesk-webhooks/middesk-webhooks-aws/raw/main/shared/schemas/"
CONSUMER = os.environ.get("CONSUMER_NAME", "python-consumer")
DEFAULT_RECORD_TTL = 2_332_800  # 27 days, as the Rust consumers (docs/archive-and-replay.md)
LOCAL_LOCK_SECONDS = 60  # only without a Lambda context (a local run): Lambda gives its deadline
NEWEST_RECORD_TTL = 400 * 86_400  # as the Rust guard's: the archive's default retention
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
CLAIM_CONDITION = ("attribute_not_exists(#id) OR #expiration < :now_s"
                   " OR (#status = :in_progress AND #in_progress_expiration < :now_ms)")


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


def claim_put(table, key, now, lock_until):
    """The put that claims an event's record (new, expired, or an abandoned claim), locked until
    `lock_until` (the invocation's deadline)."""
    return {
        "TableName": table,
        "Item": {
            "id": {"S": key},
            "status": {"S": "IN_PROGRESS"},
            "expiration": {"N": str(int(now + RECORD_TTL))},
            "in_progress_expiration": {"N": str(int(lock_until * 1000))},
        },
        "ConditionExpression": CLAIM_CONDITION,
        "ExpressionAttributeNames": {"#id": "id", "#status": "status", "#expiration": "expiration",
                                     "#in_progress_expiration": "in_progress_expiration"},
        "ExpressionAttributeValues": {":now_s": {"N": str(int(now))}, ":now_ms": {"N": str(int(now * 1000))},
                                      ":in_progress": {"S": "IN_PROGRESS"}},
    }


def existing(table, key):
    """What a refused claim found: 'completed' or 'in_progress'."""
    item = DYNAMODB.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item", {})
    return "completed" if item.get("status", {}).get("S") in ("COMPLETED", "SUPERSEDED") else "in_progress"


def claim(table, key, now, lock_until):
    """Takes the event's claim: 'acquired', 'completed' (a repeat) or 'in_progress'."""
    try:
        DYNAMODB.put_item(**claim_put(table, key, now, lock_until))
        return "acquired"
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    return existing(table, key)


def ordered(event, sent_at_us=None):
    """The object the event carries the state of, and its place: (object, (microseconds since
    the epoch, event id)), as the Rust crate's Event::ordered; None without an object id or a time.
    Its own object, never its business's; placed no later than its arrival (`sent_at_us`)."""
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    obj = data if isinstance(data.get("object"), str) else data.get("object")
    if not isinstance(obj, dict):
        return None
    text = lambda name: obj.get(name) if isinstance(obj.get(name), str) and obj.get(name) else None
    if not (text("object") and text("id")):
        return None
    about = f"{text('object')}/{text('id')}"
    try:
        created = datetime.fromisoformat(str(event.get("created_at")).replace("Z", "+00:00"))
    except ValueError:
        return None
    if created.tzinfo is None:
        return None
    at = (created - EPOCH) // timedelta(microseconds=1)
    if sent_at_us is not None:
        at = min(at, sent_at_us)
    return about, (at, event["id"])


def newest_in(item, now):
    """The newest event an object's record names, (microseconds, event id), unless expired."""
    if int(item.get("expiration", {}).get("N", "0")) < now or "newest_at" not in item:
        return None
    return int(item["newest_at"]["N"]), item["newest_id"]["S"]


def claim_in_order(table, key, object_key, place, now, lock_until):
    """Claims the event and, if it is not older than the newest applied (a tie is not) and nobody
    holds its object, the object too, in one transaction: 'newest', ('older', newest event id),
    'completed' or 'in_progress'."""
    at, event_id = place
    hold = {
        "TableName": table,
        "Key": {"id": {"S": object_key}},
        "UpdateExpression": "SET #holder = :key, #holder_until = :lock_ms, #expiration = :object_s",
        "ConditionExpression": "(attribute_not_exists(#holder) OR #holder_until < :now_ms) AND"
        " (attribute_not_exists(#newest_at) OR #expiration < :now_s OR #newest_at <= :at)",
        "ExpressionAttributeNames": {"#holder": "holder", "#holder_until": "holder_until", "#expiration": "expiration",
                                     "#newest_at": "newest_at"},
        "ExpressionAttributeValues": {":key": {"S": key}, ":lock_ms": {"N": str(int(lock_until * 1000))},
                                      ":object_s": {"N": str(int(now + NEWEST_RECORD_TTL))},
                                      ":now_ms": {"N": str(int(now * 1000))}, ":now_s": {"N": str(int(now))},
                                      ":at": {"N": str(at)}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    try:
        DYNAMODB.transact_write_items(TransactItems=[{"Put": claim_put(table, key, now, lock_until)}, {"Update": hold}])
        return "newest"
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = error.response.get("CancellationReasons", [])
    code = lambda i: reasons[i].get("Code") if i < len(reasons) else None
    if code(0) == "ConditionalCheckFailed":
        return existing(table, key)
    if code(1) != "ConditionalCheckFailed":
        return "in_progress"  # another transaction on these items at the same moment
    newest = newest_in(reasons[1].get("Item", {}), now)
    if newest is None or newest[0] <= at:
        return "in_progress"  # not older than the newest applied: another event holds the object
    state = claim(table, key, now, lock_until)
    return ("older", newest[1]) if state == "acquired" else state


def complete_in_order(table, key, object_key, place, now, result):
    """Completes the event and records it as its object's newest applied, in one transaction."""
    at, event_id = place
    applied = {
        "TableName": table,
        "Key": {"id": {"S": object_key}},
        "UpdateExpression": "SET #newest_at = :at, #newest_id = :event_id, #expiration = :object_s"
        " REMOVE #holder, #holder_until",
        "ConditionExpression": "#holder = :key",
        "ExpressionAttributeNames": {"#newest_at": "newest_at", "#newest_id": "newest_id", "#expiration": "expiration",
                                     "#holder": "holder", "#holder_until": "holder_until"},
        "ExpressionAttributeValues": {":at": {"N": str(at)}, ":event_id": {"S": event_id},
                                      ":object_s": {"N": str(int(now + NEWEST_RECORD_TTL))}, ":key": {"S": key}},
    }
    try:
        DYNAMODB.transact_write_items(TransactItems=[{"Put": completed_put(table, key, now, result)},
                                                     {"Update": applied}])
    except ClientError as error:
        reasons = error.response.get("CancellationReasons", [])
        code = reasons[1].get("Code") if len(reasons) > 1 else None
        if error.response["Error"]["Code"] != "TransactionCanceledException" or code != "ConditionalCheckFailed":
            # A conflicting transaction, throttling: an error, so that the message is retried
            # and the object's newest advances. Recording the event alone would not.
            raise
        # The hold ran out and another event took it: the event is done all the same.
        complete(table, key, now, result)


def release_in_order(table, key, object_key):
    try:
        DYNAMODB.update_item(TableName=table, Key={"id": {"S": object_key}},
                             UpdateExpression="REMOVE #holder, #holder_until", ConditionExpression="#holder = :key",
                             ExpressionAttributeNames={"#holder": "holder", "#holder_until": "holder_until"},
                             ExpressionAttributeValues={":key": {"S": key}})
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    release(table, key)


def release(table, key):
    """Deletes the event's claim, only while it is in progress: a slow run whose lock ran out
    must not delete the record a later run completed."""
    try:
        DYNAMODB.delete_item(TableName=table, Key={"id": {"S": key}}, ConditionExpression="#status = :in_progress",
                             ExpressionAttributeNames={"#status": "status"},
                             ExpressionAttributeValues={":in_progress": {"S": "IN_PROGRESS"}})
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise


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


def completed_put(table, key, now, result, status="COMPLETED"):
    """The put that completes an event's record: COMPLETED, or SUPERSEDED for an event older than
    its object's newest (docs/records.md)."""
    return {"TableName": table,
            "Item": {"id": {"S": key}, "status": {"S": status}, "expiration": {"N": str(int(now + RECORD_TTL))},
                     "data": {"S": json.dumps(result)}}}


def complete(table, key, now, result, status="COMPLETED"):
    DYNAMODB.put_item(**completed_put(table, key, now, result, status))


def count_superseded(event):
    """One EventsSuperseded in METRICS_NAMESPACE (an Embedded Metric Format line), if it is set."""
    namespace = os.environ.get("METRICS_NAMESPACE", "").strip()
    if namespace:
        print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
            {"Namespace": namespace, "Dimensions": [[]], "Metrics": [{"Name": "EventsSuperseded", "Unit": "Count"}]}]},
            "EventsSuperseded": 1, "event_type": event.get("type") or event.get("namespace")}), flush=True)


def handle_event(event, ids, newer=None):
    """The business logic: here, log what the event is about. Return what to store. `newer` is
    the id of a newer event already applied for its object: this one's data is older."""
    if newer is not None:
        log("info", "older than the newest applied: not acted on", newest_event_id=newer, **ids)
        return {"handled": False, "superseded_by": newer}
    obj = event.get("data", {}).get("object")
    kind = obj.get("object") if isinstance(obj, dict) else obj
    log("info", "event handled", event_type=event.get("type"), object=kind, **ids)
    return {"handled": True}


def sent_at_us(record):
    """When SQS received the message (`SentTimestamp`), in microseconds; None without it."""
    sent = record.get("attributes", {}).get("SentTimestamp", "")
    return int(sent) * 1000 if sent.isdigit() else None


def handle_record(record, table, deadline):
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
    placed = ordered(event, sent_at_us(record))
    object_key = f"{CONSUMER}#newest#{placed[0]}" if placed else None
    lock_until = max(deadline, now)
    if placed:
        state = claim_in_order(table, key, object_key, placed[1], now, lock_until)
    else:
        state = claim(table, key, now, lock_until)
    if state == "completed":
        log("info", "handled before: acknowledged, not run again", **ids)
        return
    if state == "in_progress":
        raise Failure("another invocation is handling it, or a newer event of its object")
    newer = state[1] if isinstance(state, tuple) else None
    holds_object = state == "newest"
    try:
        result = handle_event(event, ids, newer)
    except Exception:
        if holds_object:
            release_in_order(table, key, object_key)
        else:
            release(table, key)
        raise
    if holds_object:
        complete_in_order(table, key, object_key, placed[1], time.time(), result)
    elif newer is not None:
        complete(table, key, time.time(), result, "SUPERSEDED")
        count_superseded(event)
    else:
        complete(table, key, time.time(), result)


def deadline_of(context):
    """When the invocation ends (seconds since the epoch): Lambda's remaining time; a local run
    without a context gets LOCAL_LOCK_SECONDS."""
    remaining = context.get_remaining_time_in_millis() / 1000 if context else LOCAL_LOCK_SECONDS
    return time.time() + remaining


def handler(event, context=None):
    table = os.environ.get("IDEMPOTENCY_TABLE")
    deadline = deadline_of(context)
    failures = []
    for record in event.get("Records", []):
        try:
            handle_record(record, table, deadline)
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
