// Compiles the schemas in `dist/schemas` into one validator module, `dist/validators.js`, at
// build time: ajv compiling business.updated's schema at run time cost a cold start about
// 190 ms of CPU (over a second at 256 MB's CPU share); loading this module costs about 20 ms.
// One module for every type, because the types share their definitions: one module per type
// repeated them (12 MB, against 1 MB).
const fs = require("node:fs");
const path = require("node:path");
const Ajv2020 = require("ajv/dist/2020").default;
const standaloneCode = require("ajv/dist/standalone").default;

const schemas = path.join(__dirname, "../dist/schemas");
const read = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
const ajv = new Ajv2020({ strict: true, allErrors: false, code: { source: true } });
const envelope = read(path.join(schemas, "event.json"));
ajv.addSchema(envelope);
// Exported by type name; `event` is the envelope, for the types Middesk adds later.
const byType = { event: envelope.$id };
for (const file of fs.readdirSync(path.join(schemas, "events"))) {
  const schema = read(path.join(schemas, "events", file));
  ajv.addSchema(schema);
  byType[file.replace(/\.json$/, "")] = schema.$id;
}
fs.writeFileSync(path.join(__dirname, "../dist/validators.js"), standaloneCode(ajv, byType));
