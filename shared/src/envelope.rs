//! The Middesk event envelope: `object`, `id`, `type`, `created_at`, `data`, and `account_id`.
//!
//! Parsed only after the body's signature has been verified. The envelope borrows from the
//! body and leaves `data` as raw JSON, so the verifier never rebuilds the payload.
//!
//! Middesk names the type in `namespace` instead of `type` in some events (jurisdiction
//! registrations, which also have no top-level `object`): such an event is well-formed and
//! routed by its `namespace`.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// The longest event id accepted as well-formed (they are UUIDs in practice).
pub const MAX_EVENT_ID_LEN: usize = 128;
/// The longest event type accepted as well-formed.
pub const MAX_EVENT_TYPE_LEN: usize = 128;

/// A Middesk webhook event with its `data` left unparsed.
#[derive(Debug)]
pub struct EventEnvelope<'a> {
    /// Middesk's id for this event; the same across Middesk's retries.
    pub id: Cow<'a, str>,
    /// The event type, e.g. `business.updated` (from `type`, else `namespace`).
    pub event_type: Cow<'a, str>,
    /// When Middesk created the event (ISO 8601).
    pub created_at: Cow<'a, str>,
    /// The Middesk account the event is for, when Middesk says.
    pub account_id: Option<Cow<'a, str>>,
    /// The event's data as raw JSON.
    pub data: &'a RawValue,
}

/// The envelope as it is on the wire.
#[derive(Debug, Deserialize)]
struct WireEnvelope<'a> {
    /// `"event"`; absent in the `namespace` shape.
    #[serde(borrow, default)]
    object: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(rename = "type", borrow, default)]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    created_at: Cow<'a, str>,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// Why a verified body is not a well-formed event. It is still delivered (to the catch-all).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedEvent {
    /// Not JSON, or missing or mistyped fields.
    #[error("not an event envelope")]
    NotAnEnvelope,
    /// `object` is not `"event"`.
    #[error("object is not \"event\"")]
    NotAnEvent,
    /// `id` is empty, too long, or has characters that cannot be a message attribute.
    #[error("invalid event id")]
    InvalidId,
    /// `type` (or `namespace`) does not look like `noun.verb`.
    #[error("invalid event type")]
    InvalidType,
    /// Neither `type` nor `namespace` names the event.
    #[error("no event type")]
    NoType,
    /// `data` is not a JSON object.
    #[error("data is not an object")]
    InvalidData,
}

impl<'a> EventEnvelope<'a> {
    /// Parses and checks a verified body.
    pub fn parse(body: &'a [u8]) -> Result<Self, MalformedEvent> {
        let wire: WireEnvelope = serde_json::from_slice(body).map_err(|_| MalformedEvent::NotAnEnvelope)?;
        if wire.object.as_ref().is_some_and(|o| o != "event") {
            return Err(MalformedEvent::NotAnEvent);
        }
        if !is_valid_event_id(&wire.id) {
            return Err(MalformedEvent::InvalidId);
        }
        let event_type = wire.event_type.or(wire.namespace).ok_or(MalformedEvent::NoType)?;
        if !is_valid_event_type(&event_type) {
            return Err(MalformedEvent::InvalidType);
        }
        if !wire.data.get().starts_with('{') {
            return Err(MalformedEvent::InvalidData);
        }
        // An account id that could not be a message attribute is left out, not fatal: the
        // body carries it anyway.
        let account_id = wire.account_id.filter(|a| is_valid_event_id(a));
        Ok(Self { id: wire.id, event_type, created_at: wire.created_at, account_id, data: wire.data })
    }
}

/// An event id is 1 to 128 printable ASCII characters (safe as an attribute and a FIFO id).
pub fn is_valid_event_id(id: &str) -> bool {
    (1..=MAX_EVENT_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// An event type is dot-separated segments of lowercase letters, digits and `_`.
pub fn is_valid_event_type(event_type: &str) -> bool {
    event_type.len() <= MAX_EVENT_TYPE_LEN
        && event_type.split('.').all(|segment| {
            !segment.is_empty()
                && segment.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example_without_copying() {
        let body = include_bytes!("../tests/fixtures/reference_business_created.json");
        let e = EventEnvelope::parse(body).unwrap();
        assert_eq!(e.id, "f215a707-655e-400f-84e6-fbb949f5612a");
        assert_eq!(e.event_type, "business.created");
        assert_eq!(e.created_at, "2020-01-02T23:54:48.239Z");
        assert!(matches!(e.id, Cow::Borrowed(_)));
        assert!(e.data.get().contains("\"A Company\""));
    }

    #[test]
    fn malformed_bodies() {
        let cases: &[(&str, MalformedEvent)] = &[
            ("", MalformedEvent::NotAnEnvelope),
            ("not json", MalformedEvent::NotAnEnvelope),
            ("[]", MalformedEvent::NotAnEnvelope),
            (r#"{"object":"event","id":"1","type":"a.b","created_at":"t"}"#, MalformedEvent::NotAnEnvelope),
            (
                r#"{"object":"event","id":1,"type":"a.b","created_at":"t","data":{}}"#,
                MalformedEvent::NotAnEnvelope,
            ),
            (
                r#"{"object":"list","id":"1","type":"a.b","created_at":"t","data":{}}"#,
                MalformedEvent::NotAnEvent,
            ),
            (
                r#"{"object":"event","id":"","type":"a.b","created_at":"t","data":{}}"#,
                MalformedEvent::InvalidId,
            ),
            (
                r#"{"object":"event","id":"a b","type":"a.b","created_at":"t","data":{}}"#,
                MalformedEvent::InvalidId,
            ),
            (
                r#"{"object":"event","id":"1","type":"A.B","created_at":"t","data":{}}"#,
                MalformedEvent::InvalidType,
            ),
            (
                r#"{"object":"event","id":"1","type":"a..b","created_at":"t","data":{}}"#,
                MalformedEvent::InvalidType,
            ),
            (
                r#"{"object":"event","id":"1","type":"a.b\n","created_at":"t","data":{}}"#,
                MalformedEvent::InvalidType,
            ),
            (
                r#"{"object":"event","id":"1","type":"a.b","created_at":"t","data":[]}"#,
                MalformedEvent::InvalidData,
            ),
            (r#"{"object":"event","id":"1","created_at":"t","data":{}}"#, MalformedEvent::NoType),
            (r#"{"id":"1","namespace":"A.B","created_at":"t","data":{}}"#, MalformedEvent::InvalidType),
            (
                r#"{"object":"x","id":"1","namespace":"a.b","created_at":"t","data":{}}"#,
                MalformedEvent::NotAnEvent,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(EventEnvelope::parse(body.as_bytes()).unwrap_err(), *expected, "{body}");
        }
    }

    #[test]
    fn the_type_may_come_in_namespace_and_the_account_is_read() {
        let body = crate::sample::sample_payload("agent_jurisdiction_registration.updated").unwrap();
        let e = EventEnvelope::parse(body.as_bytes()).unwrap();
        assert_eq!(e.event_type, "agent_jurisdiction_registration.updated");
        assert_eq!(e.account_id.as_deref(), Some("5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10"));
        // `type` wins over `namespace` when both are present.
        let both =
            br#"{"id":"1","type":"a.b","namespace":"c.d","created_at":"t","data":{},"account_id":"a b"}"#;
        let e = EventEnvelope::parse(both).unwrap();
        assert_eq!(e.event_type, "a.b");
        assert_eq!(e.account_id, None, "an account id that cannot be an attribute is left out");
    }

    #[test]
    fn escaped_strings_and_unknown_fields_are_fine() {
        let body = br#"{"object":"event","id":"e\u0031","type":"brand_new.thing","created_at":"t","data":{},"extra":1}"#;
        let e = EventEnvelope::parse(body).unwrap();
        assert_eq!(e.id, "e1");
        assert_eq!(e.event_type, "brand_new.thing");
    }
}
