"""Checks of handler.py's records against docs/records.md that a batch cannot show: the lock
lasts until the invocation's deadline, and a release never deletes a completed record.
Run against the AWS emulator (AWS_ENDPOINT_URL); it exits non-zero when a check fails."""
import time
import uuid

import handler


class Context:
    """What the handler reads of Lambda's context: the time left."""

    def __init__(self, remaining_ms):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


def main():
    # The lock is the invocation's deadline, whatever it is: 5 s left, or 14 minutes.
    for remaining_ms in (5_000, 840_000):
        before = time.time()
        deadline = handler.deadline_of(Context(remaining_ms))
        assert before + remaining_ms / 1000 <= deadline <= time.time() + remaining_ms / 1000, deadline
        lock = int(handler.claim_put("t", "k", before, deadline)["Item"]["in_progress_expiration"]["N"])
        assert lock == int(deadline * 1000), (lock, deadline)

    table = f"check-records-{uuid.uuid4().hex}"
    handler.DYNAMODB.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                  KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    item = lambda key: handler.DYNAMODB.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")
    # A slow first run fails after its lock ran out and a second run completed the event: the
    # first run's release leaves the completed record alone.
    now = time.time()
    handler.complete(table, "c#evt_done", now, {"handled": True})
    handler.release(table, "c#evt_done")
    assert item("c#evt_done")["status"]["S"] == "COMPLETED", item("c#evt_done")
    # Its own claim, still in progress, is released.
    assert handler.claim(table, "c#evt_mine", now, now + 60) == "acquired"
    handler.release(table, "c#evt_mine")
    assert item("c#evt_mine") is None
    print("ok")


main()
