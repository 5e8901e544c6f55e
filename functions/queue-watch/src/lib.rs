//! The queue-watch function's work for one scheduled look: read every queue of the stack, log
//! one line per queue (the dashboard's table of queues reads them) and one per thing that
//! needs attention, and publish how many need it, and how many started since the last look.
//!
//! One metric and one alarm for every queue of the stack, where CloudWatch would bill three
//! alarms per queue ($0.10 each a month) for the same watch: dead letters, an oldest message
//! older than `QueueAgeAlarmSeconds`, a queue that cannot be read.

use std::time::SystemTime;

use middesk_webhooks::aws::watch;
use middesk_webhooks::watch::{
    Consumers, Monitoring, Reason, StatusReport, WatchConfig, WatchMemory, emf_record, started,
};

/// Takes one look at `now`, writes its log lines and its metric record, keeps its reasons'
/// keys in `memory` for the next look, and returns the report with the reasons that started
/// since the last look.
pub async fn look_and_report(
    sqs: &aws_sdk_sqs::Client,
    monitoring: &impl Monitoring,
    consumers: &impl Consumers,
    memory: &impl WatchMemory,
    config: &WatchConfig,
    now: SystemTime,
) -> (StatusReport, Vec<Reason>) {
    let report = watch::look(sqs, monitoring, consumers, config, now).await;
    for q in &report.queues {
        tracing::info!(
            queue = q.queue,
            waiting = q.waiting,
            in_flight = q.in_flight,
            oldest_age_seconds = q.oldest_age_seconds,
            dead_letters = q.dead_letters,
            oldest_dead_letter_age_seconds = q.oldest_dead_letter_age_seconds,
            consumed = q.consumed,
            "queue"
        );
    }
    // The reasons once: the log lines, what started, and what the next look compares with.
    let reasons = report.reasons();
    let last = memory.last_look().await;
    let new = started(&reasons, &last);
    for reason in &reasons {
        let started = new.iter().any(|n| n.key == reason.key);
        tracing::warn!(reason = reason.text, key = reason.key, started, "needs attention");
    }
    let keys: Vec<String> = reasons.into_iter().map(|r| r.key).collect();
    // Written only when it changed: an idle stack's watch reads once a look and writes nothing.
    let unchanged = last.as_ref().is_ok_and(|last| *last == keys);
    if !unchanged && let Err(error) = memory.remember(&keys).await {
        // The next look then counts these reasons as new again: a page too many, never one
        // too few.
        tracing::error!(%error, "could not keep this look for the next one");
    }
    // The metrics go out even at zero: an alarm counts the looks, so a watch that stopped
    // running (or cannot publish) alarms too.
    println!("{}", emf_record(&config.namespace, &report, new.len(), now));
    (report, new)
}
