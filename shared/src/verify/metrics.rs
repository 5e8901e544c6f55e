//! CloudWatch Embedded Metric Format records: one JSON line for a request an alarm must see,
//! no extra API calls.
//!
//! Every custom metric costs $0.30 a month per name and dimension value. So the verifier
//! publishes three counters without dimensions, one per alarm, and nothing for a request that
//! needs no alarm. The rest is free elsewhere:
//! - what was delivered: SQS's `NumberOfMessagesSent` per queue, and the API's `Count`;
//! - how long it took: Lambda's `Duration`;
//! - which outcome it was: the log line's `outcome`, which a dashboard or a Logs Insights
//!   query counts when someone looks.
//!
//! No dimension takes its value from a request, so nobody can add metrics to the bill.

use std::time::{Duration, SystemTime};

use serde_json::json;

/// What an outcome means to the operator: which of the verifier's metrics counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// The verifier failed by its own fault (5xx): a dependency failing or slow, a panic.
    /// Middesk retries; alarmed at once.
    Fault,
    /// An authentic event of ours was refused, or delivered unusable: only Middesk can cause
    /// it, and Middesk gives up after 3 days. Alarmed at once.
    AuthenticRefused,
    /// A refusal that anybody on the internet, or any Middesk customer, can cause at will.
    /// Alarmed on a burst only.
    ForeignRefused,
}

impl Counted {
    /// Every metric the verifier can publish.
    pub const ALL: [Counted; 3] = [Counted::Fault, Counted::AuthenticRefused, Counted::ForeignRefused];

    /// The metric's name in the stack's namespace.
    pub const fn metric(self) -> &'static str {
        match self {
            Counted::Fault => "VerifierFaults",
            Counted::AuthenticRefused => "AuthenticEventsRefused",
            Counted::ForeignRefused => "ForeignRequestsRefused",
        }
    }

    /// The outcomes this metric may count.
    pub fn outcomes(self) -> impl Iterator<Item = &'static str> {
        OUTCOMES.iter().filter(move |(_, counted)| counted.contains(&self)).map(|(outcome, _)| *outcome)
    }
}

/// Every outcome the verifier logs, and the metrics that may count it (none: no alarm needs
/// it). A refusal's reason is counted by its verdict: as ours, or as anybody's.
pub const OUTCOMES: &[(&str, &[Counted])] = &[
    ("accepted", &[]),
    ("accepted_malformed", &[Counted::AuthenticRefused]),
    ("signature_mismatch", BY_VERDICT),
    ("signature_missing", BY_VERDICT),
    ("certificate_refused", BY_VERDICT),
    ("token_refused", BY_VERDICT),
    ("source_not_allowed", BY_VERDICT),
    ("account_not_listed", BY_VERDICT),
    ("account_missing", BY_VERDICT),
    ("empty_body", BY_VERDICT),
    ("payload_too_large", BY_VERDICT),
    ("event_too_old", BY_VERDICT),
    ("method_not_allowed", &[Counted::ForeignRefused]),
    ("malformed_event", &[Counted::ForeignRefused]),
    ("secret_unavailable", &[Counted::Fault]),
    ("auth_unavailable", &[Counted::Fault]),
    ("queue_unavailable", &[Counted::Fault]),
    ("archive_unavailable", &[Counted::Fault]),
    ("timed_out", &[Counted::Fault]),
    ("panic", &[Counted::Fault]),
];

/// A refusal's reason: ours or anybody's, as the verdict says.
const BY_VERDICT: &[Counted] = &[Counted::AuthenticRefused, Counted::ForeignRefused];

/// The EMF line that counts one request in `counted`'s metric. Carries the outcome (a log
/// field, not a dimension), never a payload, secret or signature.
pub fn emf_record(
    namespace: &str,
    counted: Counted,
    outcome: &str,
    latency: Duration,
    now: SystemTime,
) -> String {
    let metric = counted.metric();
    let timestamp = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let mut record = json!({
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                // One empty dimension set: the metric alone, without dimensions.
                "Dimensions": [[]],
                "Metrics": [{ "Name": metric, "Unit": "Count" }]
            }]
        },
        "outcome": outcome,
        "latency_ms": latency.as_secs_f64() * 1000.0,
    });
    record[metric] = json!(1);
    record.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ReceiveError;
    use crate::verify::verdict::{Reason, Whose};
    use crate::{PublishError, SecretError};
    use serde_json::Value;

    #[test]
    fn a_counted_outcome_is_one_metric_without_dimensions() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let line = emf_record(
            "MiddeskWebhooks",
            Counted::AuthenticRefused,
            "event_too_old",
            Duration::from_micros(2500),
            now,
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["_aws"]["Timestamp"], 1_700_000_000_123u64);
        let directives = v["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 1);
        assert_eq!(directives[0]["Namespace"], "MiddeskWebhooks");
        assert_eq!(directives[0]["Dimensions"], json!([[]]));
        assert_eq!(directives[0]["Metrics"], json!([{ "Name": "AuthenticEventsRefused", "Unit": "Count" }]));
        assert_eq!(v["AuthenticEventsRefused"], 1);
        assert_eq!((v["outcome"].as_str(), v["latency_ms"].as_f64()), (Some("event_too_old"), Some(2.5)));
    }

    #[test]
    fn every_outcome_the_verifier_can_log_is_listed_and_the_fault_ones_are_faults() {
        let mut errors = vec![
            ReceiveError::MethodNotAllowed,
            ReceiveError::Secret(SecretError::Unavailable(String::new())),
            ReceiveError::AuthUnavailable(String::new()),
            ReceiveError::Publish(PublishError { queue: String::new(), reason: String::new() }),
            ReceiveError::Archive(String::new()),
            ReceiveError::TimedOut,
        ];
        for reason in Reason::ALL {
            errors.push(ReceiveError::Refused { reason, whose: Whose::Ours });
        }
        for error in &errors {
            let listed = OUTCOMES.iter().find(|(o, _)| *o == error.outcome());
            let (_, counted) = listed.unwrap_or_else(|| panic!("{} is not in OUTCOMES", error.outcome()));
            // A 5xx is our failure: Middesk retries, and the operator must know at once.
            assert_eq!(
                error.status().is_server_error(),
                counted.contains(&Counted::Fault),
                "{}",
                error.outcome()
            );
            assert!(!counted.is_empty(), "a refusal is counted: {}", error.outcome());
        }
        // The verifier's own outcomes outside ReceiveError.
        for outcome in ["accepted", "accepted_malformed", "malformed_event", "panic"] {
            assert!(OUTCOMES.iter().any(|(o, _)| *o == outcome), "{outcome}");
        }
    }

    #[test]
    fn every_metric_counts_some_outcome_and_names_are_distinct() {
        for counted in Counted::ALL {
            assert!(counted.outcomes().count() > 0, "{counted:?}");
        }
        let names: std::collections::BTreeSet<_> = Counted::ALL.iter().map(|c| c.metric()).collect();
        assert_eq!(names.len(), Counted::ALL.len());
    }
}
