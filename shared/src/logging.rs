//! Structured JSON logs for every function in this workspace.

use tracing_subscriber::filter::LevelFilter;

/// JSON logs on stdout (one object per line, as CloudWatch and Lambda's JSON log format
/// expect), at the level `RUST_LOG` names (`error`, `warn`, `info`, `debug`, `trace`, `off`;
/// default `info`). Call once at cold start.
///
/// A level rather than `EnvFilter` directives: the filter's regex engine would be most of a
/// megabyte of every binary, for per-module filtering nobody needs in a function this size.
pub fn init_json_logging() {
    let level = level_from(std::env::var("RUST_LOG").ok().as_deref());
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
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
}
