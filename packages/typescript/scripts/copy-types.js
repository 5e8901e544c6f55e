// Copies the event types generated from shared/schemas (one source) into `src` before the
// build, and into `dist` after it, where the package's declarations import them.
const fs = require("node:fs");
const path = require("node:path");
const from = path.join(__dirname, "../../../shared/types/typescript/middesk-events.d.ts");
const into = path.join(__dirname, "..", process.argv[2], "middesk-events.d.ts");
fs.mkdirSync(path.dirname(into), { recursive: true });
fs.copyFileSync(from, into);
