//! OpenTelemetry traces: one trace from the verifier's request to each consumer's handler.
//!
//! The spans are plain `tracing` spans with the target [`TARGET`], named and attributed by the
//! semantic conventions (`otel.name`, `otel.kind`, `messaging.*`, `rpc.*`). They are never in
//! the JSON logs. With feature `otel` and `OTEL_EXPORTER_OTLP_ENDPOINT` set, [`init`] exports
//! them (and the handler's own spans) over OTLP/HTTP; otherwise no span is even built.
//!
//! The context crosses SQS twice over, so that every tracer follows it:
//! - the W3C `traceparent` message attribute ([`crate::message::attribute::TRACEPARENT`]);
//! - X-Ray's `AWSTraceHeader` system attribute, as before.
//!
//! A consumer's span per record links to the message's context (the messaging conventions for
//! a batch), and the handler's spans nest under it.

use tracing::Span;

/// The target of this crate's trace spans: the JSON logs leave it out.
pub const TARGET: &str = "middesk_webhooks_trace";

/// A client span of one AWS API call (`rpc.system` = `aws-api`), named `{service}.{method}`
/// as the AWS SDK conventions name it; more fields after the method.
macro_rules! aws_call_span {
    ($service:literal, $method:literal $(, $($field:tt)*)?) => {
        tracing::info_span!(
            target: $crate::telemetry::TARGET,
            "aws",
            otel.name = concat!($service, ".", $method),
            otel.kind = "client",
            rpc.system = "aws-api",
            rpc.service = $service,
            rpc.method = $method,
            otel.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty
            $(, $($field)*)?
        )
    };
}
#[allow(unused_imports)]
pub(crate) use aws_call_span;

/// The W3C trace context of a message, as the `traceparent` attribute carries it.
pub type Traceparent = String;

/// Whether these variables turn tracing on: an OTLP endpoint for traces is set, and the SDK is
/// not disabled (`OTEL_SDK_DISABLED=true`) nor the traces exporter set to `none`.
pub fn enabled_by(var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
    let is = |name: &str, value: &str| var(name).is_some_and(|v| v.trim().eq_ignore_ascii_case(value));
    (set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
        && !is("OTEL_SDK_DISABLED", "true")
        && !is("OTEL_TRACES_EXPORTER", "none")
}

/// The exporter of a function's spans, when tracing is on. Call [`flush`](Self::flush) before
/// an invocation returns: Lambda freezes the sandbox once it has its answer.
#[derive(Default)]
pub struct Telemetry {
    #[cfg(feature = "otel")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry").field("on", &self.is_on()).finish()
    }
}

impl Telemetry {
    /// Whether spans are exported.
    pub fn is_on(&self) -> bool {
        #[cfg(feature = "otel")]
        return self.provider.is_some();
        #[cfg(not(feature = "otel"))]
        false
    }

    /// Sends every finished span to the collector, waiting for it (a few milliseconds to a
    /// collector on the sandbox's loopback). Does nothing when tracing is off.
    pub fn flush(&self) {
        #[cfg(feature = "otel")]
        if let Some(provider) = &self.provider
            && let Err(error) = provider.force_flush()
        {
            tracing::warn!(%error, "trace export failed");
        }
    }
}

/// JSON logs ([`crate::logging::init_json_logging`]) and, when the environment turns tracing on
/// ([`enabled_by`]) and feature `otel` is built, OTLP export of every span. `service` names
/// the function when `OTEL_SERVICE_NAME` does not. Call once at cold start.
pub fn init(service: &str) -> Telemetry {
    #[cfg(feature = "otel")]
    if enabled_by(|name| std::env::var(name).ok()) {
        match otel::provider(service) {
            Ok(provider) => {
                crate::logging::init_with(Some(otel::layer(&provider)));
                return Telemetry { provider: Some(provider) };
            }
            Err(error) => {
                crate::logging::init_json_logging();
                tracing::error!(%error, "tracing is configured but its exporter is not: not tracing");
                return Telemetry::default();
            }
        }
    }
    let _ = service;
    crate::logging::init_json_logging();
    Telemetry::default()
}

/// The W3C `traceparent` of `span` (`00-{trace id}-{span id}-{flags}`), when it is traced.
pub fn traceparent(span: &Span) -> Option<Traceparent> {
    #[cfg(feature = "otel")]
    return otel::traceparent(span);
    #[cfg(not(feature = "otel"))]
    {
        let _ = span;
        None
    }
}

/// Makes `span` a child of the invocation's X-Ray trace (`Root=…;Parent=…;Sampled=1`), so the
/// trace begins at API Gateway. An unsampled or unreadable header leaves `span` a new root.
pub fn continue_xray_trace(span: &Span, header: Option<&str>) {
    #[cfg(feature = "otel")]
    otel::continue_xray_trace(span, header);
    #[cfg(not(feature = "otel"))]
    let _ = (span, header);
}

/// Links `span` to the context a message was sent in: its `traceparent` attribute, else its
/// `AWSTraceHeader`. A message without either gets no link.
pub fn link_to_sender(span: &Span, traceparent: Option<&str>, aws_trace_header: Option<&str>) {
    #[cfg(feature = "otel")]
    otel::link_to_sender(span, traceparent, aws_trace_header, false);
    #[cfg(not(feature = "otel"))]
    let _ = (span, traceparent, aws_trace_header);
}

/// [`link_to_sender`], and makes `span` a child of that context too: the record's span
/// continues the sender's trace, so one trace id runs from the webhook to the handler.
pub fn continue_sender_trace(span: &Span, traceparent: Option<&str>, aws_trace_header: Option<&str>) {
    #[cfg(feature = "otel")]
    otel::link_to_sender(span, traceparent, aws_trace_header, true);
    #[cfg(not(feature = "otel"))]
    let _ = (span, traceparent, aws_trace_header);
}

/// Marks `span` failed (`otel.status_code` = `ERROR`) with a short description. Needs the
/// span to declare `otel.status_code` and `error.type`.
pub fn record_error(span: &Span, error_type: &str) {
    span.record("otel.status_code", "ERROR");
    span.record("error.type", error_type);
}

#[cfg(feature = "otel")]
mod otel {
    use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
    use opentelemetry::trace::{SpanContext, TraceContextExt as _, TracerProvider as _};
    use opentelemetry_sdk::propagation::TraceContextPropagator;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing::Span;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    /// One header, for the propagators' extract.
    struct One<'a>(&'static str, &'a str);

    impl Extractor for One<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            key.eq_ignore_ascii_case(self.0).then_some(self.1)
        }
        fn keys(&self) -> Vec<&str> {
            vec![self.0]
        }
    }

    /// The provider: a batch processor exporting OTLP/HTTP protobuf where the `OTEL_EXPORTER_OTLP_*`
    /// variables say, with X-Ray-compatible trace ids (X-Ray's OTLP endpoint and the ADOT
    /// collector's X-Ray exporter keep them as they are).
    pub(super) fn provider(service: &str) -> Result<SdkTracerProvider, String> {
        let exporter =
            opentelemetry_otlp::SpanExporter::builder().with_http().build().map_err(|e| e.to_string())?;
        let name = std::env::var("OTEL_SERVICE_NAME").ok().filter(|n| !n.trim().is_empty());
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name(name.unwrap_or_else(|| service.to_owned()))
            .build();
        Ok(SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_id_generator(opentelemetry_aws::trace::XrayIdGenerator::default())
            .with_resource(resource)
            .build())
    }

    /// The layer that turns `tracing` spans into OpenTelemetry spans, for all but the runtime's,
    /// the SDKs' and the wire's (the logs' capped targets), which would only add noise.
    pub(super) fn layer(
        provider: &SdkTracerProvider,
    ) -> Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync> {
        use tracing_subscriber::Layer as _;
        use tracing_subscriber::filter::{LevelFilter, Targets};
        let filter = crate::logging::CAPPED_TARGETS
            .iter()
            .fold(Targets::new().with_default(LevelFilter::INFO), |t, target| {
                t.with_target(*target, LevelFilter::OFF)
            })
            .with_target(crate::consume::batch::EVENT_SPAN_TARGET, LevelFilter::OFF);
        Box::new(
            tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("middesk-webhooks"))
                .with_filter(filter),
        )
    }

    pub(super) fn traceparent(span: &Span) -> Option<String> {
        let context = span.context();
        let span_context = context.span().span_context().clone();
        span_context.is_valid().then(|| {
            format!(
                "00-{}-{}-{:02x}",
                span_context.trace_id(),
                span_context.span_id(),
                span_context.trace_flags().to_u8()
            )
        })
    }

    /// The context in a `traceparent` value, if it is one.
    pub(super) fn from_traceparent(value: &str) -> Option<SpanContext> {
        let context = TraceContextPropagator::new().extract(&One("traceparent", value));
        let span_context = context.span().span_context().clone();
        span_context.is_valid().then_some(span_context)
    }

    /// The context in an X-Ray trace header, if it names a parent.
    pub(super) fn from_xray(header: &str) -> Option<SpanContext> {
        let context =
            opentelemetry_aws::trace::XrayPropagator::new().extract(&One("x-amzn-trace-id", header));
        let span_context = context.span().span_context().clone();
        span_context.is_valid().then_some(span_context)
    }

    /// The sender's context of a record: its `traceparent`, else its `AWSTraceHeader`
    /// (shared/vectors/trace-context.json).
    pub(super) fn sender(traceparent: Option<&str>, aws_trace_header: Option<&str>) -> Option<SpanContext> {
        traceparent.and_then(from_traceparent).or_else(|| aws_trace_header.and_then(from_xray))
    }

    pub(super) fn continue_xray_trace(span: &Span, header: Option<&str>) {
        if let Some(parent) = header.and_then(from_xray).filter(SpanContext::is_sampled) {
            let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(parent));
        }
    }

    pub(super) fn link_to_sender(
        span: &Span,
        traceparent: Option<&str>,
        aws_trace_header: Option<&str>,
        as_parent: bool,
    ) {
        let Some(sender) = sender(traceparent, aws_trace_header) else { return };
        if as_parent {
            let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(sender.clone()));
        }
        span.add_link(sender);
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_traceparent_and_an_xray_header_name_the_same_context() {
            let w3c = from_traceparent("00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01").unwrap();
            let xray =
                from_xray("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
                    .unwrap();
            assert_eq!((w3c.trace_id(), w3c.span_id()), (xray.trace_id(), xray.span_id()));
            assert!(w3c.is_sampled() && xray.is_sampled());
        }

        #[test]
        fn the_sender_of_each_vector_is_the_one_it_names() {
            let vectors: serde_json::Value =
                serde_json::from_str(include_str!("../vectors/trace-context.json")).unwrap();
            let cases = vectors["cases"].as_array().unwrap();
            assert!(cases.len() >= 10);
            for case in cases {
                let got = sender(case["traceparent"].as_str(), case["aws_trace_header"].as_str()).map(|c| {
                    serde_json::json!({
                        "trace_id": c.trace_id().to_string(),
                        "span_id": c.span_id().to_string(),
                        "sampled": c.is_sampled(),
                    })
                });
                assert_eq!(got.unwrap_or_default(), case["sender"], "{}", case["name"]);
            }
        }

        #[test]
        fn what_is_not_a_context_names_none() {
            for value in
                ["", "00-zz-53995c3f42cd8ad8-01", "00-00000000000000000000000000000000-53995c3f42cd8ad8-01"]
            {
                assert!(from_traceparent(value).is_none(), "{value}");
            }
            // Lambda's header without a parent (no active tracing upstream) names no span.
            assert!(from_xray("Root=1-5759e988-bd862e3fe1be46a994272793").is_none());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn an_otlp_endpoint_turns_tracing_on_and_the_sdks_switches_turn_it_off() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318");
        assert!(enabled_by(vars(&[endpoint])));
        assert!(enabled_by(vars(&[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://localhost:4318/v1/traces"
        )])));
        assert!(!enabled_by(vars(&[])));
        assert!(!enabled_by(vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")])));
        assert!(!enabled_by(vars(&[endpoint, ("OTEL_SDK_DISABLED", "TRUE")])));
        assert!(!enabled_by(vars(&[endpoint, ("OTEL_TRACES_EXPORTER", "none")])));
        assert!(enabled_by(vars(&[endpoint, ("OTEL_SDK_DISABLED", "false")])));
    }
}
