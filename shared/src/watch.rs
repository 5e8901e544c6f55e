//! The state of a stack's queues (messages waiting, in flight, age of the oldest, dead letters,
//! the state of their alarms), and whether anything needs attention: what
//! `middesk-webhooks status` prints, and what the queue-watch function counts into the one
//! metric that alarms on every queue of the stack.
//!
//! SQS gives the counts; CloudWatch gives the age of the oldest message (a metric only) and the
//! alarms, behind [`Monitoring`] (`aws::watch` reads both). Where CloudWatch cannot be read, those columns say `-` and
//! the report says why; for a deployed stack that itself needs attention (an old message could
//! go unseen). The AWS emulator used locally (moto) does not speak CloudWatch's current protocol
//! (Smithy RPC v2 CBOR), so the local stack's report has counts only.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::SystemTime;

use serde::Serialize;

/// CloudWatch's name for the state of an alarm that fires.
const ALARM: &str = "ALARM";

/// A queue to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Age of the oldest dead letter, in seconds since it was first queued (CloudWatch).
    pub oldest_dead_letter_age_seconds: Option<u64>,
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
    /// The age at which an oldest dead letter needs redriving before it expires, in seconds.
    pub max_dead_letter_age_seconds: u64,
    /// Why CloudWatch was not read, if it was not.
    pub cloudwatch_error: Option<String>,
    /// Whether the report is incomplete without CloudWatch (a deployed stack), so that not
    /// reading it needs attention.
    #[serde(skip)]
    pub cloudwatch_required: bool,
}

/// The ages at which a queue needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// An oldest message this old: nobody consumes the queue, or its consumer is stuck.
    pub message_age: std::time::Duration,
    /// An oldest dead letter this old (since it was first queued): redrive it before it expires.
    pub dead_letter_age: std::time::Duration,
}

impl StatusReport {
    /// Whether `queue`'s oldest dead letter is old enough to be redriven before it expires.
    fn dead_letters_expiring(&self, queue: &QueueStatus) -> bool {
        queue.dead_letters.unwrap_or(0) > 0
            && queue.oldest_dead_letter_age_seconds.is_some_and(|age| age >= self.max_dead_letter_age_seconds)
    }

    /// How many queues have dead letters old enough to redrive before they expire: the
    /// queue-watch function's second metric, whose alarm reminds of dead letters left waiting.
    pub fn expiring_dead_letter_queues(&self) -> usize {
        self.queues.iter().filter(|q| q.error.is_none() && self.dead_letters_expiring(q)).count()
    }

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
            if self.dead_letters_expiring(q) {
                reasons.push(format!(
                    "{name}: the oldest dead letter was queued {} ago (attention at {}): redrive it before it expires",
                    human_age(q.oldest_dead_letter_age_seconds.unwrap_or_default()),
                    human_age(self.max_dead_letter_age_seconds)
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
            if alarm.state == ALARM {
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
        if alarm.state == ALARM {
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

impl StatusReport {
    /// Puts each age on its row, and each alarm on the row of the queue (or dead-letter queue)
    /// it watches; alarms that watch none are the stack's other alarms.
    pub fn add_monitoring(
        &mut self,
        ages: Vec<Option<u64>>,
        dead_letter_ages: Vec<Option<u64>>,
        alarms: Vec<(AlarmStatus, Vec<String>)>,
    ) {
        for (row, age) in self.queues.iter_mut().zip(ages) {
            row.oldest_age_seconds = age;
        }
        for (row, age) in self.queues.iter_mut().zip(dead_letter_ages) {
            row.oldest_dead_letter_age_seconds = age;
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

/// The metric the queue-watch function publishes after each look: how many things need
/// attention ([`StatusReport::attention`]), without dimensions. One alarm on it watches every
/// queue and dead-letter queue of the stack, at the price of one metric.
pub const ATTENTION_METRIC: &str = "QueuesNeedingAttention";
/// Its second metric: how many dead-letter queues hold a dead letter old enough to redrive
/// before it expires ([`StatusReport::expiring_dead_letter_queues`]). Its alarm notifies again
/// while the first is still in ALARM for the same dead letters.
pub const EXPIRING_DEAD_LETTERS_METRIC: &str = "DeadLetterQueuesExpiring";

/// What the queue-watch function watches, from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchConfig {
    /// The stack's prefix of queue names (`QUEUE_NAME_PREFIX`, `<stack>-`).
    pub prefix: String,
    /// The queues, by the catalogue's names (`WATCHED_QUEUES`, comma-separated).
    pub queues: Vec<QueueToCheck>,
    /// The ages at which a queue needs attention (`QUEUE_AGE_ALARM_SECONDS`,
    /// `DEAD_LETTER_AGE_ALARM_SECONDS`).
    pub thresholds: Thresholds,
    /// The metrics' namespace (`METRICS_NAMESPACE`).
    pub namespace: String,
}

impl WatchConfig {
    /// Reads the configuration through `var` (the environment, in the function).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, crate::ConfigError> {
        use crate::ConfigError;
        let required =
            |name: &'static str| var(name).filter(|v| !v.is_empty()).ok_or(ConfigError::Missing(name));
        let prefix = required("QUEUE_NAME_PREFIX")?;
        let queues = required("WATCHED_QUEUES")?
            .split(',')
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| QueueToCheck { label: q.to_owned(), sqs_name: format!("{prefix}{q}") })
            .collect();
        let seconds = |name: &'static str| -> Result<std::time::Duration, ConfigError> {
            let value = required(name)?;
            let seconds = value.parse().map_err(|_| ConfigError::Invalid {
                var: name,
                value: value.clone(),
                reason: "not a number of seconds".to_owned(),
            })?;
            Ok(std::time::Duration::from_secs(seconds))
        };
        let thresholds = Thresholds {
            message_age: seconds("QUEUE_AGE_ALARM_SECONDS")?,
            dead_letter_age: seconds("DEAD_LETTER_AGE_ALARM_SECONDS")?,
        };
        Ok(Self {
            prefix,
            queues,
            thresholds,
            namespace: var("METRICS_NAMESPACE").unwrap_or_else(|| "MiddeskWebhooks".to_owned()),
        })
    }
}

/// The EMF line of one look: [`ATTENTION_METRIC`] and [`EXPIRING_DEAD_LETTERS_METRIC`].
pub fn emf_record(namespace: &str, report: &StatusReport, now: SystemTime) -> String {
    let timestamp = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let mut record = serde_json::json!({
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [[]],
                "Metrics": [
                    { "Name": ATTENTION_METRIC, "Unit": "Count" },
                    { "Name": EXPIRING_DEAD_LETTERS_METRIC, "Unit": "Count" }
                ]
            }]
        }
    });
    record[ATTENTION_METRIC] = serde_json::json!(report.attention().len());
    record[EXPIRING_DEAD_LETTERS_METRIC] = serde_json::json!(report.expiring_dead_letter_queues());
    record.to_string()
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
            oldest_dead_letter_age_seconds: None,
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
            max_dead_letter_age_seconds: 86_400,
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
        let mut expiring = row("person-created");
        (expiring.dead_letters, expiring.oldest_dead_letter_age_seconds) = (Some(1), Some(86_400));
        let mut not_yet = row("person-deleted");
        (not_yet.dead_letters, not_yet.oldest_dead_letter_age_seconds) = (Some(1), Some(86_399));
        let mut missing = row("agent-runs");
        missing.error = Some("no such queue".into());
        let mut r = report(vec![dead, old, firing, expiring, not_yet, missing, row("business-created")]);
        r.other_alarms.push(AlarmStatus { name: "stack-VerifierErrorsAlarm".into(), state: "ALARM".into() });
        let attention = r.attention();
        assert_eq!(attention.len(), 8, "{attention:#?}");
        assert!(
            attention[0].contains("catch-all: 2 dead letter(s)")
                && attention[0].contains("redrive stack-catch-all-dlq")
        );
        assert!(attention[1].contains("order-created: the oldest message has waited 2d 0h"));
        assert!(attention[2].starts_with("person-created: 1 dead letter(s)"));
        assert!(
            attention[3].starts_with("person-created: the oldest dead letter was queued 1d 0h ago"),
            "{attention:#?}"
        );
        assert!(attention[4].starts_with("person-deleted: 1 dead letter(s)"));
        assert!(attention[5].contains("agent-runs: could not be read"));
        assert_eq!(attention[6], "alarm lien-found-age is in ALARM");
        assert_eq!(attention[7], "alarm stack-VerifierErrorsAlarm is in ALARM");
        assert_eq!(r.expiring_dead_letter_queues(), 1);
        let json = r.to_json();
        assert_eq!(json["attention"].as_array().unwrap().len(), 8);
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
            vec![None, None],
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

    #[test]
    fn the_watch_reads_its_queues_from_the_environment() {
        let vars = std::collections::HashMap::from([
            ("QUEUE_NAME_PREFIX", "st-"),
            ("WATCHED_QUEUES", "business-created, catch-all,"),
            ("QUEUE_AGE_ALARM_SECONDS", "3600"),
            ("DEAD_LETTER_AGE_ALARM_SECONDS", "7200"),
        ]);
        let config = WatchConfig::from_vars(|n| vars.get(n).map(|v| v.to_string())).unwrap();
        let names: Vec<_> = config.queues.iter().map(|q| (q.label.as_str(), q.sqs_name.as_str())).collect();
        assert_eq!(names, [("business-created", "st-business-created"), ("catch-all", "st-catch-all")]);
        let Thresholds { message_age, dead_letter_age } = config.thresholds;
        assert_eq!((message_age.as_secs(), dead_letter_age.as_secs()), (3600, 7200));
        assert_eq!(config.namespace, "MiddeskWebhooks");
        let bad = |name: &str, value: &str| {
            let mut vars = vars.clone();
            vars.insert(name, value);
            WatchConfig::from_vars(|n| vars.get(n).map(|v| v.to_string())).unwrap_err().to_string()
        };
        assert!(bad("QUEUE_AGE_ALARM_SECONDS", "a day").contains("QUEUE_AGE_ALARM_SECONDS"));
        assert!(bad("WATCHED_QUEUES", "").contains("WATCHED_QUEUES"));
    }

    #[test]
    fn a_look_is_one_metric_without_dimensions() {
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let mut dead = row("catch-all");
        (dead.dead_letters, dead.oldest_dead_letter_age_seconds) = (Some(1), Some(86_400));
        let r = report(vec![dead, row("business-created")]);
        let v: serde_json::Value = serde_json::from_str(&emf_record("NS", &r, now)).unwrap();
        // The dead letter, and its age: two reasons, one queue with an expiring dead letter.
        assert_eq!(
            (v[ATTENTION_METRIC].as_u64(), v[EXPIRING_DEAD_LETTERS_METRIC].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(v["_aws"]["Timestamp"], 1_800_000_000_000u64);
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Dimensions"], serde_json::json!([[]]));
    }
}
