"""The verifier's job written the way the Middesk guide shows it, in Python 3.11 with hmac
and boto3: verify the raw body, parse, pick the queue, send to SQS. Used by scripts/bench.

Prints one JSON line: init seconds (imports and client creation, in-process), CPU seconds per
event for verify-parse-route over N events, and peak RSS."""
import time

_t0 = time.perf_counter()
import hashlib  # noqa: E402
import hmac  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import boto3  # noqa: E402

secret = os.environ["BENCH_SECRET"].encode()
sqs = boto3.client("sqs", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
routes = dict(r.split("=", 1) for r in os.environ["ROUTES"].split(","))
catch_all = os.environ["CATCH_ALL_QUEUE"]
init_seconds = time.perf_counter() - _t0
print("ready", flush=True)


def handle(body: bytes, signature: str):
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return 401, None
    event = json.loads(body)
    return 202, routes.get(event["type"], catch_all)


body = open(sys.argv[1], "rb").read()
signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
n = int(sys.argv[2])
c0 = time.process_time()
for _ in range(n):
    status, queue = handle(body, signature)
cpu_per_event = (time.process_time() - c0) / n
assert status == 202
# And the send, so that the peer really does the whole job.
for _ in range(5):
    sqs.send_message(QueueUrl=queue, MessageBody=body.decode())
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"init_s": init_seconds, "cpu_per_event_s": cpu_per_event, "peak_rss_bytes": rss}))
