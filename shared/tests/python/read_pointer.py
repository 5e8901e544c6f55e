"""A Python consumer of a claim-checked message, as a team with Python services would read
our queues: with AWS's own Amazon SQS Extended Client for Python (`--extended-client`), or
with plain boto3 and the pointer format (any body, text or not).

Receives one message from QUEUE_URL without consuming it (visibility timeout 0) and prints
the body's length and SHA-256 as JSON. The endpoint and credentials come from the usual
AWS_* environment variables (AWS_ENDPOINT_URL for the emulator).
"""
import hashlib
import json
import sys

import boto3


def read_with_extended_client(queue_url):
    from sqs_extended_client import SQSExtendedClientSession

    sqs = SQSExtendedClientSession().client("sqs")
    sqs.s3_client = boto3.client("s3")
    sqs.large_payload_support = "unused-for-reading"
    message = sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=0, MessageAttributeNames=["All"])["Messages"][0]
    return message["Body"].encode("utf-8")


def read_with_boto3(queue_url):
    sqs, s3 = boto3.client("sqs"), boto3.client("s3")
    message = sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=0, MessageAttributeNames=["All"])["Messages"][0]
    size = int(message["MessageAttributes"]["ExtendedPayloadSize"]["StringValue"])
    pointer_class, location = json.loads(message["Body"])
    assert pointer_class == "software.amazon.payloadoffloading.PayloadS3Pointer", pointer_class
    body = s3.get_object(Bucket=location["s3BucketName"], Key=location["s3Key"])["Body"].read()
    assert len(body) == size, (len(body), size)
    return body


def main():
    mode, queue_url = sys.argv[1], sys.argv[2]
    body = read_with_extended_client(queue_url) if mode == "--extended-client" else read_with_boto3(queue_url)
    print(json.dumps({"len": len(body), "sha256": hashlib.sha256(body).hexdigest()}))


if __name__ == "__main__":
    main()
