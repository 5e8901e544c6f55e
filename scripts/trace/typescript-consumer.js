// The trace test's TypeScript consumer (scripts/trace-test): the installed package, and the
// OpenTelemetry SDK exporting to the test's receiver when OTEL_EXPORTER_OTLP_ENDPOINT is set,
// as a function with the SDK would. An SQS event on standard input, the answer on standard output.
const api = require("@opentelemetry/api");
const { NodeTracerProvider, BatchSpanProcessor } = require("@opentelemetry/sdk-trace-node");
const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-proto");
const { resourceFromAttributes } = require("@opentelemetry/resources");
const { Consumer } = require("middesk-webhooks");

const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (endpoint) {
  new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": "typescript-consumer" }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
  }).register();
}

const consumer = new Consumer("typescript-consumer");
consumer.on("business.updated", async (event) => {
  // The handler's own span: it must nest under the package's record span.
  await api.trace.getTracer("handler").startActiveSpan("handler", async (span) => {
    span.setAttribute("business.status", String(event.data.object.status));
    span.end();
  });
  return { business_id: event.data.object.id };
});

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => console.log(JSON.stringify(await consumer.handler(JSON.parse(input)))));
