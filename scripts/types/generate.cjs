// Checks every schema of shared/schemas/ under ajv's strict mode (draft 2020-12), then prints
// the TypeScript types of every documented event (json-schema-to-typescript), from
// documented-event.json and what it refers to. Run by scripts/generate-types.
//
//   node scripts/types/generate.cjs <schemas dir>   TypeScript on standard output
const fs = require("fs");
const path = require("path");
const Ajv2020 = require("ajv/dist/2020");
const { compileFromFile } = require("json-schema-to-typescript");

const dir = path.resolve(process.argv[2] || "shared/schemas");
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .concat(fs.readdirSync(path.join(dir, "events")).map((f) => path.join("events", f)))
  .sort();

// Strict, and its warnings counted: what a TypeScript user's ajv says by default is clean too.
const warnings = [];
const logger = { log() {}, warn: (...m) => warnings.push(m.join(" ")), error: (...m) => warnings.push(m.join(" ")) };
const ajv = new Ajv2020({ strict: true, allErrors: true, logger });
const schemas = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
schemas.forEach((s) => ajv.addSchema(s));
const refused = [];
for (const [i, schema] of schemas.entries()) {
  try {
    ajv.getSchema(schema.$id);
  } catch (e) {
    refused.push(`${files[i]}: ${e.message}`);
  }
}
if (refused.length || warnings.length) {
  console.error(`ajv strict mode refused ${refused.length} of ${files.length} schemas, ${warnings.length} warnings:`);
  console.error([...refused, ...warnings].slice(0, 20).join("\n"));
  process.exit(1);
}

// What the types say, apart from what the schemas allow at run time:
// - no index signature: an unknown field is kept at run time (the schemas allow it), but a
//   misspelt one must not compile, so `additionalProperties: true` is not rendered;
// - a field whose schema says nothing of its type (any JSON, null included) is `unknown`, not an
//   object type that refuses `null`.
function forTypes(schema) {
  if (Array.isArray(schema)) return schema.map(forTypes);
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "additionalProperties" && value === true) continue;
    out[key] = key === "const" || key === "enum" ? value : forTypes(value);
  }
  const shapes = ["type", "$ref", "allOf", "anyOf", "oneOf", "const", "enum", "properties", "items"];
  const isPropertySchema = !("$schema" in schema) && !("$id" in schema) && !("$defs" in schema);
  if (isPropertySchema && !shapes.some((k) => k in schema)) out.tsType = "unknown";
  return out;
}
const typesDir = fs.mkdtempSync(path.join(require("os").tmpdir(), "middesk-types-"));
fs.mkdirSync(path.join(typesDir, "events"));
files.forEach((f, i) => fs.writeFileSync(path.join(typesDir, f), JSON.stringify(forTypes(schemas[i]))));

const banner =
  "/* Generated from shared/schemas/ by scripts/generate-types (json-schema-to-typescript): do not edit. */";
compileFromFile(path.join(typesDir, "documented-event.json"), {
  cwd: typesDir,
  bannerComment: banner,
  additionalProperties: false,
  style: { singleQuote: false },
})
  .then((ts) => {
    fs.rmSync(typesDir, { recursive: true, force: true });
    process.stdout.write(ts);
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
