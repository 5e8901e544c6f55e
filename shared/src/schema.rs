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
        // The type comes from `type`, else from `namespace` (jurisdiction registrations).
        schema.insert(
            "anyOf".into(),
            json!([{"required": ["type"]}, {"required": ["namespace"], "properties": {"namespace": {"type": "string"}}}]),
        );
        schema
    }
}

/// A schema document: the dialect, an id, a title, the schema and its definitions.
fn document(id: &str, title: &str, mut schema: Schema, generator: &mut SchemaGenerator) -> Value {
    schema.insert("$schema".into(), json!(DIALECT));
    schema.insert("$id".into(), json!(format!("{BASE}{id}")));
    schema.insert("title".into(), json!(title));
    let definitions = generator.definitions().clone();
    if !definitions.is_empty() {
        schema.insert("$defs".into(), Value::Object(definitions));
    }
    schema.to_value()
}

fn generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12().into_generator()
}

/// The schema of an event of any type.
pub fn event() -> Value {
    let mut generator = generator();
    let schema = generator.root_schema_for::<Event>();
    document("event.json", "A Middesk webhook event, any type", schema, &mut generator)
}

/// The schema of an event of `event_type`, whose object is of `kind` (`None`: any object): the
/// event's schema with the type and the object's, both from `event.json` by reference.
pub fn event_of_type(event_type: &str, kind: Option<&str>, object_in_data: bool) -> Value {
    let mut generator = generator();
    // References into event.json's definitions (the object kinds are all there).
    let base = json!({"$ref": "../event.json"});
    let objects = object_schemas(&mut generator);
    let object = kind.and_then(|k| objects.into_iter().find(|(name, _)| *name == k)).map(|(_, s)| {
        let reference = s.get("$ref").and_then(Value::as_str).unwrap_or_default();
        json!({"$ref": format!("../event.json{reference}")})
    });
    let data = match (object, object_in_data) {
        (Some(object), true) => json!(object),
        (Some(object), false) => json!({"properties": {"object": object}, "required": ["object"]}),
        (None, _) => json!({"type": "object"}),
    };
    let schema = json_schema!({
        "allOf": [base],
        "properties": {"data": data},
        "anyOf": [
            {"properties": {"type": {"const": event_type}}, "required": ["type"]},
            {"properties": {"namespace": {"const": event_type}}, "required": ["namespace"]}
        ]
    });
    let mut generator = self::generator();
    document(
        &format!("events/{event_type}.json"),
        &format!("A Middesk `{event_type}` event"),
        schema,
        &mut generator,
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
                    "MessageGroupId": {"type": "string", "description": "FIFO queues: the correlation id, else the event id."}
                }
            }
        },
        "$comment": format!("ClaimCheckPointer (in $defs) is the body of a claim-checked message: [\"{POINTER_CLASS}\", PayloadPointer]."),
    });
    let mut document = document(
        "sqs-record.json",
        "An SQS record of a Middesk webhooks queue, as Lambda delivers it",
        schema,
        &mut generator,
    );
    document["$defs"]["ClaimCheckPointer"] = json!({
        "type": "array",
        "prefixItems": [{"const": POINTER_CLASS}, pointer],
        "minItems": 2,
        "maxItems": 2
    });
    document
}

/// Every schema file, by its path under `shared/schemas/`: the event, each documented type's,
/// and the SQS record.
pub fn files() -> Vec<(String, Value)> {
    let mut files = vec![("event.json".to_owned(), event()), ("sqs-record.json".to_owned(), sqs_record())];
    for entry in CATALOGUE {
        let sample = Event::from_slice(entry.sample.as_bytes()).ok();
        let kind = sample.as_ref().and_then(|e| match e.object() {
            EventObject::Other(_) => None,
            _ => serde_json::to_value(e.object()).ok()?.get("object")?.as_str().map(str::to_owned),
        });
        let in_data = sample.is_some_and(|e| e.data.placement == crate::consume::event::Placement::InData);
        files.push((
            format!("events/{}.json", entry.event_type),
            event_of_type(entry.event_type, kind.as_deref(), in_data),
        ));
    }
    files
}
