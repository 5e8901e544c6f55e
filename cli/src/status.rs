//! `middesk-webhooks status`: every queue of a stack in one table (messages waiting, in flight,
//! age of the oldest, dead letters, the state of its alarms), and whether anything needs
//! attention, so that a person, a cron job or CI can ask "is the pipeline well?".
//!
//! SQS gives the counts; CloudWatch gives the age of the oldest message (a metric only) and the
//! alarms, behind [`Monitoring`]. Where CloudWatch cannot be read, those columns say `-` and
//! the report says why; for a deployed stack that itself needs attention (an old message could
//! go unseen). The AWS emulator used locally (moto) does not speak CloudWatch's current protocol
//! (Smithy RPC v2 CBOR), so the local stack's report has counts only.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, StateValue};
use aws_sdk_sqs::types::QueueAttributeName;
use serde::Serialize;

/// How far back the age metric is read: SQS publishes it every minute, a few minutes late.
const AGE_LOOKBACK: Duration = Duration::from_secs(15 * 60);

/// A queue to report on.
#[derive(Debug, Clone)]
pub struct QueueToCheck {
    /// What the operator calls it: the catalogue's queue name (`business-updated`).
    pub label: String,
    /// Its SQS name (`<stack>-business-updated` as deployed; the logical id in the local stack).
    pub sqs_name: String,
}

/// An alarm and its state (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlarmStatus {
    /// The alarm's name.
    pub name: String,
    /// Its state.
    pub state: String,
}

/// One queue's state. `None` is "could not be read".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueStatus {
    /// The catalogue's name for the queue.
    pub queue: String,
    /// Its SQS name.
    pub sqs_name: String,
    /// Messages waiting to be received.
    pub waiting: Option<u64>,
    /// Messages received by a consumer and not yet deleted.
    pub in_flight: Option<u64>,
    /// Age of the oldest message, in seconds (CloudWatch).
    pub oldest_age_seconds: Option<u64>,
    /// Messages in its dead-letter queue.
    pub dead_letters: Option<u64>,
    /// Its dead-letter queue's SQS name.
    pub dead_letter_queue: Option<String>,
    /// The alarms on it or on its dead-letter queue.
    pub alarms: Vec<AlarmStatus>,
    /// Why the queue could not be read, if it could not.
    pub error: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    /// A row per queue.
    pub queues: Vec<QueueStatus>,
    /// The stack's alarms that watch no queue (the verifier's, the API's).
    pub other_alarms: Vec<AlarmStatus>,
    /// The age at which an oldest message needs attention, in seconds.
    pub max_age_seconds: u64,
    /// Why CloudWatch was not read, if it was not.
    pub cloudwatch_error: Option<String>,
    /// Whether the report is incomplete without CloudWatch (a deployed stack), so that not
    /// reading it needs attention.
    #[serde(skip)]
    pub cloudwatch_required: bool,
}

impl StatusReport {
    /// What needs attention, one sentence each; empty when all is well.
    pub fn attention(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        for q in &self.queues {
            let name = &q.queue;
            if let Some(error) = &q.error {
                reasons.push(format!("{name}: could not be read ({error})"));
                continue;
            }
            if let Some(n @ 1..) = q.dead_letters {
                let dlq = q.dead_letter_queue.as_deref().unwrap_or("its dead-letter queue");
                reasons.push(format!(
                    "{name}: {n} dead letter(s); once the consumer is fixed: middesk-webhooks redrive {dlq}"
                ));
            }
            if let Some(age) = q.oldest_age_seconds.filter(|age| *age >= self.max_age_seconds) {
                reasons.push(format!(
                    "{name}: the oldest message has waited {} (attention at {}): is its consumer running?",
                    human_age(age),
                    human_age(self.max_age_seconds)
                ));
            }
        }
        if let Some(error) = self.cloudwatch_error.as_ref().filter(|_| self.cloudwatch_required) {
            reasons.push(format!("CloudWatch could not be read, so ages and alarms are unknown ({error})"));
        }
        let queue_alarms = self.queues.iter().flat_map(|q| &q.alarms);
        for alarm in queue_alarms.chain(&self.other_alarms) {
            if alarm.state == StateValue::Alarm.as_str() {
                reasons.push(format!("alarm {} is in ALARM", alarm.name));
            }
        }
        reasons
    }

    /// The report as a table, then what needs attention.
    pub fn table(&self) -> String {
        let dash = || "-".to_owned();
        let count = |n: Option<u64>| n.map_or_else(dash, |n| n.to_string());
        let width = self.queues.iter().map(|q| q.queue.len()).max().unwrap_or(0).max(5);
        let mut out = format!(
            "{:width$}  {:>7}  {:>9}  {:>7}  {:>12}  ALARMS\n",
            "QUEUE", "WAITING", "IN FLIGHT", "OLDEST", "DEAD LETTERS"
        );
        for q in &self.queues {
            let alarms = match (&q.error, q.alarms.as_slice()) {
                (Some(_), _) => "(not read)".to_owned(),
                (None, []) => dash(),
                (None, alarms) => summarise(alarms),
            };
            out += &format!(
                "{:width$}  {:>7}  {:>9}  {:>7}  {:>12}  {alarms}\n",
                q.queue,
                count(q.waiting),
                count(q.in_flight),
                q.oldest_age_seconds.map_or_else(dash, human_age),
                count(q.dead_letters),
            );
        }
        if !self.other_alarms.is_empty() {
            out += &format!("other alarms of the stack: {}\n", summarise(&self.other_alarms));
        }
        if let Some(error) = &self.cloudwatch_error {
            out += &format!("CloudWatch not read (no ages, no alarms): {error}\n");
        }
        match self.attention().as_slice() {
            [] => out += "all well: no dead letters, no old messages, no alarm firing\n",
            reasons => {
                out += "needs attention:\n";
                for reason in reasons {
                    out += &format!("  - {reason}\n");
                }
            }
        }
        out
    }

    /// The report as JSON, with `attention` (empty when all is well).
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        value["attention"] = serde_json::json!(self.attention());
        value
    }
}

/// `3 OK` or `1 ALARM (name), 2 OK`: alarms in ALARM by name, the others counted by state.
fn summarise(alarms: &[AlarmStatus]) -> String {
    let mut by_state: BTreeMap<&str, usize> = BTreeMap::new();
    let mut firing = Vec::new();
    for alarm in alarms {
        if alarm.state == StateValue::Alarm.as_str() {
            firing.push(alarm.name.as_str());
        } else {
            *by_state.entry(alarm.state.as_str()).or_default() += 1;
        }
    }
    let mut parts = Vec::new();
    if !firing.is_empty() {
        parts.push(format!("{} ALARM ({})", firing.len(), firing.join(", ")));
    }
    parts.extend(by_state.iter().map(|(state, n)| format!("{n} {state}")));
    parts.join(", ")
}

/// `45s`, `12m`, `5h 3m`, `2d 4h`.
pub fn human_age(seconds: u64) -> String {
    let (d, h, m) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Where the age of the oldest messages and the alarms come from: CloudWatch on AWS.
pub trait Monitoring {
    /// The latest age of the oldest message of each queue (by SQS name) at `now`, in seconds;
    /// `None` where none was published (an idle queue).
    fn oldest_ages(
        &self,
        queues: &[String],
        now: SystemTime,
    ) -> impl Future<Output = Result<Vec<Option<u64>>, String>>;

    /// The alarms (named with `prefix`, if given), each with the SQS queue names it watches.
    fn alarms(
        &self,
        prefix: Option<&str>,
    ) -> impl Future<Output = Result<Vec<(AlarmStatus, Vec<String>)>, String>>;
}

/// Reads the state of `queues` at `now`. `alarm_prefix` narrows the alarms read to the stack's
/// (CloudFormation names them `<stack>-<logical id>-<suffix>`); `cloudwatch_required` says
/// whether a report without the monitoring side needs attention.
pub async fn collect(
    sqs: &aws_sdk_sqs::Client,
    monitoring: &impl Monitoring,
    queues: &[QueueToCheck],
    alarm_prefix: Option<&str>,
    max_age: Duration,
    now: SystemTime,
    cloudwatch_required: bool,
) -> StatusReport {
    let mut rows = Vec::new();
    for queue in queues {
        rows.push(queue_status(sqs, queue).await);
    }
    let mut report = StatusReport {
        queues: rows,
        other_alarms: Vec::new(),
        max_age_seconds: max_age.as_secs(),
        cloudwatch_error: None,
        cloudwatch_required,
    };
    let names: Vec<String> = report.queues.iter().map(|q| q.sqs_name.clone()).collect();
    match (monitoring.oldest_ages(&names, now).await, monitoring.alarms(alarm_prefix).await) {
        (Ok(ages), Ok(alarms)) => report.add_monitoring(ages, alarms),
        (Err(error), _) | (_, Err(error)) => report.cloudwatch_error = Some(error),
    }
    report
}

impl StatusReport {
    /// Puts each age on its row, and each alarm on the row of the queue (or dead-letter queue)
    /// it watches; alarms that watch none are the stack's other alarms.
    fn add_monitoring(&mut self, ages: Vec<Option<u64>>, alarms: Vec<(AlarmStatus, Vec<String>)>) {
        for (row, age) in self.queues.iter_mut().zip(ages) {
            row.oldest_age_seconds = age;
        }
        for (alarm, watched) in alarms {
            let row = self.queues.iter_mut().find(|q| {
                watched.iter().any(|n| *n == q.sqs_name || Some(n) == q.dead_letter_queue.as_ref())
            });
            match row {
                Some(row) => row.alarms.push(alarm),
                None => self.other_alarms.push(alarm),
            }
        }
    }
}

/// Counts of one queue and of its dead-letter queue (found through its redrive policy).
async fn queue_status(sqs: &aws_sdk_sqs::Client, queue: &QueueToCheck) -> QueueStatus {
    let mut row = QueueStatus {
        queue: queue.label.clone(),
        sqs_name: queue.sqs_name.clone(),
        ..QueueStatus::default()
    };
    let read = async {
        let url = crate::redrive::queue_url(sqs, &queue.sqs_name).await?;
        let attributes = attributes(
            sqs,
            &url,
            &[
                QueueAttributeName::ApproximateNumberOfMessages,
                QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
                QueueAttributeName::RedrivePolicy,
            ],
        )
        .await?;
        row.waiting = count(&attributes, QueueAttributeName::ApproximateNumberOfMessages);
        row.in_flight = count(&attributes, QueueAttributeName::ApproximateNumberOfMessagesNotVisible);
        let policy = attributes.get(&QueueAttributeName::RedrivePolicy);
        let dead_letter_arn = policy
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .and_then(|p| p["deadLetterTargetArn"].as_str().map(str::to_owned));
        if let Some(name) = dead_letter_arn.as_deref().and_then(|arn| arn.rsplit(':').next()) {
            let url = crate::redrive::queue_url(sqs, name).await?;
            row.dead_letters = Some(crate::redrive::held(sqs, &url).await?);
            row.dead_letter_queue = Some(name.to_owned());
        }
        Ok::<_, String>(())
    };
    if let Err(error) = read.await {
        row.error = Some(error);
    }
    row
}

type Attributes = std::collections::HashMap<QueueAttributeName, String>;

async fn attributes(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    names: &[QueueAttributeName],
) -> Result<Attributes, String> {
    let out =
        sqs.get_queue_attributes().queue_url(url).set_attribute_names(Some(names.to_vec())).send().await;
    out.map(|o| o.attributes.unwrap_or_default())
        .map_err(|e| format!("{url}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))
}

fn count(attributes: &Attributes, name: QueueAttributeName) -> Option<u64> {
    attributes.get(&name).and_then(|v| v.parse().ok())
}

/// CloudWatch: `ApproximateAgeOfOldestMessage` (one GetMetricData call per 500 queues) and
/// DescribeAlarms.
pub struct CloudWatch(pub aws_sdk_cloudwatch::Client);

/// A short description of a CloudWatch error (an emulator answers an unknown protocol with an
/// HTML page, which need not be repeated).
fn cloudwatch_error<E: std::error::Error + 'static>(
    e: &aws_sdk_cloudwatch::error::SdkError<E, aws_sdk_cloudwatch::config::http::HttpResponse>,
) -> String {
    match e.raw_response() {
        Some(response) if !response.status().is_success() => {
            format!("CloudWatch answered HTTP {}", response.status().as_u16())
        }
        _ => aws_sdk_cloudwatch::error::DisplayErrorContext(e).to_string(),
    }
}

impl Monitoring for CloudWatch {
    async fn oldest_ages(&self, queues: &[String], now: SystemTime) -> Result<Vec<Option<u64>>, String> {
        let mut ages = vec![None; queues.len()];
        for (chunk_index, chunk) in queues.chunks(500).enumerate() {
            let queries = chunk.iter().enumerate().map(|(i, queue)| {
                let metric = Metric::builder()
                    .namespace("AWS/SQS")
                    .metric_name("ApproximateAgeOfOldestMessage")
                    .dimensions(Dimension::builder().name("QueueName").value(queue).build())
                    .build();
                MetricDataQuery::builder()
                    .id(format!("q{i}"))
                    .metric_stat(MetricStat::builder().metric(metric).period(60).stat("Maximum").build())
                    .return_data(true)
                    .build()
            });
            let out = self
                .0
                .get_metric_data()
                .set_metric_data_queries(Some(queries.collect()))
                .start_time((now - AGE_LOOKBACK).into())
                .end_time(now.into())
                .send()
                .await
                .map_err(|e| cloudwatch_error(&e))?;
            for result in out.metric_data_results.unwrap_or_default() {
                let Some(i) = result.id.as_deref().and_then(|id| id.strip_prefix('q')?.parse::<usize>().ok())
                else {
                    continue;
                };
                // The newest datapoint (results are not guaranteed newest first).
                let latest = result
                    .timestamps
                    .unwrap_or_default()
                    .into_iter()
                    .zip(result.values.unwrap_or_default())
                    .max_by_key(|(t, _)| (t.secs(), t.subsec_nanos()))
                    .map(|(_, v)| v.max(0.0) as u64);
                if let Some(slot) = ages.get_mut(chunk_index * 500 + i) {
                    *slot = latest;
                }
            }
        }
        Ok(ages)
    }

    async fn alarms(&self, prefix: Option<&str>) -> Result<Vec<(AlarmStatus, Vec<String>)>, String> {
        let mut found = Vec::new();
        let request = self.0.describe_alarms().set_alarm_name_prefix(prefix.map(str::to_owned));
        let mut pages = request.into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| cloudwatch_error(&e))?;
            for alarm in page.metric_alarms.unwrap_or_default() {
                let watched = alarm
                    .dimensions
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|d| d.name.as_deref() == Some("QueueName"))
                    .filter_map(|d| d.value)
                    .collect();
                let status = AlarmStatus {
                    name: alarm.alarm_name.unwrap_or_default(),
                    state: alarm.state_value.map_or_else(|| "-".to_owned(), |s| s.as_str().to_owned()),
                };
                found.push((status, watched));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(queue: &str) -> QueueStatus {
        QueueStatus {
            queue: queue.into(),
            sqs_name: format!("stack-{queue}"),
            waiting: Some(0),
            in_flight: Some(0),
            oldest_age_seconds: None,
            dead_letters: Some(0),
            dead_letter_queue: Some(format!("stack-{queue}-dlq")),
            alarms: vec![AlarmStatus { name: format!("{queue}-age"), state: "OK".into() }],
            error: None,
        }
    }

    fn report(queues: Vec<QueueStatus>) -> StatusReport {
        StatusReport {
            queues,
            other_alarms: Vec::new(),
            max_age_seconds: 172_800,
            cloudwatch_error: None,
            cloudwatch_required: true,
        }
    }

    #[test]
    fn a_quiet_pipeline_needs_no_attention() {
        let mut busy = row("business-updated");
        (busy.waiting, busy.in_flight, busy.oldest_age_seconds) = (Some(3), Some(1), Some(172_799));
        let r = report(vec![row("business-created"), busy]);
        assert_eq!(r.attention(), Vec::<String>::new());
        assert!(r.table().ends_with("all well: no dead letters, no old messages, no alarm firing\n"));
        assert!(
            r.table().contains("business-updated        3          1   1d 23h             0  1 OK"),
            "{}",
            r.table()
        );
    }

    #[test]
    fn dead_letters_old_messages_firing_alarms_and_unreadable_queues_need_attention() {
        let mut dead = row("catch-all");
        dead.dead_letters = Some(2);
        let mut old = row("order-created");
        old.oldest_age_seconds = Some(172_800);
        let mut firing = row("lien-found");
        firing.alarms[0].state = "ALARM".into();
        let mut missing = row("agent-runs");
        missing.error = Some("no such queue".into());
        let mut r = report(vec![dead, old, firing, missing, row("business-created")]);
        r.other_alarms.push(AlarmStatus { name: "stack-VerifierErrorsAlarm".into(), state: "ALARM".into() });
        let attention = r.attention();
        assert_eq!(attention.len(), 5, "{attention:#?}");
        assert!(
            attention[0].contains("catch-all: 2 dead letter(s)")
                && attention[0].contains("redrive stack-catch-all-dlq")
        );
        assert!(attention[1].contains("order-created: the oldest message has waited 2d 0h"));
        assert!(attention[2].contains("agent-runs: could not be read"));
        assert_eq!(attention[3], "alarm lien-found-age is in ALARM");
        assert_eq!(attention[4], "alarm stack-VerifierErrorsAlarm is in ALARM");
        let json = r.to_json();
        assert_eq!(json["attention"].as_array().unwrap().len(), 5);
        assert_eq!(json["queues"][0]["dead_letters"], 2);
        assert!(r.table().contains("needs attention:\n  - catch-all: 2 dead letter(s)"));
    }

    #[test]
    fn ages_and_alarms_go_to_the_queue_they_watch() {
        let mut r = report(vec![row("business-created"), row("catch-all")]);
        for q in &mut r.queues {
            q.alarms.clear();
        }
        let alarm = |name: &str, state: &str| AlarmStatus { name: name.into(), state: state.into() };
        r.add_monitoring(
            vec![None, Some(60)],
            vec![
                (alarm("dlq", "ALARM"), vec!["stack-catch-all-dlq".into()]),
                (alarm("age", "OK"), vec!["stack-business-created".into()]),
                (alarm("errors", "OK"), vec![]),
                (alarm("someone-else", "OK"), vec!["another-queue".into()]),
            ],
        );
        assert_eq!(r.queues[0].alarms, [alarm("age", "OK")]);
        assert_eq!(
            (r.queues[1].alarms.clone(), r.queues[1].oldest_age_seconds),
            (vec![alarm("dlq", "ALARM")], Some(60))
        );
        assert_eq!(r.other_alarms, [alarm("errors", "OK"), alarm("someone-else", "OK")]);
        assert_eq!(r.attention(), ["alarm dlq is in ALARM"]);
    }

    #[test]
    fn cloudwatch_unread_needs_attention_only_where_it_is_required() {
        let mut r = report(vec![row("business-created")]);
        r.cloudwatch_error = Some("CloudWatch answered HTTP 403".into());
        assert_eq!(r.attention().len(), 1);
        assert!(r.table().contains("CloudWatch not read (no ages, no alarms): CloudWatch answered HTTP 403"));
        r.cloudwatch_required = false;
        assert_eq!(r.attention(), Vec::<String>::new());
    }

    #[test]
    fn alarms_are_summarised_by_state_with_the_firing_ones_named() {
        let alarms = [("a", "OK"), ("b", "ALARM"), ("c", "INSUFFICIENT_DATA"), ("d", "OK")]
            .map(|(name, state)| AlarmStatus { name: name.into(), state: state.into() });
        assert_eq!(summarise(&alarms), "1 ALARM (b), 1 INSUFFICIENT_DATA, 2 OK");
    }

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        assert_eq!(human_age(45), "45s");
        assert_eq!(human_age(12 * 60 + 5), "12m");
        assert_eq!(human_age(5 * 3600 + 180), "5h 3m");
        assert_eq!(human_age(2 * 86_400 + 4 * 3600 + 59), "2d 4h");
    }
}
