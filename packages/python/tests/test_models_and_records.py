"""What a handler is handed (the model of its type, nothing dropped), what fails a record before
any handler, and the records' checks a batch cannot show (docs/records.md)."""
import json
import time

import pytest
from conftest import record, sample

from middesk_webhooks import (AgentJurisdictionRegistrationCreatedEvent, BusinessUpdatedEvent, Consumer,
                              MiddeskEvent, MonitorUpdatedEvent)
from middesk_webhooks.records import Records


class Context:
    """What the handler reads of Lambda's context: the time left."""

    def __init__(self, remaining_ms):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


def one(consumer, body, event_id):
    return consumer.lambda_handler({"Records": [record(json.dumps(body), event_id)]})


def test_a_handler_gets_the_model_of_its_type_with_every_field_kept(dynamodb, table):
    consumer = Consumer("models", env={"IDEMPOTENCY_TABLE": table}, dynamodb=dynamodb)
    seen = {}
    consumer.on("business.updated", lambda event: seen.update(business=event))
    consumer.on("monitor.updated", lambda event: seen.update(monitor=event))
    consumer.on("agent_jurisdiction_registration", lambda event: seen.update(registration=event))
    consumer.on("business.teleported", lambda event: seen.update(new=event))
    business = sample("business.updated")
    business["data"]["object"]["sparkle"] = {"new": "field"}
    invented = {**sample("business.updated"), "id": "evt-new", "type": "business.teleported"}
    for body in (business, sample("monitor.updated"), sample("agent_jurisdiction_registration.created"), invented):
        assert one(consumer, body, body["id"]) == {"batchItemFailures": []}
    assert isinstance(seen["business"], BusinessUpdatedEvent) and seen["business"].type == "business.updated"
    assert seen["business"].data.object.model_extra["sparkle"] == {"new": "field"}
    assert isinstance(seen["monitor"], MonitorUpdatedEvent)
    assert seen["monitor"].data.previous_attributes.event_types[1].status == "pending"
    # Named in `namespace`: its `type` is set all the same.
    assert isinstance(seen["registration"], AgentJurisdictionRegistrationCreatedEvent)
    assert seen["registration"].type == "agent_jurisdiction_registration.created"
    # A type without a model: the envelope, and its data whole.
    assert type(seen["new"]) is MiddeskEvent and seen["new"].type == "business.teleported"
    assert seen["new"].model_dump(mode="json")["data"] == invented["data"]


def test_a_field_of_the_wrong_type_fails_its_record_before_the_handler_and_the_log_has_no_value(
        dynamodb, table, capsys):
    consumer = Consumer("models", env={"IDEMPOTENCY_TABLE": table}, dynamodb=dynamodb)
    ran = []
    consumer.on("business.updated", lambda event: ran.append(event.id))
    drifted = sample("business.updated")
    drifted["id"], drifted["data"]["object"]["name"] = "evt-drift", 12345
    assert one(consumer, drifted, "evt-drift") == {"batchItemFailures": [{"itemIdentifier": "msg-evt-drift"}]}
    assert ran == []
    out = capsys.readouterr().out
    failed = [json.loads(line) for line in out.splitlines() if "message failed" in line]
    assert failed[0]["reason"] == "schema: data.object.name does not fit (string_type)", failed
    assert "12345" not in out


def test_the_lock_lasts_until_the_deadline_and_a_release_never_deletes_a_completed_record(dynamodb, table):
    records = Records(dynamodb, table, "c", 2_332_800)
    item = lambda key: dynamodb.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")  # noqa: E731
    # Through the handler: the claim's lock is the invocation's deadline, 5 s left or 14 minutes.
    for remaining_ms in (5_000, 840_000):
        consumer = Consumer("c", env={"IDEMPOTENCY_TABLE": table}, dynamodb=dynamodb)
        locks = []
        consumer.on("business.updated", lambda event: locks.append(
            int(item(f"c#{event.id}")["in_progress_expiration"]["N"])))
        body = {**sample("business.updated"), "id": f"evt-lock-{remaining_ms}"}
        before = time.time()
        consumer.lambda_handler({"Records": [record(json.dumps(body), body["id"])]}, Context(remaining_ms))
        assert int((before + remaining_ms / 1000) * 1000) <= locks[0] <= int((time.time() + remaining_ms / 1000) * 1000)
    # A slow first run fails after its lock ran out and a second run completed the event: the
    # first run's release leaves the completed record alone.
    now = time.time()
    records.complete("c#evt_done", now, {"handled": True})
    records.release("c#evt_done")
    assert item("c#evt_done")["status"]["S"] == "COMPLETED"
    # Its own claim, still in progress, is released.
    assert records.claim("c#evt_mine", now, now + 60) == "acquired"
    records.release("c#evt_mine")
    assert item("c#evt_mine") is None


@pytest.mark.parametrize("ttl,ok", [("3600", False), ("abc", False), ("31536001", False), ("2332800", True), ("", True)])
def test_a_record_lifetime_the_rust_consumers_refuse_is_refused(ttl, ok):
    env = {"IDEMPOTENCY_TABLE": "t", "IDEMPOTENCY_TTL_SECONDS": ttl}
    if ok:
        Consumer("c", env=env, dynamodb=object())
    else:
        with pytest.raises(ValueError, match="IDEMPOTENCY_TTL_SECONDS="):
            Consumer("c", env=env, dynamodb=object())


def test_the_sender_of_each_trace_context_vector_is_the_one_it_names():
    """shared/vectors/trace-context.json, which the Rust crate and the TypeScript package read too."""
    from conftest import vectors

    from middesk_webhooks.tracing import SenderContext, sender_context

    cases = vectors("trace-context")
    assert len(cases) >= 10
    for case in cases:
        want = case["sender"] and SenderContext(case["sender"]["trace_id"], case["sender"]["span_id"],
                                                case["sender"]["sampled"])
        assert sender_context(case["traceparent"], case["aws_trace_header"]) == want, case["name"]
