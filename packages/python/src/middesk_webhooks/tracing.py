"""OpenTelemetry, when the function has `opentelemetry-api` (the `otel` extra) and a tracer
provider set: one `process` span per record, a child of the span that sent it (the verifier's
`send`) and linked to it, so the trace runs from Middesk's request into the handler. Without
the API, records are handled exactly the same, with no span.
"""
from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass

try:
    from opentelemetry import trace as _trace
except ImportError:  # the API is optional
    _trace = None

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_XRAY_ROOT = re.compile(r"^1-([0-9a-f]{8})-([0-9a-f]{24})$")
_SPAN_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class SenderContext:
    """A sender's span context, as the message carries it (hex ids)."""

    trace_id: str
    span_id: str
    sampled: bool


def _nonzero(hex_id: str) -> bool:
    return hex_id.strip("0") != ""


def sender_context(traceparent: str | None, aws_trace_header: str | None) -> SenderContext | None:
    """The sender's context: the W3C `traceparent` message attribute (version 00), else X-Ray's
    `AWSTraceHeader` (`Root=1-{8}-{24};Parent={16};Sampled=1`). None when neither names one."""
    w3c = _TRACEPARENT.match(traceparent or "")
    if w3c and _nonzero(w3c[1]) and _nonzero(w3c[2]):
        return SenderContext(w3c[1], w3c[2], int(w3c[3], 16) & 1 == 1)
    fields = dict(f.strip().split("=", 1) for f in (aws_trace_header or "").split(";") if "=" in f)
    root = _XRAY_ROOT.match(fields.get("Root", ""))
    parent = fields.get("Parent", "")
    if not root or not _SPAN_ID.match(parent) or not _nonzero(parent):
        return None
    return SenderContext(root[1] + root[2], parent, fields.get("Sampled") == "1")


@contextlib.contextmanager
def record_span(*, queue: str, message_id: str, event_id: str | None, event_type: str | None,
                traceparent: str | None, aws_trace_header: str | None):
    """The record's `process` span (the messaging conventions', kind CONSUMER), current inside
    the block. An exception marks it failed and is passed on."""
    if _trace is None:
        yield None
        return
    sender = sender_context(traceparent, aws_trace_header)
    parent, links = None, []
    if sender:
        remote = _trace.SpanContext(
            trace_id=int(sender.trace_id, 16), span_id=int(sender.span_id, 16), is_remote=True,
            trace_flags=_trace.TraceFlags(_trace.TraceFlags.SAMPLED if sender.sampled else 0))
        parent, links = _trace.set_span_in_context(_trace.NonRecordingSpan(remote)), [_trace.Link(remote)]
    attributes = {"messaging.system": "aws_sqs", "messaging.operation.name": "process",
                  "messaging.operation.type": "process", "messaging.destination.name": queue,
                  "messaging.message.id": message_id}
    if event_id:
        attributes["middesk.event.id"] = event_id
    if event_type:
        attributes["middesk.event.type"] = event_type
    tracer = _trace.get_tracer("middesk-webhooks")
    with tracer.start_as_current_span(f"process {queue}", context=parent, kind=_trace.SpanKind.CONSUMER,
                                      links=links, attributes=attributes, record_exception=False,
                                      set_status_on_exception=False) as span:
        try:
            yield span
        except Exception as error:
            span.set_status(_trace.Status(_trace.StatusCode.ERROR))
            span.set_attribute("error.type", type(error).__name__)
            raise


def flush_spans() -> None:
    """Exports the finished spans before the invocation answers: Lambda may freeze the sandbox."""
    flush = getattr(_trace.get_tracer_provider(), "force_flush", None) if _trace else None
    if flush is None:
        return
    try:
        flush()
    except Exception as error:  # a lost span must not fail records that were handled
        print(json.dumps({"level": "warn", "message": "trace export failed", "reason": type(error).__name__}),
              flush=True)
