//! The queue-watch function's work for one scheduled look: read every queue of the stack, log
//! one line per queue (the dashboard's table of queues reads them) and one per thing that
//! needs attention, and publish how many need it as one metric, which one alarm watches.
//!
//! One metric and one alarm for every queue of the stack, where CloudWatch would bill three
//! alarms per queue ($0.10 each a month) for the same watch: dead letters, an oldest message
//! older than `QueueAgeAlarmSeconds`, a queue that cannot be read.

use std::time::SystemTime;

use middesk_webhooks::aws::watch;
use middesk_webhooks::watch::{Monitoring, StatusReport, WatchConfig, emf_record};

/// Takes one look at `now`, writes its log lines and its metric record, and returns the report.
pub async fn look_and_report(
    sqs: &aws_sdk_sqs::Client,
    monitoring: &impl Monitoring,
    config: &WatchConfig,
    now: SystemTime,
) -> StatusReport {
    let report = watch::look(sqs, monitoring, config, now).await;
    for q in &report.queues {
        tracing::info!(
            queue = q.queue,
            waiting = q.waiting,
            in_flight = q.in_flight,
            oldest_age_seconds = q.oldest_age_seconds,
            dead_letters = q.dead_letters,
            oldest_dead_letter_age_seconds = q.oldest_dead_letter_age_seconds,
            "queue"
        );
    }
    let attention = report.attention();
    for reason in &attention {
        tracing::warn!(reason, "needs attention");
    }
    // The metric goes out even at zero: the alarm treats a missing look as breaching, so a
    // watch that stopped running (or cannot publish) alarms too.
    println!("{}", emf_record(&config.namespace, &report, now));
    report
}
