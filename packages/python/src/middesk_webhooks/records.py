"""The idempotency and newest-state records of docs/records.md, on DynamoDB.

One event record per consumer and event id, one object record per consumer and Middesk object,
in one table the Rust consumers share. Every write here is the spec's, attribute for attribute.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"
SUPERSEDED = "SUPERSEDED"
#: As the Rust guard's: the archive's default retention, so that a replay finds the record.
NEWEST_RECORD_TTL = 400 * 86_400
#: The least record lifetime: every copy of an event the verifier can accept is outlived.
MIN_RECORD_TTL = 2_332_800
MAX_RECORD_TTL = 365 * 86_400
CLAIM_CONDITION = ("attribute_not_exists(#id) OR #expiration < :now_s"
                   " OR (#status = :in_progress AND #in_progress_expiration < :now_ms)")


def record_ttl(value: str | None) -> int:
    """`IDEMPOTENCY_TTL_SECONDS`, within the bounds the Rust consumers accept (unset: the least)."""
    value = (value or "").strip()
    if not value:
        return MIN_RECORD_TTL
    if not value.isdigit() or not MIN_RECORD_TTL <= int(value) <= MAX_RECORD_TTL:
        raise ValueError(f"IDEMPOTENCY_TTL_SECONDS={value!r} is invalid: expected {MIN_RECORD_TTL} to {MAX_RECORD_TTL} seconds")
    return int(value)


@dataclass(frozen=True)
class Older:
    """A claim of an event older than its object's newest: the newest event's id."""

    newest_event_id: str


class Records:
    """The records of consumer `consumer` in `table`, through a boto3 DynamoDB `client`."""

    def __init__(self, client, table: str, consumer: str, ttl: int):
        self.client, self.table, self.consumer, self.ttl = client, table, consumer, ttl

    def event_key(self, event_id: str) -> str:
        return f"{self.consumer}#{event_id}"

    def object_key(self, obj: str) -> str:
        return f"{self.consumer}#newest#{obj}"

    def _claim_put(self, key: str, now: float, lock_until: float) -> dict:
        return {
            "TableName": self.table,
            "Item": {"id": {"S": key}, "status": {"S": IN_PROGRESS},
                     "expiration": {"N": str(int(now + self.ttl))},
                     "in_progress_expiration": {"N": str(int(lock_until * 1000))}},
            "ConditionExpression": CLAIM_CONDITION,
            "ExpressionAttributeNames": {"#id": "id", "#status": "status", "#expiration": "expiration",
                                         "#in_progress_expiration": "in_progress_expiration"},
            "ExpressionAttributeValues": {":now_s": {"N": str(int(now))}, ":now_ms": {"N": str(int(now * 1000))},
                                          ":in_progress": {"S": IN_PROGRESS}},
        }

    def _completed_put(self, key: str, now: float, result, status: str) -> dict:
        return {"TableName": self.table,
                "Item": {"id": {"S": key}, "status": {"S": status}, "expiration": {"N": str(int(now + self.ttl))},
                         "data": {"S": json.dumps(result)}}}

    def _existing(self, key: str):
        """What a refused claim found: ('completed', result) or 'in_progress'."""
        item = self.client.get_item(TableName=self.table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item", {})
        if item.get("status", {}).get("S") in (COMPLETED, SUPERSEDED) and "data" in item:
            return "completed", json.loads(item["data"]["S"])
        return "in_progress"

    def claim(self, key: str, now: float, lock_until: float):
        """'acquired', ('completed', result) or 'in_progress'."""
        try:
            self.client.put_item(**self._claim_put(key, now, lock_until))
            return "acquired"
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        return self._existing(key)

    def claim_in_order(self, key: str, object_key: str, at: int, now: float, lock_until: float):
        """'newest', Older(newest id), ('completed', result) or 'in_progress' (docs/records.md)."""
        hold = {
            "TableName": self.table,
            "Key": {"id": {"S": object_key}},
            "UpdateExpression": "SET #holder = :key, #holder_until = :lock_ms, #expiration = :object_s",
            "ConditionExpression": "(attribute_not_exists(#holder) OR #holder_until < :now_ms) AND"
            " (attribute_not_exists(#newest_at) OR #expiration < :now_s OR #newest_at <= :at)",
            "ExpressionAttributeNames": {"#holder": "holder", "#holder_until": "holder_until",
                                         "#expiration": "expiration", "#newest_at": "newest_at"},
            "ExpressionAttributeValues": {":key": {"S": key}, ":lock_ms": {"N": str(int(lock_until * 1000))},
                                          ":object_s": {"N": str(int(now + NEWEST_RECORD_TTL))},
                                          ":now_ms": {"N": str(int(now * 1000))}, ":now_s": {"N": str(int(now))},
                                          ":at": {"N": str(at)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        try:
            self.client.transact_write_items(
                TransactItems=[{"Put": self._claim_put(key, now, lock_until)}, {"Update": hold}])
            return "newest"
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
        code = lambda i: reasons[i].get("Code") if i < len(reasons) else None  # noqa: E731
        if code(0) == "ConditionalCheckFailed":
            return self._existing(key)
        if code(1) != "ConditionalCheckFailed":
            return "in_progress"  # a conflicting transaction: SQS delivers it again
        item = reasons[1].get("Item", {})
        expired = int(item.get("expiration", {}).get("N", "0")) < now
        if expired or "newest_at" not in item or int(item["newest_at"]["N"]) <= at:
            return "in_progress"  # not older: another event holds the object
        state = self.claim(key, now, lock_until)
        return Older(item["newest_id"]["S"]) if state == "acquired" else state

    def complete(self, key: str, now: float, result, status: str = COMPLETED) -> None:
        self.client.put_item(**self._completed_put(key, now, result, status))

    def complete_in_order(self, key: str, object_key: str, at: int, event_id: str, now: float, result) -> None:
        """Completes the event and records it as its object's newest, in one transaction; alone
        only when the object's condition failed (the hold ran out). Anything else raises."""
        applied = {
            "TableName": self.table,
            "Key": {"id": {"S": object_key}},
            "UpdateExpression": "SET #newest_at = :at, #newest_id = :event_id, #expiration = :object_s"
            " REMOVE #holder, #holder_until",
            "ConditionExpression": "#holder = :key",
            "ExpressionAttributeNames": {"#newest_at": "newest_at", "#newest_id": "newest_id",
                                         "#expiration": "expiration", "#holder": "holder",
                                         "#holder_until": "holder_until"},
            "ExpressionAttributeValues": {":at": {"N": str(at)}, ":event_id": {"S": event_id},
                                          ":object_s": {"N": str(int(now + NEWEST_RECORD_TTL))}, ":key": {"S": key}},
        }
        try:
            self.client.transact_write_items(
                TransactItems=[{"Put": self._completed_put(key, now, result, COMPLETED)}, {"Update": applied}])
        except ClientError as error:
            reasons = error.response.get("CancellationReasons", [])
            lost_hold = len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed"
            if error.response["Error"]["Code"] != "TransactionCanceledException" or not lost_hold:
                raise
            self.complete(key, now, result)

    def release(self, key: str) -> None:
        """Deletes the event's claim, only while it is in progress."""
        try:
            self.client.delete_item(TableName=self.table, Key={"id": {"S": key}},
                                    ConditionExpression="#status = :in_progress",
                                    ExpressionAttributeNames={"#status": "status"},
                                    ExpressionAttributeValues={":in_progress": {"S": IN_PROGRESS}})
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def release_in_order(self, key: str, object_key: str) -> None:
        try:
            self.client.update_item(TableName=self.table, Key={"id": {"S": object_key}},
                                    UpdateExpression="REMOVE #holder, #holder_until",
                                    ConditionExpression="#holder = :key",
                                    ExpressionAttributeNames={"#holder": "holder", "#holder_until": "holder_until"},
                                    ExpressionAttributeValues={":key": {"S": key}})
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        self.release(key)
