// The vectors of docs/records.md (shared/vectors/ordering.json), through the package, on the
// emulator: what each handler is told, each object's record, each event's status.
import { strict as assert } from "node:assert";
import { test } from "node:test";

import { Consumer, type Freshness } from "middesk-webhooks";

import { dynamodb, item, logged, record, sample, table, vectors } from "./helpers";

const micros = (text: string) => {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(text)!;
  return BigInt(Date.parse(`${match[1]}Z`)) * 1000n + BigInt((match[2] ?? "").padEnd(6, "0"));
};

function body(step: any): string {
  const event = sample(step.type);
  event.id = step.id;
  event.created_at = step.created_at;
  for (const [field, given] of [["id", "object_id"], ["business_id", "business_id"]] as const) {
    if (!(given in step)) continue;
    if (step[given] === null) delete event.data.object[field];
    else event.data.object[field] = step[given];
  }
  return JSON.stringify(event);
}

test("the package passes the vectors", async () => {
  for (const c of vectors()) {
    const name = await table();
    const told: Freshness[] = [];
    const consumer = new Consumer("vectors", { env: { IDEMPOTENCY_TABLE: name }, dynamodb });
    for (const family of new Set<string>(c.steps.map((s: any) => s.type.split(".")[0]))) {
      consumer.on(family, (event, freshness) => told.push(freshness), { older: true });
    }
    for (const step of c.steps) {
      const sentMs = Number(micros(step.sent_at) / 1000n);
      const { out } = await logged(() => consumer.handler({ Records: [record(body(step), step.id, { sentMs })] }));
      assert.deepEqual(out, { batchItemFailures: [] }, step.id);
      const freshness = told.pop()!;
      assert.equal(freshness.kind, step.freshness, `${c.name}: ${step.id}`);
      if (freshness.kind === "older") assert.equal(freshness.newestEventId, step.older_than);
      assert.equal((await item(name, `vectors#${step.id}`))?.status?.S, step.status, step.id);
      if (step.object) {
        const newest = await item(name, `vectors#newest#${step.object}`);
        assert.equal(newest?.newest_id?.S, step.newest.event_id, `${c.name}: ${step.id}`);
        assert.equal(BigInt(newest?.newest_at?.N ?? "0"), micros(step.newest.at));
      }
    }
  }
});
