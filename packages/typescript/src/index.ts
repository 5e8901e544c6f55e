/**
 * A consumer of a middesk-webhooks-aws queue: register handlers with `.on()`, hand Lambda
 * `consumer.handler`.
 *
 * Per record: the body (a claim check followed into the stack's payload bucket only, its size and
 * SHA-256 checked), the event validated against its type's schema (shared/schemas/), then its handler at most once per event id, in the order of its
 * Middesk object (docs/records.md). Handlers are awaited: one that rejects fails its record. The
 * answer reports exactly the failed records; on a FIFO queue the rest of a failed record's message
 * group fails with it.
 */
import { createHash } from "node:crypto";
import path from "node:path";

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";

import type { ClaimCheckPointer, DocumentedEvent, MiddeskEvent } from "./middesk-events";
import { Records, recordTtl } from "./records";
import { flushSpans, inRecordSpan } from "./tracing";

export type * from "./middesk-events";
/** The records of docs/records.md, for a consumer that writes its own loop. */
export { MAX_RECORD_TTL, MIN_RECORD_TTL, Records, recordTtl } from "./records";
/** The sender's trace context of a record, for a consumer that writes its own loop. */
export { senderContext, type SenderContext } from "./tracing";

const POINTER_CLASSES = ["software.amazon.payloadoffloading.PayloadS3Pointer", "com.amazon.sqs.javamessaging.MessageS3Pointer"];
/** Only without a Lambda context (a local run): Lambda gives the invocation's deadline. */
const LOCAL_LOCK_SECONDS = 60;

/** Why one record failed: it is reported failed, and SQS delivers it again. */
export class Failure extends Error {}

/** Where an event stands among the events applied for its object. */
export type Freshness = { kind: "newest" } | { kind: "unordered" } | { kind: "older"; newestEventId: string };

/**
 * An SQS record as Lambda delivers it: what the consumer reads of it (`SqsMessage` is the whole
 * record of a stack's queue, its attributes named).
 */
export interface SqsMessage {
  messageId: string;
  body: string;
  /** The queue's ARN: its last part names the queue. */
  eventSourceARN?: string;
  attributes?: Record<string, string | undefined>;
  messageAttributes?: Record<string, { stringValue?: string } | undefined>;
}

/** What the handler reads of Lambda's context. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/**
 * What a handler of `T` gets: the event of type `T` (`BusinessUpdatedEvent`); for a family
 * (`business`), its documented events or one of a type Middesk adds later; else any event.
 */
export type EventOf<T extends string> = [Extract<DocumentedEvent, { type: T }>] extends [never]
  ? [Extract<DocumentedEvent, { type: `${T}.${string}` }>] extends [never]
    ? MiddeskEvent
    : Extract<DocumentedEvent, { type: `${T}.${string}` }> | MiddeskEvent
  : Extract<DocumentedEvent, { type: T }>;

/**
 * The validators of the schemas shipped in the package (`dist/schemas`), compiled at build time
 * into `dist/validators.js`: compiling at run time would cost each cold start about 190 ms of CPU.
 * Loaded on the first event, so a function that never validates never pays for it.
 */
let validators: Record<string, Validator> | undefined;

/** What an ajv standalone module exports for each schema: a validator that says why it refused. */
interface Validator {
  (data: unknown): boolean;
  errors?: { instancePath: string; keyword: string }[] | null;
}

/**
 * `raw` validated against its type's schema (the envelope's for a type Middesk adds later), its
 * `type` set from `namespace` where Middesk names it there.
 */
function validate(raw: Record<string, unknown>, type: string): MiddeskEvent {
  validators ??= require(path.join(__dirname, "validators.js")) as Record<string, Validator>;
  const validator = (Object.hasOwn(validators, type) && type !== "event" ? validators[type] : undefined) ?? validators.event!;
  if (!validator(raw)) {
    // Where, never the value: a payload's contents must not reach the logs.
    const error = validator.errors?.[0];
    throw new Failure(`schema: ${error?.instancePath.slice(1).replaceAll("/", ".") || "(top)"} does not fit (${error?.keyword})`);
  }
  return (raw.type === type ? raw : { ...raw, type }) as unknown as MiddeskEvent;
}

/** A handler: a plain or an async function, told the event's freshness. */
export type Handler<E> = (event: E, freshness: Freshness) => unknown | Promise<unknown>;

interface Route {
  handler: Handler<MiddeskEvent>;
  older: boolean;
}

function log(level: string, message: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ level, message, ...fields }));
}

/** RFC 3339 to microseconds since the epoch, to the microsecond. */
function microseconds(text: string | null | undefined): bigint | undefined {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(text ?? "");
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1000n + BigInt((match[2] ?? "").padEnd(6, "0").slice(0, 6));
}

/** The object the event is ordered on, and its place, no later than its arrival (docs/records.md). */
export function ordered(event: MiddeskEvent, sentAt?: bigint): { object: string; at: bigint } | undefined {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const object = (typeof data.object === "string" ? data : data.object) as Record<string, unknown> | undefined;
  if (!object || typeof object !== "object") return undefined;
  const kind = object.object, id = object.id;
  const created = microseconds(event.created_at);
  if (typeof kind !== "string" || !kind || typeof id !== "string" || !id || created === undefined) return undefined;
  return { object: `${kind}/${id}`, at: sentAt !== undefined && sentAt < created ? sentAt : created };
}

function attribute(record: SqsMessage, name: string): string | undefined {
  return record.messageAttributes?.[name]?.stringValue;
}

/** The consumer environment it reads, once: the stack's names. */
export interface ConsumerOptions {
  env?: Record<string, string | undefined>;
  dynamodb?: DynamoDBClient;
  s3?: S3Client;
}

/**
 * The consumer `name`: its records are keyed by it. Reads IDEMPOTENCY_TABLE,
 * IDEMPOTENCY_TTL_SECONDS, PAYLOAD_BUCKET, PAYLOAD_KEY_PREFIX and METRICS_NAMESPACE once.
 */
export class Consumer {
  private readonly routes = new Map<string, Route>();
  private readonly records?: Records;
  private readonly payloadBucket: string;
  private readonly payloadPrefix: string;
  private readonly metricsNamespace: string;
  private readonly s3: S3Client;

  constructor(readonly name: string, options: ConsumerOptions = {}) {
    const env = options.env ?? process.env;
    this.payloadBucket = (env.PAYLOAD_BUCKET ?? "").trim();
    this.payloadPrefix = (env.PAYLOAD_KEY_PREFIX ?? "").trim() || "payloads/";
    this.metricsNamespace = (env.METRICS_NAMESPACE ?? "").trim();
    const table = (env.IDEMPOTENCY_TABLE ?? "").trim();
    if (table) this.records = new Records(options.dynamodb ?? new DynamoDBClient({}), table, name, recordTtl(env.IDEMPOTENCY_TTL_SECONDS));
    this.s3 = options.s3 ?? new S3Client({});
  }

  /**
   * Registers `handler` for an event type (`business.updated`, typed as its event) or a family
   * (`business`). With `{ older: true }` it also gets events older than their object's newest;
   * by default those are counted and not passed.
   */
  on<T extends string>(typeOrFamily: T, handler: Handler<EventOf<T>>, options: { older?: boolean } = {}): this {
    this.routes.set(typeOrFamily, { handler: handler as Handler<MiddeskEvent>, older: options.older ?? false });
    return this;
  }

  /** The Lambda handler: `{ batchItemFailures }` for exactly the failed records. */
  readonly handler = async (event: { Records?: SqsMessage[] }, context?: LambdaContext): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> => {
    const remaining = context ? context.getRemainingTimeInMillis() / 1000 : LOCAL_LOCK_SECONDS;
    const deadline = Date.now() / 1000 + remaining;
    const batchItemFailures: { itemIdentifier: string }[] = [];
    const failedGroups = new Set<string>();
    for (const record of event.Records ?? []) {
      const group = record.attributes?.MessageGroupId;
      const ids: Record<string, unknown> = {
        message_id: record.messageId, event_id: attribute(record, "event_id"), correlation_id: attribute(record, "correlation_id"),
      };
      const span = {
        queue: record.eventSourceARN?.split(":").pop() ?? "", messageId: record.messageId,
        eventId: attribute(record, "event_id"), eventType: attribute(record, "event_type"),
        traceparent: attribute(record, "traceparent"), awsTraceHeader: record.attributes?.AWSTraceHeader,
      };
      try {
        if (group !== undefined && failedGroups.has(group)) throw new Failure(`an earlier message of group ${group} failed`);
        await inRecordSpan(span, () => this.handleRecord(record, deadline, ids));
      } catch (error) {
        const reason = error instanceof Failure ? error.message : (error as Error)?.name ?? "Error";
        log("warn", "message failed", { reason, consumer: this.name, ...ids });
        batchItemFailures.push({ itemIdentifier: record.messageId });
        if (group !== undefined) failedGroups.add(group);
      }
    }
    await flushSpans();
    return { batchItemFailures };
  };

  private route(type: string): Route | undefined {
    return this.routes.get(type) ?? this.routes.get(type.split(".")[0] ?? type);
  }

  private async handleRecord(record: SqsMessage, deadline: number, ids: Record<string, unknown>): Promise<void> {
    if (attribute(record, "malformed") === "true") throw new Failure(`malformed event: ${attribute(record, "malformed_reason")}`);
    let raw: unknown;
    try {
      raw = JSON.parse((await this.bodyOf(record)).toString("utf8"));
    } catch (error) {
      if (error instanceof Failure) throw error;
      throw new Failure("the body is not JSON");
    }
    const body = raw as Record<string, unknown> | null;
    const type = typeof body?.type === "string" ? body.type : body?.namespace;
    if (typeof body !== "object" || body === null || Array.isArray(body) || typeof body.id !== "string" || !body.id || typeof type !== "string") {
      throw new Failure("not a Middesk event: no id or type");
    }
    Object.assign(ids, { event_id: body.id, event_type: type });
    const route = this.route(type);
    if (!route) {
      log("info", "no handler for this type: acknowledged", { consumer: this.name, ...ids });
      return;
    }
    const event = validate(body, type);
    if (this.records) await this.runOnce(record, event, type, route, deadline, ids);
    else {
      await route.handler(event, { kind: "unordered" });
      log("info", "event handled", { consumer: this.name, ...ids });
    }
  }

  private async runOnce(record: SqsMessage, event: MiddeskEvent, type: string, route: Route, deadline: number, ids: Record<string, unknown>): Promise<void> {
    const records = this.records as Records;
    const now = Date.now() / 1000;
    const key = records.eventKey(event.id);
    const lockUntil = Math.max(deadline, now);
    const sent = record.attributes?.SentTimestamp;
    const place = ordered(event, sent && /^\d+$/.test(sent) ? BigInt(sent) * 1000n : undefined);
    const objectKey = place ? records.objectKey(place.object) : undefined;
    const state = place && objectKey ? await records.claimInOrder(key, objectKey, place.at, now, lockUntil) : await records.claim(key, now, lockUntil);
    if (typeof state === "object" && "completed" in state) {
      log("info", "handled before: acknowledged, not run again", { consumer: this.name, ...ids });
      return;
    }
    if (state === "in_progress") throw new Failure("another invocation is handling it, or another event of its object");
    const holdsObject = state === "newest";
    const older = typeof state === "object" && "older" in state ? state.older : undefined;
    let result: unknown;
    try {
      if (older === undefined) result = await route.handler(event, { kind: place ? "newest" : "unordered" });
      else if (route.older) result = await route.handler(event, { kind: "older", newestEventId: older });
      else {
        log("info", "older than the newest applied: not passed to the handler", { newest_event_id: older, consumer: this.name, ...ids });
        result = { superseded_by: older };
      }
    } catch (error) {
      if (holdsObject && objectKey) await records.releaseInOrder(key, objectKey);
      else await records.release(key);
      throw error;
    }
    const done = Date.now() / 1000;
    if (holdsObject && place && objectKey) await records.completeInOrder(key, objectKey, place.at, event.id, done, result);
    else if (older !== undefined) {
      await records.complete(key, done, result, "SUPERSEDED");
      this.countSuperseded(type);
    } else await records.complete(key, done, result);
    if (older === undefined || route.older) log("info", "event handled", { consumer: this.name, ...ids });
  }

  private countSuperseded(type: string): void {
    if (!this.metricsNamespace) return;
    console.log(JSON.stringify({
      _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: this.metricsNamespace, Dimensions: [[]], Metrics: [{ Name: "EventsSuperseded", Unit: "Count" }] }] },
      EventsSuperseded: 1,
      event_type: type,
    }));
  }

  private async bodyOf(record: SqsMessage): Promise<Buffer> {
    const size = attribute(record, "ExtendedPayloadSize") ?? attribute(record, "SQSLargePayloadSize");
    if (size === undefined) {
      return attribute(record, "body_encoding") === "base64" ? Buffer.from(record.body, "base64") : Buffer.from(record.body, "utf8");
    }
    let pointer: ClaimCheckPointer;
    try {
      pointer = JSON.parse(record.body) as ClaimCheckPointer;
    } catch {
      throw new Failure("claim check: not a pointer");
    }
    const [pointerClass, location] = pointer;
    const bucket = location?.s3BucketName, key = location?.s3Key;
    if (!POINTER_CLASSES.includes(pointerClass) || !this.payloadBucket || bucket !== this.payloadBucket || typeof key !== "string" || !key.startsWith(this.payloadPrefix)) {
      throw new Failure("claim check: points outside the payload bucket");
    }
    const head = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    if (head.ContentLength !== Number(size)) throw new Failure("claim check: the object is not the size the pointer gives");
    // The object HEAD measured, and no other (412 otherwise); at most that many bytes.
    const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: head.ETag, Range: `bytes=0-${size}` }));
    const body = Buffer.from(await object.Body!.transformToByteArray());
    if (body.length !== Number(size)) throw new Failure("claim check: the object is not the size the pointer gives");
    if (createHash("sha256").update(body).digest("hex") !== key.split("/").pop()) {
      throw new Failure("claim check: the object is not the body its key names (SHA-256)");
    }
    return body;
  }
}
