/**
 * OpenTelemetry, when the function has `@opentelemetry/api` (an optional peer dependency) and a
 * tracer provider registered: one `process` span per record, a child of the span that sent it
 * (the verifier's `send`) and linked to it, so the trace runs from Middesk's request into the
 * handler. Without the API, records are handled exactly the same, with no span.
 */

/** A sender's span context, as the message carries it. */
export interface SenderContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** What the package uses of `@opentelemetry/api` (1.x). */
interface Span {
  setAttribute(key: string, value: string): void;
  setStatus(status: { code: number; message?: string }): void;
  end(): void;
}
interface OtelApi {
  ROOT_CONTEXT: unknown;
  SpanKind: { CONSUMER: number };
  SpanStatusCode: { ERROR: number };
  context: { active(): unknown };
  trace: {
    getTracer(name: string): {
      startActiveSpan<T>(name: string, options: object, context: unknown, fn: (span: Span) => T): T;
    };
    setSpanContext(context: unknown, spanContext: SenderContext & { isRemote: boolean }): unknown;
    getTracerProvider(): { getDelegate?(): unknown; forceFlush?(): Promise<void> };
  };
}

let loaded: OtelApi | null | undefined;

/** The API, loaded once; `null` when the function does not have it. */
function otel(): OtelApi | null {
  if (loaded === undefined) {
    try {
      loaded = require("@opentelemetry/api") as OtelApi;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
const TRACE_ID = HEX(32), SPAN_ID = HEX(16);
const ZEROS = /^0+$/;

/**
 * The sender's context: the W3C `traceparent` message attribute (version 00), else X-Ray's
 * `AWSTraceHeader` (`Root=1-{8}-{24};Parent={16};Sampled=1`). `undefined` when neither names one.
 */
export function senderContext(traceparent?: string, awsTraceHeader?: string): SenderContext | undefined {
  const w3c = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent ?? "");
  if (w3c && !ZEROS.test(w3c[1]!) && !ZEROS.test(w3c[2]!)) {
    return { traceId: w3c[1]!, spanId: w3c[2]!, traceFlags: parseInt(w3c[3]!, 16) & 1 };
  }
  const fields = new Map((awsTraceHeader ?? "").split(";").map((f) => f.trim().split("=", 2) as [string, string]));
  const root = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(fields.get("Root") ?? "");
  const parent = fields.get("Parent") ?? "";
  if (!root || !SPAN_ID.test(parent) || ZEROS.test(parent)) return undefined;
  const traceId = root[1]! + root[2]!;
  return TRACE_ID.test(traceId) ? { traceId, spanId: parent, traceFlags: fields.get("Sampled") === "1" ? 1 : 0 } : undefined;
}

/** What the record's span says of it. */
export interface RecordFacts {
  queue: string;
  messageId: string;
  eventId?: string;
  eventType?: string;
  traceparent?: string;
  awsTraceHeader?: string;
}

/**
 * Runs `handle` inside the record's `process` span (the messaging conventions', kind CONSUMER).
 * A rejection marks the span failed and is passed on.
 */
export async function inRecordSpan<T>(facts: RecordFacts, handle: () => Promise<T>): Promise<T> {
  const api = otel();
  if (!api) return handle();
  const sender = senderContext(facts.traceparent, facts.awsTraceHeader);
  const remote = sender && { ...sender, isRemote: true };
  const parent = remote ? api.trace.setSpanContext(api.ROOT_CONTEXT, remote) : api.context.active();
  const attributes: Record<string, string> = {
    "messaging.system": "aws_sqs",
    "messaging.operation.name": "process",
    "messaging.operation.type": "process",
    "messaging.destination.name": facts.queue,
    "messaging.message.id": facts.messageId,
  };
  if (facts.eventId) attributes["middesk.event.id"] = facts.eventId;
  if (facts.eventType) attributes["middesk.event.type"] = facts.eventType;
  const options = { kind: api.SpanKind.CONSUMER, attributes, links: remote ? [{ context: remote }] : [] };
  return api.trace.getTracer("middesk-webhooks").startActiveSpan(`process ${facts.queue}`, options, parent, async (span) => {
    try {
      return await handle();
    } catch (error) {
      span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.setAttribute("error.type", (error as Error)?.name ?? "Error");
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Exports the finished spans before the invocation answers: Lambda may freeze the sandbox then. */
export async function flushSpans(): Promise<void> {
  const provider = otel()?.trace.getTracerProvider();
  const delegate = (provider?.getDelegate?.() ?? provider) as { forceFlush?(): Promise<void> } | undefined;
  try {
    await delegate?.forceFlush?.();
  } catch (error) {
    // A lost span must not fail records that were handled.
    console.log(JSON.stringify({ level: "warn", message: "trace export failed", reason: (error as Error)?.name }));
  }
}
