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
    /// Whether a consumer reads it (a Lambda event source mapping, enabled or not, or a queue
    /// configured as consumed elsewhere); `None` where it was not asked (no old message) or
    /// could not be read.
    pub consumed: Option<bool>,
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
    /// Why the consumers (Lambda's event source mappings) were not read, if they were not.
    pub consumers_error: Option<String>,
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

/// One thing that needs attention, with a key that stays the same while it lasts. The queue
/// watch compares the keys of one look with the last look's. A key it had not seen is a problem
/// that started: it notifies even while older ones hold the alarm in ALARM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Stable while the problem lasts, e.g. `business-updated:stale`. A problem that can grow
    /// ends in its size: `business-updated:dead-letters:2`. A size larger than the last look's
    /// is a problem that started (a new dead letter), a smaller one is not (a redrive).
    pub key: String,
    /// What to tell the operator.
    pub text: String,
}

impl StatusReport {
    /// Whether `queue`'s oldest dead letter is old enough to be redriven before it expires. One
    /// whose age cannot be read (CloudWatch lags, or fails) may be: it counts, where the report
    /// needs CloudWatch at all.
    fn dead_letters_expiring(&self, queue: &QueueStatus) -> bool {
        let age_unknown_counts = self.cloudwatch_required;
        queue.dead_letters.unwrap_or(0) > 0
            && queue
                .oldest_dead_letter_age_seconds
                .map_or(age_unknown_counts, |age| age >= self.max_dead_letter_age_seconds)
    }

    /// How many queues have dead letters old enough to redrive before they expire: the
    /// queue-watch function's second metric, whose alarm reminds of dead letters left waiting.
    pub fn expiring_dead_letter_queues(&self) -> usize {
        self.queues.iter().filter(|q| q.error.is_none() && self.dead_letters_expiring(q)).count()
    }

    /// Whether `queue`'s oldest message is old enough to need attention: where a consumer reads
    /// it (or nobody could tell). A queue nobody consumes holds events no code asked for; the
    /// archive keeps each of them, and `replay` delivers them to a consumer added later.
    fn stale(&self, queue: &QueueStatus) -> Option<u64> {
        let age = queue.oldest_age_seconds.filter(|age| *age >= self.max_age_seconds)?;
        (queue.consumed != Some(false)).then_some(age)
    }

    /// What needs attention, one sentence each; empty when all is well.
    pub fn attention(&self) -> Vec<String> {
        self.reasons().into_iter().map(|r| r.text).collect()
    }

    /// What needs attention, each with its key.
    pub fn reasons(&self) -> Vec<Reason> {
        let mut reasons = Vec::new();
        let mut add = |key: String, text: String| reasons.push(Reason { key, text });
        for q in &self.queues {
            let name = &q.queue;
            if let Some(error) = &q.error {
                add(format!("{name}:unreadable"), format!("{name}: could not be read ({error})"));
                continue;
            }
            if let Some(n @ 1..) = q.dead_letters {
                let dlq = q.dead_letter_queue.as_deref().unwrap_or("its dead-letter queue");
                add(
                    format!("{name}:dead-letters:{n}"),
                    format!(
                        "{name}: {n} dead letter(s); once the consumer is fixed: middesk-webhooks redrive {dlq}"
                    ),
                );
            }
            if self.dead_letters_expiring(q) {
                let text = match q.oldest_dead_letter_age_seconds {
                    Some(age) => format!(
                        "{name}: the oldest dead letter was queued {} ago (attention at {}): redrive it before it expires",
                        human_age(age),
                        human_age(self.max_dead_letter_age_seconds)
                    ),
                    None => format!(
                        "{name}: the age of its dead letters cannot be read, so they may be about to expire: redrive them"
                    ),
                };
                add(format!("{name}:dead-letters-expiring"), text);
            }
            if let Some(age) = self.stale(q) {
                add(
                    format!("{name}:stale"),
                    format!(
                        "{name}: the oldest message has waited {} (attention at {}): is its consumer running?",
                        human_age(age),
                        human_age(self.max_age_seconds)
                    ),
                );
            }
        }
        if let Some(error) = self.cloudwatch_error.as_ref().filter(|_| self.cloudwatch_required) {
            add(
                "cloudwatch".into(),
                format!("CloudWatch could not be read, so ages and alarms are unknown ({error})"),
            );
        }
        if let Some(error) = &self.consumers_error {
            add(
                "consumers".into(),
                format!("the queues' consumers could not be read, so every old message counts ({error})"),
            );
        }
        let queue_alarms = self.queues.iter().flat_map(|q| &q.alarms);
        for alarm in queue_alarms.chain(&self.other_alarms) {
            if alarm.state == ALARM {
                add(format!("alarm:{}", alarm.name), format!("alarm {} is in ALARM", alarm.name));
            }
        }
        reasons
    }

    /// The queues whose old messages wait for no consumer: not a problem (the archive keeps
    /// their events), but worth a line in the table.
    pub fn unconsumed(&self) -> Vec<&str> {
        let old = |q: &&QueueStatus| q.oldest_age_seconds.is_some_and(|age| age >= self.max_age_seconds);
        self.queues
            .iter()
            .filter(old)
            .filter(|q| q.consumed == Some(false))
            .map(|q| q.queue.as_str())
            .collect()
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
        let unconsumed = self.unconsumed();
        if !unconsumed.is_empty() {
            out += &format!(
                "no consumer (events kept in the archive; `replay` delivers them to one added later): {}\n",
                unconsumed.join(", ")
            );
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

/// Who consumes the queues: Lambda's event source mappings on AWS.
pub trait Consumers {
    /// The SQS names, among `queues`, that something consumes.
    fn consumed(&self, queues: &[String]) -> impl Future<Output = Result<Vec<String>, String>>;
}

/// Consumers known in advance: the local stack's subscriptions, or a test's.
#[derive(Debug, Clone, Default)]
pub struct KnownConsumers(pub Vec<String>);

impl Consumers for KnownConsumers {
    async fn consumed(&self, queues: &[String]) -> Result<Vec<String>, String> {
        Ok(queues.iter().filter(|q| self.0.contains(q)).cloned().collect())
    }
}

/// Where the queue watch keeps the keys of its last look's reasons, so that the next look can
/// tell a problem that started from one that goes on: the stack's table on AWS.
pub trait WatchMemory {
    /// The keys of the last look ([`Reason::key`]); empty before the first.
    fn last_look(&self) -> impl Future<Output = Result<Vec<String>, String>>;
    /// Keeps this look's keys.
    fn remember(&self, keys: &[String]) -> impl Future<Output = Result<(), String>>;
}

/// A last look kept in memory: for tests, and a process that looks more than once.
#[derive(Debug, Default)]
pub struct InMemoryWatchMemory(std::sync::Mutex<Vec<String>>);

impl WatchMemory for InMemoryWatchMemory {
    async fn last_look(&self) -> Result<Vec<String>, String> {
        Ok(self.0.lock().map_err(|_| "poisoned".to_owned())?.clone())
    }

    async fn remember(&self, keys: &[String]) -> Result<(), String> {
        *self.0.lock().map_err(|_| "poisoned".to_owned())? = keys.to_vec();
        Ok(())
    }
}

/// The reasons (of a report, [`StatusReport::reasons`]) that the last look (`last`: its keys, or why they could not be
/// read) did not have. Without the last look every reason counts as new, and so does the
/// failure to read it: a page too many rather than a problem nobody hears of.
pub fn started(reasons: &[Reason], last: &Result<Vec<String>, String>) -> Vec<Reason> {
    match last {
        Ok(keys) => reasons
            .iter()
            .filter(|r| {
                let (problem, size) = sized(&r.key);
                // Known when the last look had it at least this large; a last key without a size
                // (written before sizes were) is taken as known.
                !keys
                    .iter()
                    .map(|k| sized(k))
                    .any(|(p, s)| p == problem && s.is_none_or(|s| size.is_some_and(|n| s >= n)))
            })
            .cloned()
            .collect(),
        Err(error) => {
            let mut all = reasons.to_vec();
            all.push(Reason {
                key: "memory".into(),
                text: format!(
                    "the queue watch could not read its last look, so every reason counts as new ({error})"
                ),
            });
            all
        }
    }
}

/// A reason's key split into its problem and its size: `("catch-all:dead-letters", Some(2))`
/// for `catch-all:dead-letters:2`. Only dead letters have a size.
fn sized(key: &str) -> (&str, Option<u64>) {
    match key.rsplit_once(':') {
        Some((problem, n)) if problem.ends_with(":dead-letters") => match n.parse() {
            Ok(n) => (problem, Some(n)),
            Err(_) => (key, None),
        },
        _ => (key, None),
    }
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

/// Its third metric: how many reasons this look found that the last one had not
/// ([`started`]). Its alarm notifies for each new problem, even while older ones hold
/// [`ATTENTION_METRIC`]'s alarm in ALARM.
pub const STARTED_METRIC: &str = "QueueProblemsStarted";

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
    /// Queues that something other than a Lambda event source mapping consumes, by the
    /// catalogue's names (`CONSUMED_ELSEWHERE`, comma-separated): their old messages count.
    pub consumed_elsewhere: Vec<String>,
    /// The table that keeps the last look (`WATCH_STATE_TABLE`).
    pub state_table: String,
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
        let list = |name: &str| -> Vec<String> {
            var(name)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(|q| format!("{prefix}{q}"))
                .collect()
        };
        Ok(Self {
            consumed_elsewhere: list("CONSUMED_ELSEWHERE"),
            state_table: required("WATCH_STATE_TABLE")?,
            prefix: prefix.clone(),
            queues,
            thresholds,
            namespace: var("METRICS_NAMESPACE").unwrap_or_else(|| "MiddeskWebhooks".to_owned()),
        })
    }
}

/// The EMF line of one look: [`ATTENTION_METRIC`], [`EXPIRING_DEAD_LETTERS_METRIC`] and
/// [`STARTED_METRIC`] (`started`: the reasons the last look had not).
pub fn emf_record(namespace: &str, report: &StatusReport, started: usize, now: SystemTime) -> String {
    let timestamp = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let mut record = serde_json::json!({
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [[]],
                "Metrics": [
                    { "Name": ATTENTION_METRIC, "Unit": "Count" },
                    { "Name": EXPIRING_DEAD_LETTERS_METRIC, "Unit": "Count" },
                    { "Name": STARTED_METRIC, "Unit": "Count" }
                ]
            }]
        }
    });
    record[ATTENTION_METRIC] = serde_json::json!(report.attention().len());
    record[EXPIRING_DEAD_LETTERS_METRIC] = serde_json::json!(report.expiring_dead_letter_queues());
    record[STARTED_METRIC] = serde_json::json!(started);
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
            consumed: None,
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
            consumers_error: None,
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
        (dead.dead_letters, dead.oldest_dead_letter_age_seconds) = (Some(2), Some(60));
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
            ("WATCH_STATE_TABLE", "st-table"),
            ("CONSUMED_ELSEWHERE", "catch-all"),
        ]);
        let config = WatchConfig::from_vars(|n| vars.get(n).map(|v| v.to_string())).unwrap();
        let names: Vec<_> = config.queues.iter().map(|q| (q.label.as_str(), q.sqs_name.as_str())).collect();
        assert_eq!(names, [("business-created", "st-business-created"), ("catch-all", "st-catch-all")]);
        let Thresholds { message_age, dead_letter_age } = config.thresholds;
        assert_eq!((message_age.as_secs(), dead_letter_age.as_secs()), (3600, 7200));
        assert_eq!(config.namespace, "MiddeskWebhooks");
        assert_eq!(
            (config.state_table.as_str(), config.consumed_elsewhere.as_slice()),
            ("st-table", &["st-catch-all".to_owned()][..])
        );
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
        let v: serde_json::Value = serde_json::from_str(&emf_record("NS", &r, 1, now)).unwrap();
        // The dead letter, and its age: two reasons, one queue with an expiring dead letter.
        assert_eq!(
            (v[ATTENTION_METRIC].as_u64(), v[EXPIRING_DEAD_LETTERS_METRIC].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(v[STARTED_METRIC].as_u64(), Some(1));
        assert_eq!(v["_aws"]["Timestamp"], 1_800_000_000_000u64);
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Dimensions"], serde_json::json!([[]]));
    }

    #[test]
    fn an_old_message_needs_attention_only_where_something_consumes_the_queue() {
        let old = |consumed: Option<bool>| {
            let mut q = row("lien-found");
            (q.waiting, q.oldest_age_seconds, q.consumed) = (Some(4), Some(200_000), consumed);
            q
        };
        // Nobody consumes it: its events wait in the archive, and the default stack idles in OK.
        let r = report(vec![old(Some(false))]);
        assert_eq!(r.attention(), Vec::<String>::new());
        assert_eq!(r.unconsumed(), ["lien-found"]);
        assert!(r.table().contains("no consumer (events kept in the archive"), "{}", r.table());
        // A consumer (even a disabled mapping), or nobody could tell: it needs attention.
        for consumed in [Some(true), None] {
            let r = report(vec![old(consumed)]);
            assert_eq!(r.reasons()[0].key, "lien-found:stale", "{consumed:?}");
        }
        let mut unknown = report(vec![old(None)]);
        unknown.consumers_error = Some("Lambda answered HTTP 403".into());
        assert_eq!(
            unknown.reasons().iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            ["lien-found:stale", "consumers"]
        );
    }

    #[test]
    fn a_dead_letter_whose_age_cannot_be_read_may_be_expiring() {
        let mut dead = row("catch-all");
        dead.dead_letters = Some(1);
        let mut r = report(vec![dead]);
        assert_eq!(r.expiring_dead_letter_queues(), 1);
        assert!(r.attention()[1].contains("cannot be read"), "{:#?}", r.attention());
        // The local stack has no CloudWatch: no age is ever known there.
        r.cloudwatch_required = false;
        assert_eq!(r.expiring_dead_letter_queues(), 0);
    }

    #[test]
    fn a_problem_that_starts_while_another_holds_is_new() {
        let mut dead = row("catch-all");
        dead.dead_letters = Some(1);
        dead.oldest_dead_letter_age_seconds = Some(60);
        let first = report(vec![dead.clone(), row("order-created")]);
        let keys = |reasons: Vec<Reason>| reasons.into_iter().map(|r| r.key).collect::<Vec<_>>();
        assert_eq!(keys(started(&first.reasons(), &Ok(Vec::new()))), ["catch-all:dead-letters:1"]);
        let last = Ok(keys(first.reasons()));
        // The same problem, a look later: nothing new.
        assert!(started(&first.reasons(), &last).is_empty());
        // Another queue's first dead letter while the first still holds the alarm: new.
        let mut second = dead.clone();
        second.queue = "order-created".into();
        let r = report(vec![dead, second]);
        assert_eq!(keys(started(&r.reasons(), &last)), ["order-created:dead-letters:1"]);
        // Without the last look, everything is new, and so is not knowing it.
        assert_eq!(
            keys(started(&r.reasons(), &Err("no table".into()))),
            ["catch-all:dead-letters:1", "order-created:dead-letters:1", "memory"]
        );
    }

    #[test]
    fn a_new_dead_letter_in_a_queue_that_holds_one_is_new_and_a_redrive_is_not() {
        let with = |n: u64| {
            let mut dead = row("catch-all");
            dead.dead_letters = Some(n);
            dead.oldest_dead_letter_age_seconds = Some(60);
            report(vec![dead])
        };
        let keys = |reasons: &[Reason]| reasons.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
        let last = |n: u64| Ok(keys(&with(n).reasons()));
        let new = |n: u64, before: u64| keys(&started(&with(n).reasons(), &last(before)));
        assert_eq!(new(2, 1), ["catch-all:dead-letters:2"], "a second dead letter is new");
        assert!(new(2, 2).is_empty(), "the same two, a look later");
        assert!(new(1, 3).is_empty(), "two of three redriven: nothing new");
        // A key the watch wrote before keys had sizes is not taken as new.
        assert!(started(&with(4).reasons(), &Ok(vec!["catch-all:dead-letters".into()])).is_empty());
    }
}
