//! Deserialising Middesk payloads into typed events: every documented type, the reference
//! example byte for byte, unknown types, and extra or missing fields.

use std::path::PathBuf;

use middesk_webhooks::DOCUMENTED_EVENT_TYPES;
use middesk_webhooks::event::{Event, EventObject, EventType};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The JSON with null-valued object fields removed: an absent field and a null one carry the
/// same information, and the typed model writes neither.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// Serialising the typed event gives back the original JSON: nothing is lost.
fn assert_round_trip(event: &Event, body: &[u8]) {
    let original: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(serde_json::to_value(event).unwrap(), without_nulls(original), "{}", event.event_type);
}

fn object_kind(object: &EventObject) -> &'static str {
    match object {
        EventObject::Business(_) => "business",
        EventObject::Order(_) => "order",
        EventObject::Subscription(_) => "subscription",
        EventObject::IndustryClassification(_) => "industry_classification",
        EventObject::Tin(_) => "tin",
        EventObject::AgentTaxRegistration(_) => "agent_tax_registration",
        EventObject::Lien(_) => "lien",
        EventObject::Address(_) => "address",
        EventObject::Name(_) => "name",
        EventObject::Person(_) => "person",
        EventObject::Registration(_) => "registration",
        EventObject::Bankruptcy(_) => "bankruptcy",
        EventObject::WatchlistResult(_) => "watchlist_result",
        EventObject::Other(_) => "other",
        EventObject::Mismatched { .. } => "mismatched",
    }
}

#[test]
fn every_documented_type_has_a_typed_fixture_that_round_trips() {
    for event_type in DOCUMENTED_EVENT_TYPES {
        let body = middesk_webhooks::sample::sample_payload(event_type).unwrap().as_bytes().to_vec();
        let event = Event::from_slice(&body).unwrap_or_else(|e| panic!("{event_type}: {e}"));
        assert_eq!(event.event_type.as_str(), event_type);
        assert!(!matches!(event.event_type, EventType::Other(_)), "{event_type}");
        // The fixture's data.object kind is the object the event type is about.
        let expected = event_type.split('.').next().unwrap();
        assert_eq!(object_kind(event.object()), expected, "{event_type}");
        assert_round_trip(&event, &body);
    }
}

#[test]
fn the_reference_example_byte_for_byte() {
    let body = fixture("reference_business_created.json");
    let event = Event::from_slice(&body).unwrap();
    assert_eq!(event.id, "f215a707-655e-400f-84e6-fbb949f5612a");
    assert_eq!(event.event_type, EventType::BusinessCreated);
    assert_eq!(event.created_at.as_deref(), Some("2020-01-02T23:54:48.239Z"));
    let EventObject::Business(business) = event.object() else { panic!("not a business: {event:?}") };
    assert_eq!(business.id.as_deref(), Some("0f86dab5-8195-4b95-b3c0-19deaeba2a8e"));
    assert_eq!(business.name.as_deref(), Some("A Company"));
    assert_eq!(business.status.as_deref(), Some("open"));
    assert_eq!(business.tin, None);
    assert_eq!(business.review, None);
    let orders = business.orders.as_ref().unwrap();
    assert_eq!(orders[0].product.as_deref(), Some("identity"));
    assert_eq!(orders[0].completed_at, None);
    assert_round_trip(&event, &body);
}

#[test]
fn an_unknown_type_keeps_its_raw_json() {
    let body = fixture("unknown_type.json");
    let event = Event::from_slice(&body).unwrap();
    assert_eq!(event.event_type, EventType::Other("beneficial_owner.verified".into()));
    let EventObject::Other(raw) = event.object() else { panic!("expected raw JSON") };
    assert_eq!(raw["object"], "beneficial_owner");
    assert_eq!(raw["ownership_percentage"], 42.5);
    assert_round_trip(&event, &body);
}

#[test]
fn extra_fields_are_kept_and_missing_fields_are_none() {
    let body = fixture("business_extra_and_missing_fields.json");
    let event = Event::from_slice(&body).unwrap();
    assert_eq!(event.extra["livemode"], true);
    assert_eq!(event.created_at, None);
    assert!(event.data.extra.contains_key("previous_attributes"));
    let EventObject::Business(business) = event.object() else { panic!("not a business") };
    assert_eq!(business.name, None);
    assert_eq!(business.status.as_deref(), Some("in_review"));
    assert_eq!(business.extra["risk_score"], 71);
    let task = &business.review.as_ref().unwrap().tasks.as_ref().unwrap()[0];
    assert_eq!(task.status.as_deref(), Some("warning"));
    assert_eq!(task.extra["confidence"], "high");
    assert_round_trip(&event, &body);
}
