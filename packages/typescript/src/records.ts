/**
 * The idempotency and newest-state records of docs/records.md, on DynamoDB: one event record per
 * consumer and event id, one object record per consumer and Middesk object, in the table the
 * Rust consumers share. Every write is the spec's, attribute for attribute.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type Put,
} from "@aws-sdk/client-dynamodb";

export const NEWEST_RECORD_TTL = 400 * 86_400;
export const MIN_RECORD_TTL = 2_332_800;
export const MAX_RECORD_TTL = 365 * 86_400;
const CLAIM_CONDITION =
  "attribute_not_exists(#id) OR #expiration < :now_s OR (#status = :in_progress AND #in_progress_expiration < :now_ms)";

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number | bigint): AttributeValue => ({ N: String(n) });

/** `IDEMPOTENCY_TTL_SECONDS`, within the bounds the Rust consumers accept (unset: the least). */
export function recordTtl(value: string | undefined): number {
  const text = (value ?? "").trim();
  if (!text) return MIN_RECORD_TTL;
  const seconds = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= MIN_RECORD_TTL && seconds <= MAX_RECORD_TTL)) {
    throw new Error(`IDEMPOTENCY_TTL_SECONDS=${JSON.stringify(text)} is invalid: expected ${MIN_RECORD_TTL} to ${MAX_RECORD_TTL} seconds`);
  }
  return seconds;
}

export type Claim = "acquired" | "in_progress" | { completed: unknown };
export type OrderedClaim = "newest" | "in_progress" | { completed: unknown } | { older: string };

/** The records of one consumer in one table. */
export class Records {
  constructor(readonly client: DynamoDBClient, readonly table: string, readonly consumer: string, readonly ttl: number) {}

  eventKey(eventId: string): string {
    return `${this.consumer}#${eventId}`;
  }

  objectKey(object: string): string {
    return `${this.consumer}#newest#${object}`;
  }

  private claimPut(key: string, now: number, lockUntil: number): Put {
    return {
      TableName: this.table,
      Item: { id: S(key), status: S("IN_PROGRESS"), expiration: N(Math.floor(now + this.ttl)), in_progress_expiration: N(Math.floor(lockUntil * 1000)) },
      ConditionExpression: CLAIM_CONDITION,
      ExpressionAttributeNames: { "#id": "id", "#status": "status", "#expiration": "expiration", "#in_progress_expiration": "in_progress_expiration" },
      ExpressionAttributeValues: { ":now_s": N(Math.floor(now)), ":now_ms": N(Math.floor(now * 1000)), ":in_progress": S("IN_PROGRESS") },
    };
  }

  private completedPut(key: string, now: number, result: unknown, status: string): Put {
    return {
      TableName: this.table,
      Item: { id: S(key), status: S(status), expiration: N(Math.floor(now + this.ttl)), data: S(JSON.stringify(result ?? null)) },
    };
  }

  private async existing(key: string): Promise<Claim> {
    const item = (await this.client.send(new GetItemCommand({ TableName: this.table, Key: { id: S(key) }, ConsistentRead: true }))).Item;
    const status = item?.status?.S;
    if ((status === "COMPLETED" || status === "SUPERSEDED") && item?.data?.S !== undefined) return { completed: JSON.parse(item.data.S) };
    return "in_progress";
  }

  async claim(key: string, now: number, lockUntil: number): Promise<Claim> {
    try {
      await this.client.send(new PutItemCommand(this.claimPut(key, now, lockUntil)));
      return "acquired";
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return this.existing(key);
  }

  async claimInOrder(key: string, objectKey: string, at: bigint, now: number, lockUntil: number): Promise<OrderedClaim> {
    const hold = {
      TableName: this.table,
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
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: this.claimPut(key, now, lockUntil) }, { Update: hold }] }));
      return "newest";
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      reasons = error.CancellationReasons ?? [];
    }
    if (reasons[0]?.Code === "ConditionalCheckFailed") {
      const found = await this.existing(key);
      return found === "acquired" ? "in_progress" : found;
    }
    if (reasons[1]?.Code !== "ConditionalCheckFailed") return "in_progress"; // a conflicting transaction
    const item = reasons[1]?.Item ?? {};
    const expired = Number(item.expiration?.N ?? "0") < now;
    const newest = !expired && item.newest_at?.N && item.newest_id?.S ? { at: BigInt(item.newest_at.N), id: item.newest_id.S } : undefined;
    if (!newest || newest.at <= at) return "in_progress"; // not older: another event holds the object
    const state = await this.claim(key, now, lockUntil);
    return state === "acquired" ? { older: newest.id } : state;
  }

  async complete(key: string, now: number, result: unknown, status = "COMPLETED"): Promise<void> {
    await this.client.send(new PutItemCommand(this.completedPut(key, now, result, status)));
  }

  /** The event completed and recorded as its object's newest; alone only when the hold ran out. */
  async completeInOrder(key: string, objectKey: string, at: bigint, eventId: string, now: number, result: unknown): Promise<void> {
    const applied = {
      TableName: this.table,
      Key: { id: S(objectKey) },
      UpdateExpression: "SET #newest_at = :at, #newest_id = :event_id, #expiration = :object_s REMOVE #holder, #holder_until",
      ConditionExpression: "#holder = :key",
      ExpressionAttributeNames: { "#newest_at": "newest_at", "#newest_id": "newest_id", "#expiration": "expiration", "#holder": "holder", "#holder_until": "holder_until" },
      ExpressionAttributeValues: { ":at": N(at), ":event_id": S(eventId), ":object_s": N(Math.floor(now + NEWEST_RECORD_TTL)), ":key": S(key) },
    };
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: this.completedPut(key, now, result, "COMPLETED") }, { Update: applied }] }));
    } catch (error) {
      const lostHold = error instanceof TransactionCanceledException && error.CancellationReasons?.[1]?.Code === "ConditionalCheckFailed";
      if (!lostHold) throw error;
      await this.complete(key, now, result);
    }
  }

  /** Deletes the event's claim, only while it is in progress. */
  async release(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteItemCommand({
        TableName: this.table, Key: { id: S(key) }, ConditionExpression: "#status = :in_progress",
        ExpressionAttributeNames: { "#status": "status" }, ExpressionAttributeValues: { ":in_progress": S("IN_PROGRESS") },
      }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async releaseInOrder(key: string, objectKey: string): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.table, Key: { id: S(objectKey) }, UpdateExpression: "REMOVE #holder, #holder_until", ConditionExpression: "#holder = :key",
        ExpressionAttributeNames: { "#holder": "holder", "#holder_until": "holder_until" }, ExpressionAttributeValues: { ":key": S(key) },
      }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    await this.release(key);
  }
}
