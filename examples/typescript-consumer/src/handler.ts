/**
 * A TypeScript (Node.js) consumer of a Middesk webhooks queue: an AWS Lambda handler for SQS
 * batches. What the Rust crate's `consume::run` and the Python example do, on the AWS SDK for
 * JavaScript v3 and ajv:
 *
 * - follows a claim check (a body too large for SQS, kept in S3) into PAYLOAD_BUCKET under
 *   PAYLOAD_KEY_PREFIX only, reading an object only if its size is the pointer's, and checks
 *   that its SHA-256 is the key's last segment (the verifier names it so);
 * - validates the event against the JSON Schema of its type (shared/schemas/, strict mode), then
 *   reads it as the generated types (shared/types/typescript/): `DocumentedEvent` is a union
 *   told apart by `type`;
 * - runs the business logic at most once per Middesk event id, and tells it whether the event
 *   is older than the newest applied for its Middesk object, on the same DynamoDB records as
 *   the Rust guard (`consume::newest`) and the Python example: they can share a table;
 * - reports partial batch failures, so that only the failed messages come back;
 * - logs one JSON line per step with the event id and the correlation id, never the payload.
 *
 *   dist/handler.js `handler`   the Lambda handler (npm run build)
 *   SCHEMA_DIR                  where the schemas are (default: shared/schemas of this repository)
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";

import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type Put,
} from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";

import type { DocumentedEvent, Event } from "../../../shared/types/typescript/middesk-events";

const POINTER_CLASSES = [
  "software.amazon.payloadoffloading.PayloadS3Pointer",
  "com.amazon.sqs.javamessaging.MessageS3Pointer",
];
const SCHEMA_BASE = "https://github.com/middesk-webhooks/middesk-webhooks-aws/raw/main/shared/schemas/";
const CONSUMER = process.env.CONSUMER_NAME ?? "typescript-consumer";
const MIN_RECORD_TTL = 2_332_800; // the Rust consumers' least: every copy of an event outlived
const MAX_RECORD_TTL = 365 * 86_400;
const LOCAL_LOCK_SECONDS = 60; // only without a Lambda context (a local run): Lambda gives its deadline
const NEWEST_RECORD_TTL = 400 * 86_400; // as the Rust guard's: the archive's default retention
const CLAIM_CONDITION =
  "attribute_not_exists(#id) OR #expiration < :now_s OR (#status = :in_progress AND #in_progress_expiration < :now_ms)";

/** An SQS record as Lambda delivers it (what this handler reads of it). */
export interface SqsRecord {
  messageId: string;
  body: string;
  messageAttributes?: Record<string, { stringValue?: string } | undefined>;
  attributes?: Record<string, string | undefined>;
}

/** Why one message failed; it is reported failed and comes back. */
class Failure extends Error {}

function log(level: string, message: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ level, message, consumer: CONSUMER, ...fields }));
}

/** `IDEMPOTENCY_TTL_SECONDS`, within the bounds the Rust consumers accept; read at the cold start. */
function recordTtl(): number {
  const value = (process.env.IDEMPOTENCY_TTL_SECONDS ?? "").trim();
  if (!value) return MIN_RECORD_TTL;
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds < MIN_RECORD_TTL || seconds > MAX_RECORD_TTL) {
    throw new Error(`IDEMPOTENCY_TTL_SECONDS=${JSON.stringify(value)} is invalid: expected ${MIN_RECORD_TTL} to ${MAX_RECORD_TTL} seconds`);
  }
  return seconds;
}
const RECORD_TTL = recordTtl();

/** A validator per documented type, and one for an event of any type. */
function loadSchemas(): { anyEvent: ValidateFunction; ofType: Map<string, ValidateFunction> } {
  const directory = process.env.SCHEMA_DIR ?? path.resolve(__dirname, "../../../shared/schemas");
  const ajv = new Ajv2020({ strict: true, allErrors: false });
  const read = (file: string) => JSON.parse(readFileSync(path.join(directory, file), "utf8"));
  ajv.addSchema(read("event.json"));
  const ofType = new Map<string, ValidateFunction>();
  for (const file of readdirSync(path.join(directory, "events"))) {
    ofType.set(file.replace(/\.json$/, ""), ajv.compile(read(path.join("events", file))));
  }
  return { anyEvent: ajv.getSchema(`${SCHEMA_BASE}event.json`)!, ofType };
}
const SCHEMAS = loadSchemas();

const endpoint = process.env.AWS_ENDPOINT_URL;
const S3 = new S3Client({ forcePathStyle: Boolean(endpoint) });
export const DYNAMODB = new DynamoDBClient({});

function attribute(record: SqsRecord, name: string): string | undefined {
  return record.messageAttributes?.[name]?.stringValue;
}

/** The event's bytes: the message body, or the object a claim check points to. */
async function bodyOf(record: SqsRecord): Promise<Buffer> {
  const size = attribute(record, "ExtendedPayloadSize") ?? attribute(record, "SQSLargePayloadSize");
  if (size === undefined) {
    return attribute(record, "body_encoding") === "base64" ? Buffer.from(record.body, "base64") : Buffer.from(record.body, "utf8");
  }
  let pointerClass: unknown, bucket: unknown, key: unknown;
  try {
    const [cls, location] = JSON.parse(record.body);
    [pointerClass, bucket, key] = [cls, location?.s3BucketName, location?.s3Key];
  } catch {
    throw new Failure("claim check: not a pointer");
  }
  const payloadBucket = (process.env.PAYLOAD_BUCKET ?? "").trim();
  // Unset or blank is the default, as for the Rust reader: an empty prefix would admit any key.
  const prefix = (process.env.PAYLOAD_KEY_PREFIX ?? "").trim() || "payloads/";
  if (
    typeof pointerClass !== "string" || !POINTER_CLASSES.includes(pointerClass) || !payloadBucket ||
    bucket !== payloadBucket || typeof key !== "string" || !key.startsWith(prefix)
  ) {
    throw new Failure("claim check: points outside the payload bucket");
  }
  const expected = Number(size);
  const head = await S3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  if (head.ContentLength !== expected) throw new Failure("claim check: the object is not the size the pointer gives");
  // The object HEAD measured, and no other (412 otherwise); at most that many bytes.
  const object = await S3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: head.ETag, Range: `bytes=0-${expected}` }),
  );
  const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
  if (body.length !== expected) throw new Failure("claim check: the object is not the size the pointer gives");
  if (createHash("sha256").update(body).digest("hex") !== key.split("/").pop()) {
    throw new Failure("claim check: the object is not the body its key names (SHA-256)");
  }
  return body;
}

/** Validates `raw` against its type's schema: then it is a `DocumentedEvent`, or an `Event`. */
function validate(raw: unknown): DocumentedEvent | Event {
  const named = raw as { type?: unknown; namespace?: unknown };
  const type = typeof named.type === "string" ? named.type : typeof named.namespace === "string" ? named.namespace : "";
  const validator = SCHEMAS.ofType.get(type) ?? SCHEMAS.anyEvent;
  if (!validator(raw)) {
    // Where, never the value: a payload's contents must not reach the logs.
    const error = validator.errors?.[0];
    throw new Failure(`schema: ${error?.instancePath || "(top)"} does not fit (${error?.keyword})`);
  }
  return raw as DocumentedEvent | Event;
}

/**
 * The object the event carries the state of (its own, never its business's), and its place: as
 * the Rust crate's `Event::ordered`, no later than its arrival `sentAt` (microseconds).
 */
export function ordered(event: Event, sentAt?: bigint): { object: string; at: bigint; eventId: string } | undefined {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const object = (typeof data.object === "string" ? data : data.object) as Record<string, unknown> | undefined;
  if (!object || typeof object !== "object") return undefined;
  const text = (name: string) => (typeof object[name] === "string" && object[name] ? (object[name] as string) : undefined);
  const about = text("object") && text("id") ? `${text("object")}/${text("id")}` : undefined;
  const created = microseconds(event.created_at);
  if (!about || created === undefined) return undefined;
  const at = sentAt !== undefined && sentAt < created ? sentAt : created;
  return { object: about, at, eventId: event.id };
}

/** RFC 3339 to microseconds since the epoch, to the microsecond (Date keeps milliseconds only). */
function microseconds(text: string | null | undefined): bigint | undefined {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(text ?? "");
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = BigInt((match[2] ?? "").padEnd(6, "0").slice(0, 6));
  return BigInt(seconds) * 1000n + fraction;
}

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number | bigint): AttributeValue => ({ N: String(n) });

/** The put that claims an event's record, locked until `lockUntil` (the invocation's deadline). */
export function claimPut(table: string, key: string, now: number, lockUntil: number): Put {
  return {
    TableName: table,
    Item: {
      id: S(key),
      status: S("IN_PROGRESS"),
      expiration: N(Math.floor(now + RECORD_TTL)),
      in_progress_expiration: N(Math.floor(lockUntil * 1000)),
    },
    ConditionExpression: CLAIM_CONDITION,
    ExpressionAttributeNames: { "#id": "id", "#status": "status", "#expiration": "expiration", "#in_progress_expiration": "in_progress_expiration" },
    ExpressionAttributeValues: { ":now_s": N(Math.floor(now)), ":now_ms": N(Math.floor(now * 1000)), ":in_progress": S("IN_PROGRESS") },
  };
}

/** The put that completes an event's record: COMPLETED, or SUPERSEDED for an event older than its object's newest. */
function completedPut(table: string, key: string, now: number, result: unknown, status = "COMPLETED"): Put {
  return {
    TableName: table,
    Item: { id: S(key), status: S(status), expiration: N(Math.floor(now + RECORD_TTL)), data: S(JSON.stringify(result)) },
  };
}

/** Completes an event's record (COMPLETED) alone. */
export async function complete(table: string, key: string, now: number, result: unknown): Promise<void> {
  await DYNAMODB.send(new PutItemCommand(completedPut(table, key, now, result)));
}

/** One EventsSuperseded in METRICS_NAMESPACE (an Embedded Metric Format line), if it is set. */
function countSuperseded(event: Event): void {
  const namespace = process.env.METRICS_NAMESPACE?.trim();
  if (!namespace) return;
  console.log(JSON.stringify({
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[]], Metrics: [{ Name: "EventsSuperseded", Unit: "Count" }] }] },
    EventsSuperseded: 1,
    event_type: event.type ?? event.namespace,
  }));
}

type Claim = "acquired" | "completed" | "in_progress";
type OrderedClaim = "newest" | { older: string } | "completed" | "in_progress";

async function existing(table: string, key: string): Promise<"completed" | "in_progress"> {
  const item = (await DYNAMODB.send(new GetItemCommand({ TableName: table, Key: { id: S(key) }, ConsistentRead: true }))).Item;
  return item?.status?.S === "COMPLETED" || item?.status?.S === "SUPERSEDED" ? "completed" : "in_progress";
}

export async function claim(table: string, key: string, now: number, lockUntil: number): Promise<Claim> {
  try {
    await DYNAMODB.send(new PutItemCommand(claimPut(table, key, now, lockUntil)));
    return "acquired";
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  return existing(table, key);
}

/**
 * Claims the event and, if it is not older than the newest applied (a tie is not) and nobody
 * holds its object, the object too, in one transaction.
 */
async function claimInOrder(table: string, key: string, objectKey: string, at: bigint, now: number, lockUntil: number): Promise<OrderedClaim> {
  const hold = {
    TableName: table,
    Key: { id: S(objectKey) },
    UpdateExpression: "SET #holder = :key, #holder_until = :lock_ms, #expiration = :object_s",
    ConditionExpression:
      "(attribute_not_exists(#holder) OR #holder_until < :now_ms) AND (attribute_not_exists(#newest_at) OR #expiration < :now_s OR #newest_at <= :at)",
    ExpressionAttributeNames: { "#holder": "holder", "#holder_until": "holder_until", "#expiration": "expiration", "#newest_at": "newest_at" },
    ExpressionAttributeValues: {
      ":key": S(key), ":lock_ms": N(Math.floor(lockUntil * 1000)), ":object_s": N(Math.floor(now + NEWEST_RECORD_TTL)),
      ":now_ms": N(Math.floor(now * 1000)), ":now_s": N(Math.floor(now)), ":at": N(at),
    },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  };
  let reasons;
  try {
    await DYNAMODB.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: claimPut(table, key, now, lockUntil) }, { Update: hold }] }));
    return "newest";
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    reasons = error.CancellationReasons ?? [];
  }
  if (reasons[0]?.Code === "ConditionalCheckFailed") return existing(table, key);
  if (reasons[1]?.Code !== "ConditionalCheckFailed") return "in_progress"; // another transaction at the same moment
  const item = reasons[1]?.Item ?? {};
  const expired = Number(item.expiration?.N ?? "0") < now;
  const newest = !expired && item.newest_at?.N && item.newest_id?.S ? { at: BigInt(item.newest_at.N), id: item.newest_id.S } : undefined;
  const older = newest !== undefined && newest.at > at;
  if (!older) return "in_progress"; // refused only because another event holds the object
  const state = await claim(table, key, now, lockUntil);
  return state === "acquired" ? { older: newest.id } : state;
}

async function completeInOrder(table: string, key: string, objectKey: string, at: bigint, eventId: string, now: number, result: unknown): Promise<void> {
  const applied = {
    TableName: table,
    Key: { id: S(objectKey) },
    UpdateExpression: "SET #newest_at = :at, #newest_id = :event_id, #expiration = :object_s REMOVE #holder, #holder_until",
    ConditionExpression: "#holder = :key",
    ExpressionAttributeNames: { "#newest_at": "newest_at", "#newest_id": "newest_id", "#expiration": "expiration", "#holder": "holder", "#holder_until": "holder_until" },
    ExpressionAttributeValues: { ":at": N(at), ":event_id": S(eventId), ":object_s": N(Math.floor(now + NEWEST_RECORD_TTL)), ":key": S(key) },
  };
  try {
    await DYNAMODB.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: completedPut(table, key, now, result) }, { Update: applied }] }));
  } catch (error) {
    // Only a failed condition on the object's record means the hold ran out. A conflicting
    // transaction or throttling is an error, retried, so that the object's newest advances.
    const holdRanOut = error instanceof TransactionCanceledException && error.CancellationReasons?.[1]?.Code === "ConditionalCheckFailed";
    if (!holdRanOut) throw error;
    // Another event took the object: the event is done all the same.
    await DYNAMODB.send(new PutItemCommand(completedPut(table, key, now, result)));
  }
}

export async function release(table: string, key: string, objectKey?: string): Promise<void> {
  if (objectKey) {
    try {
      await DYNAMODB.send(new UpdateItemCommand({
        TableName: table, Key: { id: S(objectKey) }, UpdateExpression: "REMOVE #holder, #holder_until", ConditionExpression: "#holder = :key",
        ExpressionAttributeNames: { "#holder": "holder", "#holder_until": "holder_until" }, ExpressionAttributeValues: { ":key": S(key) },
      }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  // Only while it is in progress: a slow run whose lock ran out must not delete the record a
  // later run completed.
  try {
    await DYNAMODB.send(new DeleteItemCommand({
      TableName: table, Key: { id: S(key) }, ConditionExpression: "#status = :in_progress",
      ExpressionAttributeNames: { "#status": "status" }, ExpressionAttributeValues: { ":in_progress": S("IN_PROGRESS") },
    }));
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** When SQS received the message (`SentTimestamp`), in microseconds. */
function sentAt(record: SqsRecord): bigint | undefined {
  const sent = record.attributes?.SentTimestamp;
  return sent && /^\d+$/.test(sent) ? BigInt(sent) * 1000n : undefined;
}

/**
 * The business logic: here, log what the event is about, read through the generated types.
 * `newer` is the id of a newer event already applied for its object: this one's data is older.
 */
export function handleEvent(event: DocumentedEvent | Event, ids: Record<string, unknown>, newer?: string): unknown {
  if (newer !== undefined) {
    log("info", "older than the newest applied: not acted on", { newest_event_id: newer, ...ids });
    return { handled: false, superseded_by: newer };
  }
  const documented = event as DocumentedEvent;
  switch (documented.type) {
    case "business.updated":
    case "business.approved":
    case "business.rejected":
      // Narrowed by `type`: `data.object` is a Business, its status and review typed. What it
      // says is stored with the record, never logged.
      log("info", "event handled", { event_type: documented.type, ...ids });
      return { handled: true, status: documented.data?.object.status ?? null, tasks: documented.data?.object.review?.tasks?.length ?? 0 };
    default:
      log("info", "event handled", { event_type: event.type ?? event.namespace, ...ids });
      return { handled: true };
  }
}

async function handleRecord(record: SqsRecord, table: string | undefined, deadline: number): Promise<void> {
  const ids: Record<string, unknown> = {
    event_id: attribute(record, "event_id"), correlation_id: attribute(record, "correlation_id"), message_id: record.messageId,
  };
  if (attribute(record, "malformed") === "true") throw new Failure(`malformed event: ${attribute(record, "malformed_reason")}`);
  let raw: unknown;
  try {
    raw = JSON.parse((await bodyOf(record)).toString("utf8"));
  } catch (error) {
    if (error instanceof Failure) throw error;
    throw new Failure("the body is not JSON");
  }
  const event = validate(raw);
  ids.event_id = event.id;
  if (!table) {
    handleEvent(event, ids);
    return;
  }
  const key = `${CONSUMER}#${event.id}`;
  const place = ordered(event, sentAt(record));
  const objectKey = place ? `${CONSUMER}#newest#${place.object}` : undefined;
  const now = Date.now() / 1000;
  const lockUntil = Math.max(deadline, now);
  const state = place && objectKey ? await claimInOrder(table, key, objectKey, place.at, now, lockUntil) : await claim(table, key, now, lockUntil);
  if (state === "completed") {
    log("info", "handled before: acknowledged, not run again", ids);
    return;
  }
  if (state === "in_progress") throw new Failure("another invocation is handling it, or a newer event of its object");
  const holdsObject = state === "newest";
  let result: unknown;
  try {
    result = handleEvent(event, ids, typeof state === "object" ? state.older : undefined);
  } catch (error) {
    await release(table, key, holdsObject ? objectKey : undefined);
    throw error;
  }
  if (holdsObject && place && objectKey) await completeInOrder(table, key, objectKey, place.at, place.eventId, Date.now() / 1000, result);
  else if (typeof state === "object") {
    await DYNAMODB.send(new PutItemCommand(completedPut(table, key, Date.now() / 1000, result, "SUPERSEDED")));
    countSuperseded(event);
  } else await complete(table, key, Date.now() / 1000, result);
}

/** What the handler reads of Lambda's context: the time left. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** When the invocation ends (seconds since the epoch): Lambda's remaining time; without a context, LOCAL_LOCK_SECONDS. */
export function deadlineOf(context?: LambdaContext): number {
  const remaining = context ? context.getRemainingTimeInMillis() / 1000 : LOCAL_LOCK_SECONDS;
  return Date.now() / 1000 + remaining;
}

/**
 * The Lambda handler: every message on its own; the failed ones reported by id. A claim is
 * locked until the invocation's deadline; a local run without a context, LOCAL_LOCK_SECONDS.
 */
export async function handler(event: { Records?: SqsRecord[] }, context?: LambdaContext): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const table = process.env.IDEMPOTENCY_TABLE;
  const deadline = deadlineOf(context);
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records ?? []) {
    try {
      await handleRecord(record, table, deadline);
    } catch (error) {
      const reason = error instanceof Failure ? error.message : (error as Error)?.name ?? "Error";
      log("warn", "message failed", {
        reason, event_id: attribute(record, "event_id"), correlation_id: attribute(record, "correlation_id"), message_id: record.messageId,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

if (require.main === module) {
  // An SQS event on standard input, the handler's answer on standard output (last line).
  const chunks: Buffer[] = [];
  process.stdin.on("data", (c: Buffer) => chunks.push(c));
  process.stdin.on("end", () => {
    handler(JSON.parse(Buffer.concat(chunks).toString("utf8"))).then((answer) => console.log(JSON.stringify(answer)));
  });
}
