//! Reading the state of a stack's queues: counts from SQS, ages of the oldest messages and
//! alarms from CloudWatch ([`CloudWatch`]), into a [`StatusReport`].

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use aws_sdk_sqs::types::QueueAttributeName;

use crate::aws::sqs::{attribute_map, held, queue_url};
use crate::watch::{AlarmStatus, Consumers, Monitoring, QueueStatus, QueueToCheck, StatusReport, Thresholds};

/// The ages of [`CloudWatch`] without its alarms: what the queue-watch function needs (the
/// alarms watch its metric; reading them back would be circular, and costs).
pub struct AgesOnly(pub CloudWatch);

impl Monitoring for AgesOnly {
    async fn oldest_ages(&self, queues: &[String], now: SystemTime) -> Result<Vec<Option<u64>>, String> {
        self.0.oldest_ages(queues, now).await
    }

    async fn alarms(&self, _prefix: Option<&str>) -> Result<Vec<(AlarmStatus, Vec<String>)>, String> {
        Ok(Vec::new())
    }
}

/// One look at the queues of `config` at `now`, as the queue-watch function takes it: the
/// stack's queue URLs in one `ListQueues`, then two `GetQueueAttributes` a queue (it and its
/// dead-letter queue), and CloudWatch for the ages of those that hold messages. A listing that
/// fails leaves each queue to be found by name.
pub async fn look(
    sqs: &aws_sdk_sqs::Client,
    monitoring: &impl Monitoring,
    consumers: &impl Consumers,
    config: &crate::watch::WatchConfig,
    now: SystemTime,
) -> StatusReport {
    let urls = queue_urls(sqs, &config.prefix).await.unwrap_or_else(|error| {
        tracing::warn!(%error, "could not list the stack's queues; looking each up by name");
        HashMap::new()
    });
    let scope = Scope {
        queues: &config.queues,
        urls: &urls,
        alarm_prefix: None,
        thresholds: config.thresholds,
        cloudwatch_required: true,
    };
    // Boxed: the nested SDK futures are deep enough to overflow the compiler's layout limit
    // in a caller's future otherwise.
    Box::pin(collect(sqs, monitoring, consumers, &scope, now)).await
}

/// How far back the age metric is read: SQS publishes it every minute, a few minutes late.
const AGE_LOOKBACK: Duration = Duration::from_secs(15 * 60);

/// What [`collect`] reads, and how it judges it.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// The queues to read.
    pub queues: &'a [QueueToCheck],
    /// Queue URLs by SQS name where known ([`queue_urls`]: one `ListQueues` instead of a
    /// `GetQueueUrl` per queue).
    pub urls: &'a HashMap<String, String>,
    /// Narrows the alarms read to the stack's (CloudFormation names them
    /// `<stack>-<logical id>-<suffix>`).
    pub alarm_prefix: Option<&'a str>,
    /// The ages at which a queue needs attention.
    pub thresholds: Thresholds,
    /// Whether a report without the monitoring side needs attention (a deployed stack).
    pub cloudwatch_required: bool,
}

/// Reads the state of the queues of `scope` at `now`. Ages are read only for queues (and
/// dead-letter queues) that hold messages: an empty queue has no oldest message, and each
/// metric read costs. Who consumes a queue is asked only of those whose oldest message is old
/// enough to need attention.
pub async fn collect(
    sqs: &aws_sdk_sqs::Client,
    monitoring: &impl Monitoring,
    consumers: &impl Consumers,
    scope: &Scope<'_>,
    now: SystemTime,
) -> StatusReport {
    let Scope { queues, urls, alarm_prefix, thresholds, cloudwatch_required } = *scope;
    let mut rows = Vec::new();
    for queue in queues {
        rows.push(queue_status(sqs, queue, urls).await);
    }
    let mut report = StatusReport {
        queues: rows,
        other_alarms: Vec::new(),
        max_age_seconds: thresholds.message_age.as_secs(),
        max_dead_letter_age_seconds: thresholds.dead_letter_age.as_secs(),
        cloudwatch_error: None,
        consumers_error: None,
        cloudwatch_required,
    };
    // (row, whether the dead-letter queue, its SQS name) of every queue that holds messages.
    let mut holding: Vec<(usize, bool, String)> = Vec::new();
    for (i, q) in report.queues.iter().enumerate().filter(|(_, q)| q.error.is_none()) {
        if q.waiting.unwrap_or(1) + q.in_flight.unwrap_or(1) > 0 {
            holding.push((i, false, q.sqs_name.clone()));
        }
        if let (Some(1..), Some(dlq)) = (q.dead_letters, &q.dead_letter_queue) {
            holding.push((i, true, dlq.clone()));
        }
    }
    let names: Vec<String> = holding.iter().map(|(_, _, name)| name.clone()).collect();
    let ages = match names.is_empty() {
        true => Ok(Vec::new()),
        false => monitoring.oldest_ages(&names, now).await,
    };
    match (ages, monitoring.alarms(alarm_prefix).await) {
        (Ok(ages), Ok(alarms)) => {
            let (mut queue_ages, mut dead_letter_ages) = (vec![None; queues.len()], vec![None; queues.len()]);
            for ((i, dead_letters, _), age) in holding.into_iter().zip(ages) {
                match dead_letters {
                    true => dead_letter_ages[i] = age,
                    false => queue_ages[i] = age,
                }
            }
            report.add_monitoring(queue_ages, dead_letter_ages, alarms);
        }
        (Err(error), _) | (_, Err(error)) => report.cloudwatch_error = Some(error),
    }
    let old: Vec<String> = report
        .queues
        .iter()
        .filter(|q| q.oldest_age_seconds.is_some_and(|age| age >= report.max_age_seconds))
        .map(|q| q.sqs_name.clone())
        .collect();
    if !old.is_empty() {
        match consumers.consumed(&old).await {
            Ok(consumed) => {
                for q in report.queues.iter_mut().filter(|q| old.contains(&q.sqs_name)) {
                    q.consumed = Some(consumed.contains(&q.sqs_name));
                }
            }
            Err(error) => report.consumers_error = Some(error),
        }
    }
    report
}

/// Lambda's event source mappings, enabled or not (a disabled consumer is still one whose queue
/// must not go stale unseen), and the queues configured as consumed elsewhere.
pub struct LambdaMappings {
    /// The Lambda client.
    pub lambda: aws_sdk_lambda::Client,
    /// SQS names of queues that something other than a mapping consumes.
    pub elsewhere: Vec<String>,
}

impl Consumers for LambdaMappings {
    async fn consumed(&self, queues: &[String]) -> Result<Vec<String>, String> {
        // One listing of the region's mappings (100 a page) rather than one call per queue.
        let mut mapped = Vec::new();
        let mut pages = self.lambda.list_event_source_mappings().max_items(100).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                format!("listing event source mappings: {}", aws_sdk_lambda::error::DisplayErrorContext(&e))
            })?;
            for mapping in page.event_source_mappings.unwrap_or_default() {
                if let Some(name) = mapping.event_source_arn.as_deref().and_then(|arn| arn.rsplit(':').next())
                {
                    mapped.push(name.to_owned());
                }
            }
        }
        Ok(queues.iter().filter(|q| mapped.contains(q) || self.elsewhere.contains(q)).cloned().collect())
    }
}

/// The URLs of the queues whose names start with `prefix`, by name: one `ListQueues` (paged).
pub async fn queue_urls(sqs: &aws_sdk_sqs::Client, prefix: &str) -> Result<HashMap<String, String>, String> {
    let mut urls = HashMap::new();
    let mut pages = sqs.list_queues().queue_name_prefix(prefix).max_results(1000).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| format!("listing queues: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        for url in page.queue_urls.unwrap_or_default() {
            if let Some(name) = url.rsplit('/').next() {
                urls.insert(name.to_owned(), url.clone());
            }
        }
    }
    Ok(urls)
}

/// Counts of one queue and of its dead-letter queue (found through its redrive policy).
async fn queue_status(
    sqs: &aws_sdk_sqs::Client,
    queue: &QueueToCheck,
    urls: &HashMap<String, String>,
) -> QueueStatus {
    let mut row = QueueStatus {
        queue: queue.label.clone(),
        sqs_name: queue.sqs_name.clone(),
        ..QueueStatus::default()
    };
    let read = async {
        let url = url_of(sqs, urls, &queue.sqs_name).await?;
        let attributes = attribute_map(
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
            let url = url_of(sqs, urls, name).await?;
            row.dead_letters = Some(held(sqs, &url).await?);
            row.dead_letter_queue = Some(name.to_owned());
        }
        Ok::<_, String>(())
    };
    if let Err(error) = read.await {
        row.error = Some(error);
    }
    row
}

/// A queue's URL: from the listing when it has the queue, else by name.
async fn url_of(
    sqs: &aws_sdk_sqs::Client,
    urls: &HashMap<String, String>,
    name: &str,
) -> Result<String, String> {
    match urls.get(name) {
        Some(url) => Ok(url.clone()),
        None => queue_url(sqs, name).await,
    }
}

fn count(attributes: &HashMap<QueueAttributeName, String>, name: QueueAttributeName) -> Option<u64> {
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
