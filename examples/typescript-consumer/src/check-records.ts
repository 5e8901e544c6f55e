/**
 * Checks of handler.ts's records against docs/records.md that a batch cannot show: the lock
 * lasts until the invocation's deadline, and a release never deletes a completed record. Run
 * against the AWS emulator (AWS_ENDPOINT_URL); it exits non-zero when a check fails.
 */
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";

import { CreateTableCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";

import { DYNAMODB, claim, claimPut, complete, deadlineOf, release } from "./handler";

async function main(): Promise<void> {
  // The lock is the invocation's deadline, whatever it is: 5 s left, or 14 minutes.
  for (const remainingMs of [5_000, 840_000]) {
    const before = Date.now() / 1000;
    const deadline = deadlineOf({ getRemainingTimeInMillis: () => remainingMs });
    assert.ok(before + remainingMs / 1000 <= deadline && deadline <= Date.now() / 1000 + remainingMs / 1000, String(deadline));
    const lock = Number(claimPut("t", "k", before, deadline).Item?.in_progress_expiration?.N);
    assert.equal(lock, Math.floor(deadline * 1000));
  }
  const table = `check-records-${randomUUID()}`;
  await DYNAMODB.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  }));
  const item = async (key: string) =>
    (await DYNAMODB.send(new GetItemCommand({ TableName: table, Key: { id: { S: key } }, ConsistentRead: true }))).Item;
  // A slow first run fails after its lock ran out and a second run completed the event: the
  // first run's release leaves the completed record alone.
  const now = Date.now() / 1000;
  await complete(table, "c#evt_done", now, { handled: true });
  await release(table, "c#evt_done");
  assert.equal((await item("c#evt_done"))?.status?.S, "COMPLETED");
  // Its own claim, still in progress, is released.
  assert.equal(await claim(table, "c#evt_mine", now, now + 60), "acquired");
  await release(table, "c#evt_mine");
  assert.equal(await item("c#evt_mine"), undefined);
  console.log("ok");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
