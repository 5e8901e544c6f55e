// Compiles under `tsc --strict`: `.on("business.updated", …)` hands the handler the event's own
// type, without a cast, and a field that may be null is read as such.
import { Consumer } from "middesk-webhooks";

const consumer = new Consumer("types");
consumer.on("business.updated", (event) => {
  const status: string | null | undefined = event.data?.object.status;
  const domain: unknown = event.data?.object.domain;
  return { status, domain, tasks: event.data?.object.review?.tasks?.length ?? 0 };
});
