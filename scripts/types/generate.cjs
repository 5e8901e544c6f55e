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
//   object type that refuses `null`;
// - documented values (`anyOf: [{enum}, {type: string}]`) are a literal union open to new
//   ones: `"open" | "approved" | (string & {})` (the editor still offers the literals);
// - each event type stands alone, the envelope's fields written into it, `type` required: the
//   packages set it from `namespace` where Middesk names the type there. So a `switch` on
//   `event.type` narrows every documented event, jurisdiction registrations included;
// - an event of a type Middesk adds later is a `MiddeskEvent`, its `data` any fields.
const SCHEMA_MAPS = ["properties", "$defs", "patternProperties", "dependentSchemas"];
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"];
const SCHEMA_ONE = ["items", "additionalProperties", "not", "if", "then", "else", "contains"];
const SHAPES = ["type", "$ref", "allOf", "anyOf", "oneOf", "const", "enum", "properties", "items", "tsType"];

function forTypes(schema, root = false) {
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "additionalProperties" && value === true) continue;
    if (SCHEMA_MAPS.includes(key)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forTypes(v)]));
    else if (SCHEMA_LISTS.includes(key)) out[key] = value.map((v) => forTypes(v));
    else if (SCHEMA_ONE.includes(key)) out[key] = forTypes(value);
    else out[key] = value;
  }
  const [listed, ofType] = out.anyOf ?? [];
  if (out.anyOf?.length === 2 && Array.isArray(listed?.enum) && ofType?.type) {
    const nullable = [].concat(ofType.type).includes("null");
    out.tsType = [...listed.enum.map((v) => JSON.stringify(v)), "(string & {})", ...(nullable ? ["null"] : [])].join(" | ");
    delete out.anyOf;
  }
  if (!root && !SHAPES.some((k) => k in out)) out.tsType = "unknown";
  return out;
}

/** An event type's schema with the envelope's fields written in, and `type` required. */
function standalone(schema, envelope) {
  const properties = {};
  for (const [name, field] of Object.entries(envelope.properties)) {
    if (name === "type" || name === "data") continue;
    properties[name] = JSON.parse(JSON.stringify(field).replaceAll('"#/$defs/', '"../event.json#/$defs/'));
  }
  Object.assign(properties, schema.properties);
  properties.type = {
    ...properties.type,
    description: "The event type (the packages copy it from `namespace` where Middesk names it there).",
  };
  const { allOf, ...rest } = schema;
  const required = new Set([...(envelope.required ?? []), ...(schema.required ?? []), "type"]);
  required.delete("namespace");
  return { ...rest, properties, required: [...required] };
}

const envelope = schemas[files.indexOf("event.json")];
const forGenerator = schemas.map((schema, i) => {
  const typed = files[i].startsWith("events/") ? standalone(schema, envelope) : schema;
  return forTypes(typed, true);
});
// An event of any type, as the packages hand it: `type` set, `data` any fields. No index
// signature, so that every documented event (an interface) is a MiddeskEvent too.
const anyEvent = forGenerator[files.indexOf("event.json")];
anyEvent.properties.type = { type: "string", description: "The event type (from `namespace` where Middesk names it there)." };
anyEvent.properties.data = {
  description: anyEvent.$defs.EventData.description,
  tsType: "{ object?: unknown; previous_attributes?: object | null }",
};
anyEvent.required = [...new Set([...(anyEvent.required ?? []), "type"])];
// A tuple (`prefixItems`), which json-schema-to-typescript does not render.
const sqsRecord = forGenerator[files.indexOf("sqs-record.json")];
sqsRecord.$defs.ClaimCheckPointer.tsType = `[${JSON.stringify(sqsRecord.$defs.ClaimCheckPointer.prefixItems[0].const)}, PayloadPointer]`;

const typesDir = fs.mkdtempSync(path.join(require("os").tmpdir(), "middesk-types-"));
fs.mkdirSync(path.join(typesDir, "events"));
files.forEach((f, i) => fs.writeFileSync(path.join(typesDir, f), JSON.stringify(forGenerator[i])));

const banner =
  "/* Generated from shared/schemas/ by scripts/generate-types (json-schema-to-typescript): do not edit. */";
const options = { cwd: typesDir, bannerComment: "", additionalProperties: false, style: { singleQuote: false } };
Promise.all([
  compileFromFile(path.join(typesDir, "documented-event.json"), options),
  compileFromFile(path.join(typesDir, "event.json"), { ...options, declareExternallyReferenced: false }),
  compileFromFile(path.join(typesDir, "sqs-record.json"), { ...options, unreachableDefinitions: true }),
])
  .then(([documented, envelopeOnly, sqs]) => {
    fs.rmSync(typesDir, { recursive: true, force: true });
    process.stdout.write([banner, documented.trim(), envelopeOnly.trim(), sqs.trim()].join("\n\n") + "\n");
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
