"""A consumer of a middesk-webhooks-aws queue: register handlers with `.on()`, hand Lambda
`consumer.lambda_handler`.

Per record: the body (a claim check followed into the stack's payload bucket only, its size and
SHA-256 checked), the event read into the model of its type (`models`), then its handler at
most once per event id, in the order of its Middesk object (docs/records.md). The answer reports exactly the failed records; on a FIFO queue
the rest of a failed record's message group fails with it.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import inspect
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import boto3
from pydantic import ValidationError

from .models import MiddeskEvent, parse_event
from .records import Older, Records, SUPERSEDED, record_ttl
from .tracing import flush_spans, record_span

POINTER_CLASSES = ("software.amazon.payloadoffloading.PayloadS3Pointer",
                   "com.amazon.sqs.javamessaging.MessageS3Pointer")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: Only without a Lambda context (a local run): Lambda gives the invocation's deadline.
LOCAL_LOCK_SECONDS = 60


class Failure(Exception):
    """Why one record failed: it is reported failed, and SQS delivers it again."""


@dataclass(frozen=True)
class Freshness:
    """Where an event stands among the events applied for its object."""

    #: "newest", "older" or "unordered".
    kind: str
    #: For an older event, the newest event applied for its object.
    newest_event_id: str | None = None


def _log(level: str, message: str, **fields) -> None:
    print(json.dumps({"level": level, "message": message, **fields}), flush=True)


def _micros(text: str | None) -> int | None:
    try:
        created = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (created - EPOCH) // timedelta(microseconds=1) if created.tzinfo else None


def ordered(raw: dict, sent_at_us: int | None):
    """(object, microseconds) the event (its body, as JSON) is ordered on and at, or None
    (docs/records.md)."""
    data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
    obj = data if isinstance(data.get("object"), str) else data.get("object")
    if not isinstance(obj, dict):
        return None
    kind, oid = obj.get("object"), obj.get("id")
    created = raw.get("created_at")
    at = _micros(created) if isinstance(created, str) else None
    if not (isinstance(kind, str) and kind and isinstance(oid, str) and oid) or at is None:
        return None
    return f"{kind}/{oid}", at if sent_at_us is None else min(at, sent_at_us)


@dataclass
class _Route:
    handler: Callable
    older: bool


class Consumer:
    """The consumer `name`: its records are keyed by it. Reads the stack's environment once:
    IDEMPOTENCY_TABLE, IDEMPOTENCY_TTL_SECONDS, PAYLOAD_BUCKET, PAYLOAD_KEY_PREFIX,
    METRICS_NAMESPACE."""

    def __init__(self, name: str, *, env=None, dynamodb=None, s3=None):
        env = os.environ if env is None else env
        self.name = name
        self.payload_bucket = env.get("PAYLOAD_BUCKET", "").strip()
        self.payload_prefix = env.get("PAYLOAD_KEY_PREFIX", "").strip() or "payloads/"
        self.metrics_namespace = env.get("METRICS_NAMESPACE", "").strip()
        table = env.get("IDEMPOTENCY_TABLE", "").strip()
        self.records = Records(dynamodb or boto3.client("dynamodb"), table, name,
                               record_ttl(env.get("IDEMPOTENCY_TTL_SECONDS"))) if table else None
        self._s3 = s3
        self._routes: dict[str, _Route] = {}

    def on(self, type_or_family: str, handler: Callable | None = None, *, older: bool = False):
        """Registers `handler` for an event type (`business.updated`) or a family (`business`).
        A handler may be async. With `older=True` it also gets events older than their object's
        newest, with their freshness; by default those are counted and not passed."""
        def register(fn):
            self._routes[type_or_family] = _Route(fn, older)
            return fn
        return register(handler) if handler else register

    def _route(self, event_type: str) -> _Route | None:
        return self._routes.get(event_type) or self._routes.get(event_type.split(".", 1)[0])

    def lambda_handler(self, event: dict, context=None) -> dict:
        """The Lambda handler: `{"batchItemFailures": [...]}` for exactly the failed records."""
        remaining = context.get_remaining_time_in_millis() / 1000 if context else LOCAL_LOCK_SECONDS
        deadline = time.time() + remaining
        failures, failed_groups = [], set()
        for record in event.get("Records", []):
            group = record.get("attributes", {}).get("MessageGroupId")
            ids = {"message_id": record.get("messageId"), "event_id": _attribute(record, "event_id"),
                   "correlation_id": _attribute(record, "correlation_id")}
            span = {"queue": (record.get("eventSourceARN") or "").rsplit(":", 1)[-1],
                    "message_id": record.get("messageId"), "event_id": ids["event_id"],
                    "event_type": _attribute(record, "event_type"),
                    "traceparent": _attribute(record, "traceparent"),
                    "aws_trace_header": record.get("attributes", {}).get("AWSTraceHeader")}
            try:
                if group is not None and group in failed_groups:
                    raise Failure(f"an earlier message of group {group} failed")
                with record_span(**span):
                    self._handle_record(record, deadline, ids)
            except Exception as error:  # any failure fails this record alone (and its group)
                reason = str(error) if isinstance(error, Failure) else type(error).__name__
                _log("warn", "message failed", reason=reason, consumer=self.name, **ids)
                failures.append({"itemIdentifier": record["messageId"]})
                if group is not None:
                    failed_groups.add(group)
        flush_spans()
        return {"batchItemFailures": failures}

    def _handle_record(self, record: dict, deadline: float, ids: dict) -> None:
        if _attribute(record, "malformed") == "true":
            raise Failure(f"malformed event: {_attribute(record, 'malformed_reason')}")
        try:
            raw = json.loads(self._body_of(record))
        except ValueError:
            raise Failure("the body is not JSON") from None
        if not isinstance(raw, dict):
            raise Failure("the body is not a JSON object")
        event = _typed(raw)
        ids.update(event_id=event.id, event_type=event.type)
        route = self._route(event.type)
        if route is None:
            _log("info", "no handler for this type: acknowledged", consumer=self.name, **ids)
            return
        if self.records is None:
            _call(route.handler, event, Freshness("unordered"))
            _log("info", "event handled", consumer=self.name, **ids)
        else:
            self._run_once(record, raw, event, route, deadline, ids)

    def _run_once(self, record: dict, raw: dict, event: MiddeskEvent, route: _Route, deadline: float,
                  ids: dict) -> None:
        records, now = self.records, time.time()
        key, lock_until = records.event_key(event.id), max(deadline, now)
        placed = ordered(raw, _sent_at_us(record))
        object_key = records.object_key(placed[0]) if placed else None
        state = (records.claim_in_order(key, object_key, placed[1], now, lock_until) if placed
                 else records.claim(key, now, lock_until))
        if isinstance(state, tuple):
            _log("info", "handled before: acknowledged, not run again", consumer=self.name, **ids)
            return
        acted = not isinstance(state, Older) or route.older
        if state == "in_progress":
            raise Failure("another invocation is handling it, or another event of its object")
        holds_object = state == "newest"
        try:
            if isinstance(state, Older):
                result = self._older(event, route, state, ids)
            else:
                freshness = Freshness("newest" if placed else "unordered")
                result = _call(route.handler, event, freshness)
        except Exception:
            records.release_in_order(key, object_key) if holds_object else records.release(key)
            raise
        now = time.time()
        if holds_object:
            records.complete_in_order(key, object_key, placed[1], event.id, now, result)
        elif isinstance(state, Older):
            records.complete(key, now, result, SUPERSEDED)
            self._count_superseded(event)
        else:
            records.complete(key, now, result)
        if acted:
            _log("info", "event handled", consumer=self.name, **ids)

    def _older(self, event: MiddeskEvent, route: _Route, older: Older, ids: dict):
        freshness = Freshness("older", older.newest_event_id)
        if route.older:
            return _call(route.handler, event, freshness)
        _log("info", "older than the newest applied: not passed to the handler",
             newest_event_id=older.newest_event_id, consumer=self.name, **ids)
        return {"superseded_by": older.newest_event_id}

    def _count_superseded(self, event: MiddeskEvent) -> None:
        if self.metrics_namespace:
            print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
                {"Namespace": self.metrics_namespace, "Dimensions": [[]],
                 "Metrics": [{"Name": "EventsSuperseded", "Unit": "Count"}]}]},
                "EventsSuperseded": 1, "event_type": event.type}), flush=True)

    def _body_of(self, record: dict) -> bytes:
        size = _attribute(record, "ExtendedPayloadSize") or _attribute(record, "SQSLargePayloadSize")
        if size is None:
            if _attribute(record, "body_encoding") == "base64":
                return base64.b64decode(record["body"])
            return record["body"].encode("utf-8")
        try:
            pointer_class, location = json.loads(record["body"])
            bucket, key = location["s3BucketName"], location["s3Key"]
        except (ValueError, KeyError, TypeError):
            raise Failure("claim check: not a pointer") from None
        if (pointer_class not in POINTER_CLASSES or not self.payload_bucket or bucket != self.payload_bucket
                or not key.startswith(self.payload_prefix)):
            raise Failure("claim check: points outside the payload bucket")
        s3 = self._s3 or boto3.client("s3")
        head = s3.head_object(Bucket=bucket, Key=key)
        if head["ContentLength"] != int(size):
            raise Failure("claim check: the object is not the size the pointer gives")
        # The object HEAD measured, and no other (412 otherwise); at most that many bytes.
        body = s3.get_object(Bucket=bucket, Key=key, IfMatch=head["ETag"], Range=f"bytes=0-{size}")["Body"].read()
        if len(body) != int(size):
            raise Failure("claim check: the object is not the size the pointer gives")
        if hashlib.sha256(body).hexdigest() != key.rsplit("/", 1)[-1]:
            raise Failure("claim check: the object is not the body its key names (SHA-256)")
        return body


def _typed(raw: dict) -> MiddeskEvent:
    """The event as the model of its type; a field that does not fit fails the record, its value
    never in the reason (the log must not carry the payload)."""
    if not isinstance(raw.get("id"), str) or not raw["id"] or not isinstance(raw.get("type") or raw.get("namespace"), str):
        raise Failure("not a Middesk event: no id or type")
    try:
        return parse_event(raw)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise Failure(f"schema: {where} does not fit ({first['type']})") from None


def _call(handler: Callable, event: MiddeskEvent, freshness: Freshness):
    """Calls a handler, a plain function or async, with the event (and its freshness, if it
    takes two arguments); an async one is awaited, so that its failure fails the record."""
    takes_freshness = len(inspect.signature(handler).parameters) >= 2
    result = handler(event, freshness) if takes_freshness else handler(event)
    if inspect.isawaitable(result):
        result = asyncio.run(_awaited(result))
    return result


async def _awaited(awaitable):
    return await awaitable


def _attribute(record: dict, name: str) -> str | None:
    value = record.get("messageAttributes", {}).get(name)
    return value.get("stringValue") if value else None


def _sent_at_us(record: dict) -> int | None:
    sent = record.get("attributes", {}).get("SentTimestamp", "")
    return int(sent) * 1000 if sent.isdigit() else None
