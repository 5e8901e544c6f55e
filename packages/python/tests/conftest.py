"""Fixtures: the AWS emulator that ./scripts/test starts (MOTO_ENDPOINT), and the repository's
vectors and samples."""
import json
import os
import uuid
from pathlib import Path

import boto3
import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def endpoint():
    url = os.environ.get("MOTO_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL")
    if not url:
        pytest.fail("run under ./scripts/test, which starts the AWS emulator (MOTO_ENDPOINT)")
    os.environ.update(AWS_ENDPOINT_URL=url, AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1",
                      AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    return url


@pytest.fixture
def dynamodb(endpoint):
    return boto3.client("dynamodb", endpoint_url=endpoint)


@pytest.fixture
def s3(endpoint):
    return boto3.client("s3", endpoint_url=endpoint)


@pytest.fixture
def table(dynamodb):
    """A fresh table shaped as the template's IdempotencyTable."""
    name = f"py-package-{uuid.uuid4().hex}"
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    return name


def sample(event_type):
    return json.loads((REPO / "shared/samples/events" / f"{event_type}.json").read_text())


def vectors(name="ordering"):
    return json.loads((REPO / f"shared/vectors/{name}.json").read_text())["cases"]


def record(body, event_id, message_id=None, sent_ms=None, group=None, attributes=None):
    """An SQS record as Lambda delivers it."""
    system = {"ApproximateReceiveCount": "1"}
    if sent_ms is not None:
        system["SentTimestamp"] = str(sent_ms)
    if group is not None:
        system["MessageGroupId"] = group
    message = {"event_id": {"stringValue": event_id, "dataType": "String"}, **(attributes or {})}
    return {"messageId": message_id or f"msg-{event_id}", "receiptHandle": "h", "body": body,
            "attributes": system, "messageAttributes": message, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}
