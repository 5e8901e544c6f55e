/**
 * A consumer of the business.updated queue on the middesk-webhooks package. Claim checks,
 * validation, idempotency, the newest state and partial batch failures are the package's; the
 * business logic is yours. Locally: an SQS event on standard input, the answer on standard output.
 */
import { Consumer } from "middesk-webhooks";

// Its records are keyed by this name: keep it stable, and unique among the table's consumers.
export const consumer = new Consumer(process.env.CONSUMER_NAME ?? "typescript-consumer");

consumer.on("business.updated", async (event) => {
  // Your business logic (a CRM call, say). What it returns is stored with the event's record.
  const business = event.data.object;
  return { business_id: business.id, status: business.status };
});

export const handler = consumer.handler;

if (require.main === module) {
  let input = "";
  process.stdin.on("data", (chunk) => (input += chunk));
  process.stdin.on("end", async () => console.log(JSON.stringify(await handler(JSON.parse(input)))));
}
