//! `redrive` on the emulator: dead letters go back to their source queue, none lost or
//! duplicated, attributes kept.

use std::collections::BTreeMap;

use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use middesk_webhooks::testkit::*;
use middesk_webhooks_cli::redrive;

/// A source queue whose dead-letter queue holds `count` messages, as after a consumer failed.
async fn dead_letters(sqs: &aws_sdk_sqs::Client, count: usize) -> (String, String) {
    let run = unique("redrive");
    let dlq = create_queue(sqs, &format!("{run}-dlq")).await;
    let source = create_queue(sqs, &format!("{run}-source")).await;
    let dlq_arn = redrive::queue_arn(sqs, &dlq).await.unwrap();
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"5"}}"#);
    sqs.set_queue_attributes()
        .queue_url(&source)
        .attributes(QueueAttributeName::RedrivePolicy, policy)
        .send()
        .await
        .unwrap();
    for i in 0..count {
        let attribute =
            MessageAttributeValue::builder().data_type("String").string_value(format!("ev-{i}")).build();
        sqs.send_message()
            .queue_url(&dlq)
            .message_body(format!("{{\"id\":\"ev-{i}\",\"text\":\"caf\u{e9} \u{2011} {i}\"}}"))
            .message_attributes("event_id", attribute.unwrap())
            .send()
            .await
            .unwrap();
    }
    (dlq, source)
}

#[tokio::test]
async fn dead_letters_return_to_their_source_none_lost_or_duplicated() {
    let sqs = aws_sdk_sqs::Client::new(&sdk_config(&emulator_endpoint()).await);
    let (dlq, source) = dead_letters(&sqs, 23).await;
    assert_eq!(redrive::source_queue(&sqs, &dlq).await.unwrap(), source, "found from the redrive policy");
    assert_eq!(redrive::waiting(&sqs, &dlq).await.unwrap(), 23);

    let report = redrive::copy_back(&sqs, &dlq, &source).await;
    assert_eq!(report, redrive::CopyReport { moved: 23, ..Default::default() });

    let back = drain(&sqs, &source).await;
    let by_id: BTreeMap<String, String> =
        back.iter().map(|m| (attr(m, "event_id").unwrap().to_owned(), m.body.clone().unwrap())).collect();
    assert_eq!((back.len(), by_id.len()), (23, 23), "every message once");
    for i in 0..23 {
        assert_eq!(
            by_id[&format!("ev-{i}")],
            format!("{{\"id\":\"ev-{i}\",\"text\":\"caf\u{e9} \u{2011} {i}\"}}")
        );
    }
    assert!(drain(&sqs, &dlq).await.is_empty(), "the dead-letter queue is empty");
}

#[tokio::test]
async fn a_send_that_fails_deletes_nothing() {
    let sqs = aws_sdk_sqs::Client::new(&sdk_config(&emulator_endpoint()).await);
    let (dlq, _) = dead_letters(&sqs, 3).await;
    let missing = format!("{}/123456789012/no-such-queue-{}", emulator_endpoint(), unique("x"));
    let report = redrive::copy_back(&sqs, &dlq, &missing).await;
    assert!(report.stopped.is_some() && !report.complete(), "{report:?}");
    assert_eq!(report.moved, 0);
    // Still all there once their visibility timeout passes; none deleted.
    assert_eq!(redrive::waiting(&sqs, &dlq).await.unwrap() + in_flight(&sqs, &dlq).await, 3);
}

#[tokio::test]
async fn large_dead_letters_move_in_batches_within_sqss_size_limit() {
    let sqs = aws_sdk_sqs::Client::new(&sdk_config(&emulator_endpoint()).await);
    let (dlq, source) = dead_letters(&sqs, 0).await;
    // Ten claim-check-sized bodies of 600 KB: a SendMessageBatch of all ten would be 6 MB.
    for i in 0..10 {
        let body = format!("{{\"id\":\"ev-{i}\",\"notes\":\"{}\"}}", "n".repeat(600 * 1024));
        sqs.send_message().queue_url(&dlq).message_body(body).send().await.unwrap();
    }
    let report = redrive::copy_back(&sqs, &dlq, &source).await;
    assert_eq!(report, redrive::CopyReport { moved: 10, ..Default::default() });
    let back = drain(&sqs, &source).await;
    assert_eq!(back.len(), 10);
    assert!(back.iter().all(|m| m.body.as_ref().is_some_and(|b| b.len() > 600 * 1024)));
}

async fn in_flight(sqs: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let count = redrive::attribute(sqs, url, QueueAttributeName::ApproximateNumberOfMessagesNotVisible).await;
    count.unwrap().parse().unwrap()
}
