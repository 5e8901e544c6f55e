"""The verifier's job as a Python 3.11 Lambda function, written the way Middesk's guide shows
it (hmac, json) with boto3, run by scripts/bench under AWS's own runtime client:

    python -m awslambdaric lambda_peer.handler

Init does what the verifier's does: read the signing secret from Secrets Manager and open the
SQS connection. Each event: verify the raw body's signature, parse the envelope, pick the
queue, send the exact body with the same message attributes, answer 202.
"""
import base64
import hashlib
import hmac
import json
import os
from datetime import datetime, timezone

import boto3

_secrets = boto3.client("secretsmanager")
_sqs = boto3.client("sqs")
_secret = _secrets.get_secret_value(SecretId=os.environ["MIDDESK_SECRET_ID"])["SecretString"].encode()
_routes = dict(r.split("=", 1) for r in os.environ.get("ROUTES", "").split(",") if "=" in r)
_catch_all = os.environ["CATCH_ALL_QUEUE"]
# Opens the TLS connection, as the verifier's warm-up does.
_sqs.get_queue_attributes(QueueUrl=_catch_all, AttributeNames=["QueueArn"])


def _route(event_type):
    if event_type in _routes:
        return _routes[event_type]
    family = event_type.split(".", 1)[0] + ".*"
    return _routes.get(family, _catch_all)


def handler(event, context):
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    signature = headers.get("x-middesk-signature-256", "").removeprefix("sha256=")
    expected = hmac.new(_secret, raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        return {"statusCode": 401, "body": '{"error":"unauthorized"}'}
    envelope = json.loads(raw)
    event_type = envelope.get("type") or envelope.get("namespace")
    attributes = {
        "event_type": {"DataType": "String", "StringValue": event_type},
        "event_id": {"DataType": "String", "StringValue": envelope["id"]},
        "received_at": {"DataType": "String", "StringValue": datetime.now(timezone.utc).isoformat()},
        "auth_method": {"DataType": "String", "StringValue": "hmac"},
    }
    if "x-correlation-id" in headers:
        attributes["correlation_id"] = {"DataType": "String", "StringValue": headers["x-correlation-id"]}
    _sqs.send_message(QueueUrl=_route(event_type), MessageBody=raw.decode(), MessageAttributes=attributes)
    return {"statusCode": 202, "body": json.dumps({"event_id": envelope["id"], "status": "accepted"})}
