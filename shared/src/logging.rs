//! Structured JSON logs for every function in this workspace.

/// JSON logs on stdout (one object per line, as CloudWatch and Lambda's JSON log format
/// expect), level from `RUST_LOG` (default `info`). Call once at cold start.
pub fn init_json_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}
