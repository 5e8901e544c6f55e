# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel


class Attributes(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    AWSTraceHeader: str | None = Field(
        None, description="The verifier's X-Ray trace header, when it was traced."
    )
    ApproximateReceiveCount: str | None = None
    MessageGroupId: str | None = Field(
        None, description='FIFO queues: the correlation id, else the event id.'
    )
    SentTimestamp: str | None = Field(
        None,
        description='When SQS took the message, in milliseconds since the epoch: no event is placed later (docs/records.md).',
    )


class ExtendedPayloadSize(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['Number']
    stringValue: str


class AccountId(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['String']
    stringValue: str


class AuthMethod(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['String']
    stringValue: str


class BodyEncoding(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['String']
    stringValue: str


class CorrelationId(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['String']
    stringValue: str


class EventId(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['String']
    stringValue: str


class EventType(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['String']
    stringValue: str


class Malformed(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['String']
    stringValue: str


class MalformedReason(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['String']
    stringValue: str


class ReceivedAt(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    dataType: Literal['String']
    stringValue: str


class MessageAttributes(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    ExtendedPayloadSize_1: ExtendedPayloadSize | None = Field(
        None,
        alias='ExtendedPayloadSize',
        description="On a claim-check pointer: the size of the body in S3. The body is then a pointer (ClaimCheckPointer): read the object, check its size and that its SHA-256 is the key's last segment.",
    )
    account_id: AccountId | None = Field(
        None,
        description='The Middesk account the event is for, when the envelope names one.',
    )
    auth_method: AuthMethod | None = Field(
        None,
        description='How the request was authenticated: `hmac`, `mtls`, `oidc`, or e.g. `hmac+mtls`.',
    )
    body_encoding: BodyEncoding | None = Field(
        None,
        description='`base64` when the body could not travel as SQS text and was encoded.',
    )
    correlation_id: CorrelationId | None = Field(
        None,
        description="The `X-Correlation-Id` header: the id of the event's main object.",
    )
    event_id: EventId | None = Field(
        None,
        description="Middesk's event id, the same across Middesk's retries: the idempotency key.",
    )
    event_type: EventType | None = Field(
        None,
        description='The event type (`business.updated`); absent only when it cannot be read.',
    )
    malformed: Malformed | None = Field(
        None,
        description='`true` when a verified body was not a well-formed event: fail it unless you handle it.',
    )
    malformed_reason: MalformedReason | None = Field(
        None, description='With `malformed`: why.'
    )
    received_at: ReceivedAt | None = Field(
        None,
        description='When the verifier received the request (RFC 3339, UTC, milliseconds).',
    )


class SqsRecord(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    attributes: Attributes | None = None
    body: str = Field(
        ...,
        description='The verified request body byte for byte (an Event), or, with the ExtendedPayloadSize attribute, a ClaimCheckPointer as JSON text.',
    )
    messageAttributes: MessageAttributes
    messageId: str = Field(
        ..., description='Report it in batchItemFailures to have this message retried.'
    )


class PayloadPointer(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    s3BucketName: str = Field(..., description='The S3 bucket.')
    s3Key: str = Field(..., description='The object key.')


class ClaimCheckPointer(
    RootModel[
        tuple[
            Literal['software.amazon.payloadoffloading.PayloadS3Pointer'],
            PayloadPointer,
        ]
    ]
):
    root: tuple[
        Literal['software.amazon.payloadoffloading.PayloadS3Pointer'], PayloadPointer
    ]
