//! CloudWatch Embedded Metric Format records: one JSON line per request, no extra API calls.

use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::verify::receiver::Receipt;

/// The EMF line for one request: `Requests` and `Latency` by `Outcome`, and `Events` by
/// `EventType` for delivered events. Carries no payload, secret or signature.
pub fn emf_record(namespace: &str, receipt: &Receipt, latency: Duration, now: SystemTime) -> String {
    let event_type = match (&receipt.result, &receipt.event_type) {
        (Ok(()), Some(t)) => Some(t.as_str()),
        (Ok(()), None) => Some("malformed"),
        _ => None,
    };
    record(namespace, receipt.outcome(), event_type, latency, now)
}

/// The EMF line for a request that never reached the receiver (an API Gateway event that does
/// not decode, or a panic): `Requests` and `Latency` by `Outcome`, so alarms see it too.
pub fn emf_outcome_record(namespace: &str, outcome: &str, latency: Duration, now: SystemTime) -> String {
    record(namespace, outcome, None, latency, now)
}

fn record(
    namespace: &str,
    outcome: &str,
    event_type: Option<&str>,
    latency: Duration,
    now: SystemTime,
) -> String {
    let timestamp = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let mut directives = vec![json!({
        "Namespace": namespace,
        "Dimensions": [["Outcome"]],
        "Metrics": [
            { "Name": "Requests", "Unit": "Count" },
            { "Name": "Latency", "Unit": "Milliseconds" }
        ]
    })];
    let mut record = json!({
        "Outcome": outcome,
        "Requests": 1,
        "Latency": latency.as_secs_f64() * 1000.0,
    });
    if let Some(event_type) = event_type {
        directives.push(json!({
            "Namespace": namespace,
            "Dimensions": [["EventType"]],
            "Metrics": [{ "Name": "Events", "Unit": "Count" }]
        }));
        record["EventType"] = json!(event_type);
        record["Events"] = json!(1);
    }
    record["_aws"] = json!({ "Timestamp": timestamp, "CloudWatchMetrics": directives });
    record.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ReceiveError;
    use serde_json::Value;

    fn receipt(result: Result<(), ReceiveError>, event_type: Option<&str>) -> Receipt {
        Receipt {
            result,
            event_id: Some("ev-1".into()),
            event_type: event_type.map(str::to_owned),
            correlation_id: Some("biz-1".into()),
            queue: Some("q".into()),
            malformed: None,
            secret_version: None,
            auth_method: Some("hmac".into()),
        }
    }

    #[test]
    fn accepted_events_count_by_outcome_and_type() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let line = emf_record(
            "MiddeskWebhooks",
            &receipt(Ok(()), Some("order.created")),
            Duration::from_micros(2500),
            now,
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["_aws"]["Timestamp"], 1_700_000_000_123u64);
        assert_eq!(v["_aws"]["CloudWatchMetrics"].as_array().unwrap().len(), 2);
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "MiddeskWebhooks");
        assert_eq!(
            (v["Outcome"].as_str(), v["EventType"].as_str()),
            (Some("accepted"), Some("order.created"))
        );
        assert_eq!(
            (v["Requests"].as_u64(), v["Events"].as_u64(), v["Latency"].as_f64()),
            (Some(1), Some(1), Some(2.5))
        );
        // Ids are for logs, not metric dimensions (unbounded cardinality).
        assert!(!line.contains("ev-1") && !line.contains("biz-1"));
    }

    #[test]
    fn refused_requests_have_no_event_type() {
        let line = emf_record(
            "NS",
            &receipt(Err(ReceiveError::Unauthorized("x")), None),
            Duration::ZERO,
            SystemTime::now(),
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["Outcome"], "unauthorized");
        assert!(v.get("EventType").is_none() && v.get("Events").is_none());
        assert_eq!(v["_aws"]["CloudWatchMetrics"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn requests_that_never_reached_the_receiver_are_counted_by_outcome() {
        let line = emf_outcome_record("NS", "malformed_event", Duration::from_millis(1), SystemTime::now());
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!((v["Outcome"].as_str(), v["Requests"].as_u64()), (Some("malformed_event"), Some(1)));
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Outcome"]]));
        assert!(v.get("EventType").is_none());
    }
}
