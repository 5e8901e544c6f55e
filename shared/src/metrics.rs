//! CloudWatch Embedded Metric Format records: one JSON line per request, no extra API calls.

use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::receiver::Receipt;

/// The EMF line for one request: `Requests` and `Latency` by `Outcome`, and `Events` by
/// `EventType` for delivered events. Carries no payload, secret or signature.
pub fn emf_record(namespace: &str, receipt: &Receipt, latency: Duration, now: SystemTime) -> String {
    let timestamp = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let mut directives = vec![json!({
        "Namespace": namespace,
        "Dimensions": [["Outcome"]],
        "Metrics": [
            { "Name": "Requests", "Unit": "Count" },
            { "Name": "Latency", "Unit": "Milliseconds" }
        ]
    })];
    let event_type = match (&receipt.result, &receipt.event_type) {
        (Ok(()), Some(t)) => Some(t.as_str()),
        (Ok(()), None) => Some("malformed"),
        _ => None,
    };
    let mut record = json!({
        "Outcome": receipt.outcome(),
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
