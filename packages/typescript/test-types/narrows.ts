// Compiles under `tsc --strict`: `.on("business.updated", …)` hands the handler the event's own
// type, without a cast; a documented value is a literal, a new one still a string; a family's
// handler gets its documented events or one Middesk adds later.
import { Consumer, type Business, type MiddeskEvent } from "middesk-webhooks";

const consumer = new Consumer("types");
consumer.on("business.updated", async (event) => {
  const status: Business["status"] = event.data.object.status;
  const approved: boolean = status === "approved";
  const renamed: string | null | undefined = event.data.previous_attributes?.name;
  const domain: unknown = event.data.object.domain;
  return { approved, renamed, domain, tasks: event.data.object.review?.tasks?.length ?? 0 };
});
consumer.on("business", (event) => {
  const type: string = event.type;
  const any: MiddeskEvent = event;
  return { type, id: any.id };
});
consumer.on("lien.found", (event) => {
  const status: "filed" | "open" | "active" | "terminated" | (string & {}) | null | undefined = event.data.object.status;
  return status;
});
