//! The queue-watch function's look against the emulator: a stack's queues as CloudFormation
//! names them, each with its dead-letter queue.

use std::time::{Duration, SystemTime};

use aws_sdk_sqs::types::QueueAttributeName;
use middesk_webhooks::aws::watch::{AgesOnly, CloudWatch, LambdaMappings};
use middesk_webhooks::aws::{DynamoDbWatchMemory, create_idempotency_table};
use middesk_webhooks::testkit::{create_queue, emulator_endpoint, sdk_config, unique};
use middesk_webhooks::watch::{KnownConsumers, WatchConfig};

/// A queue `<stack>-<name>` with a dead-letter queue named as CloudFormation names one
/// (`<stack>-<logical id>-<suffix>`); returns both URLs.
async fn queue_with_dead_letters(sqs: &aws_sdk_sqs::Client, stack: &str, name: &str) -> (String, String) {
    let dlq = create_queue(sqs, &format!("{stack}-DeadLetterQueue{}-X1Y2", name.replace('-', ""))).await;
    let arn = sqs.get_queue_attributes().queue_url(&dlq).attribute_names(QueueAttributeName::QueueArn);
    let arn = arn.send().await.unwrap().attributes.unwrap()[&QueueAttributeName::QueueArn].clone();
    let queue = create_queue(sqs, &format!("{stack}-{name}")).await;
    let policy = format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"5"}}"#);
    let set =
        sqs.set_queue_attributes().queue_url(&queue).attributes(QueueAttributeName::RedrivePolicy, policy);
    set.send().await.unwrap();
    (queue, dlq)
}

#[tokio::test]
async fn every_dead_letter_old_message_and_missing_queue_counts_in_the_one_metric() {
    let aws = sdk_config(&emulator_endpoint()).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    // The emulator has no CloudWatch in the SDK's protocol: reading an age fails, as it would
    // on AWS without cloudwatch:GetMetricData.
    let monitoring = AgesOnly(CloudWatch(aws_sdk_cloudwatch::Client::new(&aws)));
    let stack = unique("watch");
    let (business, business_dlq) = queue_with_dead_letters(&sqs, &stack, "business-created").await;
    let _ = queue_with_dead_letters(&sqs, &stack, "catch-all").await;
    let vars = |queues: &'static str| {
        let prefix = format!("{stack}-");
        move |name: &str| match name {
            "QUEUE_NAME_PREFIX" => Some(prefix.clone()),
            "WATCHED_QUEUES" => Some(queues.to_owned()),
            "QUEUE_AGE_ALARM_SECONDS" => Some("86400".to_owned()),
            "DEAD_LETTER_AGE_ALARM_SECONDS" => Some("259200".to_owned()),
            "WATCH_STATE_TABLE" => Some("unused".to_owned()),
            _ => None,
        }
    };
    let config = WatchConfig::from_vars(vars("business-created,catch-all")).unwrap();
    let now = SystemTime::now();
    let consumers = KnownConsumers::default();
    let memory = middesk_webhooks::watch::InMemoryWatchMemory::default();
    let look =
        |config, now| queue_watch::look_and_report(&sqs, &monitoring, &consumers, &memory, config, now);

    let quiet = look(&config, now).await.0;
    assert_eq!(quiet.attention(), Vec::<String>::new(), "empty queues: no age is read, all is well");
    assert_eq!(quiet.queues.iter().map(|q| q.dead_letters).collect::<Vec<_>>(), [Some(0), Some(0)]);

    // A dead letter: it needs attention, and its age must be read to tell whether it is about
    // to expire, which cannot be, and needs attention too (it could expire unseen).
    sqs.send_message().queue_url(&business_dlq).message_body("{}").send().await.unwrap();
    let dead = look(&config, now).await.0;
    let attention = dead.attention();
    assert_eq!(attention.len(), 3, "{attention:#?}");
    assert!(attention[0].starts_with("business-created: 1 dead letter(s)"), "{attention:#?}");
    assert!(attention[1].contains("the age of its dead letters cannot be read"), "{attention:#?}");
    assert!(attention[2].starts_with("CloudWatch could not be read"), "{attention:#?}");
    assert_eq!(dead.expiring_dead_letter_queues(), 1, "a dead letter of unknown age may be expiring");
    assert_eq!(dead.queues[0].dead_letter_queue.as_deref(), business_dlq.rsplit('/').next());

    // A message waiting, the dead letter gone: its age must be read, and cannot be.
    sqs.purge_queue().queue_url(&business_dlq).send().await.unwrap();
    sqs.send_message().queue_url(&business).message_body("{}").send().await.unwrap();
    let unread = look(&config, now).await.0;
    let attention = unread.attention();
    assert_eq!(attention.len(), 1, "{attention:#?}");
    assert!(attention[0].starts_with("CloudWatch could not be read"), "{attention:#?}");

    // A watched queue the stack does not have (deleted, renamed) is a reason, not a skip.
    let config = WatchConfig::from_vars(vars("business-created,catch-all,order-created")).unwrap();
    let missing = look(&config, now + Duration::from_secs(1)).await.0;
    assert!(missing.attention().iter().any(|r| r.starts_with("order-created: could not be read")));
}

#[tokio::test]
async fn a_new_dead_letter_is_a_problem_that_started_even_while_another_holds_the_alarm() {
    let aws = sdk_config(&emulator_endpoint()).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let table = unique("watch-state");
    create_idempotency_table(&dynamodb, &table).await.unwrap();
    let monitoring = AgesOnly(CloudWatch(aws_sdk_cloudwatch::Client::new(&aws)));
    // The emulator's Lambda has no mappings: nothing consumes these queues.
    let consumers = LambdaMappings { lambda: aws_sdk_lambda::Client::new(&aws), elsewhere: Vec::new() };
    let stack = unique("onset");
    let (_, business_dlq) = queue_with_dead_letters(&sqs, &stack, "business-created").await;
    let (_, orders_dlq) = queue_with_dead_letters(&sqs, &stack, "order-created").await;
    let prefix = format!("{stack}-");
    let vars = |name: &str| match name {
        "QUEUE_NAME_PREFIX" => Some(prefix.clone()),
        "WATCHED_QUEUES" => Some("business-created,order-created".to_owned()),
        "QUEUE_AGE_ALARM_SECONDS" => Some("86400".to_owned()),
        "DEAD_LETTER_AGE_ALARM_SECONDS" => Some("259200".to_owned()),
        "WATCH_STATE_TABLE" => Some(table.clone()),
        _ => None,
    };
    let config = WatchConfig::from_vars(vars).unwrap();
    // The last look kept in the stack's table, as deployed; a second watch of another stack
    // (another prefix) in the same table keeps its own.
    let memory = DynamoDbWatchMemory::new(dynamodb.clone(), &table, &config.prefix);
    let other = DynamoDbWatchMemory::new(dynamodb, &table, "another-stack-");
    let now = SystemTime::now();
    let keys = |reasons: Vec<middesk_webhooks::watch::Reason>| {
        reasons.into_iter().map(|r| r.key).collect::<Vec<_>>()
    };
    let look = || queue_watch::look_and_report(&sqs, &monitoring, &consumers, &memory, &config, now);

    let (_, started) = look().await;
    assert_eq!(keys(started), Vec::<String>::new());
    sqs.send_message().queue_url(&business_dlq).message_body("{}").send().await.unwrap();
    let (report, started) = look().await;
    assert!(keys(started).contains(&"business-created:dead-letters:1".to_owned()));
    assert!(!report.attention().is_empty());
    // The same dead letter a look later: it still needs attention, but nothing started.
    let (report, started) = look().await;
    assert!(!report.attention().is_empty());
    assert_eq!(keys(started), Vec::<String>::new(), "{:#?}", report.attention());
    // Another queue's first dead letter while the first holds the alarm: it started.
    sqs.send_message().queue_url(&orders_dlq).message_body("{}").send().await.unwrap();
    let (_, started) = look().await;
    let started = keys(started);
    assert!(started.contains(&"order-created:dead-letters:1".to_owned()), "{started:?}");
    assert!(!started.iter().any(|k| k.starts_with("business-created:")), "{started:?}");
    // A second dead letter in a queue that already holds one: it started too.
    sqs.send_message().queue_url(&business_dlq).message_body("{}").send().await.unwrap();
    let (_, started) = look().await;
    let started = keys(started);
    assert!(started.contains(&"business-created:dead-letters:2".to_owned()), "{started:?}");
    assert!(!started.iter().any(|k| k.starts_with("order-created:")), "{started:?}");
    use middesk_webhooks::watch::WatchMemory as _;
    assert_eq!(other.last_look().await.unwrap(), Vec::<String>::new());
}
