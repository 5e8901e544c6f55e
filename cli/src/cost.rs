//! What a stack costs: the fixed monthly cost of an idle stack, read from its CloudFormation
//! template (as `sam deploy` deploys it, the SAM translator's output) and the metrics the code
//! publishes, and the cost of each event from measured durations. Prices come from one file,
//! `prices.json`, with their date and source.
//!
//! At Middesk's volume (tens of events a day) compute costs cents; what stands still is the
//! bill: alarms, custom metrics, dashboards, secrets, keys, and what runs on a schedule or
//! polls while idle. Resources behind a condition count as the parameters' defaults decide.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The prices, as `prices.json` holds them (the fields this module uses).
#[derive(Debug, Clone, Deserialize)]
pub struct Prices {
    /// When the prices were read.
    pub date: String,
    /// Lambda.
    pub lambda: LambdaPrices,
    /// CloudWatch.
    pub cloudwatch: CloudWatchPrices,
    /// Secrets Manager.
    pub secrets_manager: SecretsManagerPrices,
    /// KMS.
    pub kms: KmsPrices,
    /// SQS.
    pub sqs: SqsPrices,
    /// S3.
    pub s3: S3Prices,
    /// API Gateway.
    pub api_gateway: ApiGatewayPrices,
    /// DynamoDB on demand.
    pub dynamodb: DynamoDbPrices,
    /// X-Ray.
    pub xray: XrayPrices,
    /// Lambda's free tier.
    pub free_tier: LambdaFreeTier,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct LambdaPrices {
    pub arm64_per_gb_second: f64,
    pub x86_64_per_gb_second: f64,
    pub per_request: f64,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct CloudWatchPrices {
    pub per_alarm_metric_month: f64,
    pub per_custom_metric_month: f64,
    pub per_dashboard_month: f64,
    pub per_log_gb_ingested: f64,
    pub free_alarm_metrics: u64,
    pub free_custom_metrics: u64,
    pub free_dashboards: u64,
    pub free_dashboard_metrics: u64,
    pub free_log_gb: f64,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct SecretsManagerPrices {
    pub per_secret_month: f64,
    pub per_api_call: f64,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct KmsPrices {
    pub per_customer_managed_key_month: f64,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct SqsPrices {
    pub per_request: f64,
    pub request_bytes: u64,
    pub free_requests: u64,
    pub event_source_idle_receives_per_month: u64,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct S3Prices {
    pub per_put: f64,
    pub per_get: f64,
    pub per_gb_stored_month: f64,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct ApiGatewayPrices {
    pub http_api_per_request: f64,
    pub http_api_request_bytes: u64,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct DynamoDbPrices {
    pub per_write_request_unit: f64,
    pub per_read_request_unit: f64,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct XrayPrices {
    pub per_trace_recorded: f64,
    pub free_traces: u64,
}

#[allow(missing_docs)]
#[derive(Debug, Clone, Deserialize)]
pub struct LambdaFreeTier {
    pub lambda_requests: u64,
    pub lambda_gb_seconds: f64,
}

/// The committed prices.
pub fn prices() -> Prices {
    serde_json::from_str(include_str!("prices.json")).expect("prices.json matches Prices")
}

/// Hours in an average month (365.25 days / 12).
pub const HOURS_PER_MONTH: f64 = 730.5;

/// What the queue watch does per look: one `ListQueues`, then `GetQueueAttributes` on each
/// queue and on its dead-letter queue (`aws::watch::look`).
pub fn queue_watch_requests(watched_queues: u64) -> u64 {
    1 + 2 * watched_queues
}

/// Billed duration of one look, at 128 MB (an estimate: about 70 sequential SQS calls at
/// about 3 ms each, plus the start; its log's REPORT lines say the real figure).
pub const QUEUE_WATCH_LOOK_MS: f64 = 300.0;
/// Log bytes of one look: a line per queue (about 250 bytes) and the platform's 3 lines.
pub const QUEUE_WATCH_LOG_BYTES_PER_QUEUE: f64 = 250.0;

/// Whether the account's free tiers are still there for this stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeTier {
    /// The account uses them for nothing else (a dedicated account).
    Available,
    /// Something else in the account uses them up.
    UsedUp,
}

/// One line of a bill.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// What is billed.
    pub item: String,
    /// How many (of `unit`).
    pub quantity: f64,
    /// The unit.
    pub unit: &'static str,
    /// Dollars a month.
    pub dollars: f64,
}

/// A bill: its lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bill {
    /// Every item, in the order counted.
    pub lines: Vec<Line>,
}

impl Bill {
    /// The total in dollars.
    pub fn total(&self) -> f64 {
        self.lines.iter().map(|l| l.dollars).sum()
    }

    fn add(&mut self, item: impl Into<String>, quantity: f64, unit: &'static str, dollars: f64) {
        self.lines.push(Line { item: item.into(), quantity, unit, dollars });
    }

    /// The bill as a Markdown table.
    pub fn table(&self) -> String {
        let mut out = String::from("| item | quantity | a month |\n|---|---|---|\n");
        for l in &self.lines {
            out += &format!("| {} | {} {} | ${:.2} |\n", l.item, l.quantity, l.unit, l.dollars);
        }
        out + &format!("| **total** | | **${:.2}** |\n", self.total())
    }
}

/// What is billed above `free` of `quantity`.
fn above(quantity: f64, free: f64, tier: FreeTier) -> f64 {
    match tier {
        FreeTier::Available => (quantity - free).max(0.0),
        FreeTier::UsedUp => quantity,
    }
}

/// A template's condition, at the parameters' defaults.
fn condition(template: &Value, name: &str) -> Result<bool, String> {
    let definition = &template["Conditions"][name];
    if definition.is_null() {
        return Err(format!("no condition {name}"));
    }
    truth(template, definition)
}

fn truth(template: &Value, value: &Value) -> Result<bool, String> {
    let object = value.as_object().ok_or_else(|| format!("not a condition: {value}"))?;
    let (function, arguments) = object.iter().next().ok_or("an empty condition")?;
    let list = arguments.as_array();
    let each = || list.into_iter().flatten().map(|a| truth(template, a));
    match function.as_str() {
        "Fn::Equals" => {
            let [a, b] = list.map(Vec::as_slice).unwrap_or_default() else {
                return Err(format!("Fn::Equals takes two: {arguments}"));
            };
            Ok(scalar(template, a)? == scalar(template, b)?)
        }
        "Fn::Not" => Ok(!each().next().ok_or("Fn::Not takes one")??),
        "Fn::And" => each().try_fold(true, |all, t| Ok(all && t?)),
        "Fn::Or" => each().try_fold(false, |any, t| Ok(any || t?)),
        "Condition" => condition(template, arguments.as_str().unwrap_or_default()),
        other => Err(format!("condition function {other} is not evaluated")),
    }
}

/// A parameter's default or a literal, as text (CloudFormation compares them so).
fn scalar(template: &Value, value: &Value) -> Result<String, String> {
    let value = match value.get("Ref").and_then(Value::as_str) {
        Some(parameter) => &template["Parameters"][parameter]["Default"],
        None => value,
    };
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Array(items) => Ok(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")),
        other => Err(format!("cannot compare {other}")),
    }
}

/// The resources that exist at the parameters' defaults, with their types.
fn resources(template: &Value) -> Result<Vec<(&str, &Value)>, String> {
    let all: &Map<String, Value> = template["Resources"].as_object().ok_or("no Resources")?;
    let mut found = Vec::new();
    for (id, resource) in all {
        let exists = match resource["Condition"].as_str() {
            Some(name) => condition(template, name)?,
            None => true,
        };
        if exists {
            found.push((id.as_str(), resource));
        }
    }
    Ok(found)
}

fn of_type<'a>(resources: &[(&'a str, &'a Value)], kind: &str) -> Vec<(&'a str, &'a Value)> {
    resources.iter().filter(|(_, r)| r["Type"] == kind).copied().collect()
}

/// How many metrics an alarm reads, as CloudWatch bills it.
fn alarm_metrics(id: &str, alarm: &Value) -> Result<u64, String> {
    let properties = &alarm["Properties"];
    if properties["MetricName"].is_string() {
        return Ok(1);
    }
    let queries = properties["Metrics"].as_array().ok_or_else(|| format!("{id}: no metric"))?;
    let mut metrics = 0;
    for query in queries {
        match (&query["MetricStat"], query["Expression"].as_str()) {
            (stat, _) if !stat.is_null() => metrics += 1,
            (_, Some(expression)) if expression.trim_start().to_uppercase().starts_with("SELECT") => {
                return Err(format!(
                    "{id} alarms on a Metrics Insights query, billed per metric it analyzes: count them"
                ));
            }
            _ => {}
        }
    }
    Ok(metrics)
}

/// The metrics a dashboard body shows (its `!Sub` references filled in with a placeholder).
fn dashboard_metrics(dashboard: &Value) -> Result<u64, String> {
    let body = &dashboard["Properties"]["DashboardBody"];
    let text = body["Fn::Sub"].as_str().or(body.as_str()).ok_or("a dashboard body that is not text")?;
    let mut filled = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        filled += &rest[..at];
        let end = rest[at..].find('}').ok_or("an unclosed ${")?;
        // A digit: valid inside a JSON string and as a bare number (a parameter put in).
        filled += "0";
        rest = &rest[at + end + 1..];
    }
    filled += rest;
    let body: Value = serde_json::from_str(&filled).map_err(|e| format!("dashboard body: {e}"))?;
    let widgets = body["widgets"].as_array().into_iter().flatten();
    Ok(widgets
        .filter(|w| w["type"] == "metric")
        .map(|w| w["properties"]["metrics"].as_array().map_or(0, Vec::len) as u64)
        .sum())
}

/// Minutes between runs of a `rate(N minutes)` / `rate(N hours)` schedule.
fn rate_minutes(expression: &str) -> Option<f64> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.split_once(' ')?;
    let n: f64 = n.parse().ok()?;
    match unit.trim_end_matches('s') {
        "minute" => Some(n),
        "hour" => Some(n * 60.0),
        "day" => Some(n * 1440.0),
        _ => None,
    }
}

/// The fixed monthly cost of the stack `template` (CloudFormation JSON) at its parameters'
/// defaults, while no event arrives: `metrics` are the custom metrics its code can publish (an
/// upper bound: a metric published in fewer hours costs less).
pub fn idle_month(
    template: &Value,
    metrics: &[&str],
    prices: &Prices,
    tier: FreeTier,
) -> Result<Bill, String> {
    let cw = &prices.cloudwatch;
    let resources = resources(template)?;
    let mut bill = Bill::default();

    let mut alarm_metric_count = 0;
    for (id, alarm) in of_type(&resources, "AWS::CloudWatch::Alarm") {
        alarm_metric_count += alarm_metrics(id, alarm)?;
    }
    let alarms = of_type(&resources, "AWS::CloudWatch::Alarm").len();
    let billed = above(alarm_metric_count as f64, cw.free_alarm_metrics as f64, tier);
    bill.add(
        format!("CloudWatch alarms ({alarms}, reading {alarm_metric_count} metrics)"),
        alarm_metric_count as f64,
        "alarm metrics",
        billed * cw.per_alarm_metric_month,
    );

    let filters = of_type(&resources, "AWS::Logs::MetricFilter");
    let filtered: u64 = filters
        .iter()
        .map(|(_, f)| f["Properties"]["MetricTransformations"].as_array().map_or(0, Vec::len) as u64)
        .sum();
    let custom = metrics.len() as u64 + filtered;
    bill.add(
        format!(
            "custom metrics ({}{})",
            metrics.join(", "),
            if filtered > 0 { ", and from log filters" } else { "" }
        ),
        custom as f64,
        "metrics",
        above(custom as f64, cw.free_custom_metrics as f64, tier) * cw.per_custom_metric_month,
    );

    let dashboards = of_type(&resources, "AWS::CloudWatch::Dashboard");
    let mut billed_dashboards = 0;
    let mut shown = Vec::new();
    for (i, (_, dashboard)) in dashboards.iter().enumerate() {
        let metrics = dashboard_metrics(dashboard)?;
        shown.push(metrics.to_string());
        let free = tier == FreeTier::Available
            && (i as u64) < cw.free_dashboards
            && metrics <= cw.free_dashboard_metrics;
        billed_dashboards += u64::from(!free);
    }
    bill.add(
        format!("dashboards ({} metrics)", shown.join(", ")),
        dashboards.len() as f64,
        "dashboards",
        billed_dashboards as f64 * cw.per_dashboard_month,
    );

    let secrets = of_type(&resources, "AWS::SecretsManager::Secret").len() as f64;
    bill.add(
        "Secrets Manager secrets",
        secrets,
        "secrets",
        secrets * prices.secrets_manager.per_secret_month,
    );
    let keys = of_type(&resources, "AWS::KMS::Key").len() as f64;
    if keys > 0.0 {
        bill.add("KMS keys", keys, "keys", keys * prices.kms.per_customer_managed_key_month);
    }

    // What runs on a schedule: the queue watch (its requests are known from its code).
    let (mut sqs_requests, mut log_gb, mut table_reads) = (0.0, 0.0, 0.0);
    let functions = of_type(&resources, "AWS::Lambda::Function");
    for (id, rule) in of_type(&resources, "AWS::Events::Rule") {
        let expression = rule["Properties"]["ScheduleExpression"].as_str().unwrap_or_default();
        let minutes = rate_minutes(expression).ok_or_else(|| format!("{id}: schedule {expression:?}"))?;
        let runs = HOURS_PER_MONTH * 60.0 / minutes;
        for target in rule["Properties"]["Targets"].as_array().into_iter().flatten() {
            let function = target["Arn"]["Fn::GetAtt"][0].as_str().unwrap_or_default();
            let (_, f) =
                functions.iter().find(|(fid, _)| *fid == function).ok_or_else(|| format!("{id}: target"))?;
            let env = &f["Properties"]["Environment"]["Variables"];
            let watched = env["WATCHED_QUEUES"]["Fn::Join"][1].as_array().map_or(0, Vec::len) as u64;
            if watched == 0 {
                return Err(format!("{id} runs {function}, whose cost per run is not known here"));
            }
            let memory_gb = f["Properties"]["MemorySize"].as_f64().unwrap_or(128.0) / 1024.0;
            let gb_seconds = runs * QUEUE_WATCH_LOOK_MS / 1000.0 * memory_gb;
            sqs_requests += runs * queue_watch_requests(watched) as f64;
            // Its last look: one consistent read a look (a unit, under 4 KB). It writes only
            // when its reasons change, which an idle stack's do not.
            if !env["WATCH_STATE_TABLE"].is_null() {
                table_reads += runs;
            }
            log_gb += runs * (watched as f64 * QUEUE_WATCH_LOG_BYTES_PER_QUEUE + 400.0) / 1e9;
            bill.add(
                format!("{function}: {runs:.0} runs ({expression})"),
                runs.round(),
                "runs",
                above(runs, prices.free_tier.lambda_requests as f64, tier) * prices.lambda.per_request
                    + above(gb_seconds, prices.free_tier.lambda_gb_seconds, tier)
                        * prices.lambda.arm64_per_gb_second,
            );
        }
    }
    let mappings = of_type(&resources, "AWS::Lambda::EventSourceMapping")
        .into_iter()
        .filter(|(_, m)| m["Properties"]["EventSourceArn"]["Fn::GetAtt"][1] == "Arn")
        .count() as f64;
    let idle_receives = mappings * prices.sqs.event_source_idle_receives_per_month as f64;
    let requests = sqs_requests + idle_receives;
    bill.add(
        format!(
            "SQS requests: the queue watch's {sqs_requests:.0}, and {mappings} event source mappings polling idle queues"
        ),
        requests.round(),
        "requests",
        above(requests, prices.sqs.free_requests as f64, tier) * prices.sqs.per_request,
    );
    if table_reads > 0.0 {
        bill.add(
            "DynamoDB reads: the queue watch's last look",
            table_reads.round(),
            "reads",
            table_reads * prices.dynamodb.per_read_request_unit,
        );
    }
    bill.add(
        "CloudWatch Logs: the queue watch's lines",
        (log_gb * 1000.0).round() / 1000.0,
        "GB",
        above(log_gb, cw.free_log_gb, tier) * cw.per_log_gb_ingested,
    );
    Ok(bill)
}

/// The durations of one event through the stack, in billed milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Durations {
    /// The verifier's memory, MB.
    pub verifier_mb: f64,
    /// A verifier request on a fresh sandbox (init included: Lambda bills it).
    pub verifier_cold_ms: f64,
    /// A verifier request on a warm sandbox.
    pub verifier_warm_ms: f64,
    /// The consumer's memory, MB.
    pub consumer_mb: f64,
    /// A consumer invocation for one event.
    pub consumer_ms: f64,
}

/// What one event costs, by item, at `cold` share of cold starts, for a body of `bytes`, kept
/// in the archive for `archive_days` (and, over SQS's limit, in the payload bucket for
/// `payload_days`). The consumer records idempotency (two DynamoDB writes).
pub fn per_event(
    bytes: u64,
    cold: f64,
    durations: &Durations,
    archive_days: f64,
    payload_days: f64,
    prices: &Prices,
) -> Bill {
    let mut bill = Bill::default();
    let chunks = |size: u64, chunk: u64| size.div_ceil(chunk).max(1) as f64;
    let gb = bytes as f64 / 1e9;
    let months = |days: f64| days / (HOURS_PER_MONTH / 24.0);
    bill.add(
        "API Gateway HTTP API",
        chunks(bytes, prices.api_gateway.http_api_request_bytes),
        "requests",
        chunks(bytes, prices.api_gateway.http_api_request_bytes) * prices.api_gateway.http_api_per_request,
    );
    let lambda = |mb: f64, ms: f64| {
        prices.lambda.per_request + mb / 1024.0 * ms / 1000.0 * prices.lambda.arm64_per_gb_second
    };
    let verifier_ms = cold * durations.verifier_cold_ms + (1.0 - cold) * durations.verifier_warm_ms;
    bill.add("verifier Lambda (arm64)", verifier_ms, "ms", lambda(durations.verifier_mb, verifier_ms));
    // Each cold start reads the secret's current and previous versions.
    bill.add(
        "Secrets Manager reads at cold starts",
        2.0 * cold,
        "calls",
        2.0 * cold * prices.secrets_manager.per_api_call,
    );
    let claim_checked = bytes > middesk_webhooks::message::SQS_MAX_MESSAGE_BYTES as u64;
    let message = if claim_checked { 1024 } else { bytes };
    // Send, receive (one event a batch at this volume), delete.
    let sqs = 2.0 * chunks(message, prices.sqs.request_bytes) + 1.0;
    bill.add("SQS send, receive, delete", sqs, "requests", sqs * prices.sqs.per_request);
    bill.add(
        format!("archive: PUT, {archive_days:.0} days stored"),
        1.0,
        "object",
        prices.s3.per_put + gb * months(archive_days) * prices.s3.per_gb_stored_month,
    );
    if claim_checked {
        bill.add(
            format!("claim check: PUT, GET, {payload_days:.0} days stored"),
            1.0,
            "object",
            prices.s3.per_put + prices.s3.per_get + gb * months(payload_days) * prices.s3.per_gb_stored_month,
        );
    }
    bill.add(
        "consumer Lambda (arm64)",
        durations.consumer_ms,
        "ms",
        lambda(durations.consumer_mb, durations.consumer_ms),
    );
    bill.add("DynamoDB idempotency writes", 2.0, "writes", 2.0 * prices.dynamodb.per_write_request_unit);
    bill.add("X-Ray traces (verifier and consumer)", 2.0, "traces", 2.0 * prices.xray.per_trace_recorded);
    bill.add(
        "CloudWatch Logs: both functions' lines",
        LOG_BYTES_PER_EVENT,
        "bytes",
        LOG_BYTES_PER_EVENT / 1e9 * prices.cloudwatch.per_log_gb_ingested,
    );
    bill
}

/// Log bytes one event writes: the verifier's line and the consumer's, and the platform's
/// START, END and REPORT lines of both invocations (about 2.5 KB, read from the demo's logs).
pub const LOG_BYTES_PER_EVENT: f64 = 2500.0;

/// The measured durations (BENCHMARKS.md, "Memory size, by measurement", at the template's
/// memory for the verifier; the warm figure is the emulator's, slower than SQS), and the
/// consumer's, an estimate: its time is the handler's.
pub const MEASURED: Durations = Durations {
    verifier_mb: 256.0,
    verifier_cold_ms: 62.3,
    verifier_warm_ms: 17.2,
    consumer_mb: 128.0,
    consumer_ms: 50.0,
};

/// The share of events that land on a fresh sandbox: nearly all at tens a day; at about one a
/// second a sandbox stays warm, and Lambda recycles it every few hours (an estimate).
pub fn cold_share(events_per_day: f64) -> f64 {
    if events_per_day < 1000.0 { 1.0 } else { 0.01 }
}

/// The cost section of docs/cost.md: the idle stack's month, the cost per million events for a
/// typical 9 KiB event and a 2 MiB one, and a month at 30 and at 100,000 events a day.
pub fn document(
    template: &Value,
    metrics: &[&str],
    prices: &Prices,
    durations: &Durations,
) -> Result<String, String> {
    let dedicated = idle_month(template, metrics, prices, FreeTier::Available)?;
    let shared = idle_month(template, metrics, prices, FreeTier::UsedUp)?;
    let mut out = format!(
        "Prices of {} (`cli/src/prices.json`), us-east-1, arm64; the stack at its defaults.\n\n\
         ### An idle stack, a month\n\nIn an account whose free tiers this stack has to itself:\n\n{}\n\
         Where other workloads use the free tiers up: **${:.2}** a month (the dashboard alone is $3).\n\n",
        prices.date,
        dedicated.table(),
        shared.total()
    );
    let (small, large) = (9 * 1024, 2 * 1024 * 1024);
    let archive_days = 400.0;
    let payload_days = 30.0;
    out += "### Per million events\n\nEvery event a cold start (tens a day); the archive keeps each for 400 days, \
            the claim check for 30.\n\n| item | 9 KiB | 2 MiB |\n|---|---|---|\n";
    let a = per_event(small, 1.0, durations, archive_days, payload_days, prices);
    let b = per_event(large, 1.0, durations, archive_days, payload_days, prices);
    let items: Vec<&str> = b.lines.iter().map(|l| l.item.as_str()).collect();
    for item in items {
        let cost = |bill: &Bill| {
            bill.lines
                .iter()
                .find(|l| l.item == item)
                .map_or("-".to_owned(), |l| format!("${:.2}", l.dollars * 1e6))
        };
        out += &format!("| {item} | {} | {} |\n", cost(&a), cost(&b));
    }
    out += &format!("| **total** | **${:.2}** | **${:.2}** |\n\n", a.total() * 1e6, b.total() * 1e6);
    out +=
        "### A month in all\n\n| events a day | fixed | per event (9 KiB) | a month |\n|---|---|---|---|\n";
    for per_day in [30.0, 100_000.0] {
        let events = per_day * HOURS_PER_MONTH / 24.0;
        let each =
            per_event(small, cold_share(per_day), durations, archive_days, payload_days, prices).total();
        let fixed = dedicated.total();
        out += &format!(
            "| {} | ${fixed:.2} | ${:.2} ({} events) | **${:.2}** |\n",
            thousands(per_day),
            each * events,
            thousands(events),
            fixed + each * events
        );
    }
    Ok(out)
}

fn thousands(n: f64) -> String {
    let digits = format!("{n:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(resources: Value) -> Value {
        json!({
            "Parameters": {"Days": {"Default": 0}, "Email": {"Default": ""}},
            "Conditions": {
                "Rotate": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Days"}, 0]}]},
                "NoEmail": {"Fn::Equals": [{"Ref": "Email"}, ""]},
                "Both": {"Fn::And": [{"Condition": "Rotate"}, {"Condition": "NoEmail"}]}
            },
            "Resources": resources
        })
    }

    fn alarm(metrics: usize) -> Value {
        let queries: Vec<Value> =
            (0..metrics).map(|i| json!({"Id": format!("m{i}"), "MetricStat": {}})).collect();
        json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": queries}})
    }

    #[test]
    fn alarms_are_billed_per_metric_beyond_the_free_ten_and_conditions_count_at_their_defaults() {
        let single = json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "Errors"}});
        let mut resources = serde_json::Map::new();
        for i in 0..9 {
            resources.insert(format!("A{i}"), single.clone());
        }
        resources.insert("Math".into(), alarm(3));
        let mut conditional = single.clone();
        conditional["Condition"] = json!("Rotate");
        resources.insert("OnlyWhenRotating".into(), conditional);
        let t = template(Value::Object(resources));
        let p = prices();
        let free = idle_month(&t, &[], &p, FreeTier::Available).unwrap();
        let used = idle_month(&t, &[], &p, FreeTier::UsedUp).unwrap();
        assert_eq!(free.lines[0].quantity, 12.0, "9 + 3, the conditional one absent");
        assert!((free.lines[0].dollars - 0.20).abs() < 1e-9, "{:?}", free.lines[0]);
        assert!((used.lines[0].dollars - 1.20).abs() < 1e-9);
        assert_eq!(condition(&t, "Both"), Ok(false));
    }

    #[test]
    fn a_metrics_insights_alarm_is_not_counted_as_one_metric() {
        let mi = json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": [
            {"Id": "q", "Expression": "SELECT MAX(ApproximateAgeOfOldestMessage) FROM SCHEMA(\"AWS/SQS\", QueueName)"}
        ]}});
        let error =
            idle_month(&template(json!({"Mi": mi})), &[], &prices(), FreeTier::Available).unwrap_err();
        assert!(error.contains("per metric it analyzes"), "{error}");
    }

    #[test]
    fn a_dashboard_is_free_within_fifty_metrics_and_custom_metrics_within_ten() {
        let body = |n: usize| {
            let metrics: Vec<Value> =
                (0..n).map(|i| json!(["NS", format!("M{i}"), "Id", "${Api}"])).collect();
            json!({"Fn::Sub": json!({"widgets": [{"type": "metric", "properties": {"metrics": metrics}}, {"type": "log"}]}).to_string()})
        };
        let dashboard =
            |n| json!({"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardBody": body(n)}});
        let p = prices();
        let small =
            idle_month(&template(json!({"D": dashboard(50)})), &["A"; 10], &p, FreeTier::Available).unwrap();
        assert_eq!(small.total(), 0.0, "{}", small.table());
        let big =
            idle_month(&template(json!({"D": dashboard(51)})), &["A"; 11], &p, FreeTier::Available).unwrap();
        assert!((big.total() - 3.30).abs() < 1e-9, "{}", big.table());
    }

    #[test]
    fn a_scheduled_look_and_idle_polling_are_counted_in_sqs_requests() {
        let resources = json!({
            "Watch": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128, "Environment": {"Variables": {
                "WATCHED_QUEUES": {"Fn::Join": [",", ["a", "b", "c"]]}}}}},
            "Every5": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(5 minutes)",
                "Targets": [{"Arn": {"Fn::GetAtt": ["Watch", "Arn"]}}]}},
            "Poll": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {"EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]}}}
        });
        let p = prices();
        let bill = idle_month(&template(resources), &[], &p, FreeTier::UsedUp).unwrap();
        let sqs = bill.lines.iter().find(|l| l.item.starts_with("SQS requests")).unwrap();
        let runs = HOURS_PER_MONTH * 12.0;
        assert_eq!(sqs.quantity, (runs * 7.0 + p.sqs.event_source_idle_receives_per_month as f64).round());
        assert!(sqs.dollars > 0.0);
    }

    #[test]
    fn a_large_body_pays_its_claim_check_and_a_small_one_does_not() {
        let d = Durations {
            verifier_mb: 128.0,
            verifier_cold_ms: 100.0,
            verifier_warm_ms: 10.0,
            consumer_mb: 128.0,
            consumer_ms: 20.0,
        };
        let p = prices();
        let small = per_event(9 * 1024, 1.0, &d, 400.0, 30.0, &p);
        let large = per_event(2 * 1024 * 1024, 1.0, &d, 400.0, 30.0, &p);
        assert!(!small.lines.iter().any(|l| l.item.starts_with("claim check")));
        assert!(large.lines.iter().any(|l| l.item.starts_with("claim check")));
        assert!(large.total() > small.total());
        let warm = per_event(9 * 1024, 0.0, &d, 400.0, 30.0, &p);
        assert!(warm.total() < small.total(), "a warm sandbox costs less");
    }
}
