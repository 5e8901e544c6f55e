//! The Lambda edge of the verifier: API Gateway (REST and HTTP API) and function URL events
//! in, the core [`WebhookReceiver`] in the middle, a short JSON response, one log line and one
//! metrics record out.

use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::time::{Instant, SystemTime};

use futures_util::FutureExt as _;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt as _, Response};
use middesk_webhooks::auth::mtls::ClientCertificate;
use middesk_webhooks::auth::oidc::{HttpJwks, JwksSource, OidcVerifier};
use middesk_webhooks::aws::{SecretsManagerSource, SqsPublisher};
use middesk_webhooks::metrics::emf_record;
use middesk_webhooks::{
    QueuePublisher, Receipt, SecretCache, SecretSource, VerifierConfig, WebhookReceiver, WebhookRequest,
};

/// The receiver as deployed: Secrets Manager for the secret, SQS for the queues.
pub type Verifier = WebhookReceiver<SecretsManagerSource, SqsPublisher>;

/// Builds the deployed receiver from configuration and clients (done once, at cold start).
pub fn build_verifier(
    config: &VerifierConfig,
    secrets_manager: aws_sdk_secretsmanager::Client,
    sqs: aws_sdk_sqs::Client,
) -> Verifier {
    let secrets = SecretsManagerSource::new(secrets_manager, &config.secret_id);
    let with_previous = !config.settings.rotation_grace.is_zero();
    let receiver = WebhookReceiver::new(
        SecretCache::new(secrets, config.secret_cache_ttl, with_previous),
        SqsPublisher::new(sqs),
        config.router.clone(),
        config.settings,
    )
    .with_policy(config.auth.policy.clone())
    .with_mtls_subject(config.auth.mtls_subject.clone())
    .with_source_ips(config.auth.source_ips.clone());
    match &config.auth.oidc {
        Some((settings, jwks_url)) => {
            receiver.with_oidc(OidcVerifier::new(settings.clone(), HttpJwks::new(jwks_url)))
        }
        None => receiver,
    }
}

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

/// Handles one HTTP request. Never fails and never lets a panic reach the runtime: a panic
/// becomes a 500, which Middesk retries.
pub async fn handle<S: SecretSource, P: QueuePublisher, J: JwksSource>(
    receiver: &WebhookReceiver<S, P, J>,
    metrics_namespace: &str,
    request: Request,
) -> Result<Response<Body>, std::convert::Infallible> {
    let started = Instant::now();
    let received_at = SystemTime::now();
    let (client_certificate, source_ip) = request_origin(&request);
    let webhook = WebhookRequest {
        method: request.method(),
        headers: request.headers(),
        body: request.body().as_ref(),
        received_at,
        client_certificate: client_certificate.as_ref(),
        source_ip,
    };
    let receipt = match AssertUnwindSafe(receiver.receive(webhook)).catch_unwind().await {
        Ok(receipt) => receipt,
        Err(_) => {
            tracing::error!(outcome = "panic", status = 500, "webhook handler panicked");
            return Ok(json_response(500, r#"{"error":"internal error, retry later"}"#.into()));
        }
    };
    let latency = started.elapsed();
    log_receipt(&receipt, latency.as_secs_f64() * 1000.0);
    if !metrics_namespace.is_empty() {
        println!("{}", emf_record(metrics_namespace, &receipt, latency, received_at));
    }
    let mut response = json_response(receipt.status().as_u16(), receipt.response_body());
    if receipt.status() == http::StatusCode::METHOD_NOT_ALLOWED {
        response.headers_mut().insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
    }
    Ok(response)
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

/// One line per request: ids, type, outcome, queue, latency. Never the body or signature.
fn log_receipt(receipt: &Receipt, latency_ms: f64) {
    let status = receipt.status().as_u16();
    let error = receipt.result.as_ref().err().map(|e| e.to_string());
    let malformed = receipt.malformed.as_ref().map(|m| m.to_string());
    let secret_version = receipt.secret_version.map(|v| format!("{v:?}").to_lowercase());
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                event_id = receipt.event_id.as_deref(),
                event_type = receipt.event_type.as_deref(),
                correlation_id = receipt.correlation_id.as_deref(),
                outcome = receipt.outcome(),
                status,
                queue = receipt.queue.as_deref(),
                latency_ms,
                secret_version = secret_version.as_deref(),
                auth_method = receipt.auth_method.as_deref(),
                malformed = malformed.as_deref(),
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
