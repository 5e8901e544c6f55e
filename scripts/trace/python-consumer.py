"""The trace test's Python consumer (scripts/trace-test): the installed package, and the
OpenTelemetry SDK exporting to the test's receiver when OTEL_EXPORTER_OTLP_ENDPOINT is set, as
a function with the SDK would. An SQS event on standard input, the answer on standard output."""
import json
import os
import sys

from opentelemetry import trace

from middesk_webhooks import BusinessUpdatedEvent, Consumer

if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "python-consumer"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)

consumer = Consumer("python-consumer")


@consumer.on("business.updated")
async def business_updated(event: BusinessUpdatedEvent):
    # The handler's own span: it must nest under the package's record span.
    with trace.get_tracer("handler").start_as_current_span("handler") as span:
        span.set_attribute("business.status", str(event.data.object.status))
    return {"business_id": event.data.object.id}


print(json.dumps(consumer.lambda_handler(json.load(sys.stdin))))
