//! The queue-watch Lambda, run on a schedule: configuration and clients once at cold start,
//! then one look at the stack's queues per invocation.

use std::time::{Duration, SystemTime};

use aws_smithy_types::timeout::TimeoutConfig;
use lambda_runtime::{LambdaEvent, service_fn};
use middesk_webhooks::aws::DynamoDbWatchMemory;
use middesk_webhooks::aws::watch::{AgesOnly, CloudWatch, LambdaMappings};
use middesk_webhooks::watch::WatchConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    middesk_webhooks::logging::init_json_logging();
    let config = WatchConfig::from_vars(|name| std::env::var(name).ok()).inspect_err(|error| {
        tracing::error!(%error, "invalid configuration");
    })?;
    // A slow answer must not hold a look past the next one (every 5 minutes).
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(10))
        .build();
    let aws = middesk_webhooks::aws::lambda_sdk_config(timeouts).await.inspect_err(|error| {
        tracing::error!(%error, "invalid configuration");
    })?;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let monitoring = AgesOnly(CloudWatch(aws_sdk_cloudwatch::Client::new(&aws)));
    let consumers = LambdaMappings {
        lambda: aws_sdk_lambda::Client::new(&aws),
        elsewhere: config.consumed_elsewhere.clone(),
    };
    let memory =
        DynamoDbWatchMemory::new(aws_sdk_dynamodb::Client::new(&aws), &config.state_table, &config.prefix);
    let (sqs, monitoring, consumers, memory, config) = (&sqs, &monitoring, &consumers, &memory, &config);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| async move {
        let (report, _) =
            queue_watch::look_and_report(sqs, monitoring, consumers, memory, config, SystemTime::now()).await;
        Ok::<_, lambda_runtime::Error>(serde_json::json!({ "needs_attention": report.attention() }))
    }))
    .await
}
