"""The package as a team uses it, on the emulator: a repeat, an older event, an async handler
that throws, a FIFO group after a failure, a new type, a claim-checked body."""
import hashlib
import json
import uuid

from conftest import record, sample

from middesk_webhooks import Consumer


def business(event_id, created_at, status="open", business_id="biz-1"):
    event = sample("business.updated")
    event["id"], event["created_at"] = event_id, created_at
    event["data"]["object"].update(id=business_id, status=status)
    return json.dumps(event)


def consumer_on(table, dynamodb, **env):
    return Consumer("package-tests", env={"IDEMPOTENCY_TABLE": table, **env}, dynamodb=dynamodb)


def test_a_repeat_runs_once_and_an_older_event_is_counted_not_passed(dynamodb, table, capsys):
    consumer = consumer_on(table, dynamodb, METRICS_NAMESPACE="MiddeskWebhooks/test")
    seen = []

    @consumer.on("business.updated")
    async def handle(event):
        seen.append(event.id)
        return {"status": event.data.object.status}

    newer = record(business("evt-approved", "2026-12-05T10:05:00Z", "approved"), "evt-approved")
    older = record(business("evt-in-review", "2026-12-05T10:00:00Z", "in_review"), "evt-in-review")
    for batch in ([newer], [newer], [older]):
        assert consumer.lambda_handler({"Records": batch}) == {"batchItemFailures": []}
    assert seen == ["evt-approved"], "a repeat or an older event reached the handler"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [l["EventsSuperseded"] for l in lines if "EventsSuperseded" in l] == [1]
    status = dynamodb.get_item(TableName=table, Key={"id": {"S": "package-tests#evt-in-review"}})["Item"]["status"]
    assert status["S"] == "SUPERSEDED"


def test_an_async_handler_that_throws_fails_its_record_and_releases_it(dynamodb, table):
    consumer = consumer_on(table, dynamodb)
    calls = []

    @consumer.on("business")
    async def handle(event):
        calls.append(event.id)
        raise RuntimeError("the CRM is down")

    batch = {"Records": [record(business("evt-crm", "2026-12-05T10:00:00Z"), "evt-crm")]}
    assert consumer.lambda_handler(batch) == {"batchItemFailures": [{"itemIdentifier": "msg-evt-crm"}]}
    # Released: the retry runs it again.
    assert consumer.lambda_handler(batch) == {"batchItemFailures": [{"itemIdentifier": "msg-evt-crm"}]}
    assert calls == ["evt-crm", "evt-crm"]


def test_after_a_failure_the_rest_of_its_fifo_group_fails_and_other_groups_go_on(dynamodb, table):
    consumer = consumer_on(table, dynamodb)
    ran = []

    def handle(event):
        ran.append(event.id)
        if event.id == "evt-a1":
            raise ValueError("no")

    consumer.on("business.updated", handle)
    records = [
        record(business("evt-a1", "2026-12-05T10:00:00Z", business_id="a"), "evt-a1", group="a"),
        record(business("evt-b1", "2026-12-05T10:00:00Z", business_id="b"), "evt-b1", group="b"),
        record(business("evt-a2", "2026-12-05T10:01:00Z", business_id="a"), "evt-a2", group="a"),
    ]
    answer = consumer.lambda_handler({"Records": records})
    assert answer == {"batchItemFailures": [{"itemIdentifier": "msg-evt-a1"}, {"itemIdentifier": "msg-evt-a2"}]}
    assert ran == ["evt-a1", "evt-b1"]


def test_a_type_without_a_handler_is_acknowledged_and_said_so(dynamodb, table, capsys):
    consumer = consumer_on(table, dynamodb)
    consumer.on("business.updated", lambda event: None)
    invented = sample("business.updated")
    invented.update(id="evt-new", type="business.teleported")
    assert consumer.lambda_handler({"Records": [record(json.dumps(invented), "evt-new")]}) == {"batchItemFailures": []}
    assert "no handler for this type" in capsys.readouterr().out


def test_a_claim_checked_body_is_read_from_the_payload_bucket_only(dynamodb, table, s3):
    bucket = f"payloads-{uuid.uuid4().hex}"
    s3.create_bucket(Bucket=bucket)
    body = business("evt-large", "2026-12-05T10:00:00Z").encode()
    key = f"payloads/{hashlib.sha256(body).hexdigest()}"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    pointer = json.dumps(["software.amazon.payloadoffloading.PayloadS3Pointer",
                          {"s3BucketName": bucket, "s3Key": key}])
    size = {"ExtendedPayloadSize": {"stringValue": str(len(body)), "dataType": "Number"}}
    seen = []
    consumer = consumer_on(table, dynamodb, PAYLOAD_BUCKET=bucket)
    consumer._s3 = s3
    consumer.on("business.updated", lambda event: seen.append(event.id))
    batch = {"Records": [record(pointer, "evt-large", attributes=size)]}
    assert consumer.lambda_handler(batch) == {"batchItemFailures": []}
    assert seen == ["evt-large"]
    # Pinned: the same pointer without the bucket configured, or into another bucket, fails.
    elsewhere = consumer_on(table, dynamodb, PAYLOAD_BUCKET="someone-elses")
    elsewhere.on("business.updated", lambda event: seen.append(event.id))
    assert elsewhere.lambda_handler(batch)["batchItemFailures"] == [{"itemIdentifier": "msg-evt-large"}]
