//! Deserialising Middesk payloads into typed events: every documented type, the reference
//! example byte for byte, unknown types, and extra or missing fields.

use std::path::PathBuf;

use middesk_webhooks::catalogue::CATALOGUE;
use middesk_webhooks::consume::event::{Event, EventObject, EventType, Placement};
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
    let typed = without_nulls(serde_json::to_value(event).unwrap());
    assert_eq!(typed, without_nulls(original), "{}", event.event_type);
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
        EventObject::Monitor(_) => "monitor",
        EventObject::RegistrationRequest(_) => "registration_request",
        EventObject::JurisdictionRegistration(_) => "jurisdiction_registration",
        EventObject::InformationRequest(_) => "agent_exception",
        EventObject::ItemChange(_) => "agent_item_change",
        EventObject::Run(_) => "run",
        EventObject::Other(_) => "other",
        EventObject::Mismatched { .. } => "mismatched",
    }
}

/// The kind of resource an event type is about: its first segment, but for the families whose
/// resource Middesk names differently.
fn expected_kind(event_type: &str) -> &str {
    match event_type.split('.').next().unwrap() {
        "agent_jurisdiction_registration" => "jurisdiction_registration",
        "agent_info_request" => "agent_exception",
        noun => noun,
    }
}

#[test]
fn every_documented_type_has_a_typed_sample_that_round_trips() {
    for entry in CATALOGUE {
        let event_type = entry.event_type;
        let body = entry.sample.as_bytes();
        let event = Event::from_slice(body).unwrap_or_else(|e| panic!("{event_type}: {e}"));
        assert_eq!(event.event_type.as_str(), event_type);
        assert!(!matches!(event.event_type, EventType::Other(_)), "{event_type}");
        // The sample's resource is the kind the event type is about, typed.
        assert_eq!(object_kind(event.object()), expected_kind(event_type), "{event_type}");
        assert_round_trip(&event, body);
    }
}

#[test]
fn the_resource_directly_in_data_is_typed_and_written_back_in_place() {
    // As Middesk's item-change and information-request examples show: data.object is a string.
    let body =
        middesk_webhooks::verify::sample::sample_payload("agent_item_change.updated").unwrap().as_bytes();
    let event = Event::from_slice(body).unwrap();
    assert_eq!(event.data.placement, Placement::InData);
    let EventObject::ItemChange(change) = event.object() else { panic!("not an item change: {event:?}") };
    assert_eq!(change.to_value.as_deref(), Some("3.6%"));
    assert_eq!(change.tax_registration_item.as_ref().unwrap().key.as_deref(), Some("ca_sui_rate"));
    assert_eq!(event.account_id.as_deref(), Some("5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10"));
    let written = serde_json::to_value(&event).unwrap();
    assert_eq!(written["data"]["object"], "agent_item_change", "still in data, not moved");
    assert_round_trip(&event, body);

    let info =
        middesk_webhooks::verify::sample::sample_payload("agent_info_request.created").unwrap().as_bytes();
    let EventObject::InformationRequest(request) = Event::from_slice(info).unwrap().data.object else {
        panic!("not an information request")
    };
    assert!(request.url.unwrap().starts_with("https://agent.middesk.com/"));
    assert_eq!(request.completed_at, None);
}

#[test]
fn the_type_may_come_in_namespace_without_type_or_object() {
    // As Middesk's jurisdiction-registration example shows.
    let body =
        middesk_webhooks::verify::sample::sample_payload("agent_jurisdiction_registration.updated").unwrap();
    let raw: Value = serde_json::from_str(body).unwrap();
    assert!(raw.get("type").is_none() && raw.get("object").is_none());
    let event = Event::from_slice(body.as_bytes()).unwrap();
    assert_eq!(event.event_type, EventType::AgentJurisdictionRegistrationUpdated);
    assert_eq!(event.object, None);
    let EventObject::JurisdictionRegistration(registration) = event.object() else { panic!("{event:?}") };
    assert_eq!(registration.status.as_deref(), Some("completed"));
    assert_eq!(registration.items.as_ref().unwrap()[0].value.as_deref(), Some("PFML‑0042‑17"));
    // Written back as it came: `namespace`, no `type` added.
    let written = serde_json::to_value(&event).unwrap();
    assert!(written.get("type").is_none());
    assert_round_trip(&event, body.as_bytes());
    // Neither `type` nor `namespace`: not an event.
    assert!(Event::from_slice(br#"{"id":"e","data":{}}"#).is_err());
}

#[test]
fn monitoring_events_carry_the_changed_object_and_previous_attributes() {
    let body = middesk_webhooks::verify::sample::sample_payload("lien.terminated").unwrap().as_bytes();
    let event = Event::from_slice(body).unwrap();
    let EventObject::Lien(lien) = event.object() else { panic!("not a lien") };
    assert_eq!(lien.status.as_deref(), Some("terminated"));
    assert_eq!(event.previous_attributes().unwrap()["status"], "active");
    assert_round_trip(&event, body);
    let monitor = middesk_webhooks::verify::sample::sample_payload("monitor.updated").unwrap().as_bytes();
    let event = Event::from_slice(monitor).unwrap();
    let EventObject::Monitor(m) = event.object() else { panic!("not a monitor") };
    let watched = m.event_types.as_ref().unwrap();
    assert_eq!(watched[1].event_type.as_deref(), Some("lien.found"));
    assert_eq!(watched[1].status.as_deref(), Some("active"));
    assert_eq!(event.previous_attributes().unwrap()["event_types"][1]["status"], "pending");
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
    assert_eq!(event.previous_attributes().unwrap()["status"], "pending");
    let EventObject::Business(business) = event.object() else { panic!("not a business") };
    assert_eq!(business.name, None);
    assert_eq!(business.status.as_deref(), Some("in_review"));
    assert_eq!(business.extra["risk_score"], 71);
    let task = &business.review.as_ref().unwrap().tasks.as_ref().unwrap()[0];
    assert_eq!(task.status.as_deref(), Some("warning"));
    assert_eq!(task.extra["confidence"], "high");
    assert_round_trip(&event, &body);
}
