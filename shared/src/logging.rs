//! Structured JSON logs for every function in this workspace.

use tracing_subscriber::Layer as _;
use tracing_subscriber::Registry;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Targets that log what must never reach the logs at their lower levels: the Lambda runtime
/// (the raw invocation event: headers, signature, token, body), the AWS SDK and smithy crates
/// (request and response bodies, headers, credentials in signing), and the HTTP and TLS
/// layers (bytes on the wire). Whatever `RUST_LOG` says, they log at `info` at most.
/// Matched as prefixes of the event's target (`aws_` covers `aws_sdk_sqs`, `aws_smithy_runtime`,
/// `aws_config`, …).
pub const CAPPED_TARGETS: &[&str] =
    &["lambda_runtime", "lambda_http", "aws_", "hyper", "h2", "http_body", "rustls", "tower", "tokio_rustls"];

/// JSON logs on stdout (one object per line, as CloudWatch and Lambda's JSON log format
/// expect), at the level `RUST_LOG` names (`error`, `warn`, `info`, `debug`, `trace`, `off`;
/// default `info`). Call once at cold start.
///
/// A level rather than `EnvFilter` directives: the filter's regex engine would be most of a
/// megabyte of every binary, for per-module filtering nobody needs in a function this size.
pub fn init_json_logging() {
    init_with(None);
}

/// The JSON logs of [`init_json_logging`] beside `traces`, the layer that exports spans
/// ([`crate::telemetry::init`]).
pub(crate) fn init_with(traces: Option<Box<dyn tracing_subscriber::Layer<Registry> + Send + Sync>>) {
    let level = level_from(std::env::var("RUST_LOG").ok().as_deref());
    let _ = tracing_subscriber::registry().with(traces).with(json_layer(std::io::stdout, level)).try_init();
}

/// The JSON format of [`init_json_logging`], writing to `writer` at `level`. A line written
/// inside a span carries the innermost span's fields under `span`: a consumer's lines for an
/// event carry its `event_id` and `correlation_id` that way (`consume::batch`), so one id
/// finds them all in CloudWatch Logs Insights (`span.event_id`).
pub fn json_layer<S, W>(writer: W, level: LevelFilter) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_writer(writer)
        .with_filter(filter(level))
}

/// Everything at `level`, but [`CAPPED_TARGETS`] at `info` at most, and no trace span
/// ([`crate::telemetry::TARGET`]): those are for the trace, and would only lengthen each line.
fn filter(level: LevelFilter) -> Targets {
    let capped = level.min(LevelFilter::INFO);
    CAPPED_TARGETS
        .iter()
        .fold(Targets::new().with_default(level), |t, target| t.with_target(*target, capped))
        .with_target(crate::telemetry::TARGET, LevelFilter::OFF)
}

/// The level `RUST_LOG` names; `info` if unset or not a level.
fn level_from(value: Option<&str>) -> LevelFilter {
    value.and_then(|v| v.trim().parse().ok()).unwrap_or(LevelFilter::INFO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_comes_from_rust_log() {
        assert_eq!(level_from(Some("warn")), LevelFilter::WARN);
        assert_eq!(level_from(Some("DEBUG")), LevelFilter::DEBUG);
        assert_eq!(level_from(Some("off")), LevelFilter::OFF);
        assert_eq!(level_from(Some("middesk=debug")), LevelFilter::INFO);
        assert_eq!(level_from(None), LevelFilter::INFO);
    }

    #[test]
    fn no_level_lets_the_runtime_the_sdk_or_the_wire_log_below_info() {
        use tracing::Level;
        let trace = filter(LevelFilter::TRACE);
        for target in [
            "lambda_runtime::layers::api_response",
            "lambda_http::request",
            "aws_smithy_runtime::client::orchestrator",
            "aws_smithy_runtime_api::http::request",
            "aws_sdk_sqs::operation::send_message",
            "aws_config::imds",
            "hyper::proto::h1::io",
            "hyper_util::client::legacy::pool",
            "h2::codec",
            "rustls::client::hs",
        ] {
            assert!(!trace.would_enable(target, &Level::TRACE), "{target} at trace");
            assert!(!trace.would_enable(target, &Level::DEBUG), "{target} at debug");
            assert!(trace.would_enable(target, &Level::INFO), "{target} at info");
        }
        // This project's crates, and a user's consumer, log at the level asked for.
        for target in ["verifier", "middesk_webhooks::verify::receiver", "business_decision", "my_consumer"] {
            assert!(trace.would_enable(target, &Level::TRACE), "{target}");
        }
        let warn = filter(LevelFilter::WARN);
        assert!(
            !warn.would_enable("aws_smithy_runtime", &Level::INFO)
                && !warn.would_enable("verifier", &Level::INFO)
        );
    }
}
