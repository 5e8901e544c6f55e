//! `template.yaml` is the one description of the deployed system: check what users rely on.
//! (IAM, alarms and limits are checked on the template as SAM translates it: `translated.rs`.)

use std::collections::BTreeSet;

use middesk_webhooks::DOCUMENTED_EVENT_TYPES;
use middesk_webhooks_cli::template::{TemplateModel, parse_template};

fn model() -> TemplateModel {
    parse_template(include_str!("../../template.yaml")).expect("template parses")
}

#[test]
fn every_documented_type_has_its_own_queue_a_dead_letter_queue_and_a_route() {
    let m = model();
    let mut routed_queues = BTreeSet::new();
    for event_type in DOCUMENTED_EVENT_TYPES {
        let routes: Vec<_> = m.routes.iter().filter(|(t, _)| t == event_type).collect();
        assert_eq!(routes.len(), 1, "{event_type} must be routed exactly once");
        let queue = &routes[0].1;
        assert!(routed_queues.insert(queue.clone()), "{queue} is shared; each type gets its own queue");
        assert_ne!(queue, &m.catch_all, "{event_type} goes to the catch-all");
        let q =
            m.queues.get(queue).unwrap_or_else(|| panic!("{event_type} routes to a missing queue {queue}"));
        let (dlq, max_receive) = q.dead_letter.as_ref().unwrap_or_else(|| panic!("{queue} has no DLQ"));
        assert!((1..=10).contains(max_receive), "{queue}: maxReceiveCount {max_receive}");
        let dlq = &m.queues[dlq];
        assert!(dlq.dead_letter.is_none());
        assert_eq!(dlq.retention_seconds, Some(14 * 86_400), "{}: dead letters keep 14 days", dlq.logical_id);
        assert!(q.encrypted && dlq.encrypted, "{queue} and its DLQ are encrypted");
    }
    assert_eq!(m.routes.len(), DOCUMENTED_EVENT_TYPES.len(), "no route for an undocumented type");
    let catch_all = &m.queues[&m.catch_all];
    assert!(catch_all.dead_letter.is_some() && catch_all.encrypted);
}

#[test]
fn consumers_report_partial_batch_failures_and_idempotency_records_expire() {
    let m = model();
    assert!(!m.subscriptions.is_empty());
    for s in &m.subscriptions {
        assert!(s.reports_batch_item_failures, "{} must report batch item failures", s.function);
        assert!(m.queues.contains_key(&s.queue), "{} subscribes to a missing queue", s.function);
    }
    let business = m.routes.iter().find(|(t, _)| t == "business.updated").map(|(_, q)| q.clone()).unwrap();
    assert!(m.subscriptions.iter().any(|s| s.binary == "business-decision" && s.queue == business));
    assert!(m.subscriptions.iter().any(|s| s.binary == "event-logger" && s.queue == m.catch_all));
    assert_eq!(m.tables.len(), 1);
    assert_eq!(m.tables[0].1.as_deref(), Some("expiration"), "TTL on the idempotency records");
}

#[test]
fn the_verifier_claim_checks_into_the_stacks_bucket() {
    let m = model();
    assert_eq!(m.payload_bucket, Some(("PayloadBucket".to_owned(), "payloads/".to_owned())));
}
