//! JSON Schema of what a consumer in any language reads, made from this crate's own types
//! (feature `schema`): the event (any type, and each documented type with its object), and
//! the SQS record as Lambda delivers it (the message attributes, the claim-check pointer).
//! `middesk-webhooks generate-schemas` writes them to `shared/schemas/`; a test fails when
//! what is committed there is stale.
//!
//! They describe what the Rust model reads: every field optional, unknown fields allowed (so
//! that a payload Middesk sends tomorrow still validates), and the types of the known fields,
//! so that a field that changed type fails validation as it fails the Rust model
//! (`EventObject::Mismatched`).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Value, json};

use crate::catalogue::{CATALOGUE, EventType};
use crate::consume::event::{Event, EventData, EventObject, RawEvent, object_schemas};
use crate::message::{POINTER_CLASS, PayloadPointer, attribute};

/// The JSON Schema dialect of every schema here.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";
/// The base of the schemas' ids (`<BASE>event.json`, `<BASE>events/business.updated.json`): where
/// they are published. A validator resolves the per-type schemas' `$ref`s to `event.json`
/// against it, so give it `event.json` under this id (the tests and the Python example do).
pub const BASE: &str = "https://github.com/middesk-webhooks/middesk-webhooks-aws/raw/main/shared/schemas/";

impl JsonSchema for EventType {
    fn schema_name() -> Cow<'static, str> {
        "EventType".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let documented: Vec<&str> = CATALOGUE.iter().map(|e| e.event_type).collect();
        json_schema!({
            "type": "string",
            "description": "The event type. Middesk adds types; any string is one.",
            "examples": documented,
        })
    }
}

impl JsonSchema for EventObject {
    fn schema_name() -> Cow<'static, str> {
        "EventObject".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        // Each modelled kind when its `object` names it; any other object is an object of a
        // kind this version does not model, which is fine.
        let mut known: Vec<Value> = Vec::new();
        let mut kinds = Vec::new();
        for (kind, schema) in object_schemas(generator) {
            known.push(json!({
                "if": {"properties": {"object": {"const": kind}}, "required": ["object"]},
                "then": schema,
            }));
            kinds.push(kind);
        }
        json_schema!({
            "type": "object",
            "description": format!("The resource the event is about, by its `object`: {}.", kinds.join(", ")),
            "allOf": known,
        })
    }
}

impl JsonSchema for EventData {
    fn schema_name() -> Cow<'static, str> {
        "EventData".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let object = generator.subschema_for::<EventObject>();
        json_schema!({
            "type": "object",
            "description": "The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.",
            "if": {"properties": {"object": {"type": "string"}}, "required": ["object"]},
            "then": object,
            "else": {
                "properties": {
                    "object": object,
                    "previous_attributes": {"type": ["object", "null"]}
                }
            }
        })
    }
}

impl JsonSchema for Event {
    fn schema_name() -> Cow<'static, str> {
        "Event".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = RawEvent::json_schema(generator);
        // The type comes from `type`, else from `namespace` (jurisdiction registrations). Each
        // documented type's schema requires the one Middesk uses. Here, "one or the other" is
        // left out: as an `anyOf`, code generators make two types of every event of it.
        let namespace = json!({"type": "string", "description": "The event type, where Middesk names it here instead of in `type`."});
        if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            properties.insert("namespace".into(), namespace);
        }
        schema
    }
}

/// `pascal("business.updated")` is `BusinessUpdated`: a type's name in generated code.
pub fn pascal(event_type: &str) -> String {
    event_type
        .split(['.', '_', '-'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Makes `schema` what strict validators (ajv's strict mode) and code generators expect, as
/// it means the same: every subschema that constrains properties says it is about objects
/// (`type: object`), names each property it requires, and a tuple closes its items.
pub fn strict(schema: &mut Value) {
    const ONE: [&str; 12] = [
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contentSchema",
        "additionalItems",
    ];
    const MAPS: [&str; 5] = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
    const LISTS: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
    let Some(object) = schema.as_object_mut() else { return };
    let about_objects = ["properties", "required", "additionalProperties", "patternProperties"]
        .iter()
        .any(|k| object.contains_key(*k));
    if about_objects && !object.contains_key("type") {
        object.insert("type".into(), json!("object"));
    }
    let required: Vec<String> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    if !required.is_empty() {
        let properties = object.entry("properties").or_insert_with(|| json!({}));
        if let Some(properties) = properties.as_object_mut() {
            for name in required {
                properties.entry(name).or_insert(Value::Bool(true));
            }
        }
    }
    if object.contains_key("prefixItems") && !object.contains_key("items") {
        object.insert("items".into(), Value::Bool(false));
    }
    for key in ONE {
        if let Some(sub) = object.get_mut(key) {
            strict(sub);
        }
    }
    for key in MAPS {
        if let Some(Value::Object(map)) = object.get_mut(key) {
            map.values_mut().for_each(strict);
        }
    }
    for key in LISTS {
        if let Some(Value::Array(items)) = object.get_mut(key) {
            items.iter_mut().for_each(strict);
        }
    }
}

/// A schema document: the dialect, an id, a title (the type's name in generated code), a
/// description, the schema and its definitions, made strict ([`strict`]).
fn document(
    id: &str,
    title: &str,
    description: &str,
    mut schema: Schema,
    generator: &mut SchemaGenerator,
) -> Value {
    schema.insert("$schema".into(), json!(DIALECT));
    schema.insert("$id".into(), json!(format!("{BASE}{id}")));
    schema.insert("title".into(), json!(title));
    schema.insert("description".into(), json!(description));
    let definitions = generator.definitions().clone();
    if !definitions.is_empty() {
        schema.insert("$defs".into(), Value::Object(definitions));
    }
    let mut value = schema.to_value();
    strict(&mut value);
    open_enumerations(&mut value);
    value
}

/// The values a description lists and nothing else (`` `active`, `pending` or `unavailable`. ``,
/// `` `open`, `pending`, … ``): a field's documented values, which Middesk may add to.
pub fn documented_values(description: &str) -> Option<Vec<&str>> {
    let list = description.trim().trim_end_matches('.').trim_end_matches('…').trim_end();
    let list = list.trim_end_matches(',');
    let values: Vec<&str> = list
        .split(", ")
        .flat_map(|part| part.split(" or "))
        .map(|part| part.strip_prefix('`')?.strip_suffix('`').filter(|v| !v.contains('`') && !v.is_empty()))
        .collect::<Option<_>>()?;
    (values.len() > 1).then_some(values)
}

/// Gives each string property whose description lists its values ([`documented_values`]) those
/// values, open to new ones: `anyOf: [{enum: values}, {its type}]`. Generated types then name
/// them (a literal union) and still take a value Middesk adds.
pub fn open_enumerations(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let listed = object.get("description").and_then(Value::as_str).and_then(documented_values);
            let is_string =
                |t: &Value| t == "string" || t.as_array().is_some_and(|a| a.contains(&json!("string")));
            if let Some(values) = listed.filter(|_| object.get("type").is_some_and(is_string)) {
                let values: Vec<Value> = values.into_iter().map(Value::from).collect();
                let of_type = json!({"type": object.remove("type").unwrap_or_default()});
                object.insert("anyOf".into(), json!([{"enum": values}, of_type]));
            }
            object.values_mut().for_each(open_enumerations);
        }
        Value::Array(items) => items.iter_mut().for_each(open_enumerations),
        _ => {}
    }
}

fn generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12().into_generator()
}

/// The schema of an event of any type.
pub fn event() -> Value {
    let mut generator = generator();
    let schema = generator.root_schema_for::<Event>();
    let description = "A Middesk webhook event of any type, those Middesk adds later included.";
    // `MiddeskEvent`, not `Event`: the name a generated type gets, and `Event` is the DOM's.
    document("event.json", "MiddeskEvent", description, schema, &mut generator)
}

/// The schema of an event of `event_type`, whose object is of `kind` (`None`: any object): the
/// event's schema with the type and the object's, both from `event.json` by reference.
pub fn event_of_type(
    event_type: &str,
    kind: Option<&str>,
    object_in_data: bool,
    namespace_shaped: bool,
) -> Value {
    let mut generator = generator();
    // References into event.json's definitions (the object kinds are all there).
    let base = json!({"$ref": "../event.json"});
    let objects = object_schemas(&mut generator);
    let object = kind.and_then(|k| objects.into_iter().find(|(name, _)| *name == k)).map(|(_, s)| {
        let reference = s.get("$ref").and_then(Value::as_str).unwrap_or_default();
        json!({"$ref": format!("../event.json{reference}")})
    });
    let name = pascal(event_type);
    let data = match (object, object_in_data) {
        (Some(object), true) => json!({"allOf": [object], "title": format!("{name}Data")}),
        // What changed comes with the object's fields before the change: the object's schema.
        (Some(object), false) => json!({
            "title": format!("{name}Data"),
            "properties": {
                "object": object,
                "previous_attributes": {
                    "description": "On updates: the fields that changed, with their values before.",
                    "anyOf": [object, {"type": "null"}]
                }
            },
            "required": ["object"]
        }),
        (None, _) => json!({"type": "object", "title": format!("{name}Data")}),
    };
    // Where Middesk names the type: in `type`, or (jurisdiction registrations) in `namespace`,
    // `type` then absent or the same. So `type` tells every documented event apart in code.
    let named_in = if namespace_shaped { "namespace" } else { "type" };
    let schema = json_schema!({
        "type": "object",
        "allOf": [base],
        "properties": {"type": {"const": event_type}, named_in: {"const": event_type}, "data": data},
        // A documented event comes with its object: what a typed handler reads.
        "required": [named_in, "data"]
    });
    let mut generator = self::generator();
    document(
        &format!("events/{event_type}.json"),
        &format!("{name}Event"),
        &format!("A Middesk `{event_type}` event."),
        schema,
        &mut generator,
    )
}

/// The schema of an event of any documented type: one of the per-type schemas, told apart by
/// `type` (or `namespace`). Code generators make it a union of the types.
pub fn documented_event() -> Value {
    let members: Vec<Value> =
        CATALOGUE.iter().map(|e| json!({"$ref": format!("events/{}.json", e.event_type)})).collect();
    let schema = json_schema!({"oneOf": members});
    document(
        "documented-event.json",
        "DocumentedEvent",
        "A Middesk webhook event of a documented type. A type Middesk adds later matches none: read it as a MiddeskEvent.",
        schema,
        &mut generator(),
    )
}

/// The message attributes the verifier sets: name, SQS data type, meaning.
pub const MESSAGE_ATTRIBUTES: &[(&str, &str, &str)] = &[
    (
        attribute::EVENT_TYPE,
        "String",
        "The event type (`business.updated`); absent only when it cannot be read.",
    ),
    (
        attribute::EVENT_ID,
        "String",
        "Middesk's event id, the same across Middesk's retries: the idempotency key.",
    ),
    (attribute::ACCOUNT_ID, "String", "The Middesk account the event is for, when the envelope names one."),
    (
        attribute::CORRELATION_ID,
        "String",
        "The `X-Correlation-Id` header: the id of the event's main object.",
    ),
    (
        attribute::RECEIVED_AT,
        "String",
        "When the verifier received the request (RFC 3339, UTC, milliseconds).",
    ),
    (
        attribute::AUTH_METHOD,
        "String",
        "How the request was authenticated: `hmac`, `mtls`, `oidc`, or e.g. `hmac+mtls`.",
    ),
    (
        attribute::MALFORMED,
        "String",
        "`true` when a verified body was not a well-formed event: fail it unless you handle it.",
    ),
    (attribute::MALFORMED_REASON, "String", "With `malformed`: why."),
    (
        attribute::BODY_ENCODING,
        "String",
        "`base64` when the body could not travel as SQS text and was encoded.",
    ),
    (
        attribute::EXTENDED_PAYLOAD_SIZE,
        "Number",
        "On a claim-check pointer: the size of the body in S3. The body is then a pointer (ClaimCheckPointer): read the object, check its size and that its SHA-256 is the key's last segment.",
    ),
];

/// The schema of an SQS record of a stack's queue as Lambda delivers it (`Records[]` of the
/// SQS event): the body, the message attributes, and the claim-check pointer a body may be.
pub fn sqs_record() -> Value {
    let mut generator = generator();
    let pointer = generator.subschema_for::<PayloadPointer>();
    let mut attributes = serde_json::Map::new();
    for (name, data_type, description) in MESSAGE_ATTRIBUTES {
        attributes.insert(
            (*name).to_owned(),
            json!({
                "description": description,
                "type": "object",
                "properties": {"stringValue": {"type": "string"}, "dataType": {"const": data_type}},
                "required": ["stringValue", "dataType"]
            }),
        );
    }
    let schema = json_schema!({
        "type": "object",
        "required": ["messageId", "body", "messageAttributes"],
        "properties": {
            "messageId": {"type": "string", "description": "Report it in batchItemFailures to have this message retried."},
            "body": {
                "type": "string",
                "description": "The verified request body byte for byte (an Event), or, with the ExtendedPayloadSize attribute, a ClaimCheckPointer as JSON text."
            },
            "messageAttributes": {"type": "object", "properties": attributes},
            "attributes": {
                "type": "object",
                "properties": {
                    "AWSTraceHeader": {"type": "string", "description": "The verifier's X-Ray trace header, when it was traced."},
                    "ApproximateReceiveCount": {"type": "string"},
                    "SentTimestamp": {"type": "string", "description": "When SQS took the message, in milliseconds since the epoch: no event is placed later (docs/records.md)."},
                    "MessageGroupId": {"type": "string", "description": "FIFO queues: the correlation id, else the event id."}
                }
            }
        },
        "$comment": format!("ClaimCheckPointer (in $defs) is the body of a claim-checked message: [\"{POINTER_CLASS}\", PayloadPointer]."),
    });
    let mut document = document(
        "sqs-record.json",
        "SqsRecord",
        "An SQS record of a Middesk webhooks queue, as Lambda delivers it.",
        schema,
        &mut generator,
    );
    document["$defs"]["ClaimCheckPointer"] = json!({
        "type": "array",
        "prefixItems": [{"const": POINTER_CLASS}, pointer],
        "items": false,
        "minItems": 2,
        "maxItems": 2
    });
    document
}

/// Every schema file, by its path under `shared/schemas/`: the event, each documented type's,
/// their union, and the SQS record.
pub fn files() -> Vec<(String, Value)> {
    let mut files = vec![
        ("event.json".to_owned(), event()),
        ("documented-event.json".to_owned(), documented_event()),
        ("sqs-record.json".to_owned(), sqs_record()),
    ];
    for entry in CATALOGUE {
        let sample = Event::from_slice(entry.sample.as_bytes()).ok();
        let kind = sample.as_ref().and_then(|e| match e.object() {
            EventObject::Other(_) => None,
            _ => serde_json::to_value(e.object()).ok()?.get("object")?.as_str().map(str::to_owned),
        });
        let in_data =
            sample.as_ref().is_some_and(|e| e.data.placement == crate::consume::event::Placement::InData);
        let namespace_shaped = serde_json::from_str::<Value>(entry.sample)
            .is_ok_and(|raw| raw.get("type").is_none() && raw.get("namespace").is_some());
        files.push((
            format!("events/{}.json", entry.event_type),
            event_of_type(entry.event_type, kind.as_deref(), in_data, namespace_shaped),
        ));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_that_only_lists_values_documents_them() {
        assert_eq!(
            documented_values("`active`, `pending` or `unavailable`."),
            Some(vec!["active", "pending", "unavailable"])
        );
        assert_eq!(
            documented_values("`open`, `pending`, `in_review`, …"),
            Some(vec!["open", "pending", "in_review"])
        );
        assert_eq!(documented_values("`\"business\"`."), None, "one value is a note, not a list");
        assert_eq!(documented_values("A finer status (`good_standing`, …)."), None);
        assert_eq!(documented_values("Each watched type with its status (`active`, `pending`)."), None);
        let mut schema = json!({"properties": {
            "status": {"description": "`running`, `completed`.", "type": ["string", "null"]},
            "count": {"description": "`1`, `2`.", "type": "integer"},
        }});
        open_enumerations(&mut schema);
        assert_eq!(
            schema["properties"]["status"],
            json!({"description": "`running`, `completed`.", "anyOf": [{"enum": ["running", "completed"]}, {"type": ["string", "null"]}]})
        );
        assert_eq!(schema["properties"]["count"]["type"], "integer", "only strings");
    }

    #[test]
    fn a_type_is_named_in_pascal_case() {
        assert_eq!(pascal("business.updated"), "BusinessUpdated");
        assert_eq!(pascal("agent_jurisdiction_registration.created"), "AgentJurisdictionRegistrationCreated");
        assert_eq!(pascal("watchlist_result.created"), "WatchlistResultCreated");
    }

    #[test]
    fn strict_says_what_a_subschema_is_about_and_names_what_it_requires() {
        let mut schema = json!({
            "if": {"properties": {"object": {"const": "business"}}, "required": ["object", "id"]},
            "anyOf": [{"required": ["type"]}],
            "$defs": {"Pointer": {"prefixItems": [{"const": "a"}, {"properties": {"k": {}}}]}},
            "properties": {"examples": {"type": "array", "examples": [{"properties": 1}]}}
        });
        strict(&mut schema);
        assert_eq!(schema["if"]["type"], "object");
        assert_eq!(schema["if"]["properties"]["id"], true, "a required name gets its property");
        assert_eq!(
            schema["anyOf"][0],
            json!({"type": "object", "required": ["type"], "properties": {"type": true}})
        );
        assert_eq!(schema["$defs"]["Pointer"]["items"], false, "a tuple is closed");
        assert_eq!(schema["$defs"]["Pointer"]["prefixItems"][1]["type"], "object");
        // Values that are not schemas are left alone.
        assert_eq!(schema["properties"]["examples"]["examples"], json!([{"properties": 1}]));
        assert_eq!(schema["type"], "object");
    }

    #[test]
    fn every_committed_kind_of_schema_is_strict() {
        fn check(schema: &Value, at: &str, problems: &mut Vec<String>) {
            let Some(object) = schema.as_object() else { return };
            if object.contains_key("properties") && object.get("type").is_none() {
                problems.push(format!("{at}: properties without a type"));
            }
            for name in object.get("required").and_then(Value::as_array).into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                if object.get("properties").and_then(|p| p.get(name)).is_none() {
                    problems.push(format!("{at}: requires {name} without naming it"));
                }
            }
            for (key, value) in object {
                match value {
                    Value::Object(map) if ["properties", "$defs"].contains(&key.as_str()) => {
                        map.iter().for_each(|(k, v)| check(v, &format!("{at}/{key}/{k}"), problems))
                    }
                    Value::Array(items) if ["allOf", "anyOf", "oneOf"].contains(&key.as_str()) => {
                        items.iter().for_each(|v| check(v, &format!("{at}/{key}"), problems))
                    }
                    Value::Object(_) if ["if", "then", "else", "items", "not"].contains(&key.as_str()) => {
                        check(value, &format!("{at}/{key}"), problems)
                    }
                    _ => {}
                }
            }
        }
        let mut problems = Vec::new();
        for (file, schema) in files() {
            check(&schema, &file, &mut problems);
            assert!(
                schema["title"].as_str().is_some_and(|t| t.chars().all(char::is_alphanumeric)),
                "{file}: a name"
            );
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
