// Copies what is generated from shared/schemas (one source) into the package: the event types
// into `src` before the build and into `dist` after it, where the declarations import them; the
// schemas into `dist/schemas`, which the consumer validates events against.
const fs = require("node:fs");
const path = require("node:path");
const shared = path.join(__dirname, "../../../shared");
const into = path.join(__dirname, "..", process.argv[2]);
fs.mkdirSync(into, { recursive: true });
fs.copyFileSync(path.join(shared, "types/typescript/middesk-events.d.ts"), path.join(into, "middesk-events.d.ts"));
if (process.argv[2] === "dist") {
  const schemas = path.join(into, "schemas");
  fs.rmSync(schemas, { recursive: true, force: true });
  fs.mkdirSync(path.join(schemas, "events"), { recursive: true });
  fs.copyFileSync(path.join(shared, "schemas/event.json"), path.join(schemas, "event.json"));
  for (const file of fs.readdirSync(path.join(shared, "schemas/events"))) {
    fs.copyFileSync(path.join(shared, "schemas/events", file), path.join(schemas, "events", file));
  }
}
