// The package as a team uses it, on the emulator: a repeat, an older event, an async handler that
// rejects, a FIFO group after a failure, a new type, a claim-checked body.
import { strict as assert } from "node:assert";
import { createHash, randomUUID } from "node:crypto";
import { test } from "node:test";

import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Consumer } from "middesk-webhooks";

import { dynamodb, item, logged, record, s3, sample, table } from "./helpers";

function business(id: string, createdAt: string, status = "open", businessId = "biz-1"): string {
  const event = sample("business.updated");
  event.id = id;
  event.created_at = createdAt;
  Object.assign(event.data.object, { id: businessId, status });
  return JSON.stringify(event);
}

test("a repeat runs once, and an older event is counted, not passed", async () => {
  const name = await table();
  const consumer = new Consumer("package-tests", { env: { IDEMPOTENCY_TABLE: name, METRICS_NAMESPACE: "MiddeskWebhooks/test" }, dynamodb });
  const seen: string[] = [];
  consumer.on("business.updated", async (event) => {
    seen.push(event.id);
    return { status: event.data.object.status ?? null }; // typed: a Business, without a cast
  });
  const newer = record(business("evt-approved", "2026-12-05T10:05:00Z", "approved"), "evt-approved");
  const older = record(business("evt-in-review", "2026-12-05T10:00:00Z", "in_review"), "evt-in-review");
  const { lines } = await logged(async () => {
    for (const batch of [[newer], [newer], [older]]) assert.deepEqual(await consumer.handler({ Records: batch }), { batchItemFailures: [] });
  });
  assert.deepEqual(seen, ["evt-approved"]);
  assert.deepEqual(lines.filter((l) => "EventsSuperseded" in l).map((l) => l.EventsSuperseded), [1]);
  assert.equal((await item(name, "package-tests#evt-in-review"))?.status?.S, "SUPERSEDED");
});

test("an async handler that rejects fails its record, and is released for the retry", async () => {
  const name = await table();
  const consumer = new Consumer("package-tests", { env: { IDEMPOTENCY_TABLE: name }, dynamodb });
  const calls: string[] = [];
  consumer.on("business", async (event) => {
    calls.push(event.id);
    throw new Error("the CRM is down");
  });
  const batch = { Records: [record(business("evt-crm", "2026-12-05T10:00:00Z"), "evt-crm")] };
  await logged(async () => {
    assert.deepEqual(await consumer.handler(batch), { batchItemFailures: [{ itemIdentifier: "msg-evt-crm" }] });
    assert.deepEqual(await consumer.handler(batch), { batchItemFailures: [{ itemIdentifier: "msg-evt-crm" }] });
  });
  assert.deepEqual(calls, ["evt-crm", "evt-crm"]);
});

test("after a failure the rest of its FIFO group fails, and other groups go on", async () => {
  const name = await table();
  const consumer = new Consumer("package-tests", { env: { IDEMPOTENCY_TABLE: name }, dynamodb });
  const ran: string[] = [];
  consumer.on("business.updated", (event) => {
    ran.push(event.id);
    if (event.id === "evt-a1") throw new Error("no");
  });
  const records = [
    record(business("evt-a1", "2026-12-05T10:00:00Z", "open", "a"), "evt-a1", { group: "a" }),
    record(business("evt-b1", "2026-12-05T10:00:00Z", "open", "b"), "evt-b1", { group: "b" }),
    record(business("evt-a2", "2026-12-05T10:01:00Z", "open", "a"), "evt-a2", { group: "a" }),
  ];
  const { out } = await logged(() => consumer.handler({ Records: records }));
  assert.deepEqual(out, { batchItemFailures: [{ itemIdentifier: "msg-evt-a1" }, { itemIdentifier: "msg-evt-a2" }] });
  assert.deepEqual(ran, ["evt-a1", "evt-b1"]);
});

test("a type without a handler is acknowledged, and the log says so", async () => {
  const consumer = new Consumer("package-tests", { env: { IDEMPOTENCY_TABLE: await table() }, dynamodb });
  consumer.on("business.updated", () => undefined);
  const invented = { ...sample("business.updated"), id: "evt-new", type: "business.teleported" };
  const { out, lines } = await logged(() => consumer.handler({ Records: [record(JSON.stringify(invented), "evt-new")] }));
  assert.deepEqual(out, { batchItemFailures: [] });
  assert.ok(lines.some((l) => l.message === "no handler for this type: acknowledged"));
});

test("a claim-checked body is read from the payload bucket only", async () => {
  const bucket = `payloads-${randomUUID()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = Buffer.from(business("evt-large", "2026-12-05T10:00:00Z"));
  const key = `payloads/${createHash("sha256").update(body).digest("hex")}`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const pointer = JSON.stringify(["software.amazon.payloadoffloading.PayloadS3Pointer", { s3BucketName: bucket, s3Key: key }]);
  const size = { ExtendedPayloadSize: { stringValue: String(body.length), dataType: "Number" } };
  const batch = { Records: [record(pointer, "evt-large", { attributes: size })] };
  const name = await table();
  const seen: string[] = [];
  const consumer = new Consumer("package-tests", { env: { IDEMPOTENCY_TABLE: name, PAYLOAD_BUCKET: bucket }, dynamodb, s3 });
  consumer.on("business.updated", (event) => seen.push(event.id));
  assert.deepEqual(await consumer.handler(batch), { batchItemFailures: [] });
  assert.deepEqual(seen, ["evt-large"]);
  const elsewhere = new Consumer("package-tests", { env: { IDEMPOTENCY_TABLE: name, PAYLOAD_BUCKET: "someone-elses" }, dynamodb, s3 });
  elsewhere.on("business.updated", (event) => seen.push(event.id));
  const { out } = await logged(() => elsewhere.handler(batch));
  assert.deepEqual(out.batchItemFailures, [{ itemIdentifier: "msg-evt-large" }]);
});
