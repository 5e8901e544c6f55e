// What a handler is handed (its event, validated, nothing dropped), what fails a record before any
// handler, and the records' checks a batch cannot show (docs/records.md).
import { strict as assert } from "node:assert";
import { test } from "node:test";

import { Consumer, type MiddeskEvent, Records } from "middesk-webhooks";

import { dynamodb, item, logged, record, sample, table } from "./helpers";

function one(consumer: Consumer, body: Record<string, any>, context?: { getRemainingTimeInMillis(): number }) {
  return consumer.handler({ Records: [record(JSON.stringify(body), body.id)] }, context);
}

test("a handler gets its event with every field kept, its type set from namespace", async () => {
  const consumer = new Consumer("models", { env: { IDEMPOTENCY_TABLE: await table() }, dynamodb });
  const seen: Record<string, MiddeskEvent> = {};
  consumer.on("business.updated", (event) => { seen.business = event; });
  consumer.on("agent_jurisdiction_registration", (event) => { seen.registration = event; });
  consumer.on("business.teleported", (event) => { seen.invented = event; });
  const business = sample("business.updated");
  business.data.object.sparkle = { new: "field" };
  const registration = sample("agent_jurisdiction_registration.created");
  assert.equal(registration.type, undefined, "the sample names its type in namespace");
  const invented = { ...sample("business.updated"), id: "evt-new", type: "business.teleported" };
  await logged(async () => {
    for (const body of [business, registration, invented]) assert.deepEqual(await one(consumer, body), { batchItemFailures: [] });
  });
  assert.deepEqual((seen.business?.data as any).object.sparkle, { new: "field" });
  assert.equal(seen.registration?.type, "agent_jurisdiction_registration.created");
  assert.deepEqual(seen.invented?.data, (invented as Record<string, unknown>).data);
});

test("a field of the wrong type fails its record before the handler, and the log has no value", async () => {
  const consumer = new Consumer("models", { env: { IDEMPOTENCY_TABLE: await table() }, dynamodb });
  const ran: string[] = [];
  consumer.on("business.updated", (event) => { ran.push(event.id); });
  const drifted = sample("business.updated");
  drifted.id = "evt-drift";
  drifted.data.object.name = 12345;
  const { out, lines } = await logged(() => one(consumer, drifted));
  assert.deepEqual(out, { batchItemFailures: [{ itemIdentifier: "msg-evt-drift" }] });
  assert.deepEqual(ran, []);
  assert.equal(lines.find((l) => l.message === "message failed")?.reason, "schema: data.object.name does not fit (type)");
  assert.ok(!JSON.stringify(lines).includes("12345"));
});

test("the lock lasts until the deadline, and a release never deletes a completed record", async () => {
  const name = await table();
  // Through the handler: the claim's lock is the invocation's deadline, 5 s left or 14 minutes.
  for (const remainingMs of [5_000, 840_000]) {
    const consumer = new Consumer("c", { env: { IDEMPOTENCY_TABLE: name }, dynamodb });
    const locks: number[] = [];
    consumer.on("business.updated", async (event) => {
      locks.push(Number((await item(name, `c#${event.id}`))?.in_progress_expiration?.N));
    });
    const before = Date.now();
    await logged(() => one(consumer, { ...sample("business.updated"), id: `evt-lock-${remainingMs}` }, { getRemainingTimeInMillis: () => remainingMs }));
    assert.ok(locks[0]! >= Math.floor(before + remainingMs) && locks[0]! <= Date.now() + remainingMs, String(locks));
  }
  // A slow first run fails after its lock ran out and a second run completed the event: the
  // first run's release leaves the completed record alone.
  const records = new Records(dynamodb, name, "c", 2_332_800);
  const now = Date.now() / 1000;
  await records.complete("c#evt_done", now, { handled: true });
  await records.release("c#evt_done");
  assert.equal((await item(name, "c#evt_done"))?.status?.S, "COMPLETED");
  // Its own claim, still in progress, is released.
  assert.equal(await records.claim("c#evt_mine", now, now + 60), "acquired");
  await records.release("c#evt_mine");
  assert.equal(await item(name, "c#evt_mine"), undefined);
});

for (const [ttl, ok] of [["3600", false], ["abc", false], ["31536001", false], ["2332800", true], ["", true]] as const) {
  test(`IDEMPOTENCY_TTL_SECONDS=${JSON.stringify(ttl)} is ${ok ? "accepted" : "refused"}, as the Rust consumers do`, () => {
    const make = () => new Consumer("c", { env: { IDEMPOTENCY_TABLE: "t", IDEMPOTENCY_TTL_SECONDS: ttl }, dynamodb });
    if (ok) make();
    else assert.throws(make, /IDEMPOTENCY_TTL_SECONDS=/);
  });
}

test("a cold start validates with the validators compiled at build time: no schema compiler is loaded", async () => {
  const consumer = new Consumer("compiled", { env: { IDEMPOTENCY_TABLE: await table() }, dynamodb });
  consumer.on("business.updated", () => undefined);
  const wrong = sample("business.updated");
  wrong.data.object.status = 5;
  await logged(async () => {
    assert.deepEqual(await one(consumer, sample("business.updated")), { batchItemFailures: [] });
    assert.equal((await one(consumer, { ...wrong, id: "evt-wrong" })).batchItemFailures.length, 1, "a wrong field still fails");
  });
  // Compiling business.updated's schema cost each cold start about 190 ms of CPU.
  const compilers = Object.keys(require.cache).filter((file) => /[\\/]ajv[\\/]dist[\\/](core|2020|compile)/.test(file));
  assert.deepEqual(compilers, [], "ajv's compiler was loaded at run time");
});
