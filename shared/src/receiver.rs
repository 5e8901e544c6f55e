//! The verifier's request path, free of AWS and of any HTTP framework:
//! method and size checks, authentication on the raw bytes, envelope parsing, routing and
//! the hand-off to the queue. The Lambda edge only converts events to and from it.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};

use crate::envelope::{EventEnvelope, MalformedEvent};
use crate::error::ReceiveError;
use crate::message::{MessageContext, OutboundMessage, correlation_id};
use crate::publisher::QueuePublisher;
use crate::routing::QueueRouter;
use crate::secret::{SecretCache, SecretSource, SecretVersion};
use crate::signature::{SIGNATURE_HEADER, parse_signature};

/// The `X-Correlation-Id` header Middesk sets to the id of the event's main object.
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// Request-independent settings of the receiver.
#[derive(Debug, Clone, Copy)]
pub struct ReceiverSettings {
    /// How long after a secret rotation the previous secret still verifies (zero: never).
    pub rotation_grace: Duration,
    /// The largest body accepted.
    pub max_body_bytes: usize,
}

/// One incoming request, as the receiver needs it.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    /// The HTTP method.
    pub method: &'a Method,
    /// The headers (case-insensitive lookup).
    pub headers: &'a HeaderMap,
    /// The raw body bytes, already base64-decoded if the gateway encoded them.
    pub body: &'a [u8],
    /// When the request arrived.
    pub received_at: SystemTime,
}

/// What happened to a request: enough for the response, the log line and the metrics.
#[derive(Debug)]
pub struct Receipt {
    /// `Ok` once the message is in its queue.
    pub result: Result<(), ReceiveError>,
    /// The event id, once verified and parsed.
    pub event_id: Option<String>,
    /// The event type, once verified and parsed.
    pub event_type: Option<String>,
    /// The usable `X-Correlation-Id`, if any.
    pub correlation_id: Option<String>,
    /// The queue name the message went (or was going) to.
    pub queue: Option<String>,
    /// Set when a verified body was not a well-formed event.
    pub malformed: Option<MalformedEvent>,
    /// Which secret version verified the request.
    pub secret_version: Option<SecretVersion>,
}

impl Receipt {
    fn new(correlation_id: Option<String>) -> Self {
        Self {
            result: Ok(()),
            event_id: None,
            event_type: None,
            correlation_id,
            queue: None,
            malformed: None,
            secret_version: None,
        }
    }

    /// The HTTP status: 202 only once the message is queued.
    pub fn status(&self) -> StatusCode {
        match &self.result {
            Ok(()) => StatusCode::ACCEPTED,
            Err(error) => error.status(),
        }
    }

    /// A short label for logs and metrics.
    pub fn outcome(&self) -> &'static str {
        match (&self.result, &self.malformed) {
            (Ok(()), None) => "accepted",
            (Ok(()), Some(_)) => "accepted_malformed",
            (Err(error), _) => error.outcome(),
        }
    }

    /// The short JSON response body. Never contains secrets, signatures or internals.
    pub fn response_body(&self) -> String {
        match &self.result {
            Ok(()) => serde_json::json!({ "status": "accepted", "event_id": self.event_id }).to_string(),
            Err(error) => serde_json::json!({ "error": error.public_message() }).to_string(),
        }
    }
}

/// Verifies webhooks and hands them to their queues.
pub struct WebhookReceiver<S, P> {
    secrets: SecretCache<S>,
    publisher: P,
    router: QueueRouter,
    settings: ReceiverSettings,
}

impl<S: SecretSource, P: QueuePublisher> WebhookReceiver<S, P> {
    /// Assembles a receiver from its parts.
    pub fn new(
        secrets: SecretCache<S>,
        publisher: P,
        router: QueueRouter,
        settings: ReceiverSettings,
    ) -> Self {
        Self { secrets, publisher, router, settings }
    }

    /// Fetches the secret ahead of the first request (during Lambda's init phase).
    pub async fn warm_up(&self, now: SystemTime) -> Result<(), crate::error::SecretError> {
        self.secrets.get(now).await.map(drop)
    }

    /// The publisher (for tests that inspect an in-memory queue).
    pub fn publisher(&self) -> &P {
        &self.publisher
    }

    /// The routing table.
    pub fn router(&self) -> &QueueRouter {
        &self.router
    }

    /// Handles one request. Never panics on any input; every failure is in the receipt.
    pub async fn receive(&self, request: WebhookRequest<'_>) -> Receipt {
        let correlation = correlation_id(request.headers.get(CORRELATION_HEADER).map(|v| v.as_bytes()));
        let mut receipt = Receipt::new(correlation.map(str::to_owned));
        receipt.result = self.deliver(request, correlation, &mut receipt).await;
        receipt
    }

    async fn deliver(
        &self,
        request: WebhookRequest<'_>,
        correlation: Option<&str>,
        receipt: &mut Receipt,
    ) -> Result<(), ReceiveError> {
        if request.method != Method::POST {
            return Err(ReceiveError::MethodNotAllowed);
        }
        let body = request.body;
        if body.len() > self.settings.max_body_bytes {
            return Err(ReceiveError::PayloadTooLarge {
                size: body.len(),
                limit: self.settings.max_body_bytes,
            });
        }
        receipt.secret_version = Some(self.authenticate(&request).await?);

        // Only a verified body is parsed.
        if body.is_empty() {
            return Err(ReceiveError::EmptyBody);
        }
        let envelope = EventEnvelope::parse(body);
        let (queue, event) = match &envelope {
            Ok(e) => (self.router.route(&e.event_type), Some((&*e.id, &*e.event_type))),
            Err(malformed) => {
                receipt.malformed = Some(malformed.clone());
                (self.router.catch_all(), None)
            }
        };
        if let Some((id, event_type)) = event {
            receipt.event_id = Some(id.to_owned());
            receipt.event_type = Some(event_type.to_owned());
        }
        receipt.queue = Some(queue.name.clone());
        let context = MessageContext {
            event,
            correlation_id: correlation,
            received_at: request.received_at,
            auth_method: "hmac",
        };
        let message = OutboundMessage::new(queue, body, context);
        self.publisher.publish(&message).await?;
        Ok(())
    }

    async fn authenticate(&self, request: &WebhookRequest<'_>) -> Result<SecretVersion, ReceiveError> {
        // A missing or malformed signature is rejected before the secret is even needed.
        let tag = request
            .headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| parse_signature(v.as_bytes()))
            .ok_or(ReceiveError::Unauthorized("missing or malformed signature"))?;
        let secrets = self.secrets.get(request.received_at).await?;
        secrets
            .verify(request.body, &tag, request.received_at, self.settings.rotation_grace)
            .ok_or(ReceiveError::Unauthorized("signature mismatch"))
    }
}
