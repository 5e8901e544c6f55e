//! The Lambda edge of the verifier: API Gateway (REST and HTTP API) and function URL events
//! in, the core [`WebhookReceiver`] in the middle, a short JSON response, one log line and one
//! metrics record out.

use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant, SystemTime};

use futures_util::FutureExt as _;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::request::{LambdaRequest, RequestContext, RequestOrigin};
use lambda_http::{Body, LambdaEvent, Request, RequestExt as _, Response};
#[cfg(feature = "aws")]
pub use middesk_webhooks::aws::{Verifier, build_verifier};
use middesk_webhooks::verify::archive::EventArchive;
use middesk_webhooks::verify::auth::mtls::ClientCertificate;
use middesk_webhooks::verify::auth::oidc::JwksSource;
use middesk_webhooks::verify::metrics::{Counted, emf_record};
use middesk_webhooks::{QueuePublisher, Receipt, SecretSource, WebhookReceiver, WebhookRequest};
use tracing::Instrument as _;

/// The client certificate and source address from the gateway's request context: HTTP API
/// (`authentication.clientCert`, `http.sourceIp`) or REST API (`identity.clientCert`,
/// `identity.sourceIp`). Never from headers, which a client can set.
pub fn request_origin(request: &Request) -> (Option<ClientCertificate>, Option<IpAddr>) {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            let cert =
                ctx.authentication.as_ref().and_then(|a| a.client_cert.as_ref()).map(|c| ClientCertificate {
                    subject_dn: c.subject_dn.clone().unwrap_or_default(),
                    pem: c.client_cert_pem.clone(),
                    not_before: c.validity.not_before.clone(),
                    not_after: c.validity.not_after.clone(),
                });
            (cert, ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok()))
        }
        Some(RequestContext::ApiGatewayV1(ctx)) => {
            // aws_lambda_events has no REST clientCert field; it arrives in the catch-all map.
            let cert =
                ctx.identity.other.get("clientCert").filter(|c| c.is_object()).map(|c| ClientCertificate {
                    subject_dn: text(&c["subjectDN"]).unwrap_or_default(),
                    pem: text(&c["clientCertPem"]),
                    not_before: text(&c["validity"]["notBefore"]),
                    not_after: text(&c["validity"]["notAfter"]),
                });
            (cert, ctx.identity.source_ip.as_deref().and_then(|ip| ip.parse().ok()))
        }
        _ => (None, None),
    }
}

/// Handles one Lambda invocation from API Gateway or a function URL, received at
/// `received_at` (the clock is the caller's: `SystemTime::now()` when deployed, a chosen time in
/// tests): converts the event to an HTTP request, handles it, and converts the response back for
/// the event's origin.
///
/// This replaces `lambda_http::run`'s adapter because that conversion panics on a body flagged
/// `isBase64Encoded` that is not valid base64 (found by fuzzing); here such an event gets a 400.
pub async fn handle_event<S: SecretSource, P: QueuePublisher, J: JwksSource, A: EventArchive>(
    receiver: &WebhookReceiver<S, P, J, A>,
    metrics_namespace: &str,
    event: LambdaEvent<LambdaRequest>,
    received_at: SystemTime,
) -> Result<GatewayResponse, std::convert::Infallible> {
    let LambdaEvent { payload, context } = event;
    let origin = payload.request_origin();
    // Check first, so the conversion's panic is not even reached; catch_unwind stays as a backstop.
    let converted = match undecodable_body(&payload) {
        true => Err(()),
        false => std::panic::catch_unwind(AssertUnwindSafe(|| Request::from(payload))).map_err(drop),
    };
    let response = match converted {
        Ok(request) => {
            handle(receiver, metrics_namespace, request.with_lambda_context(context), received_at).await?
        }
        Err(()) => {
            tracing::warn!(outcome = "malformed_event", status = 400, "request event could not be decoded");
            emit(
                metrics_namespace,
                Some(Counted::ForeignRefused),
                "malformed_event",
                Duration::ZERO,
                received_at,
            );
            json_response(400, r#"{"error":"malformed request"}"#.into())
        }
    };
    Ok(lambda_response(&origin, response))
}

/// Whether the event says its body is base64 but it does not decode (the conversion would panic).
fn undecodable_body(payload: &LambdaRequest) -> bool {
    use base64::Engine as _;
    let (body, encoded) = match payload {
        LambdaRequest::ApiGatewayV1(r) => (r.body.as_deref(), r.is_base64_encoded),
        LambdaRequest::ApiGatewayV2(r) => (r.body.as_deref(), r.is_base64_encoded),
        _ => (None, false),
    };
    encoded && body.is_some_and(|b| base64::engine::general_purpose::STANDARD.decode(b).is_err())
}

/// The Lambda response to an API Gateway REST API, or an HTTP API / function URL, event.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum GatewayResponse {
    /// Payload format 1.0.
    Rest(ApiGatewayProxyResponse),
    /// Payload format 2.0.
    Http(ApiGatewayV2httpResponse),
}

impl GatewayResponse {
    /// The HTTP status.
    pub fn status(&self) -> i64 {
        match self {
            Self::Rest(r) => r.status_code,
            Self::Http(r) => r.status_code,
        }
    }
}

/// The Lambda response for a request of `origin`.
fn lambda_response(origin: &RequestOrigin, response: Response<Body>) -> GatewayResponse {
    let (parts, body) = response.into_parts();
    let status_code = parts.status.as_u16();
    match origin {
        RequestOrigin::ApiGatewayV1 => {
            let mut r = ApiGatewayProxyResponse::default();
            r.status_code = i64::from(status_code);
            r.multi_value_headers = parts.headers;
            r.body = Some(body);
            GatewayResponse::Rest(r)
        }
        // HTTP API and function URLs; no other origin is enabled in this build.
        _ => {
            let mut r = ApiGatewayV2httpResponse::default();
            r.status_code = i64::from(status_code);
            r.headers = parts.headers;
            r.body = Some(body);
            GatewayResponse::Http(r)
        }
    }
}

/// Handles one HTTP request received at `received_at` (the time the replay window, the secret
/// cache and the metrics read). Never fails and never lets a panic reach the runtime: a panic
/// becomes a 500, which Middesk retries.
pub async fn handle<S: SecretSource, P: QueuePublisher, J: JwksSource, A: EventArchive>(
    receiver: &WebhookReceiver<S, P, J, A>,
    metrics_namespace: &str,
    request: Request,
    received_at: SystemTime,
) -> Result<Response<Body>, std::convert::Infallible> {
    let started = Instant::now();
    let (client_certificate, source_ip) = request_origin(&request);
    // The invocation's X-Ray trace header (the runtime's `Lambda-Runtime-Trace-Id`), sent on
    // with the message so that the consumer's invocation joins the same trace.
    let trace_header = request.lambda_context_ref().and_then(|c| c.xray_trace_id.clone());
    let webhook = WebhookRequest {
        method: request.method(),
        headers: request.headers(),
        body: request.body().as_ref(),
        received_at,
        client_certificate: client_certificate.as_ref(),
        source_ip,
        trace_header: trace_header.as_deref(),
    };
    // The trace's server span (HTTP semantic conventions); the receiver's steps are its
    // children. It continues the invocation's X-Ray trace, so the trace starts at API Gateway.
    let span = tracing::info_span!(
        target: middesk_webhooks::telemetry::TARGET,
        "request",
        otel.name = %request.method(),
        otel.kind = "server",
        http.request.method = %request.method(),
        http.response.status_code = tracing::field::Empty,
        faas.invocation_id = request.lambda_context_ref().map(|c| c.request_id.as_str()),
        middesk.event.id = tracing::field::Empty,
        middesk.event.type = tracing::field::Empty,
        middesk.outcome = tracing::field::Empty,
        middesk.auth.method = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        error.type = tracing::field::Empty,
    );
    middesk_webhooks::telemetry::continue_xray_trace(&span, trace_header.as_deref());
    let received = AssertUnwindSafe(receiver.receive(webhook)).catch_unwind().instrument(span.clone()).await;
    let receipt = match received {
        Ok(receipt) => receipt,
        Err(_) => {
            middesk_webhooks::telemetry::record_error(&span, "panic");
            tracing::error!(outcome = "panic", status = 500, "webhook handler panicked");
            emit(metrics_namespace, Some(Counted::Fault), "panic", started.elapsed(), received_at);
            return Ok(json_response(500, r#"{"error":"internal error, retry later"}"#.into()));
        }
    };
    let latency = started.elapsed();
    record_receipt(&span, &receipt);
    log_receipt(&receipt, latency.as_secs_f64() * 1000.0, source_ip);
    emit(metrics_namespace, receipt.counted(), receipt.outcome(), latency, received_at);
    let mut response = json_response(receipt.status().as_u16(), receipt.response_body());
    if receipt.status() == http::StatusCode::METHOD_NOT_ALLOWED {
        response.headers_mut().insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
    }
    Ok(response)
}

/// The metrics record of a request whose outcome an alarm watches, including those the
/// receiver never saw (a request event that does not decode, a panic).
fn emit(metrics_namespace: &str, counted: Option<Counted>, outcome: &str, latency: Duration, at: SystemTime) {
    if let Some(counted) = counted.filter(|_| !metrics_namespace.is_empty()) {
        println!("{}", emf_record(metrics_namespace, counted, outcome, latency, at));
    }
}

fn json_response(status: u16, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}

/// The receipt on the request's span: ids, type, outcome and status.
fn record_receipt(span: &tracing::Span, receipt: &Receipt) {
    span.record("http.response.status_code", i64::from(receipt.status().as_u16()));
    span.record("middesk.event.id", receipt.event_id.as_deref());
    span.record("middesk.event.type", receipt.event_type.as_deref());
    span.record("middesk.outcome", receipt.outcome());
    span.record("middesk.auth.method", receipt.auth_method.as_deref());
    // A server span fails on a 5xx only: a refusal is the server doing its job.
    if receipt.status().is_server_error() {
        middesk_webhooks::telemetry::record_error(span, receipt.outcome());
    }
}

/// One line per request: ids, type, outcome, queue, latency; for a refusal, the caller's
/// address (from the gateway's request context), so that a forger or a misconfigured sender
/// can be told apart. Never the body, a header, the signature or a token.
fn log_receipt(receipt: &Receipt, latency_ms: f64, source_ip: Option<IpAddr>) {
    let status = receipt.status().as_u16();
    let caller = source_ip.filter(|_| (400..500).contains(&status)).map(|ip| ip.to_string());
    let error = receipt.result.as_ref().err().map(|e| e.to_string());
    let malformed = receipt.malformed.as_ref().map(|m| m.to_string());
    let secret_version = receipt.secret_version.map(|v| v.as_str());
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                event_id = receipt.event_id.as_deref(),
                event_type = receipt.event_type.as_deref(),
                correlation_id = receipt.correlation_id.as_deref(),
                outcome = receipt.outcome(),
                refused_as = receipt.result.as_ref().err().and_then(|e| e.whose()).map(|w| w.as_str()),
                status,
                queue = receipt.queue.as_deref(),
                latency_ms,
                secret_version,
                auth_method = receipt.auth_method.as_deref(),
                malformed = malformed.as_deref(),
                source_ip = caller.as_deref(),
                error = error.as_deref(),
                "webhook"
            )
        };
    }
    match status {
        500.. => line!(error),
        400.. => line!(warn),
        _ => line!(info),
    }
}
