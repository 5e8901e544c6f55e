//! `template.yaml` is the one description of the deployed system: check what users rely on.
//! (IAM, alarms and limits are checked on the template as SAM translates it: `translated.rs`.)

use middesk_webhooks::catalogue::{CATALOGUE, queue_logical_id};
use middesk_webhooks_cli::template::{TemplateModel, generated, parse_template};

fn model() -> TemplateModel {
    parse_template(include_str!("../../../template.yaml")).expect("template parses")
}

#[test]
fn every_documented_type_reaches_its_catalogue_queue_with_a_dead_letter_queue() {
    let m = model();
    for entry in CATALOGUE {
        let queue = m.route(entry.event_type).unwrap();
        assert_eq!(queue, queue_logical_id(entry.queue), "{}", entry.event_type);
        assert_ne!(queue, m.catch_all, "{} goes to the catch-all", entry.event_type);
        let q = &m.queues[&queue];
        assert_eq!(q.name.as_deref(), Some(entry.queue), "{queue} is named <stack>-{}", entry.queue);
        let (dlq, max_receive) = q.dead_letter.as_ref().unwrap_or_else(|| panic!("{queue} has no DLQ"));
        assert!((1..=10).contains(max_receive), "{queue}: maxReceiveCount {max_receive}");
        let dlq = &m.queues[dlq];
        assert!(dlq.dead_letter.is_none());
        assert_eq!(dlq.retention_seconds, Some(14 * 86_400), "{}: dead letters keep 14 days", dlq.logical_id);
        assert!(q.encrypted && dlq.encrypted, "{queue} and its DLQ are encrypted");
    }
    // A type Middesk adds later still reaches a queue: the catch-all, which has a DLQ too.
    assert_eq!(m.route("brand_new.event").unwrap(), m.catch_all);
    let catch_all = &m.queues[&m.catch_all];
    assert!(catch_all.dead_letter.is_some() && catch_all.encrypted);
}

#[test]
fn the_committed_template_is_generated_from_the_catalogue() {
    let committed = include_str!("../../../template.yaml");
    let generated = generated::regenerate(committed).unwrap();
    assert!(
        generated == committed,
        "template.yaml is stale: run `cargo run -p middesk-webhooks-cli -- generate-template`"
    );
}

#[test]
fn generation_replaces_only_between_the_markers() {
    let text = "A: 1\n  # BEGIN GENERATED: routes\n  stale: true\n  # END GENERATED: routes\nB: 2\n";
    let err = generated::regenerate(text).unwrap_err();
    assert!(err.contains("queue-arns"), "every part must be present: {err}");
    // The committed template with every generated part replaced by a stale line: regeneration
    // gives back the committed template, so it rewrote those parts and nothing else.
    let committed = include_str!("../../../template.yaml");
    let mut stale = committed.to_owned();
    let names = generated::part_names().into_iter().chain(["dashboard"]);
    for name in names {
        let begin = stale.find(&format!("# BEGIN GENERATED: {name}")).unwrap();
        let content = begin + stale[begin..].find('\n').unwrap() + 1;
        let end = content + stale[content..].find(&format!("# END GENERATED: {name}")).unwrap();
        let end_line = stale[..end].rfind('\n').unwrap() + 1;
        stale.replace_range(content..end_line, "    stale-line\n");
    }
    assert_ne!(stale, committed);
    let out = generated::regenerate(&stale).unwrap();
    assert!(!out.contains("stale-line"));
    assert!(out == committed, "regeneration changed text outside the markers, or the template is stale");
    assert!(out.contains("\n          ROUTES: !Join"), "indented like its BEGIN line");
}

#[test]
fn consumers_report_partial_batch_failures_and_idempotency_records_expire() {
    let m = model();
    assert!(!m.subscriptions.is_empty());
    for s in &m.subscriptions {
        assert!(s.reports_batch_item_failures, "{} must report batch item failures", s.function);
        assert!(m.queues.contains_key(&s.queue), "{} subscribes to a missing queue", s.function);
    }
    let business = m.route("business.updated").unwrap();
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

#[test]
fn a_subscriber_declared_in_the_one_list_gets_its_queue_dead_letter_queue_watch_grants_and_exports() {
    const SUBSCRIBERS: &[(&str, &str)] = &[
        ("business.updated", "business-updated-risk-engine"),
        ("registration_request.*", "registration-requests-crm"),
    ];
    let text = generated::regenerate_with(include_str!("../../../template.yaml"), SUBSCRIBERS).unwrap();
    let m = parse_template(&text).unwrap();
    let route = |pattern: &str| m.routes.iter().find(|(p, _)| p == pattern).map(|(_, q)| q.clone()).unwrap();
    assert_eq!(route("business.updated"), ["BusinessUpdatedQueue", "BusinessUpdatedRiskEngineQueue"]);
    assert_eq!(
        route("registration_request.*"),
        ["RegistrationRequestsQueue", "RegistrationRequestsCrmQueue"]
    );
    assert_eq!(route("business.created"), ["BusinessCreatedQueue"]);
    // The type still reaches its own queue first; every route still parses as the verifier's.
    assert_eq!(m.route("business.updated").unwrap(), "BusinessUpdatedQueue");
    for id in ["BusinessUpdatedRiskEngineQueue", "RegistrationRequestsCrmQueue"] {
        let queue = &m.queues[id];
        let (dlq, _) = queue.dead_letter.as_ref().unwrap_or_else(|| panic!("{id} has no dead-letter queue"));
        assert!(queue.encrypted && m.queues[dlq].encrypted);
        // The queue watch looks at it (and so at its dead-letter queue), alarming for both.
        let name = queue.name.as_deref().unwrap();
        assert!(text.contains(&format!("            - {name}\n")), "the queue watch does not look at {id}");
        assert!(text.contains(&format!("QueueName: !Sub \"${{AWS::StackName}}-{name}-dlq\"")), "{dlq}");
        assert!(text.contains(&format!("- !GetAtt {id}.Arn")), "the verifier may send to {id}");
        assert!(text.contains(&format!("Name: !Sub \"${{AWS::StackName}}-{id}Url\"")), "{id} is exported");
    }
    assert!(text.contains("\"business.updated=business-updated+business-updated-risk-engine\""));
    // The committed template has none: nobody consumes a queue declared for nobody.
    assert!(!include_str!("../../../template.yaml").contains("RiskEngine"));
}

/// Each checkov skip in `template.yaml`: (check, resource, resource type, reason).
fn scanner_skips(template: &str) -> Vec<(String, String, String, String)> {
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(template).expect("template is YAML");
    let mut skips = Vec::new();
    for (id, resource) in doc["Resources"].as_mapping().expect("resources") {
        let skip = resource["Metadata"]["checkov"]["skip"].as_sequence().cloned().unwrap_or_default();
        for entry in skip {
            skips.push((
                entry["id"].as_str().unwrap_or_default().to_owned(),
                id.as_str().unwrap_or_default().to_owned(),
                resource["Type"].as_str().unwrap_or_default().to_owned(),
                entry["comment"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    skips
}

/// The rows of docs/deploy.md's table of skipped checks: (check, resources cell).
fn documented_skips(page: &str) -> Vec<(String, String)> {
    page.lines()
        .filter_map(|line| line.strip_prefix("| `CKV_"))
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            let check = format!("CKV_{}", cells[0].split('`').next().unwrap_or_default());
            (check, cells.get(1).copied().unwrap_or_default().to_owned())
        })
        .collect()
}

/// Every scanner finding the template skips has a reason next to its resource, and the table in
/// docs/deploy.md names it; the table names no skip the template does not make.
fn skips_disagree_with_docs(template: &str, page: &str) -> Vec<String> {
    let skips = scanner_skips(template);
    let rows = documented_skips(page);
    let mut problems = Vec::new();
    for (check, resource, kind, reason) in &skips {
        if reason.split_whitespace().count() < 5 {
            problems.push(format!("{resource} skips {check} without a reason"));
        }
        let documented = rows.iter().any(|(row_check, cell)| {
            row_check == check
                && (cell.contains(&format!("`{resource}`"))
                    || (kind == "AWS::SQS::Queue" && cell == "every queue and dead-letter queue"))
        });
        if !documented {
            problems.push(format!("docs/deploy.md does not list {resource} under {check}"));
        }
    }
    for (check, cell) in &rows {
        for named in cell.split('`').skip(1).step_by(2) {
            if !skips.iter().any(|(c, r, _, _)| c == check && r == named) {
                problems.push(format!("docs/deploy.md lists {named} under {check}, which it does not skip"));
            }
        }
        if !skips.iter().any(|(c, ..)| c == check) {
            problems.push(format!("docs/deploy.md lists {check}, which nothing skips"));
        }
    }
    problems
}

#[test]
fn every_scanner_skip_has_its_reason_here() {
    let template = include_str!("../../../template.yaml");
    let page = include_str!("../../../docs/deploy.md");
    assert!(scanner_skips(template).len() > 60, "the queues' skips are read");
    let problems = skips_disagree_with_docs(template, page);
    assert!(problems.is_empty(), "{problems:#?}");

    // It can fail: a skip without its row, a row without its skip, a skip without a reason.
    let undocumented = page.replace("| `CKV_AWS_26`", "| `CKV_AWS_0`");
    let problems = skips_disagree_with_docs(template, &undocumented);
    assert!(problems.iter().any(|p| p.contains("AlarmTopic under CKV_AWS_26")), "{problems:#?}");
    assert!(problems.iter().any(|p| p.contains("CKV_AWS_0, which nothing skips")), "{problems:#?}");
    let unreasoned = template.replacen(
        "comment: Alarm notices carry no event data, and CloudWatch cannot publish to a topic under the AWS-managed SNS key.",
        "comment: no",
        1,
    );
    let problems = skips_disagree_with_docs(&unreasoned, page);
    assert_eq!(problems, ["AlarmTopic skips CKV_AWS_26 without a reason"]);
}
