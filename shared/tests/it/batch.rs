//! Batch handling: exactly the failed messages are reported, and FIFO groups keep their order.

use std::cell::RefCell;

use aws_lambda_events::event::sqs::SqsEvent;
use base64::Engine as _;
use middesk_webhooks::consume::batch::process_batch;
use middesk_webhooks::consume::event::Event;
use serde_json::{Value, json};

/// Builds an SQS event from `(message id, body, FIFO group, base64?)` using the record fixture.
fn sqs_event(records: &[(&str, &str, Option<&str>, bool)]) -> SqsEvent {
    let template: Value = serde_json::from_str(include_str!("../../samples/sqs_record.json")).unwrap();
    let records: Vec<Value> = records
        .iter()
        .map(|(id, body, group, base64)| {
            let mut r = template.clone();
            r["messageId"] = json!(id);
            if *base64 {
                r["body"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
                r["messageAttributes"]["body_encoding"] =
                    json!({"stringValue": "base64", "dataType": "String"});
            } else {
                r["body"] = json!(body);
            }
            if let Some(g) = group {
                r["attributes"]["MessageGroupId"] = json!(g);
                r["eventSourceARN"] = json!("arn:aws:sqs:us-east-1:123456789012:middesk-events.fifo");
            }
            r
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

fn body(id: &str) -> String {
    let fixture = middesk_webhooks::verify::sample::sample_payload("business.updated").unwrap();
    let mut v: Value = serde_json::from_str(fixture).unwrap();
    v["id"] = json!(id);
    v.to_string()
}

fn failures(response: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<&str> {
    response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect()
}

#[tokio::test]
async fn exactly_the_failed_and_unparseable_messages_are_reported() {
    let (ok1, bad, ok2) = (body("ev-ok-1"), body("ev-bad"), body("ev-ok-2"));
    let batch = sqs_event(&[
        ("m1", &ok1, None, false),
        ("m2", &bad, None, false),
        ("m3", "this is not json", None, false),
        ("m4", r#"{"object":"event"}"#, None, false),
        ("m5", &ok2, None, true),
    ]);
    let handled = RefCell::new(Vec::new());
    let response = process_batch(&batch, |event: Event, _| {
        handled.borrow_mut().push(event.id.clone());
        async move { if event.id == "ev-bad" { Err("downstream said no") } else { Ok(()) } }
    })
    .await
    .unwrap();
    assert_eq!(failures(&response), ["m2", "m3", "m4"]);
    assert_eq!(*handled.borrow(), ["ev-ok-1", "ev-bad", "ev-ok-2"]);
}

#[tokio::test]
async fn an_all_good_batch_reports_nothing() {
    let (a, b) = (body("a"), body("b"));
    let batch = sqs_event(&[("m1", &a, None, false), ("m2", &b, None, false)]);
    let response = process_batch(&batch, |_, _| async { Ok::<(), String>(()) }).await.unwrap();
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(serde_json::to_string(&response).unwrap(), r#"{"batchItemFailures":[]}"#);
}

#[tokio::test]
async fn a_panicking_handler_fails_only_its_message() {
    let (a, b) = (body("boom"), body("fine"));
    let batch = sqs_event(&[("m1", &a, None, false), ("m2", &b, None, false)]);
    let response = process_batch(&batch, |event: Event, _| async move {
        assert_ne!(event.id, "boom", "handler bug");
        Ok::<(), String>(())
    })
    .await
    .unwrap();
    assert_eq!(failures(&response), ["m1"]);
}

#[tokio::test]
async fn fifo_stops_a_group_at_its_first_failure_and_keeps_other_groups_going() {
    let ids = ["a1", "a2", "b1", "a3", "b2", "c1"];
    let bodies: Vec<String> = ids.iter().map(|id| body(id)).collect();
    let groups = ["A", "A", "B", "A", "B", "C"];
    let records: Vec<_> =
        ids.iter().zip(&bodies).zip(groups).map(|((id, b), g)| (*id, b.as_str(), Some(g), false)).collect();
    let batch = sqs_event(&records);
    let handled = RefCell::new(Vec::new());
    let response = process_batch(&batch, |event: Event, _| {
        handled.borrow_mut().push(event.id.clone());
        async move { if event.id == "a2" || event.id == "c1" { Err("no") } else { Ok(()) } }
    })
    .await
    .unwrap();
    // a3 comes after a2 in group A: reported failed without being run, so A stays in order.
    assert_eq!(failures(&response), ["a2", "a3", "c1"]);
    assert_eq!(*handled.borrow(), ["a1", "a2", "b1", "b2", "c1"]);
}

#[tokio::test]
async fn a_failed_message_without_an_id_fails_the_whole_batch() {
    let mut batch = sqs_event(&[("m1", "junk", None, false)]);
    batch.records[0].message_id = None;
    assert!(process_batch(&batch, |_, _| async { Ok::<(), String>(()) }).await.is_err());
}

/// A `business.updated` whose business no longer fits the model: `external_id` became a number.
fn drifted_body(id: &str) -> String {
    let mut v: Value = serde_json::from_str(&body(id)).unwrap();
    v["data"]["object"]["external_id"] = json!(12345);
    v.to_string()
}

#[tokio::test]
async fn schema_drift_fails_the_message_by_default_never_acknowledged_silently() {
    let (ok, drifted) = (body("ok"), drifted_body("drifted"));
    let batch = sqs_event(&[("m1", &ok, None, false), ("m2", &drifted, None, false)]);
    let handled = RefCell::new(Vec::new());
    let response = process_batch(&batch, |event: Event, _| {
        handled.borrow_mut().push(event.id.clone());
        async { Ok::<(), String>(()) }
    })
    .await
    .unwrap();
    let failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, ["m2"], "the drifted message is reported failed");
    assert_eq!(*handled.borrow(), ["ok"], "the handler never saw the drifted event");
}

#[tokio::test]
async fn a_consumer_may_opt_in_to_handle_drift_from_the_raw_json() {
    use middesk_webhooks::consume::batch::{BatchOptions, Drift, process_batch_with};
    use middesk_webhooks::consume::event::EventObject;
    let drifted = drifted_body("drifted");
    let batch = sqs_event(&[("m1", &drifted, None, false)]);
    let options = BatchOptions::default().drift(Drift::Handle);
    let response = process_batch_with(&batch, &options, |event: Event, _| async move {
        match event.object() {
            EventObject::Mismatched { kind, raw, .. } if kind == "business" => {
                assert_eq!(raw["external_id"], 12345);
                Ok(())
            }
            other => Err(format!("unexpected {other:?}")),
        }
    })
    .await
    .unwrap();
    assert!(response.batch_item_failures.is_empty());
}

#[tokio::test]
async fn every_envelope_shape_middesk_sends_reaches_the_handler_typed() {
    use middesk_webhooks::consume::event::{EventObject, Placement};
    use middesk_webhooks::verify::sample::sample_payload;
    // One sample per shape, each following Middesk's documented example for that type.
    let shapes = [
        ("resource-in-data", "agent_item_change.created"),
        ("type-in-namespace", "agent_jurisdiction_registration.created"),
        ("previous-attributes", "monitor.updated"),
        ("usual", "business.updated"),
    ];
    let bodies: Vec<&str> = shapes.iter().map(|(_, t)| sample_payload(t).unwrap()).collect();
    let records: Vec<_> = shapes.iter().zip(&bodies).map(|((id, _), b)| (*id, *b, None, false)).collect();
    let seen = RefCell::new(Vec::new());
    let response = process_batch(&sqs_event(&records), |event: Event, message| {
        let typed = !matches!(event.object(), EventObject::Other(_) | EventObject::Mismatched { .. });
        seen.borrow_mut().push((
            message.message_id.clone().unwrap(),
            event.event_type.to_string(),
            typed,
            event.data.placement,
            event.previous_attributes().is_some(),
        ));
        async { Ok::<_, String>(()) }
    })
    .await
    .unwrap();
    assert!(failures(&response).is_empty(), "{:?}", failures(&response));
    let seen = seen.into_inner();
    let find = |id: &str| seen.iter().find(|s| s.0 == id).unwrap().clone();
    assert_eq!(
        find("resource-in-data"),
        ("resource-in-data".into(), "agent_item_change.created".into(), true, Placement::InData, false)
    );
    let namespaced = find("type-in-namespace");
    assert_eq!((namespaced.1.as_str(), namespaced.2), ("agent_jurisdiction_registration.created", true));
    assert!(find("previous-attributes").4, "previous_attributes reach the handler");
    assert_eq!(find("usual").3, Placement::InObject);
}

#[tokio::test]
async fn a_message_the_verifier_flagged_malformed_fails_unless_the_consumer_opts_in() {
    use middesk_webhooks::consume::batch::{BatchOptions, Drift, process_batch_with};
    use middesk_webhooks::message::attribute;
    // A business.updated event whose created_at could not be read: it parses as an Event, but
    // the verifier flagged it, so acknowledging it silently would hide it.
    let mut flagged: Value = serde_json::from_str(&body("ev-flagged")).unwrap();
    flagged.as_object_mut().unwrap().remove("created_at");
    let mut batch =
        sqs_event(&[("m1", &flagged.to_string(), None, false), ("m2", &body("ev-fine"), None, false)]);
    for (name, value) in
        [(attribute::MALFORMED, "true"), (attribute::MALFORMED_REASON, "created_at is missing")]
    {
        let mut a = aws_lambda_events::event::sqs::SqsMessageAttribute::default();
        (a.string_value, a.data_type) = (Some(value.into()), Some("String".into()));
        batch.records[0].message_attributes.insert(name.into(), a);
    }
    let handled = RefCell::new(Vec::new());
    let handler = |event: Event, _: &_| {
        handled.borrow_mut().push(event.id.clone());
        async { Ok::<(), std::convert::Infallible>(()) }
    };
    let response = process_batch(&batch, handler).await.unwrap();
    assert_eq!(failures(&response), ["m1"]);
    assert_eq!(*handled.borrow(), ["ev-fine"]);

    handled.borrow_mut().clear();
    let options = BatchOptions::default().malformed(Drift::Handle);
    let response = process_batch_with(&batch, &options, handler).await.unwrap();
    assert!(failures(&response).is_empty());
    assert_eq!(*handled.borrow(), ["ev-flagged", "ev-fine"]);
}
