//! The JSON Schemas in shared/schemas/: generated from the library's types, committed, and
//! every payload this project knows of valid against them.

use std::path::{Path, PathBuf};

use middesk_webhooks::schema::BASE;
use serde_json::{Value, json};

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas")
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A validator for the committed schema at `file` (under shared/schemas/), with event.json
/// registered under its id for the per-type schemas' references.
fn validator(file: &str) -> jsonschema::Validator {
    let event = read(&schemas_dir().join("event.json"));
    let registry = jsonschema::Registry::new()
        .add(format!("{BASE}event.json"), jsonschema::Resource::from_contents(event))
        .unwrap()
        .prepare()
        .unwrap();
    let schema = read(&schemas_dir().join(file));
    jsonschema::options().with_registry(&registry).build(&schema).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A validator for the union of every documented type, with every schema it refers to
/// registered under its id.
fn documented_event_validator() -> jsonschema::Validator {
    let mut resources = vec![(format!("{BASE}event.json"), read(&schemas_dir().join("event.json")))];
    for entry in std::fs::read_dir(schemas_dir().join("events")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        resources.push((format!("{BASE}events/{name}"), read(&path)));
    }
    let mut registry = jsonschema::Registry::new();
    for (id, schema) in resources {
        registry = registry.add(id, jsonschema::Resource::from_contents(schema)).unwrap();
    }
    let registry = registry.prepare().unwrap();
    let schema = read(&schemas_dir().join("documented-event.json"));
    jsonschema::options().with_registry(&registry).build(&schema).unwrap()
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn the_committed_schemas_are_the_ones_the_types_give() {
    let mut stale = Vec::new();
    for (file, contents) in middesk_webhooks_cli::events::schema_files() {
        if std::fs::read_to_string(schemas_dir().join(&file)).unwrap_or_default() != contents {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas {stale:?}: run `cargo run -p middesk-webhooks-cli -- generate-schemas`"
    );
}

#[test]
fn every_sample_every_events_payload_and_every_real_body_validates() {
    use middesk_webhooks::catalogue::CATALOGUE;
    let any = validator("event.json");
    let mut checked = 0;
    for entry in CATALOGUE {
        let by_type = validator(&format!("events/{}.json", entry.event_type));
        let sample: Value = serde_json::from_str(entry.sample).unwrap();
        assert_eq!(errors(&by_type, &sample), Vec::<String>::new(), "{} sample", entry.event_type);
        assert_eq!(errors(&any, &sample), Vec::<String>::new(), "{} sample, any type", entry.event_type);
        // The HTTP API request in events/ carries the body a consumer gets.
        let request = read(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../events/http/{}.json", entry.event_type)),
        );
        let body: Value = serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
        assert_eq!(errors(&by_type, &body), Vec::<String>::new(), "events/http/{}.json", entry.event_type);
        checked += 2;
    }
    // The real Middesk bodies the tests read, including a type nobody documents yet.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tests/fixtures");
    for file in
        ["reference_business_created.json", "business_extra_and_missing_fields.json", "unknown_type.json"]
    {
        assert_eq!(errors(&any, &read(&fixtures.join(file))), Vec::<String>::new(), "{file}");
        checked += 1;
    }
    assert!(checked > 80);
}

#[test]
fn a_field_that_changed_type_fails_as_it_fails_the_rust_model() {
    let sample: Value =
        serde_json::from_str(middesk_webhooks::catalogue::entry("business.updated").unwrap().sample).unwrap();
    let mut drifted = sample.clone();
    drifted["data"]["object"]["name"] = json!(12345);
    let event = middesk_webhooks::Event::from_slice(drifted.to_string().as_bytes()).unwrap();
    assert!(matches!(event.object(), middesk_webhooks::EventObject::Mismatched { .. }));
    assert!(!errors(&validator("events/business.updated.json"), &drifted).is_empty());
    assert!(
        !errors(&validator("event.json"), &drifted).is_empty(),
        "the kind is known, so its schema applies"
    );
    // The wrong type for the file, and an event without an id, fail too.
    let mut other = sample;
    other["type"] = json!("order.created");
    assert!(!errors(&validator("events/business.updated.json"), &other).is_empty());
    other.as_object_mut().unwrap().remove("id");
    assert!(!errors(&validator("event.json"), &other).is_empty());
}

#[test]
fn an_sqs_record_and_a_claim_check_pointer_validate_against_the_record_schema() {
    use middesk_webhooks::message::PayloadPointer;
    let record = validator("sqs-record.json");
    let batch = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/sqs/event-logger.json"));
    let records = batch["Records"].as_array().unwrap();
    assert!(!records.is_empty());
    for r in records {
        assert_eq!(errors(&record, r), Vec::<String>::new(), "{r}");
    }
    // A Number attribute declared a String fails.
    let mut wrong = records[0].clone();
    wrong["messageAttributes"]["event_id"] = json!({"stringValue": "x", "dataType": "Number"});
    assert!(!errors(&record, &wrong).is_empty());
    // The pointer a claim-checked body is.
    let schema = read(&schemas_dir().join("sqs-record.json"));
    let mut pointer_schema = schema["$defs"]["ClaimCheckPointer"].clone();
    pointer_schema["$defs"] = schema["$defs"].clone();
    let pointer = jsonschema::validator_for(&pointer_schema).unwrap();
    let body = PayloadPointer { bucket: "b".into(), key: "payloads/abc".into() }.to_body();
    assert!(pointer.is_valid(&serde_json::from_str(&body).unwrap()), "{body}");
    assert!(!pointer.is_valid(&json!(["another.Class", {"s3BucketName": "b", "s3Key": "k"}])));
}

#[test]
fn the_union_of_documented_events_takes_each_once_and_no_unknown_type() {
    use middesk_webhooks::catalogue::CATALOGUE;
    let union = documented_event_validator();
    for entry in CATALOGUE {
        let sample: Value = serde_json::from_str(entry.sample).unwrap();
        // oneOf: exactly one member, the sample's own type's.
        assert_eq!(errors(&union, &sample), Vec::<String>::new(), "{}", entry.event_type);
    }
    // A type Middesk adds later is no documented event (read it as an Event), and a documented
    // type whose object is not its kind's fails.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tests/fixtures");
    assert!(!errors(&union, &read(&fixtures.join("unknown_type.json"))).is_empty());
    let mut wrong: Value =
        serde_json::from_str(middesk_webhooks::catalogue::entry("business.updated").unwrap().sample).unwrap();
    wrong["data"]["object"]["review"] = json!("not an object");
    assert!(!errors(&union, &wrong).is_empty());
    // Each per-type schema requires its type where Middesk names it.
    let mut untyped = wrong.clone();
    untyped.as_object_mut().unwrap().remove("type");
    assert!(!errors(&validator("events/business.updated.json"), &untyped).is_empty());
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `scripts/generate-types --check` on the types in the tree `root`: whether they are fresh, and why not.
fn types_are_fresh(root: &Path) -> (bool, String) {
    let output = std::process::Command::new(repo().join("scripts/generate-types"))
        .arg("--check")
        .env("TYPES_ROOT", root)
        .output()
        .expect("scripts/generate-types");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

const TYPESCRIPT_TYPES: &str = "shared/types/typescript";
const PYTHON_MODELS: &str = "packages/python/src/middesk_webhooks/models";

/// A copy of the generated types under a fresh root, with `edit` made to the file `file` there.
fn stale_copy(file: &str, edit: (&str, &str)) -> PathBuf {
    let root = std::env::temp_dir().join(middesk_webhooks::testkit::unique("stale-types"));
    for dir in [TYPESCRIPT_TYPES, PYTHON_MODELS] {
        std::fs::create_dir_all(root.join(dir).parent().unwrap()).unwrap();
        let copy =
            std::process::Command::new("cp").arg("-r").arg(repo().join(dir)).arg(root.join(dir)).status();
        assert!(copy.unwrap().success());
    }
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    assert!(text.contains(edit.0), "{file} has no {}", edit.0);
    std::fs::write(root.join(file), text.replace(edit.0, edit.1)).unwrap();
    root
}

#[test]
fn the_generated_typescript_and_python_types_are_fresh_and_read_every_sample() {
    // What is committed is what the pinned generators make of the schemas (ajv strict first).
    let (fresh, why) = types_are_fresh(&repo());
    assert!(fresh, "{why}");
    // The check can fail: a stale copy of either is refused.
    for (file, edit) in [
        (format!("{TYPESCRIPT_TYPES}/middesk-events.d.ts"), ("BusinessUpdatedEvent", "BusinessUpdated")),
        (format!("{PYTHON_MODELS}/__init__.py"), ("DocumentedEvent", "Documented")),
    ] {
        let stale = stale_copy(&file, edit);
        let (fresh, why) = types_are_fresh(&stale);
        std::fs::remove_dir_all(&stale).unwrap();
        assert!(!fresh && why.contains("stale"), "{file}: {why}");
    }
    // The pydantic models read every sample as its own type, keep what they do not model, and
    // tell a wrong field by one error of the right model (the discriminator).
    let check = r#"
import glob, json, sys
sys.path.insert(0, "packages/python/src")
from middesk_webhooks.models import DocumentedEvent, MiddeskEvent, parse_event
from pydantic import TypeAdapter, ValidationError
union = TypeAdapter(DocumentedEvent)
read = 0
for path in sorted(glob.glob("shared/samples/events/*.json")):
    raw = json.load(open(path))
    event = parse_event(raw)
    name = path.rsplit("/", 1)[-1][:-5].replace(".", "_").split("_")
    assert type(event).__name__ == "".join(w.capitalize() for w in name) + "Event", (path, type(event).__name__)
    assert event.id == raw["id"] and event.type == (raw.get("type") or raw["namespace"])
    assert type(union.validate_python(raw)) is type(event)
    # Nothing dropped: the model gives back every field of the body.
    assert event.model_dump(mode="json", exclude_unset=True, by_alias=True) == {**raw, "type": event.type}, path
    read += 1
unknown = json.load(open("shared/tests/fixtures/unknown_type.json"))
event = parse_event(unknown)
assert type(event) is MiddeskEvent and event.type == unknown["type"] and event.type == unknown["type"]
assert event.model_dump(mode="json", exclude_unset=True)["data"] == unknown["data"]
wrong = json.load(open("shared/samples/events/business.updated.json"))
wrong["data"]["object"]["name"] = 12345
try:
    union.validate_python(wrong)
    raise SystemExit("a wrong field was read")
except ValidationError as error:
    assert error.error_count() == 1, error
monitor = parse_event(json.load(open("shared/samples/events/monitor.updated.json")))
assert monitor.data.previous_attributes.event_types[1].status == "pending"
print(read)
"#;
    let output = std::process::Command::new(repo().join(".venv/bin/python"))
        .args(["-c", check])
        .current_dir(repo())
        .output()
        .expect("run ./scripts/test, which installs pydantic with the Python tools");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "40");
}
