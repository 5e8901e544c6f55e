//! The SQS message built from a verified webhook: the body exactly as signed, plus attributes.

use std::borrow::Cow;
use std::time::SystemTime;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::envelope::is_valid_event_id;

/// Message attribute names set by the verifier.
pub mod attribute {
    /// The event type (`business.updated`); absent for a malformed body.
    pub const EVENT_TYPE: &str = "event_type";
    /// Middesk's event id; absent for a malformed body.
    pub const EVENT_ID: &str = "event_id";
    /// The Middesk account the event is for (the envelope's `account_id`), when present.
    pub const ACCOUNT_ID: &str = "account_id";
    /// The `X-Correlation-Id` header: the id of the event's main object.
    pub const CORRELATION_ID: &str = "correlation_id";
    /// When the verifier received the request (RFC 3339, UTC).
    pub const RECEIVED_AT: &str = "received_at";
    /// How the request was authenticated (`hmac`, `mtls`, `oidc`).
    pub const AUTH_METHOD: &str = "auth_method";
    /// Present (`"true"`) when a verified body was not a well-formed event.
    pub const MALFORMED: &str = "malformed";
    /// With `malformed`: why, e.g. `created_at is missing or not an RFC 3339 date-time`.
    pub const MALFORMED_REASON: &str = "malformed_reason";
    /// Present (`"base64"`) when the body could not travel as SQS text and was encoded.
    pub const BODY_ENCODING: &str = "body_encoding";
    /// On a claim-check pointer: the size of the body kept in S3 (type `Number`). The name the
    /// Amazon SQS Extended Client libraries (Java, Python) use, so they read our queues too.
    pub const EXTENDED_PAYLOAD_SIZE: &str = "ExtendedPayloadSize";
    /// The older name of [`EXTENDED_PAYLOAD_SIZE`], still read.
    pub const LEGACY_PAYLOAD_SIZE: &str = "SQSLargePayloadSize";
    /// The W3C trace context of the span that sent the message (`00-{trace}-{span}-{flags}`),
    /// when tracing is on: what OpenTelemetry's SQS instrumentations link to.
    pub const TRACEPARENT: &str = "traceparent";
}

/// The most message attributes SQS takes on one message.
pub const SQS_MAX_MESSAGE_ATTRIBUTES: usize = 10;
/// What a `traceparent` attribute adds to a message's size: its name, type and 55-byte value.
/// Counted whether or not tracing is on, so the claim check decides the same either way.
const TRACEPARENT_BYTES: usize = attribute::TRACEPARENT.len() + "String".len() + 55;

/// The SQS message size limit (1 MiB, body and attributes), the default of
/// `SQS_MAX_MESSAGE_BYTES`.
pub const SQS_MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The pointer class of the Amazon SQS Extended Client libraries' claim-check messages.
pub const POINTER_CLASS: &str = "software.amazon.payloadoffloading.PayloadS3Pointer";
/// The class older Java clients wrote; still read.
const LEGACY_POINTER_CLASS: &str = "com.amazon.sqs.javamessaging.MessageS3Pointer";

/// Where a claim-check message's body is kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PayloadPointer {
    /// The S3 bucket.
    #[serde(rename = "s3BucketName")]
    pub bucket: String,
    /// The object key.
    #[serde(rename = "s3Key")]
    pub key: String,
}

impl PayloadPointer {
    /// The message body of this pointer, in the Extended Client libraries' format:
    /// `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":…,"s3Key":…}]`.
    pub fn to_body(&self) -> String {
        serde_json::json!([POINTER_CLASS, self]).to_string()
    }

    /// Reads a pointer body (either class name); `None` if `body` is not one.
    pub fn from_body(body: &str) -> Option<Self> {
        let (class, pointer): (String, Self) = serde_json::from_str(body).ok()?;
        (class == POINTER_CLASS || class == LEGACY_POINTER_CLASS).then_some(pointer)
    }
}

/// An SQS queue a message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// The queue URL.
    pub url: String,
    /// The queue name (the URL's last segment), for logs.
    pub name: String,
}

impl Queue {
    /// Whether this is a FIFO queue (needs a message group and deduplication id).
    pub fn is_fifo(&self) -> bool {
        self.name.ends_with(".fifo")
    }

    /// A queue from a URL, or from a name joined to `base`.
    pub fn resolve(reference: &str, base: Option<&str>) -> Result<Self, String> {
        Self::resolve_prefixed(reference, base, "")
    }

    /// A queue from a URL, or from `name_prefix` and a name joined to `base`.
    pub fn resolve_prefixed(reference: &str, base: Option<&str>, name_prefix: &str) -> Result<Self, String> {
        let reference = reference.trim();
        if reference.starts_with("https://") || reference.starts_with("http://") {
            let name = reference.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
            if !is_valid_queue_name(name) {
                return Err(format!("URL does not end in a valid queue name: {name:?}"));
            }
            return Ok(Self { url: reference.to_owned(), name: name.to_owned() });
        }
        let name = format!("{name_prefix}{reference}");
        if reference.is_empty() || !is_valid_queue_name(&name) {
            return Err(format!(
                "not a queue URL or a valid queue name (1-80 of A-Z a-z 0-9 - _, optional .fifo): {name:?}"
            ));
        }
        let Some(base) = base else {
            return Err("a queue name needs QUEUE_URL_BASE (or give the full queue URL)".into());
        };
        Ok(Self { url: format!("{}/{}", base.trim_end_matches('/'), name), name })
    }
}

fn is_valid_queue_name(name: &str) -> bool {
    let stem = name.strip_suffix(".fifo").unwrap_or(name);
    (1..=80).contains(&name.len())
        && !stem.is_empty()
        && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The S3 key of a body: `prefix` and the body's SHA-256, so that Middesk's retries of one
/// event write the same object.
pub fn payload_key(prefix: &str, body: &[u8]) -> String {
    format!("{prefix}{}", hex::encode(Sha256::digest(body)))
}

/// The longest `X-Correlation-Id` carried as an attribute; longer values are dropped.
pub const MAX_CORRELATION_ID_LEN: usize = 256;

/// FIFO queue ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FifoIds {
    /// `MessageGroupId`: the correlation id, else the event id; order is kept per group.
    pub group_id: String,
    /// `MessageDeduplicationId`: the event id, so Middesk's retries within 5 minutes collapse.
    pub deduplication_id: String,
}

/// A message ready for a [`crate::verify::publisher::QueuePublisher`].
#[derive(Debug, Clone)]
pub struct OutboundMessage<'a> {
    /// Where it goes.
    pub queue: &'a Queue,
    /// The verified body, byte for byte when it is valid SQS text, else base64.
    pub body: Cow<'a, str>,
    /// The verified body's bytes, as received (what a claim check stores).
    pub raw_body: &'a [u8],
    /// String attributes, name and value.
    pub attributes: Vec<(&'static str, String)>,
    /// Set for FIFO queues.
    pub fifo: Option<FifoIds>,
    /// The X-Ray trace header of the invocation that received the event, sent as SQS's
    /// `AWSTraceHeader` system attribute, so that the consumer's invocation joins the trace.
    pub trace_header: Option<String>,
    /// The W3C context it was first sent in (a replay's, from the archive), for the publisher
    /// to send as [`attribute::TRACEPARENT`] when it sends from no traced span of its own.
    pub traceparent: Option<String>,
}

/// What is known about a verified request when its message is built.
#[derive(Debug, Clone, Copy)]
pub struct MessageContext<'a> {
    /// The event id, when it can be read and is attribute-safe.
    pub event_id: Option<&'a str>,
    /// The event type, when it can be read.
    pub event_type: Option<&'a str>,
    /// Why the body is not a well-formed event, if it is not: sets `malformed` and
    /// `malformed_reason`.
    pub malformed: Option<&'a str>,
    /// The envelope's `account_id`, already checked to be attribute-safe.
    pub account_id: Option<&'a str>,
    /// The `X-Correlation-Id` header, already checked by [`correlation_id`].
    pub correlation_id: Option<&'a str>,
    /// When the request arrived.
    pub received_at: SystemTime,
    /// How it was authenticated.
    pub auth_method: &'a str,
    /// The receiving invocation's X-Ray trace header (`Root=…;Parent=…;Sampled=…`), if traced.
    pub trace_header: Option<&'a str>,
    /// The W3C trace context the event was first sent in (replays), if any.
    pub traceparent: Option<&'a str>,
}

impl<'a> OutboundMessage<'a> {
    /// Builds the message for `body` going to `queue`.
    pub fn new(queue: &'a Queue, body_bytes: &'a [u8], context: MessageContext<'_>) -> Self {
        let mut attributes = Vec::with_capacity(8);
        if let Some(event_type) = context.event_type {
            attributes.push((attribute::EVENT_TYPE, event_type.to_owned()));
        }
        if let Some(id) = context.event_id {
            attributes.push((attribute::EVENT_ID, id.to_owned()));
        }
        if let Some(reason) = context.malformed {
            attributes.push((attribute::MALFORMED, "true".to_owned()));
            attributes.push((attribute::MALFORMED_REASON, reason.to_owned()));
        }
        if let Some(account_id) = context.account_id {
            attributes.push((attribute::ACCOUNT_ID, account_id.to_owned()));
        }
        if let Some(correlation_id) = context.correlation_id {
            attributes.push((attribute::CORRELATION_ID, correlation_id.to_owned()));
        }
        attributes.push((
            attribute::RECEIVED_AT,
            humantime::format_rfc3339_millis(context.received_at).to_string(),
        ));
        attributes.push((attribute::AUTH_METHOD, context.auth_method.to_owned()));

        let body = match sqs_text(body_bytes) {
            Some(text) => Cow::Borrowed(text),
            None => {
                attributes.push((attribute::BODY_ENCODING, "base64".to_owned()));
                Cow::Owned(base64::engine::general_purpose::STANDARD.encode(body_bytes))
            }
        };
        let fifo = queue.is_fifo().then(|| {
            let event_id = context.event_id.map(str::to_owned);
            let deduplication_id =
                event_id.clone().unwrap_or_else(|| hex::encode(Sha256::digest(body.as_bytes())));
            let group_id = context
                .correlation_id
                .filter(|c| is_valid_event_id(c))
                .map(str::to_owned)
                .or(event_id)
                .unwrap_or_else(|| "malformed".to_owned());
            FifoIds { group_id, deduplication_id }
        });
        let trace_header = context.trace_header.and_then(trace_header).map(str::to_owned);
        let traceparent = context.traceparent.filter(|t| is_traceparent(t)).map(str::to_owned);
        Self { queue, body, raw_body: body_bytes, attributes, fifo, trace_header, traceparent }
    }

    /// Whether the body must go to S3 behind a pointer: the message would exceed
    /// `max_message_bytes`, or its body is not SQS text (S3 keeps the exact bytes, which every
    /// reader of the pointer format gets back unchanged, rather than our base64).
    pub fn needs_claim_check(&self, max_message_bytes: usize) -> bool {
        self.attribute(attribute::BODY_ENCODING).is_some() || self.size() > max_message_bytes
    }

    /// The same message with its body replaced by `pointer` (and `ExtendedPayloadSize`).
    pub fn with_pointer(&self, pointer: &PayloadPointer) -> OutboundMessage<'a> {
        let mut attributes: Vec<(&'static str, String)> =
            self.attributes.iter().filter(|(n, _)| *n != attribute::BODY_ENCODING).cloned().collect();
        attributes.push((attribute::EXTENDED_PAYLOAD_SIZE, self.raw_body.len().to_string()));
        OutboundMessage {
            queue: self.queue,
            body: Cow::Owned(pointer.to_body()),
            raw_body: self.raw_body,
            attributes,
            fifo: self.fifo.clone(),
            trace_header: self.trace_header.clone(),
            traceparent: self.traceparent.clone(),
        }
    }

    /// The attribute `name`, if set.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Bytes SQS counts against its message size limit: body plus attribute names, types, values.
    pub fn size(&self) -> usize {
        let attributes: usize = self.attributes.iter().map(|(n, v)| n.len() + "String".len() + v.len()).sum();
        self.body.len() + attributes + TRACEPARENT_BYTES
    }
}

/// The body as text if SQS accepts it unchanged: UTF-8 with only the characters SQS allows
/// (#x9, #xA, #xD, #x20 to #xFFFD minus surrogates, and above #xFFFF).
pub fn sqs_text(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body).ok()?;
    let bytes = text.as_bytes();
    // A branch-free fold, so the compiler vectorises it (this runs over every body).
    let control = bytes
        .iter()
        .fold(false, |found, &b| found | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')));
    // U+FFFE and U+FFFF are the only scalar values above #x1F that SQS refuses: EF BF BE/BF.
    let nonchar = memchr::memchr_iter(0xEF, bytes)
        .any(|i| bytes.get(i + 1) == Some(&0xBF) && bytes.get(i + 2) >= Some(&0xBE));
    (!text.is_empty() && !control && !nonchar).then_some(text)
}

/// The `X-Correlation-Id` value to carry, if it is usable: visible ASCII, not too long.
pub fn correlation_id(value: Option<&[u8]>) -> Option<&str> {
    let value = std::str::from_utf8(value?).ok()?.trim();
    let usable = !value.is_empty()
        && value.len() <= MAX_CORRELATION_ID_LEN
        && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    usable.then_some(value)
}

/// `value` if it is an X-Ray trace header SQS takes as `AWSTraceHeader` (`Root=1-…`, printable
/// ASCII, within 256 bytes); anything else is left out rather than failing the send.
pub fn trace_header(value: &str) -> Option<&str> {
    let usable =
        value.starts_with("Root=1-") && value.len() <= 256 && value.bytes().all(|b| b.is_ascii_graphic());
    usable.then_some(value)
}

/// Whether `value` has the shape of a W3C `traceparent` (version 00): 55 characters of
/// lowercase hex and dashes. What SQS is sent stays printable and short.
pub fn is_traceparent(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 55
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 35 | 52 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_header_goes_with_the_message_and_a_strange_one_is_left_out() {
        let q = queue("q");
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        let mut c = context(Some(("ev-1", "business.updated")), None);
        c.trace_header = Some(header);
        let message = OutboundMessage::new(&q, b"{}", c);
        assert_eq!(message.trace_header.as_deref(), Some(header));
        let pointer = PayloadPointer { bucket: "b".into(), key: "k".into() };
        assert_eq!(
            message.with_pointer(&pointer).trace_header.as_deref(),
            Some(header),
            "a claim check keeps it"
        );
        for strange in ["", "Root=1-x\n", "Parent=1", &"Root=1-".repeat(40)] {
            c.trace_header = Some(strange);
            assert_eq!(OutboundMessage::new(&q, b"{}", c).trace_header, None, "{strange:?}");
        }
    }

    fn queue(name: &str) -> Queue {
        Queue::resolve(name, Some("http://localhost/123")).unwrap()
    }

    fn context<'a>(event: Option<(&'a str, &'a str)>, correlation: Option<&'a str>) -> MessageContext<'a> {
        MessageContext {
            event_id: event.map(|(id, _)| id),
            event_type: event.map(|(_, t)| t),
            malformed: event.is_none().then_some("not an event envelope"),
            account_id: None,
            correlation_id: correlation,
            received_at: SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123),
            auth_method: "hmac",
            trace_header: None,
            traceparent: None,
        }
    }

    #[test]
    fn with_every_attribute_set_a_traceparent_still_fits_sqss_ten() {
        let q = queue("q");
        // Malformed with a readable id and type, an account, a correlation id, and a body that
        // is not SQS text (base64): every attribute the verifier can set.
        let mut c = context(Some(("ev-1", "business.updated")), Some("biz_1"));
        c.malformed = Some("created_at is missing");
        c.account_id = Some("acc_1");
        let message = OutboundMessage::new(&q, b"\x00{}", c);
        let pointer = PayloadPointer { bucket: "b".into(), key: "k".into() };
        for m in [&message, &message.with_pointer(&pointer)] {
            assert!(m.attribute(attribute::TRACEPARENT).is_none());
            assert!(m.attributes.len() < SQS_MAX_MESSAGE_ATTRIBUTES, "{:?}", m.attributes);
        }
        assert_eq!(message.attributes.len() + 1, SQS_MAX_MESSAGE_ATTRIBUTES, "the traceparent is the tenth");
    }

    #[test]
    fn a_replayed_traceparent_travels_and_a_strange_one_is_left_out() {
        let q = queue("q");
        let original = "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01";
        let mut c = context(Some(("ev-1", "business.updated")), None);
        c.traceparent = Some(original);
        assert_eq!(OutboundMessage::new(&q, b"{}", c).traceparent.as_deref(), Some(original));
        let upper = original.to_uppercase();
        for strange in
            ["", "00-5759e988bd862e3f", &upper, &format!("{original}\n"), &original.replace('-', "_")]
        {
            c.traceparent = Some(strange);
            assert_eq!(OutboundMessage::new(&q, b"{}", c).traceparent, None, "{strange:?}");
        }
    }

    #[test]
    fn body_travels_unchanged_with_attributes() {
        let q = queue("biz");
        let body = "{ \"b\":1,  \"a\":\"caf\\u00e9 é\" }\n".as_bytes();
        let m = OutboundMessage::new(&q, body, context(Some(("ev1", "business.updated")), Some("biz-9")));
        assert_eq!(m.body.as_bytes(), body);
        assert!(matches!(m.body, Cow::Borrowed(_)));
        assert_eq!(m.attribute(attribute::EVENT_TYPE), Some("business.updated"));
        assert_eq!(m.attribute(attribute::EVENT_ID), Some("ev1"));
        assert_eq!(m.attribute(attribute::CORRELATION_ID), Some("biz-9"));
        assert_eq!(m.attribute(attribute::RECEIVED_AT), Some("2023-11-14T22:13:20.123Z"));
        assert_eq!(m.attribute(attribute::AUTH_METHOD), Some("hmac"));
        assert_eq!(m.attribute(attribute::MALFORMED), None);
        assert_eq!(m.attribute(attribute::BODY_ENCODING), None);
        assert_eq!(m.fifo, None);
    }

    #[test]
    fn bodies_sqs_cannot_carry_are_base64() {
        let q = queue("all");
        for body in [&b"\xff\xfe binary"[..], b"nul \x00 inside", "nonchar \u{FFFF}".as_bytes()] {
            let m = OutboundMessage::new(&q, body, context(None, None));
            assert_eq!(m.attribute(attribute::BODY_ENCODING), Some("base64"));
            assert_eq!(m.attribute(attribute::MALFORMED), Some("true"));
            let decoded = base64::engine::general_purpose::STANDARD.decode(m.body.as_bytes()).unwrap();
            assert_eq!(decoded, body);
        }
        assert!(sqs_text("tab\tcr\rlf\n emoji 🦀 \u{FFFD}".as_bytes()).is_some());
    }

    #[test]
    fn fifo_ids() {
        let q = queue("events.fifo");
        let m = OutboundMessage::new(&q, b"{}", context(Some(("ev1", "a.b")), Some("biz-9")));
        assert_eq!(m.fifo, Some(FifoIds { group_id: "biz-9".into(), deduplication_id: "ev1".into() }));
        let m = OutboundMessage::new(&q, b"{}", context(Some(("ev1", "a.b")), None));
        assert_eq!(m.fifo, Some(FifoIds { group_id: "ev1".into(), deduplication_id: "ev1".into() }));
        // A correlation id that cannot be a group id falls back to the event id.
        let m = OutboundMessage::new(&q, b"{}", context(Some(("ev1", "a.b")), Some("has space")));
        assert_eq!(m.fifo.unwrap().group_id, "ev1");
        let m = OutboundMessage::new(&q, b"junk", context(None, None));
        let ids = m.fifo.unwrap();
        assert_eq!(ids.group_id, "malformed");
        assert_eq!(ids.deduplication_id.len(), 64);
    }

    #[test]
    fn correlation_header_checks() {
        assert_eq!(correlation_id(Some(b" abc-1 ")), Some("abc-1"));
        assert_eq!(correlation_id(Some(b"")), None);
        assert_eq!(correlation_id(Some(b"\x01x")), None);
        assert_eq!(correlation_id(Some("é".as_bytes())), None);
        assert_eq!(correlation_id(Some(&[b'a'; 257])), None);
        assert_eq!(correlation_id(None), None);
    }

    #[test]
    fn claim_check_when_too_large_or_not_text() {
        let q = queue("biz");
        let ctx = context(Some(("ev1", "business.updated")), Some("biz-9"));
        let small = OutboundMessage::new(&q, b"{\"a\":1}", ctx);
        assert!(!small.needs_claim_check(SQS_MAX_MESSAGE_BYTES));
        // The limit counts attributes too: a body just under 1 MiB does not fit with them.
        let body = vec![b'a'; SQS_MAX_MESSAGE_BYTES - 10];
        let large = OutboundMessage::new(&q, &body, ctx);
        assert!(large.size() > SQS_MAX_MESSAGE_BYTES && large.needs_claim_check(SQS_MAX_MESSAGE_BYTES));
        let exact = OutboundMessage::new(&q, &body[..SQS_MAX_MESSAGE_BYTES - small.size() + 7], ctx);
        assert_eq!(exact.size(), SQS_MAX_MESSAGE_BYTES);
        assert!(!exact.needs_claim_check(SQS_MAX_MESSAGE_BYTES));
        let binary = OutboundMessage::new(&q, b"\xff\xfe", ctx);
        assert!(binary.needs_claim_check(SQS_MAX_MESSAGE_BYTES), "S3 keeps the exact bytes");
    }

    #[test]
    fn the_pointer_is_the_extended_client_format() {
        let q = queue("biz");
        let binary = OutboundMessage::new(&q, b"\xff\xfe\x00", context(Some(("ev1", "t.x")), None));
        let pointer = PayloadPointer { bucket: "b".into(), key: payload_key("payloads/", b"\xff\xfe\x00") };
        let m = binary.with_pointer(&pointer);
        assert_eq!(
            m.body,
            format!(
                r#"["software.amazon.payloadoffloading.PayloadS3Pointer",{{"s3BucketName":"b","s3Key":"{}"}}]"#,
                pointer.key
            )
        );
        assert!(pointer.key.starts_with("payloads/") && pointer.key.len() == "payloads/".len() + 64);
        assert_eq!(m.attribute(attribute::EXTENDED_PAYLOAD_SIZE), Some("3"));
        assert_eq!(m.attribute(attribute::BODY_ENCODING), None, "S3 holds the raw bytes");
        assert_eq!(m.attribute(attribute::EVENT_ID), Some("ev1"));
        assert!(m.attributes.len() <= 10, "SQS allows 10 attributes");
        assert_eq!(PayloadPointer::from_body(&m.body), Some(pointer));
        let legacy = r#"["com.amazon.sqs.javamessaging.MessageS3Pointer",{"s3BucketName":"b","s3Key":"k"}]"#;
        assert_eq!(PayloadPointer::from_body(legacy).map(|p| p.key), Some("k".into()));
        for not_a_pointer in
            [r#"{"object":"event"}"#, r#"["other.Class",{"s3BucketName":"b","s3Key":"k"}]"#, "[]"]
        {
            assert_eq!(PayloadPointer::from_body(not_a_pointer), None, "{not_a_pointer}");
        }
    }

    #[test]
    fn the_largest_body_allowed_without_a_bucket_fits_sqs_even_as_base64() {
        use crate::envelope::{MAX_EVENT_ID_LEN, MAX_EVENT_TYPE_LEN};
        use crate::verify::config::MAX_MAX_BODY_BYTES;
        let q = queue("all");
        let (id, event_type) = ("i".repeat(MAX_EVENT_ID_LEN), "t".repeat(MAX_EVENT_TYPE_LEN));
        let correlation = "c".repeat(MAX_CORRELATION_ID_LEN);
        let mut ctx = context(Some((&id, &event_type)), Some(&correlation));
        ctx.auth_method = "hmac+mtls+oidc";
        let binary = vec![0xffu8; MAX_MAX_BODY_BYTES];
        let m = OutboundMessage::new(&q, &binary, ctx);
        assert_eq!(m.attribute(attribute::BODY_ENCODING), Some("base64"));
        assert!(m.size() <= SQS_MAX_MESSAGE_BYTES, "{} bytes", m.size());
    }
}
