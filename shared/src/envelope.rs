//! The Middesk event envelope: `object`, `id`, `type`, `created_at`, `data`, and `account_id`.
//!
//! Parsed only after the body's signature has been verified. The envelope borrows from the
//! body and leaves `data` as raw JSON, so the verifier never rebuilds the payload.
//!
//! Middesk names the type in `namespace` instead of `type` in some events (jurisdiction
//! registrations, which also have no top-level `object`): such an event is well-formed and
//! routed by its `namespace`.
//!
//! A verified body that is not well-formed is still delivered: to its type's queue when its
//! type can be read ([`ReadableParts`]), else to the catch-all; flagged `malformed` either way.

use std::borrow::Cow;
use std::time::SystemTime;

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
    /// When Middesk created the event (its RFC 3339 `created_at`, any offset).
    pub created_at: SystemTime,
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
    #[serde(borrow, default)]
    created_at: Option<Cow<'a, str>>,
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
    /// `created_at` is missing or not an RFC 3339 date-time: the event's age cannot be read,
    /// so the replay window cannot judge it.
    #[error("created_at is missing or not an RFC 3339 date-time")]
    UnreadableCreatedAt,
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
        let created_at =
            wire.created_at.as_deref().and_then(parse_rfc3339).ok_or(MalformedEvent::UnreadableCreatedAt)?;
        // An account id that could not be a message attribute is left out, not fatal: the
        // body carries it anyway.
        let account_id = wire.account_id.filter(|a| is_valid_event_id(a));
        Ok(Self { id: wire.id, event_type, created_at, account_id, data: wire.data })
    }
}

/// What can still be read from a verified body that is not a well-formed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadableParts {
    /// Its `type` (or `namespace`), a valid event type: the event goes to that type's queue.
    pub event_type: String,
    /// Its `id`, if that is a valid event id.
    pub id: Option<String>,
    /// Its `account_id`, if that is attribute-safe.
    pub account_id: Option<String>,
}

impl ReadableParts {
    /// The parts of `body` that can be read, if its type is one of them (a JSON object whose
    /// `type`, else `namespace`, is a valid event type). Only for bodies that
    /// [`EventEnvelope::parse`] refused, so the cost of a full parse is paid only there.
    pub fn of(body: &[u8]) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let text = |name: &str| value.get(name).and_then(serde_json::Value::as_str);
        let event_type = text("type").or_else(|| text("namespace")).filter(|t| is_valid_event_type(t))?;
        let checked = |name: &str| text(name).filter(|v| is_valid_event_id(v)).map(str::to_owned);
        Some(Self { event_type: event_type.to_owned(), id: checked("id"), account_id: checked("account_id") })
    }
}

/// The top-level `account_id` of a body, if it is a JSON object with an attribute-safe one.
/// Reads nothing else (every other field is skipped), so it costs one scan of the body.
pub fn account_id_of(body: &[u8]) -> Option<Cow<'_, str>> {
    #[derive(Deserialize)]
    struct AccountOnly<'a> {
        #[serde(borrow, default)]
        account_id: Option<Cow<'a, str>>,
    }
    let parsed: AccountOnly = serde_json::from_slice(body).ok()?;
    parsed.account_id.filter(|a| is_valid_event_id(a))
}

/// An RFC 3339 date-time with any offset (`Z`, `+02:00`, `-05:00`) and any fraction of a second,
/// as a point in time; `None` if it is not one (or is before 1970).
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    let since_epoch = parsed - time::OffsetDateTime::UNIX_EPOCH;
    SystemTime::UNIX_EPOCH.checked_add(since_epoch.try_into().ok()?)
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
        assert_eq!(e.created_at, parse_rfc3339("2020-01-02T23:54:48.239Z").unwrap());
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
        for created_at in [r#""t""#, r#""2026-11-23""#, "1795435200", "null"] {
            let body = format!(
                r#"{{"object":"event","id":"1","type":"a.b","created_at":{created_at},"data":{{}}}}"#
            );
            let expected = match created_at {
                "1795435200" => MalformedEvent::NotAnEnvelope,
                _ => MalformedEvent::UnreadableCreatedAt,
            };
            assert_eq!(EventEnvelope::parse(body.as_bytes()).unwrap_err(), expected, "{body}");
        }
        let no_created_at = br#"{"object":"event","id":"1","type":"a.b","data":{}}"#;
        assert_eq!(EventEnvelope::parse(no_created_at).unwrap_err(), MalformedEvent::UnreadableCreatedAt);
    }

    #[test]
    fn created_at_in_any_rfc_3339_offset() {
        let utc = parse_rfc3339("2026-11-23T17:00:00Z").unwrap();
        for same in [
            "2026-11-23T12:00:00-05:00",
            "2026-11-23T19:00:00+02:00",
            "2026-11-23T17:00:00.000000Z",
            "2026-11-23t17:00:00z",
        ] {
            assert_eq!(parse_rfc3339(same), Some(utc), "{same}");
        }
        let fraction = parse_rfc3339("2026-11-23T19:00:00.25+02:00").unwrap();
        assert_eq!(fraction.duration_since(utc).unwrap(), std::time::Duration::from_millis(250));
        for bad in ["2026-11-23", "2026-11-23T17:00:00", "yesterday", "", "2026-13-01T00:00:00Z"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_type_of_a_malformed_body_is_read_when_it_can_be() {
        let parts = |body: &str| ReadableParts::of(body.as_bytes());
        let odd_id = r#"{"object":"event","id":"a b","type":"business.updated","created_at":"t","data":{},"account_id":"acc"}"#;
        assert_eq!(
            parts(odd_id),
            Some(ReadableParts {
                event_type: "business.updated".into(),
                id: None,
                account_id: Some("acc".into())
            })
        );
        let no_created_at = r#"{"id":"ev-1","namespace":"agent_item_change.created","data":"x"}"#;
        assert_eq!(
            parts(no_created_at).map(|p| (p.event_type, p.id)),
            Some(("agent_item_change.created".into(), Some("ev-1".into())))
        );
        for unreadable in ["not json", "[]", r#"{"type":"A.B"}"#, r#"{"type":7}"#, r#"{"id":"1"}"#] {
            assert_eq!(parts(unreadable), None, "{unreadable}");
        }
    }

    #[test]
    fn the_type_may_come_in_namespace_and_the_account_is_read() {
        let body = crate::verify::sample::sample_payload("agent_jurisdiction_registration.updated").unwrap();
        let e = EventEnvelope::parse(body.as_bytes()).unwrap();
        assert_eq!(e.event_type, "agent_jurisdiction_registration.updated");
        assert_eq!(e.account_id.as_deref(), Some("5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10"));
        // `type` wins over `namespace` when both are present.
        let both =
            br#"{"id":"1","type":"a.b","namespace":"c.d","created_at":"2026-01-01T00:00:00Z","data":{},"account_id":"a b"}"#;
        let e = EventEnvelope::parse(both).unwrap();
        assert_eq!(e.event_type, "a.b");
        assert_eq!(e.account_id, None, "an account id that cannot be an attribute is left out");
    }

    #[test]
    fn escaped_strings_and_unknown_fields_are_fine() {
        let body = br#"{"object":"event","id":"e\u0031","type":"brand_new.thing","created_at":"2026-01-01T00:00:00Z","data":{},"extra":1}"#;
        let e = EventEnvelope::parse(body).unwrap();
        assert_eq!(e.id, "e1");
        assert_eq!(e.event_type, "brand_new.thing");
    }
}
