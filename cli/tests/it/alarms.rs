//! Loud at one, as a whole: no authentic event is lost without a page, in every configuration.
//!
//! No emulator here runs CloudWatch alarms. So these tests evaluate the translated template's
//! alarm definitions: period, evaluation periods, datapoints to alarm, threshold, comparison,
//! `TreatMissingData`, the `SUM` metric math. They evaluate them against the metrics the code
//! itself emits in each scenario: the verifier's and the queue watch's EMF records, parsed as
//! CloudWatch would. They follow CloudWatch's documented semantics. Two stacks share the account in every
//! scenario, so that one's metrics never page for, nor hide, the other's.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use middesk_webhooks::verify::metrics::{Counted, OUTCOMES, emf_record};
use middesk_webhooks::watch::{QueueStatus, StatusReport, started};
use serde_json::Value;

use crate::translated::{as_list, resources_of_type, translated};

/// A metric as CloudWatch keys it: namespace, name, and dimensions (sorted).
type MetricKey = (String, String, Vec<(String, String)>);

/// Datapoints: a metric, when (seconds since the epoch), the value.
#[derive(Default)]
struct Metrics(Vec<(MetricKey, u64, f64)>);

impl Metrics {
    /// Adds what an EMF line publishes, as CloudWatch reads it.
    fn emf(&mut self, line: &str) {
        let record: Value = serde_json::from_str(line).unwrap();
        let at = record["_aws"]["Timestamp"].as_u64().unwrap() / 1000;
        for directive in as_list(&record["_aws"]["CloudWatchMetrics"]) {
            let namespace = directive["Namespace"].as_str().unwrap().to_owned();
            assert_eq!(directive["Dimensions"], serde_json::json!([[]]), "no dimension comes from a request");
            for metric in as_list(&directive["Metrics"]) {
                let name = metric["Name"].as_str().unwrap();
                let value = record[name].as_f64().unwrap();
                self.0.push(((namespace.clone(), name.to_owned(), Vec::new()), at, value));
            }
        }
    }

    /// Adds one datapoint of an AWS metric.
    fn aws(&mut self, namespace: &str, name: &str, dimension: (&str, &str), at: u64, value: f64) {
        let dims = vec![(dimension.0.to_owned(), dimension.1.to_owned())];
        self.0.push(((namespace.to_owned(), name.to_owned(), dims), at, value));
    }

    /// The statistic of `key` over `[start, start + period)`, or `None` without a datapoint.
    fn stat(&self, key: &MetricKey, statistic: &str, start: u64, period: u64) -> Option<f64> {
        let values: Vec<f64> = self
            .0
            .iter()
            .filter(|(k, t, _)| k == key && (start..start + period).contains(t))
            .map(|(_, _, v)| *v)
            .collect();
        if values.is_empty() {
            return None;
        }
        Some(match statistic {
            "Sum" => values.iter().sum(),
            "Maximum" => values.iter().copied().fold(f64::MIN, f64::max),
            "SampleCount" => values.len() as f64,
            other => panic!("statistic {other} is not evaluated here"),
        })
    }
}

/// An alarm's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ok,
    Alarm,
    InsufficientData,
}

/// A value of the translated template as CloudFormation resolves it in stack `stack`: `Ref` to
/// a resource is its physical name (`<stack>-<logical id>`), `Fn::Sub` fills `${AWS::StackName}`.
fn resolve(value: &Value, stack: &str) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(o) if o.contains_key("Ref") => format!("{stack}-{}", o["Ref"].as_str().unwrap()),
        Value::Object(o) if o.contains_key("Fn::Sub") => {
            o["Fn::Sub"].as_str().unwrap().replace("${AWS::StackName}", stack)
        }
        other => panic!("not resolved here: {other}"),
    }
}

/// A metric an alarm reads in stack `stack`, with its statistic and period.
fn metric_of(stat: &Value, stack: &str) -> (MetricKey, String, u64) {
    let metric = if stat.get("Metric").is_some() { &stat["Metric"] } else { stat };
    let mut dims: Vec<(String, String)> = as_list(&metric["Dimensions"])
        .into_iter()
        .map(|d| (d["Name"].as_str().unwrap().to_owned(), resolve(&d["Value"], stack)))
        .collect();
    dims.sort();
    let key = (resolve(&metric["Namespace"], stack), metric["MetricName"].as_str().unwrap().to_owned(), dims);
    let statistic = stat.get("Stat").or(stat.get("Statistic")).and_then(Value::as_str).unwrap().to_owned();
    (key, statistic, stat["Period"].as_u64().unwrap())
}

/// One alarm of stack `stack`, as CloudWatch evaluates it.
struct Alarm {
    id: String,
    /// The metrics it reads, summed (`SUM([...])`) when more than one.
    reads: Vec<(MetricKey, String)>,
    period: u64,
    periods: u64,
    to_alarm: u64,
    threshold: f64,
    comparison: String,
    missing: String,
    /// Whether it tells anyone (has `AlarmActions`): an alarm without actions is the
    /// dashboard's only.
    pages: bool,
}

impl Alarm {
    fn all(stack: &str) -> Vec<Alarm> {
        resources_of_type("AWS::CloudWatch::Alarm")
            .into_iter()
            .map(|(id, resource)| {
                let p = &resource["Properties"];
                let (reads, period) = match p.get("Metrics") {
                    Some(metrics) => {
                        let returned: Vec<&Value> =
                            as_list(metrics).into_iter().filter(|m| m["ReturnData"] == true).collect();
                        let expression = returned[0]["Expression"].as_str().unwrap();
                        assert!(expression.starts_with("SUM(["), "{id}: {expression} is not evaluated here");
                        let stats: Vec<_> = as_list(metrics)
                            .into_iter()
                            .filter_map(|m| m.get("MetricStat"))
                            .map(|s| metric_of(s, stack))
                            .collect();
                        let period = stats[0].2;
                        assert!(stats.iter().all(|s| s.2 == period), "{id}: one period");
                        (stats.into_iter().map(|(k, s, _)| (k, s)).collect(), period)
                    }
                    None => {
                        let (key, statistic, period) = metric_of(p, stack);
                        (vec![(key, statistic)], period)
                    }
                };
                let number = |name: &str| {
                    let value = &p[name];
                    value.as_u64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
                };
                let periods = number("EvaluationPeriods").unwrap();
                Alarm {
                    id: id.to_owned(),
                    reads,
                    period,
                    periods,
                    // CloudWatch's default: every evaluated period.
                    to_alarm: number("DatapointsToAlarm").unwrap_or(periods),
                    threshold: p["Threshold"]
                        .as_f64()
                        .or_else(|| p["Threshold"].as_str()?.parse().ok())
                        .unwrap(),
                    comparison: p["ComparisonOperator"].as_str().unwrap().to_owned(),
                    missing: p["TreatMissingData"].as_str().unwrap_or("missing").to_owned(),
                    pages: !as_list(&p["AlarmActions"]).is_empty(),
                }
            })
            .collect()
    }

    /// The alarm's state at `now` (seconds), from `previous`.
    fn evaluate(&self, metrics: &Metrics, now: u64, previous: State) -> State {
        // The latest `periods` whole periods before `now`.
        let last_end = now - now % self.period;
        let mut breaching = 0;
        let mut present = 0;
        for i in 0..self.periods {
            let start = last_end - (i + 1) * self.period;
            let values: Vec<f64> = self
                .reads
                .iter()
                .filter_map(|(key, stat)| metrics.stat(key, stat, start, self.period))
                .collect();
            let value = (!values.is_empty()).then(|| values.iter().sum::<f64>());
            let breaches = match (value, self.missing.as_str()) {
                (Some(v), _) => {
                    present += 1;
                    match self.comparison.as_str() {
                        "GreaterThanOrEqualToThreshold" => v >= self.threshold,
                        "LessThanThreshold" => v < self.threshold,
                        other => panic!("{}: {other} is not evaluated here", self.id),
                    }
                }
                (None, "breaching") => true,
                (None, _) => false,
            };
            breaching += u64::from(breaches);
        }
        if present == 0 && self.missing != "breaching" && self.missing != "notBreaching" {
            return match self.missing.as_str() {
                "ignore" => previous,
                _ => State::InsufficientData,
            };
        }
        if breaching >= self.to_alarm { State::Alarm } else { State::Ok }
    }
}

/// Every alarm of `stack`, minute by minute from `from` to `to`, all OK at first: the alarms
/// that paged (went into ALARM, with an action) and the states at `to`.
fn run(stack: &str, metrics: &Metrics, from: u64, to: u64) -> (Vec<String>, BTreeMap<String, State>) {
    let ok = Alarm::all(stack).into_iter().map(|a| (a.id, State::Ok)).collect();
    run_from(stack, metrics, from, to, ok)
}

/// [`run`] from the alarms' `states`.
fn run_from(
    stack: &str,
    metrics: &Metrics,
    from: u64,
    to: u64,
    mut states: BTreeMap<String, State>,
) -> (Vec<String>, BTreeMap<String, State>) {
    let alarms = Alarm::all(stack);
    let mut notified = Vec::new();
    let mut now = from;
    while now <= to {
        for alarm in &alarms {
            let state = alarm.evaluate(metrics, now, states[&alarm.id]);
            if alarm.pages && state == State::Alarm && states[&alarm.id] != State::Alarm {
                notified.push(alarm.id.clone());
            }
            states.insert(alarm.id.clone(), state);
        }
        now += 60;
    }
    (notified, states)
}

const PRODUCTION: &str = "production";
const STAGING: &str = "staging";

/// The namespace a stack's verifier and queue watch publish to, as the template sets it.
fn namespace_of(function: &str, stack: &str) -> String {
    let function =
        resources_of_type("AWS::Lambda::Function").into_iter().find(|(id, _)| *id == function).unwrap().1;
    resolve(&function["Properties"]["Environment"]["Variables"]["METRICS_NAMESPACE"], stack)
}

/// A time the tests start at: an hour boundary, so periods line up as they would. Each
/// scenario's watch has looked for half an hour before it (before its first look, a stack's
/// QueueWatchStoppedAlarm is rightly in ALARM).
fn t0() -> u64 {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    now - now % 3600
}

/// The queue watch's looks of `stack` every five minutes from `from` to `to`, each at that
/// time, as quiet as an idle stack: the metrics it publishes (the only datapoints the watch's
/// alarms need to stay OK).
fn quiet_looks(metrics: &mut Metrics, stack: &str, from: u64, to: u64) {
    looks(metrics, stack, &report(vec![]), from, to);
}

/// The queue watch's looks of `stack` every five minutes from `from` to `to`, each finding
/// `report` and nothing new.
fn looks(metrics: &mut Metrics, stack: &str, report: &StatusReport, from: u64, to: u64) {
    let namespace = namespace_of("QueueWatchFunction", stack);
    let mut at = from;
    while at <= to {
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(at);
        metrics.emf(&middesk_webhooks::watch::emf_record(&namespace, report, 0, when));
        at += 300;
    }
}

fn report(queues: Vec<QueueStatus>) -> StatusReport {
    StatusReport {
        queues,
        other_alarms: Vec::new(),
        max_age_seconds: 86_400,
        max_dead_letter_age_seconds: 259_200,
        cloudwatch_error: None,
        consumers_error: None,
        cloudwatch_required: true,
    }
}

fn queue(name: &str, dead_letters: u64) -> QueueStatus {
    QueueStatus {
        queue: name.into(),
        sqs_name: format!("{PRODUCTION}-{name}"),
        waiting: Some(0),
        in_flight: Some(0),
        dead_letters: Some(dead_letters),
        oldest_dead_letter_age_seconds: Some(60).filter(|_| dead_letters > 0),
        dead_letter_queue: Some(format!("{PRODUCTION}-{name}-dlq")),
        ..QueueStatus::default()
    }
}

#[test]
fn every_authentic_refusal_and_every_fault_pages_at_the_first_one_whatever_the_other_stack_does() {
    let start = t0();
    for (outcome, counted) in OUTCOMES.iter().flat_map(|(o, counts)| counts.iter().map(move |c| (*o, c))) {
        let mut metrics = Metrics::default();
        // Both stacks' watches look as usual; staging's verifier refuses a burst of everything
        // anybody can send, and faults, all the while.
        quiet_looks(&mut metrics, PRODUCTION, start - 1800, start + 3600);
        quiet_looks(&mut metrics, STAGING, start - 1800, start + 3600);
        let staging = namespace_of("VerifierFunction", STAGING);
        for minute in 0..60 {
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(start + minute * 60);
            for (counted, noise) in [
                (Counted::ForeignRefused, "signature_missing"),
                (Counted::Fault, "secret_unavailable"),
                (Counted::ForeignRefused, "account_not_listed"),
            ] {
                metrics.emf(&emf_record(&staging, counted, noise, Duration::ZERO, at));
            }
        }
        // One request of ours, with this outcome, in production, half an hour in.
        let production = namespace_of("VerifierFunction", PRODUCTION);
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(start + 1800 + 7);
        metrics.emf(&emf_record(&production, *counted, outcome, Duration::ZERO, at));
        let (notified, _) = run(PRODUCTION, &metrics, start + 600, start + 3600);
        match counted {
            Counted::AuthenticRefused | Counted::Fault => {
                assert!(!notified.is_empty(), "one {outcome} in production pages nobody");
            }
            // What anybody can send pages only on a burst: one pages nobody.
            Counted::ForeignRefused => assert!(notified.is_empty(), "one {outcome} paged {notified:?}"),
        }
        // And staging's own noise never paged production.
        if *counted == Counted::ForeignRefused {
            assert!(notified.is_empty(), "{notified:?}");
        }
    }
}

#[test]
fn a_burst_of_what_anybody_can_send_shows_on_the_dashboard_and_pages_nobody() {
    let start = t0();
    let mut metrics = Metrics::default();
    quiet_looks(&mut metrics, PRODUCTION, start - 1800, start + 3600);
    let production = namespace_of("VerifierFunction", PRODUCTION);
    // A scan: forgeries from anywhere, every second for ten minutes.
    for second in 0..600 {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(start + 900 + second);
        metrics.emf(&emf_record(
            &production,
            Counted::ForeignRefused,
            "signature_mismatch",
            Duration::ZERO,
            at,
        ));
    }
    let (paged, states) = run(PRODUCTION, &metrics, start + 600, start + 1500);
    assert!(paged.is_empty(), "an outsider paged: {paged:?}");
    assert_eq!(states["ForeignRequestsAlarm"], State::Alarm, "the dashboard shows the burst");
}

#[test]
fn a_crash_of_the_verifier_pages_at_once() {
    let start = t0();
    let mut metrics = Metrics::default();
    quiet_looks(&mut metrics, PRODUCTION, start - 1800, start + 1800);
    // A crash or a timeout logs no outcome: only Lambda's own Errors metric says it.
    metrics.aws("AWS/Lambda", "Errors", ("FunctionName", "production-VerifierFunction"), start + 900, 1.0);
    let (notified, _) = run(PRODUCTION, &metrics, start + 600, start + 1800);
    assert_eq!(notified, ["VerifierErrorsAlarm"]);
    // The same crash in staging pages nobody in production.
    let mut metrics = Metrics::default();
    quiet_looks(&mut metrics, PRODUCTION, start - 1800, start + 1800);
    metrics.aws("AWS/Lambda", "Errors", ("FunctionName", "staging-VerifierFunction"), start + 900, 1.0);
    let (notified, _) = run(PRODUCTION, &metrics, start + 600, start + 1800);
    assert!(notified.is_empty(), "{notified:?}");
}

#[test]
fn a_new_dead_letter_pages_while_an_older_one_holds_the_queue_alarm_in_alarm() {
    let start = t0();
    let namespace = namespace_of("QueueWatchFunction", PRODUCTION);
    let mut metrics = Metrics::default();
    let mut last = Ok(Vec::new());
    quiet_looks(&mut metrics, PRODUCTION, start - 1800, start - 300);
    // Looks every five minutes; a dead letter in business-updated at 10 minutes (and never
    // redriven), a second one in the same queue at 40 minutes.
    for look in 0..12u64 {
        let at = start + look * 300;
        let queues = vec![queue("business-updated", u64::from(look >= 2) + u64::from(look >= 8))];
        let report = report(queues);
        let reasons = report.reasons();
        let new = started(&reasons, &last);
        last = Ok(reasons.into_iter().map(|r| r.key).collect());
        let line = middesk_webhooks::watch::emf_record(
            &namespace,
            &report,
            new.len(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(at + 20),
        );
        metrics.emf(&line);
    }
    quiet_looks(&mut metrics, STAGING, start - 1800, start + 3600);
    let (first, states) = run(PRODUCTION, &metrics, start + 60, start + 35 * 60);
    assert!(first.contains(&"QueueProblemStartedAlarm".to_owned()), "{first:?}");
    assert_eq!(states["QueuesNeedAttentionAlarm"], State::Alarm, "the first dead letter holds it");
    assert_eq!(states["QueueProblemStartedAlarm"], State::Ok, "back to OK, ready for the next");
    // The second dead letter: the queue alarm is already in ALARM and says nothing; the
    // started alarm pages again.
    let (second, _) = run_from(PRODUCTION, &metrics, start + 36 * 60, start + 55 * 60, states);
    assert_eq!(second, ["QueueProblemStartedAlarm"], "the new dead letter pages on its own");
}

#[test]
fn a_stopped_queue_watch_pages_whatever_the_other_alarms_and_the_other_stack_say() {
    let start = t0();
    let mut metrics = Metrics::default();
    // Production's watch looks for 20 minutes, with a dead letter (its alarm in ALARM), then
    // stops; staging's goes on looking.
    let namespace = namespace_of("QueueWatchFunction", PRODUCTION);
    quiet_looks(&mut metrics, PRODUCTION, start - 1800, start - 300);
    for look in 0..4u64 {
        let report = report(vec![queue("business-updated", 1)]);
        let line = middesk_webhooks::watch::emf_record(
            &namespace,
            &report,
            usize::from(look == 0),
            SystemTime::UNIX_EPOCH + Duration::from_secs(start + look * 300 + 20),
        );
        metrics.emf(&line);
    }
    quiet_looks(&mut metrics, STAGING, start - 1800, start + 3600);
    let (before, states) = run(PRODUCTION, &metrics, start + 60, start + 20 * 60);
    assert!(!before.contains(&"QueueWatchStoppedAlarm".to_owned()), "{before:?}");
    assert_eq!(states["QueuesNeedAttentionAlarm"], State::Alarm);
    let (notified, states) = run_from(PRODUCTION, &metrics, start + 21 * 60, start + 60 * 60, states);
    assert_eq!(notified, ["QueueWatchStoppedAlarm"]);
    assert_eq!(states["QueuesNeedAttentionAlarm"], State::Alarm, "it keeps its state without looks");
}

#[test]
fn an_idle_default_stack_idles_in_ok() {
    let start = t0();
    let mut metrics = Metrics::default();
    // A day after the first events: every queue nobody consumes holds old messages, which the
    // archive keeps; the watch looks, all quiet.
    let mut unconsumed = queue("lien-found", 0);
    (unconsumed.waiting, unconsumed.oldest_age_seconds, unconsumed.consumed) =
        (Some(3), Some(200_000), Some(false));
    let report = report(vec![unconsumed, queue("business-updated", 0)]);
    assert_eq!(report.attention(), Vec::<String>::new());
    looks(&mut metrics, PRODUCTION, &report, start - 1800, start + 3600);
    let (notified, states) = run(PRODUCTION, &metrics, start + 60, start + 3600);
    assert!(notified.is_empty(), "{notified:?}");
    assert!(states.values().all(|s| *s == State::Ok), "{states:?}");
    assert_eq!(translated()["Resources"]["QueuesNeedAttentionAlarm"]["Type"], "AWS::CloudWatch::Alarm");
}

/// The `.rs` files of the repository (not `target/`).
fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() && !name.starts_with('.') && name != "target" && name != "node_modules" {
            sources(&path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_runbooks_table_of_every_way_to_lose_an_event_names_tests_that_exist_and_every_alarmed_outcome() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let runbook = std::fs::read_to_string(repo.join("docs/runbook.md")).unwrap();
    let section = runbook.split("## Every way to lose an event").nth(1).expect("the section");
    let rows: Vec<&str> = section
        .lines()
        .take_while(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with("| ") && !l.starts_with("| path"))
        .collect();
    assert!(rows.len() >= 10, "{rows:?}");
    let mut files = Vec::new();
    sources(&repo, &mut files);
    for row in &rows {
        let test = row.trim_end_matches('|').rsplit('|').next().unwrap().trim().trim_matches('`');
        let (module, name) = (test.split("::").next().unwrap(), test.rsplit("::").next().unwrap());
        let found = files.iter().any(|f| {
            f.file_stem().is_some_and(|s| s == module)
                && std::fs::read_to_string(f).unwrap_or_default().contains(&format!("fn {name}("))
        });
        assert!(found, "the runbook names {test}, which no {module}.rs defines");
    }
    // Every outcome that means an authentic event refused, or our own fault, has its row.
    for (outcome, counted) in OUTCOMES {
        if counted.iter().any(|c| matches!(c, Counted::AuthenticRefused | Counted::Fault)) {
            let named = rows.iter().any(|r| r.contains(&format!("`{outcome}`")));
            assert!(named, "no row of the runbook's table says what becomes of {outcome}");
        }
    }
}
