//! The local stack: the secret, queues, dead-letter queues and table that `template.yaml`
//! defines, created in an AWS emulator; and a pump that plays the SQS event source mapping,
//! delivering queued messages to consumers running under `cargo lambda watch`.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_lambda_events::event::sqs::SqsBatchResponse;
use aws_sdk_sqs::types::QueueAttributeName;
use middesk_webhooks::aws::lambda_sqs_event;
use middesk_webhooks::aws::{create_idempotency_table, message_attribute as attr};
use middesk_webhooks::message::attribute;
use middesk_webhooks::verify::sample::SAMPLE_ACCOUNT_ID;

use crate::template::TemplateModel;

/// The secret's name in the local stack.
pub const LOCAL_SECRET_ID: &str = "middesk/webhook-secret";

/// What was created.
#[derive(Debug, Clone)]
pub struct LocalStack {
    /// Queue URLs by logical id.
    pub queue_urls: BTreeMap<String, String>,
    /// Environment for the functions under `cargo lambda watch`.
    pub env: Vec<(String, String)>,
    /// `(consumer binary, queue logical id)` pairs to pump.
    pub subscriptions: Vec<(String, String)>,
}

/// Creates (or reuses) everything in the emulator that `aws` points at; sets the local secret
/// to `secret` when given, and leaves it as it is otherwise.
pub async fn create_local_stack(
    aws: &SdkConfig,
    endpoint: &str,
    model: &TemplateModel,
    secret: Option<&str>,
) -> Result<LocalStack, String> {
    let sqs = aws_sdk_sqs::Client::new(aws);
    let mut queue_urls = BTreeMap::new();
    for id in model.queues.keys() {
        let out =
            sqs.create_queue().queue_name(id).send().await.map_err(|e| format!("create queue {id}: {e}"))?;
        queue_urls.insert(id.clone(), out.queue_url.unwrap_or_default());
    }
    for queue in model.queues.values() {
        let Some((dlq, max_receive)) = &queue.dead_letter else { continue };
        let arn = crate::redrive::queue_arn(&sqs, &queue_urls[dlq]).await?;
        let policy =
            serde_json::json!({ "deadLetterTargetArn": arn, "maxReceiveCount": max_receive }).to_string();
        sqs.set_queue_attributes()
            .queue_url(&queue_urls[&queue.logical_id])
            .attributes(QueueAttributeName::RedrivePolicy, policy)
            .send()
            .await
            .map_err(|e| format!("redrive for {}: {e}", queue.logical_id))?;
    }

    let secrets = aws_sdk_secretsmanager::Client::new(aws);
    let created = match secret {
        Some(secret) => {
            secrets.create_secret().name(LOCAL_SECRET_ID).secret_string(secret).send().await.is_ok()
        }
        // The secret as it is (replay --refused checks with the secret of the day).
        None => true,
    };
    if let (false, Some(secret)) = (created, secret) {
        secrets
            .put_secret_value()
            .secret_id(LOCAL_SECRET_ID)
            .secret_string(secret)
            .send()
            .await
            .map_err(|e| format!("secret: {e}"))?;
    }

    let dynamodb = aws_sdk_dynamodb::Client::new(aws);
    let mut env = vec![
        ("MIDDESK_SECRET_ID".to_owned(), LOCAL_SECRET_ID.to_owned()),
        // The account every sample event names, as the deployed stack lists yours.
        ("MIDDESK_ACCOUNT_IDS".to_owned(), SAMPLE_ACCOUNT_ID.to_owned()),
        ("CATCH_ALL_QUEUE".to_owned(), queue_urls[&model.catch_all].clone()),
        (
            "ROUTES".to_owned(),
            model
                .routes
                .iter()
                .map(|(t, queues)| {
                    format!(
                        "{t}={}",
                        queues.iter().map(|q| queue_urls[q].as_str()).collect::<Vec<_>>().join("+")
                    )
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("METRICS_NAMESPACE".to_owned(), String::new()),
        ("AWS_ENDPOINT_URL".to_owned(), endpoint.to_owned()),
        ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID".to_owned(), "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY".to_owned(), "test".to_owned()),
    ];
    let s3 = middesk_webhooks::aws::s3_client(aws);
    if let Some((bucket_id, prefix)) = &model.payload_bucket {
        env.push(("PAYLOAD_BUCKET".to_owned(), local_bucket(&s3, bucket_id).await?));
        env.push(("PAYLOAD_KEY_PREFIX".to_owned(), prefix.clone()));
    }
    if let Some(bucket_id) = &model.archive_bucket {
        env.push(("ARCHIVE_BUCKET".to_owned(), local_bucket(&s3, bucket_id).await?));
    }
    for (table, _) in &model.tables {
        let exists = dynamodb.describe_table().table_name(table).send().await.is_ok();
        if !exists {
            create_idempotency_table(&dynamodb, table).await?;
        }
        env.push(("IDEMPOTENCY_TABLE".to_owned(), table.clone()));
    }
    let subscriptions = model.subscriptions.iter().map(|s| (s.binary.clone(), s.queue.clone())).collect();
    Ok(LocalStack { queue_urls, env, subscriptions })
}

/// The local stack's name for the template's bucket `logical_id`: the logical id in lower case
/// (bucket names are), as path-style on loopback needs.
pub fn local_bucket_name(logical_id: &str) -> String {
    logical_id.to_lowercase()
}

/// The local bucket for the template's bucket `logical_id`, created if missing.
pub async fn local_bucket(s3: &aws_sdk_s3::Client, logical_id: &str) -> Result<String, String> {
    let bucket = local_bucket_name(logical_id);
    if s3.head_bucket().bucket(&bucket).send().await.is_err() {
        s3.create_bucket().bucket(&bucket).send().await.map_err(|e| format!("bucket {bucket}: {e}"))?;
    }
    Ok(bucket)
}

/// A message seen in a queue.
#[derive(Debug, Clone)]
pub struct QueuedMessage {
    /// `event_type` attribute, or `malformed`.
    pub event_type: String,
    /// `event_id` attribute, if any.
    pub event_id: Option<String>,
}

fn describe(m: &aws_sdk_sqs::types::Message) -> QueuedMessage {
    let event_type = attr(m, attribute::EVENT_TYPE).unwrap_or("malformed").to_owned();
    QueuedMessage { event_type, event_id: attr(m, attribute::EVENT_ID).map(str::to_owned) }
}

/// The messages in a queue, without taking them (visibility timeout 0).
pub async fn peek(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<Vec<QueuedMessage>, String> {
    let out = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .message_attribute_names("All")
        .send()
        .await
        .map_err(|e| format!("receive: {e}"))?;
    Ok(out.messages.unwrap_or_default().iter().map(describe).collect())
}

/// What one consumer invocation did with one message.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The message.
    pub message: QueuedMessage,
    /// Whether the consumer reported it as processed (else it stays for a retry / the DLQ).
    pub processed: bool,
}

/// Receives up to 10 messages from `queue_url`, invokes `function` with them through the
/// Lambda invoke API at `invoke_base` (`cargo lambda watch`), and deletes the ones it did not
/// report as failed, as the SQS event source mapping does.
pub async fn pump(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    queue_arn: &str,
    invoke_base: &str,
    function: &str,
) -> Result<Vec<Delivery>, String> {
    let out = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .visibility_timeout(30)
        .message_attribute_names("All")
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
        .send()
        .await
        .map_err(|e| format!("receive: {e}"))?;
    let messages = out.messages.unwrap_or_default();
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let event = serde_json::to_string(&lambda_sqs_event(&messages, queue_arn)).map_err(|e| e.to_string())?;
    let url = format!("{}/2015-03-31/functions/{function}/invocations", invoke_base.trim_end_matches('/'));
    let response = tokio::task::spawn_blocking(move || -> Result<String, String> {
        let mut response = ureq::post(&url).send(event).map_err(|e| format!("invoke {url}: {e}"))?;
        response.body_mut().read_to_string().map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())??;
    let batch: SqsBatchResponse =
        serde_json::from_str(&response).map_err(|e| format!("consumer answered {response:?}: {e}"))?;
    let failed: Vec<&str> = batch.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    let mut deliveries = Vec::new();
    for m in &messages {
        let processed = !failed.contains(&m.message_id.as_deref().unwrap_or_default());
        if processed {
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                .send()
                .await
                .map_err(|e| format!("delete: {e}"))?;
        }
        deliveries.push(Delivery { message: describe(m), processed });
    }
    Ok(deliveries)
}
