// Helpers of the package's tests: the AWS emulator ./scripts/test starts (MOTO_ENDPOINT), a fresh
// table shaped as the template's, and the repository's samples and vectors.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { randomUUID } from "node:crypto";

import { CreateTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";

export const REPO = process.env.MIDDESK_WEBHOOKS_REPO ?? path.resolve(__dirname, "../../..");
const endpoint = process.env.MOTO_ENDPOINT ?? process.env.AWS_ENDPOINT_URL;
if (!endpoint) throw new Error("run under ./scripts/test, which starts the AWS emulator (MOTO_ENDPOINT)");
const aws = { endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
export const dynamodb = new DynamoDBClient(aws);
export const s3 = new S3Client({ ...aws, forcePathStyle: true });

export async function table(): Promise<string> {
  const name = `ts-package-${randomUUID()}`;
  await dynamodb.send(new CreateTableCommand({
    TableName: name, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  }));
  return name;
}

export async function item(tableName: string, id: string) {
  return (await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: id } }, ConsistentRead: true }))).Item;
}

export function sample(type: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(REPO, "shared/samples/events", `${type}.json`), "utf8"));
}

export function vectors(name = "ordering"): any[] {
  return JSON.parse(readFileSync(path.join(REPO, `shared/vectors/${name}.json`), "utf8")).cases;
}

/** An SQS record as Lambda delivers it. */
export function record(body: string, eventId: string, extra: { sentMs?: number; group?: string; attributes?: Record<string, any>; messageId?: string } = {}) {
  const attributes: Record<string, string> = { ApproximateReceiveCount: "1" };
  if (extra.sentMs !== undefined) attributes.SentTimestamp = String(extra.sentMs);
  if (extra.group !== undefined) attributes.MessageGroupId = extra.group;
  return {
    messageId: extra.messageId ?? `msg-${eventId}`, body, attributes,
    messageAttributes: { event_id: { stringValue: eventId, dataType: "String" }, ...(extra.attributes ?? {}) },
  };
}

/** Lines the code under test logs while `work` runs. */
export async function logged<T>(work: () => Promise<T>): Promise<{ out: T; lines: any[] }> {
  const lines: any[] = [];
  const original = console.log;
  console.log = (line: string) => lines.push(JSON.parse(line));
  try {
    return { out: await work(), lines };
  } finally {
    console.log = original;
  }
}
