// The TypeScript package's consumer of business.updated, as examples/typescript-consumer has it,
// for scripts/bench: claim checks, validation into the typed event, idempotency and the newest
// state on the stack's table, partial batch failures. The handler returns what it read.
const { Consumer } = require("middesk-webhooks");

const consumer = new Consumer("bench-typescript-package");

consumer.on("business.updated", async (event) => {
  const business = event.data.object;
  return { business_id: business.id, status: business.status };
});

exports.handler = consumer.handler;
