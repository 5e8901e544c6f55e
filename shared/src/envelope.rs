//! The Middesk event envelope: `object`, `id`, `type`, `created_at`, `data`.
//!
//! Parsed only after the body's signature has been verified. The envelope borrows from the
//! body and leaves `data` as raw JSON, so the verifier never rebuilds the payload.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// The longest event id accepted as well-formed (they are UUIDs in practice).
pub const MAX_EVENT_ID_LEN: usize = 128;
/// The longest event type accepted as well-formed.
pub const MAX_EVENT_TYPE_LEN: usize = 128;

/// A Middesk webhook event with its `data` left unparsed.
#[derive(Debug, Deserialize)]
pub struct EventEnvelope<'a> {
    /// Always `"event"`.
    #[serde(borrow)]
    pub object: Cow<'a, str>,
    /// Middesk's id for this event; the same across Middesk's retries.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// The event type, e.g. `business.updated`.
    #[serde(rename = "type", borrow)]
    pub event_type: Cow<'a, str>,
    /// When Middesk created the event (ISO 8601).
    #[serde(borrow)]
    pub created_at: Cow<'a, str>,
    /// The event's data, typically `{"object": {...}}`, as raw JSON.
    #[serde(borrow)]
    pub data: &'a RawValue,
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
    /// `type` does not look like `noun.verb`.
    #[error("invalid event type")]
    InvalidType,
    /// `data` is not a JSON object.
    #[error("data is not an object")]
    InvalidData,
}

impl<'a> EventEnvelope<'a> {
    /// Parses and checks a verified body.
    pub fn parse(body: &'a [u8]) -> Result<Self, MalformedEvent> {
        let envelope: Self = serde_json::from_slice(body).map_err(|_| MalformedEvent::NotAnEnvelope)?;
        if envelope.object != "event" {
            return Err(MalformedEvent::NotAnEvent);
        }
        if !is_valid_event_id(&envelope.id) {
            return Err(MalformedEvent::InvalidId);
        }
        if !is_valid_event_type(&envelope.event_type) {
            return Err(MalformedEvent::InvalidType);
        }
        if !envelope.data.get().starts_with('{') {
            return Err(MalformedEvent::InvalidData);
        }
        Ok(envelope)
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
        ];
        for (body, expected) in cases {
            assert_eq!(EventEnvelope::parse(body.as_bytes()).unwrap_err(), *expected, "{body}");
        }
    }

    #[test]
    fn escaped_strings_and_unknown_fields_are_fine() {
        let body = br#"{"object":"event","id":"e\u0031","type":"brand_new.thing","created_at":"t","data":{},"extra":1}"#;
        let e = EventEnvelope::parse(body).unwrap();
        assert_eq!(e.id, "e1");
        assert_eq!(e.event_type, "brand_new.thing");
    }
}
