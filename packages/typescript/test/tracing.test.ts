// The sender's trace context of a record, as every consumer reads it: the vectors of
// shared/vectors/trace-context.json, which the Rust crate and the Python package read too.
import { strict as assert } from "node:assert";
import { test } from "node:test";

import { senderContext } from "middesk-webhooks";

import { vectors } from "./helpers";

const cases = vectors("trace-context");

test("the sender of each vector is the one it names", () => {
  assert.ok(cases.length >= 10);
  for (const c of cases) {
    const got = senderContext(c.traceparent ?? undefined, c.aws_trace_header ?? undefined);
    const want = c.sender && { traceId: c.sender.trace_id, spanId: c.sender.span_id, traceFlags: c.sender.sampled ? 1 : 0 };
    assert.deepEqual(got ?? null, want, c.name);
  }
});
