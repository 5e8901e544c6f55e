//! Least privilege, alarms and limits, checked on what CloudFormation actually receives:
//! `template.yaml` as the SAM translator turns it into plain CloudFormation (roles, stages and
//! event source mappings included), by `scripts/sam-translate` with the `aws-sam-translator`
//! package that `./scripts/test` installs into `.venv`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};

/// The services whose actions must never be granted on a wildcard resource.
const DATA_SERVICES: [&str; 5] = ["sqs", "s3", "dynamodb", "secretsmanager", "kms"];

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The translated template (translated once per test binary).
pub(crate) fn translated() -> &'static Value {
    static TRANSLATED: OnceLock<Value> = OnceLock::new();
    TRANSLATED.get_or_init(|| translate(&repo().join("template.yaml")))
}

/// The plain CloudFormation the SAM translator makes of `template`.
pub(crate) fn translate(template: &Path) -> Value {
    let python = std::env::var_os("SAM_TRANSLATE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv/bin/python"));
    let output = Command::new(&python)
        .arg(repo().join("scripts/sam-translate"))
        .arg(template)
        .output()
        .unwrap_or_else(|e| {
            panic!("{}: {e}; run ./scripts/test, which installs the SAM translator", python.display())
        });
    assert!(output.status.success(), "sam-translate failed:\n{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("sam-translate prints JSON")
}

pub(crate) fn resources_of_type(kind: &str) -> Vec<(&'static str, &'static Value)> {
    let resources = translated()["Resources"].as_object().expect("Resources");
    resources.iter().filter(|(_, r)| r["Type"] == kind).map(|(id, r)| (id.as_str(), r)).collect()
}

fn resource(id: &str) -> &'static Value {
    &translated()["Resources"][id]
}

/// `{"Fn::GetAtt": [id, attribute]}` as `(id, attribute)`.
fn get_att(value: &Value) -> Option<(&str, &str)> {
    let parts = value["Fn::GetAtt"].as_array()?;
    Some((parts.first()?.as_str()?, parts.get(1)?.as_str()?))
}

pub(crate) fn as_list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => vec![],
        other => vec![other],
    }
}

/// Every statement of a role's inline policies; a statement under `Fn::If` counts in each
/// branch that is a statement (either may be deployed).
fn statements(role: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for policy in as_list(&role["Properties"]["Policies"]) {
        for statement in as_list(&policy["PolicyDocument"]["Statement"]) {
            match statement["Fn::If"].as_array() {
                Some(branches) => {
                    out.extend(branches[1..].iter().filter(|b| b.is_object() && b["Ref"].is_null()))
                }
                None => out.push(statement),
            }
        }
    }
    out
}

fn actions(statement: &Value) -> Vec<&str> {
    as_list(&statement["Action"]).into_iter().filter_map(Value::as_str).collect()
}

/// The role a function runs with, as its logical id.
fn role_of(function: &Value) -> &str {
    get_att(&function["Properties"]["Role"]).map(|(id, _)| id).expect("a function role is !GetAtt Role.Arn")
}

/// Resources granted for actions of `service`, across a role's statements.
fn granted<'a>(role: &'a Value, service: &str) -> Vec<&'a Value> {
    let prefix = format!("{service}:");
    statements(role)
        .into_iter()
        .filter(|s| actions(s).iter().any(|a| a.starts_with(&prefix)))
        .flat_map(|s| as_list(&s["Resource"]))
        .collect()
}

fn queue_arns(values: &[&Value]) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| match get_att(v) {
            Some((queue, "Arn")) => queue.to_owned(),
            _ => panic!("an SQS grant on something other than one queue's ARN: {v}"),
        })
        .collect()
}

/// The verifier: the function whose environment names the catch-all queue.
fn verifier() -> &'static Value {
    resources_of_type("AWS::Lambda::Function")
        .into_iter()
        .map(|(_, f)| f)
        .find(|f| !f["Properties"]["Environment"]["Variables"]["CATCH_ALL_QUEUE"].is_null())
        .expect("the verifier function")
}

/// The queues the verifier routes to (from `ROUTES`) and its catch-all, as logical ids: the
/// verifier names them after `QUEUE_NAME_PREFIX` (`<stack>-`), as the queues name themselves.
fn verifier_queues() -> BTreeSet<String> {
    let vars = &verifier()["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["QUEUE_NAME_PREFIX"], json!({"Fn::Sub": "${AWS::StackName}-"}));
    let by_name: BTreeMap<String, &str> = resources_of_type("AWS::SQS::Queue")
        .into_iter()
        .filter_map(|(id, q)| Some((q["Properties"]["QueueName"]["Fn::Sub"].as_str()?.to_owned(), id)))
        .collect();
    let logical_id = |name: &str| {
        let name = format!("${{AWS::StackName}}-{name}");
        by_name.get(&name).unwrap_or_else(|| panic!("no queue is named {name}")).to_string()
    };
    let mut queues = BTreeSet::from([logical_id(vars["CATCH_ALL_QUEUE"].as_str().expect("a queue name"))]);
    for part in as_list(&vars["ROUTES"]["Fn::Join"][1]) {
        let entry = part.as_str().expect("ROUTES entries are plain type=queue-name strings");
        queues.insert(logical_id(entry.split_once('=').expect("type=queue").1));
    }
    queues
}

/// The statements of the policy of `bucket` (logical id).
fn bucket_policy(bucket: &str) -> Vec<&'static Value> {
    let policies = resources_of_type("AWS::S3::BucketPolicy");
    let (_, policy) = policies
        .into_iter()
        .find(|(_, p)| p["Properties"]["Bucket"] == json!({"Ref": bucket}))
        .unwrap_or_else(|| panic!("{bucket} has no policy"));
    as_list(&policy["Properties"]["PolicyDocument"]["Statement"])
}

/// The payload bucket's objects under the prefix the verifier writes.
fn payload_objects() -> Value {
    json!({"Fn::Sub": "${PayloadBucket.Arn}/payloads/*"})
}

#[test]
fn the_payload_bucket_is_private_encrypted_tls_only_and_outlives_every_message() {
    let props = &resource("PayloadBucket")["Properties"];
    assert_eq!(
        props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "AES256"
    );
    let block = &props["PublicAccessBlockConfiguration"];
    for setting in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(block[setting], true, "{setting}");
    }
    let rule = &props["LifecycleConfiguration"]["Rules"][0];
    assert_eq!(rule["ExpirationInDays"], json!({"Ref": "PayloadRetentionDays"}));
    // A body must outlive its pointer: 14 days in the queue, then up to 14 in the dead-letter queue.
    let retention_days = number(&parameter("PayloadRetentionDays")["MinValue"]);
    let longest_message = resources_of_type("AWS::SQS::Queue")
        .iter()
        .map(|(_, q)| number(&q["Properties"]["MessageRetentionPeriod"]))
        .max()
        .unwrap();
    assert!(retention_days * 86_400 > 2 * longest_message, "{retention_days} days");
    let deny = &bucket_policy("PayloadBucket")[0];
    assert_eq!(
        (&deny["Effect"], &deny["Condition"]["Bool"]["aws:SecureTransport"]),
        (&json!("Deny"), &json!(false))
    );
    // Queues take messages up to the size the claim check assumes.
    for (id, queue) in resources_of_type("AWS::SQS::Queue") {
        if !queue["Properties"]["RedrivePolicy"].is_null() {
            let max = number(&queue["Properties"]["MaximumMessageSize"]);
            assert_eq!(max as usize, middesk_webhooks::message::SQS_MAX_MESSAGE_BYTES, "{id}");
        }
    }
}

#[test]
fn no_role_has_a_managed_policy_or_a_wildcard_on_data() {
    let roles = resources_of_type("AWS::IAM::Role");
    assert_eq!(roles.len(), 5, "one role per function");
    for (id, role) in roles {
        let managed = as_list(&role["Properties"]["ManagedPolicyArns"]);
        assert!(managed.is_empty(), "{id} has managed policies (their resources are wildcards): {managed:?}");
        for statement in statements(role) {
            assert_eq!(statement["Effect"], "Allow", "{id}");
            assert!(statement["NotAction"].is_null() && statement["NotResource"].is_null(), "{id}");
            for action in actions(statement) {
                let (service, name) = action.split_once(':').expect("service:Action");
                assert!(!name.contains('*'), "{id}: wildcard action {action}");
                if DATA_SERVICES.contains(&service) {
                    for resource in as_list(&statement["Resource"]) {
                        let literal = resource.as_str().is_some_and(|r| r.contains('*'));
                        assert!(!literal, "{id}: {action} on wildcard resource {resource}");
                        assert!(resource.is_object(), "{id}: {action} on a literal resource {resource}");
                    }
                }
            }
        }
    }
}

#[test]
fn the_verifier_may_only_read_its_secret_and_send_to_its_own_queues() {
    let role = resource(role_of(verifier()));
    let all_actions: BTreeSet<&str> = statements(role).into_iter().flat_map(actions).collect();
    assert_eq!(
        all_actions,
        BTreeSet::from([
            "kms:Decrypt",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "s3:PutObject",
            "secretsmanager:GetSecretValue",
            "sqs:GetQueueAttributes",
            "sqs:SendMessage",
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ])
    );
    let queues = verifier_queues();
    assert_eq!(queues.len(), middesk_webhooks::catalogue::default_queues().len());
    assert_eq!(queue_arns(&granted(role, "sqs")), queues, "exactly the routed queues and the catch-all");

    // Large bodies and the archive: written only under the payload prefix of the stack's own
    // bucket, and under the archive's two prefixes of its archive bucket (events, and the
    // refusals that may be ours).
    let archive_objects = json!({"Fn::Sub": "${ArchiveBucket.Arn}/events/*"});
    let refused_objects = json!({"Fn::Sub": "${ArchiveBucket.Arn}/refused/*"});
    assert_eq!(granted(role, "s3"), [&payload_objects(), &archive_objects, &refused_objects]);
    let vars = &verifier()["Properties"]["Environment"]["Variables"];
    assert_eq!(
        (&vars["PAYLOAD_BUCKET"], &vars["PAYLOAD_KEY_PREFIX"]),
        (&json!({"Ref": "PayloadBucket"}), &json!("payloads/"))
    );
    assert_eq!(vars["ARCHIVE_BUCKET"], json!({"Ref": "ArchiveBucket"}));

    // The one secret: the stack's own, or the one passed in.
    let secret = granted(role, "secretsmanager");
    assert_eq!(
        secret,
        [&json!({"Fn::If": ["CreateSecret", {"Ref": "WebhookSecret"}, {"Ref": "ExistingSecretArn"}]})]
    );
    // kms:Decrypt only with the key passed in, only through Secrets Manager, only if passed.
    let kms: Vec<&Value> = statements(role).into_iter().filter(|s| actions(s) == ["kms:Decrypt"]).collect();
    assert_eq!(kms.len(), 1);
    assert_eq!(kms[0]["Resource"], json!({"Ref": "SecretKmsKeyArn"}));
    assert_eq!(
        kms[0]["Condition"]["StringEquals"]["kms:ViaService"],
        json!({"Fn::Sub": "secretsmanager.${AWS::Region}.${AWS::URLSuffix}"})
    );
    let policy = &role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    let conditional = policy.as_array().unwrap().iter().find(|s| !s["Fn::If"].is_null()).expect("Fn::If");
    assert_eq!(conditional["Fn::If"][0], "HasSecretKmsKey");
    assert_eq!(conditional["Fn::If"][2], json!({"Ref": "AWS::NoValue"}));
}

#[test]
fn each_consumer_may_only_read_its_own_queues_and_the_table() {
    let mut subscribed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, mapping) in resources_of_type("AWS::Lambda::EventSourceMapping") {
        let props = &mapping["Properties"];
        let function = props["FunctionName"]["Ref"].as_str().expect("FunctionName is a Ref").to_owned();
        let (queue, _) = get_att(&props["EventSourceArn"]).expect("EventSourceArn is a queue's Arn");
        assert_eq!(props["FunctionResponseTypes"], json!(["ReportBatchItemFailures"]), "{id}");
        subscribed.entry(function).or_default().insert(queue.to_owned());
    }
    assert_eq!(subscribed.len(), 2, "{subscribed:?}");
    let allowed_sqs =
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];
    for (function, queues) in &subscribed {
        let role = resource(role_of(resource(function)));
        for statement in statements(role) {
            for action in actions(statement).into_iter().filter(|a| a.starts_with("sqs:")) {
                assert!(allowed_sqs.contains(&action), "{function}: {action}");
            }
        }
        assert_eq!(&queue_arns(&granted(role, "sqs")), queues, "{function} may read only its own queues");
        for table in granted(role, "dynamodb") {
            assert_eq!(get_att(table), Some(("IdempotencyTable", "Arn")), "{function}");
        }
        assert!(granted(role, "kms").is_empty(), "{function} has kms permissions");
        // At most the Middesk API key, to fetch a thin event's business.
        for secret in granted(role, "secretsmanager") {
            assert_eq!(secret, &json!({"Ref": "MiddeskApiKeySecretArn"}), "{function}");
        }
        for statement in statements(role) {
            for action in actions(statement).into_iter().filter(|a| a.starts_with("secretsmanager:")) {
                assert_eq!(action, "secretsmanager:GetSecretValue", "{function}");
            }
        }
        // Claim-checked bodies: read only, only under the payload prefix.
        assert_eq!(granted(role, "s3"), [&payload_objects()], "{function}");
        for statement in statements(role) {
            for action in actions(statement).into_iter().filter(|a| a.starts_with("s3:")) {
                assert_eq!(action, "s3:GetObject", "{function}");
            }
        }
    }
}

/// The queue watch's function, and its environment variable `name`.
fn queue_watch(name: &str) -> &'static Value {
    &resource("QueueWatchFunction")["Properties"]["Environment"]["Variables"][name]
}

/// The queues the queue watch looks at, by SQS name (`${AWS::StackName}-<queue>`).
fn watched_queue_names() -> BTreeSet<String> {
    let list = &queue_watch("WATCHED_QUEUES")["Fn::Join"];
    assert_eq!(list[0], ",", "a comma-separated list");
    as_list(&list[1]).into_iter().map(|q| format!("${{AWS::StackName}}-{}", q.as_str().unwrap())).collect()
}

/// The namespace of the stack's own metrics: one per stack.
fn stack_namespace() -> Value {
    json!({"Fn::Sub": "MiddeskWebhooks/${AWS::StackName}"})
}

#[test]
fn every_alarm_reads_only_its_own_stacks_metrics() {
    // A staging stack beside production must neither page for it nor hide a production watch
    // that stopped: every metric an alarm reads is the stack's own, by namespace or dimension.
    let own = |value: &Value| match value {
        Value::Object(o) => {
            o.get("Ref").and_then(Value::as_str).is_some_and(|r| !translated()["Resources"][r].is_null())
        }
        _ => false,
    };
    for (id, alarm) in alarms() {
        let read: Vec<&Value> = std::iter::once(alarm)
            .filter(|a| !a["MetricName"].is_null())
            .chain(
                as_list(&alarm["Metrics"])
                    .into_iter()
                    .filter_map(|m| m.get("MetricStat"))
                    .map(|m| &m["Metric"]),
            )
            .collect();
        assert!(!read.is_empty(), "{id} reads no metric");
        for metric in read {
            let scoped = match metric["Namespace"].as_str() {
                Some(aws) if aws.starts_with("AWS/") => {
                    as_list(&metric["Dimensions"]).iter().any(|d| own(&d["Value"]))
                }
                _ => metric["Namespace"] == stack_namespace(),
            };
            assert!(
                scoped,
                "{id} reads {} of {}, which another stack can publish",
                metric["MetricName"], metric["Namespace"]
            );
        }
    }
    // And what the code publishes goes there: the verifier, the queue watch, the access-log filter.
    for function in [verifier(), resource("QueueWatchFunction")] {
        assert_eq!(
            function["Properties"]["Environment"]["Variables"]["METRICS_NAMESPACE"],
            stack_namespace()
        );
    }
    for (id, filter) in resources_of_type("AWS::Logs::MetricFilter") {
        for t in as_list(&filter["Properties"]["MetricTransformations"]) {
            assert_eq!(t["MetricNamespace"], stack_namespace(), "{id}");
        }
    }
}

/// The alarm `id`, which must watch `metric` of the stack's namespace without dimensions.
fn watch_alarm(id: &str, metric: &str) -> &'static Value {
    let alarm = &resource(id)["Properties"];
    assert_eq!((&alarm["Namespace"], &alarm["MetricName"]), (&stack_namespace(), &json!(metric)), "{id}");
    assert!(alarm["Dimensions"].is_null(), "{id}: the watch publishes its metrics without dimensions");
    assert_eq!(
        (number(&alarm["Threshold"]), &alarm["ComparisonOperator"]),
        (1, &json!("GreaterThanOrEqualToThreshold"))
    );
    alarm
}

#[test]
fn every_queue_and_its_dead_letters_are_watched_and_alarm_through_one_metric() {
    use middesk_webhooks::watch::ATTENTION_METRIC;
    let queues = resources_of_type("AWS::SQS::Queue");
    let watched = watched_queue_names();
    let name =
        |queue: &Value| queue["Properties"]["QueueName"]["Fn::Sub"].as_str().unwrap_or_default().to_owned();
    let mut dead_letter_queues = BTreeSet::new();
    for (id, queue) in &queues {
        let props = &queue["Properties"];
        let Some((dlq, _)) = get_att(&props["RedrivePolicy"]["deadLetterTargetArn"]) else { continue };
        let receives = props["RedrivePolicy"]["maxReceiveCount"].as_u64().unwrap_or(0);
        assert!((1..=10).contains(&receives), "{id}: maxReceiveCount {receives}");
        assert_eq!(props["SqsManagedSseEnabled"], true, "{id} is encrypted");
        assert!(watched.contains(&name(queue)), "{id} ({}) is not watched", name(queue));
        // The watch lists the stack's queues by prefix: the dead-letter queue must carry it.
        assert!(name(resource(dlq)).starts_with("${AWS::StackName}-"), "{dlq} is named outside the prefix");
        dead_letter_queues.insert(dlq);
    }
    for (id, _) in &queues {
        assert!(
            dead_letter_queues.contains(id) || !resource(id)["Properties"]["RedrivePolicy"].is_null(),
            "{id} has no dead-letter queue"
        );
    }
    assert_eq!(dead_letter_queues.len(), verifier_queues().len());
    assert_eq!(
        watched.len(),
        verifier_queues().len(),
        "the watch looks at every queue the verifier sends to"
    );
    assert_eq!(queue_watch("QUEUE_NAME_PREFIX"), &json!({"Fn::Sub": "${AWS::StackName}-"}));

    // It may read exactly those, and looks every five minutes.
    let role = resource(role_of(resource("QueueWatchFunction")));
    let reads: Vec<&Value> =
        statements(role).into_iter().filter(|s| actions(s).contains(&"sqs:GetQueueAttributes")).collect();
    assert_eq!(reads.len(), 1);
    assert_eq!(
        reads[0]["Resource"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}-*"})
    );
    let rules = resources_of_type("AWS::Events::Rule");
    let schedule = rules
        .iter()
        .find(|(_, r)| {
            as_list(&r["Properties"]["Targets"])
                .iter()
                .any(|t| get_att(&t["Arn"]).map(|(id, _)| id) == Some("QueueWatchFunction"))
        })
        .expect("a schedule invokes the queue watch");
    assert_eq!(schedule.1["Properties"]["ScheduleExpression"], "rate(5 minutes)");

    // One alarm on what the watch counts, over periods that hold three looks each; it keeps its
    // state without a look, which its own alarm reports.
    let alarm = watch_alarm("QueuesNeedAttentionAlarm", ATTENTION_METRIC);
    assert_eq!((number(&alarm["Period"]), &alarm["Statistic"]), (900, &json!("Maximum")));
    assert_eq!(alarm["TreatMissingData"], "ignore");
    let description = alarm["AlarmDescription"].as_str().unwrap();
    assert!(description.contains("middesk-webhooks status"), "the alarm says how to see which queue");
    // A period without a look (the watch failing or gone) alarms on its own, whatever the
    // state of the others.
    let stopped = &resource("QueueWatchStoppedAlarm")["Properties"];
    assert_eq!(
        (&stopped["MetricName"], &stopped["Statistic"], &stopped["ComparisonOperator"]),
        (&json!(ATTENTION_METRIC), &json!("SampleCount"), &json!("LessThanThreshold"))
    );
    assert_eq!((number(&stopped["Period"]), &stopped["TreatMissingData"]), (900, &json!("breaching")));
    // What started since the last look pages even while the first alarm is in ALARM: per
    // minute, so it is OK again before the next look (every five minutes) can start another.
    let started = watch_alarm("QueueProblemStartedAlarm", middesk_webhooks::watch::STARTED_METRIC);
    assert_eq!((number(&started["Period"]), &started["TreatMissingData"]), (60, &json!("notBreaching")));
    // Its last look: only its own item of the table.
    assert_eq!(queue_watch("WATCH_STATE_TABLE"), &json!({"Ref": "IdempotencyTable"}));
    let keeps: Vec<&Value> =
        statements(role).into_iter().filter(|s| actions(s).contains(&"dynamodb:PutItem")).collect();
    assert_eq!(keeps.len(), 1);
    assert_eq!(
        keeps[0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"],
        json!(["queue-watch#*"])
    );
}

/// The length a value can take once CloudFormation resolves it: parameter defaults, and the
/// longest names AWS generates (SQS names up to 80 characters).
fn resolved_len(value: &Value) -> usize {
    const NAME: usize = 80;
    let parameters = &translated()["Parameters"];
    match value {
        Value::String(s) => s.len(),
        Value::Number(n) => n.to_string().len(),
        _ if !value["Ref"].is_null() => {
            let name = value["Ref"].as_str().unwrap_or_default();
            match &parameters[name]["Default"] {
                Value::Null => NAME,
                default => resolved_len(default),
            }
        }
        _ if !value["Fn::GetAtt"].is_null() => NAME,
        _ if !value["Fn::If"].is_null() => {
            as_list(&value["Fn::If"])[1..].iter().map(|v| resolved_len(v)).max().unwrap_or(0)
        }
        _ if !value["Fn::Join"].is_null() => {
            let parts = as_list(&value["Fn::Join"][1]);
            parts.iter().map(|p| resolved_len(p)).sum::<usize>() + parts.len().saturating_sub(1)
        }
        _ if !value["Fn::Sub"].is_null() => {
            let text = value["Fn::Sub"].as_str().unwrap_or_default();
            let mut len = 0;
            let mut rest = text;
            while let Some(start) = rest.find("${") {
                len += start;
                let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
                len += match &rest[start + 2..end - 1] {
                    "AWS::Region" => "ap-southeast-2".len(),
                    "AWS::URLSuffix" => "amazonaws.com.cn".len(),
                    "AWS::AccountId" => 12,
                    _ => NAME,
                };
                rest = &rest[end..];
            }
            len + rest.len()
        }
        other => panic!("cannot size {other}"),
    }
}

#[test]
fn the_verifiers_resolved_environment_fits_lambdas_4_kb() {
    let vars = verifier()["Properties"]["Environment"]["Variables"].as_object().unwrap();
    let size: usize = vars.iter().map(|(name, value)| name.len() + resolved_len(value)).sum();
    // Leave 1 KiB for what a user passes in (OIDC URLs, client ids, address allow-lists).
    println!("verifier environment, resolved with the longest generated names: {size} bytes");
    assert!(size + 1024 <= 4096, "{size} bytes");
}

fn parameter(name: &str) -> &'static Value {
    let p = &translated()["Parameters"][name];
    assert!(!p.is_null(), "parameter {name}");
    p
}

fn number(value: &Value) -> u64 {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("{value}"))
}

#[test]
fn the_rotator_may_only_stage_the_signing_secret_and_read_the_api_key() {
    let rotator = resource("SecretRotatorFunction");
    assert_eq!(rotator["Condition"], "RotateSecret", "off unless SecretRotationDays is set");
    let role = resource(role_of(rotator));
    assert_eq!(role["Condition"], "RotateSecret");
    let all_actions: BTreeSet<&str> = statements(role).into_iter().flat_map(actions).collect();
    assert_eq!(
        all_actions,
        BTreeSet::from([
            "kms:Decrypt",
            "kms:GenerateDataKey",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecretVersionStage",
        ])
    );
    let signing_secret =
        json!({"Fn::If": ["CreateSecret", {"Ref": "WebhookSecret"}, {"Ref": "ExistingSecretArn"}]});
    let api_key = json!({"Ref": "MiddeskApiKeySecretArn"});
    for statement in
        statements(role).into_iter().filter(|s| actions(s).iter().any(|a| a.starts_with("secretsmanager:")))
    {
        match &statement["Resource"] {
            r if *r == signing_secret => {}
            r if *r == api_key => {
                assert_eq!(actions(statement), ["secretsmanager:GetSecretValue"], "the key is only read")
            }
            other => panic!("the rotator may touch only two secrets, not {other}"),
        }
    }
    // Configured as the verifier: the same secret, the same grace, the stack's own URL.
    let vars = &rotator["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["SIGNING_SECRET_ARN"], signing_secret);
    assert_eq!(
        vars["SECRET_ROTATION_GRACE_SECONDS"],
        verifier()["Properties"]["Environment"]["Variables"]["SECRET_ROTATION_GRACE_SECONDS"]
    );
    assert_eq!(vars["WEBHOOK_URL"], translated()["Outputs"]["WebhookUrl"]["Value"]);
    // The default grace outlasts Middesk's retries, as the rotator requires.
    let grace = number(&parameter("SecretRotationGraceSeconds")["Default"]);
    assert_eq!(grace, middesk_webhooks::verify::config::DEFAULT_ROTATION_GRACE.as_secs());
    assert!(grace > middesk_webhooks::middesk::rotation::MIDDESK_RETRY_SPAN.as_secs());
    // Secrets Manager, and only it, invokes the rotator, on SecretRotationDays' schedule.
    let permission = resource("SecretRotatorPermission");
    assert_eq!(permission["Properties"]["Principal"], "secretsmanager.amazonaws.com");
    let schedule = resource("SigningSecretRotation");
    assert_eq!(schedule["Properties"]["SecretId"], signing_secret);
    assert_eq!(get_att(&schedule["Properties"]["RotationLambdaARN"]), Some(("SecretRotatorFunction", "Arn")));
    assert_eq!(
        schedule["Properties"]["RotationRules"]["AutomaticallyAfterDays"],
        json!({"Ref": "SecretRotationDays"})
    );
    // The verifier reads AWSPENDING (the design needs it: Middesk signs with it before it is
    // current); GetSecretValue on its one secret covers every label, and it may write nothing.
    let verifier_secrets: Vec<&str> = statements(resource(role_of(verifier())))
        .into_iter()
        .flat_map(actions)
        .filter(|a| a.starts_with("secretsmanager:"))
        .collect();
    assert_eq!(verifier_secrets, ["secretsmanager:GetSecretValue"]);
}

#[test]
fn numeric_parameters_are_bounded_like_the_configuration() {
    for (name, p) in translated()["Parameters"].as_object().unwrap() {
        if p["Type"] == "Number" {
            let bounded =
                (!p["MinValue"].is_null() && !p["MaxValue"].is_null()) || p["AllowedValues"].is_array();
            assert!(bounded, "{name} needs MinValue and MaxValue");
        }
    }
    use middesk_webhooks::verify::config;
    for (name, max) in [
        ("SecretCacheTtlSeconds", config::MAX_SECRET_CACHE_TTL),
        ("SecretMaxStaleSeconds", config::MAX_SECRET_MAX_STALE),
        ("MaxEventAgeSeconds", config::MAX_MAX_EVENT_AGE),
    ] {
        assert_eq!(number(&parameter(name)["MaxValue"]), max.as_secs(), "{name}");
    }
    use middesk_webhooks::consume::idempotency::{MAX_RECORD_TTL, MIN_RECORD_TTL};
    let ttl = parameter("IdempotencyTtlSeconds");
    assert_eq!(
        (number(&ttl["MinValue"]), number(&ttl["MaxValue"])),
        (MIN_RECORD_TTL.as_secs(), MAX_RECORD_TTL.as_secs())
    );
    // The replay invariant: whatever is deployed, consumers remember an event for longer than
    // the verifier accepts it.
    assert!(number(&parameter("MaxEventAgeSeconds")["MaxValue"]) < number(&ttl["MinValue"]));
    assert_eq!(number(&parameter("MaxEventAgeSeconds")["Default"]), config::DEFAULT_MAX_EVENT_AGE.as_secs());
    let vars = &verifier()["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["MAX_EVENT_AGE_SECONDS"], json!({"Ref": "MaxEventAgeSeconds"}));
    assert_eq!(vars["OIDC_ALLOWED_CLIENTS"], json!({"Ref": "OidcAllowedClients"}));
    assert_eq!(
        resource("BusinessDecisionFunction")["Properties"]["Environment"]["Variables"]["IDEMPOTENCY_TTL_SECONDS"],
        json!({"Ref": "IdempotencyTtlSeconds"})
    );
}

#[test]
fn a_flood_is_throttled_at_the_edge_and_capped_in_concurrency() {
    let stages = resources_of_type("AWS::ApiGatewayV2::Stage");
    assert_eq!(stages.len(), 1);
    let settings = &stages[0].1["Properties"]["DefaultRouteSettings"];
    assert_eq!(settings["ThrottlingRateLimit"], json!({"Ref": "ApiThrottlingRateLimit"}));
    // No more parallel requests past the edge than the verifier has sandboxes: the rest would
    // be throttled by Lambda and answered 5xx, which anybody could then cause.
    assert_eq!(
        settings["ThrottlingBurstLimit"],
        json!({"Fn::If": ["HasReservedConcurrency", {"Ref": "VerifierReservedConcurrency"}, {"Ref": "ApiThrottlingBurstLimit"}]})
    );
    assert!(number(&parameter("ApiThrottlingRateLimit")["Default"]) > 0);
    assert!(number(&parameter("VerifierReservedConcurrency")["Default"]) > 0, "reserved by default");
    assert_eq!(
        verifier()["Properties"]["ReservedConcurrentExecutions"],
        json!({"Fn::If": ["HasReservedConcurrency", {"Ref": "VerifierReservedConcurrency"}, {"Ref": "AWS::NoValue"}]})
    );
}

/// Every alarm's properties with its logical id.
fn alarms() -> Vec<(&'static str, &'static Value)> {
    resources_of_type("AWS::CloudWatch::Alarm").into_iter().map(|(id, a)| (id, &a["Properties"])).collect()
}

/// The threshold of the alarm on the verifier's metric `counted`, within five minutes (`None`:
/// no alarm, or it is in `VerifierErrorsAlarm`).
fn metric_threshold(counted: middesk_webhooks::verify::metrics::Counted) -> Option<u64> {
    let metric = counted.metric();
    alarms()
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| p["Namespace"] == stack_namespace() && p["MetricName"] == metric)
        .filter(|p| p["Dimensions"].is_null())
        .find(|p| {
            p["Period"] == 300
                && p["EvaluationPeriods"] == 1
                && p["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        })
        .map(|p| number(&p["Threshold"]))
}

#[test]
fn an_authentic_event_refused_alarms_at_once_and_what_anybody_can_cause_only_in_bursts() {
    use middesk_webhooks::verify::metrics::{Counted, OUTCOMES};
    // Middesk's traffic is tens of events a day: an alarm that waits for a burst never fires.
    assert_eq!(metric_threshold(Counted::AuthenticRefused), Some(1), "a refusal of ours must alarm at once");
    // Anybody on the internet (or with a Middesk account) can cause these: a burst, so nobody
    // can page the operator at will.
    let threshold = metric_threshold(Counted::ForeignRefused).expect("an alarm on what anybody can send");
    assert!(threshold > 1, "what anybody can send alarms at {threshold}");
    // What only our side causes alarms at once: the verifier's own 5xx outcomes (a dependency
    // failing or slow, a panic) and the function's errors (a crash, a timeout), in one alarm.
    let (_, faults) = alarms()
        .into_iter()
        .find(|(id, _)| *id == "VerifierErrorsAlarm")
        .expect("an alarm on the verifier's own faults");
    assert_eq!((number(&faults["Threshold"]), number(&faults["EvaluationPeriods"])), (1, 1));
    let stats: Vec<&Value> =
        as_list(&faults["Metrics"]).into_iter().filter_map(|m| m.get("MetricStat")).collect();
    assert!(stats.iter().all(|s| s["Period"] == 300 && s["Stat"] == "Sum"));
    let watched: BTreeSet<String> = stats
        .iter()
        .map(|s| {
            format!(
                "{}/{}/{}",
                s["Metric"]["Namespace"], s["Metric"]["MetricName"], s["Metric"]["Dimensions"][0]["Value"]
            )
        })
        .collect();
    let expected = BTreeSet::from([
        r#""AWS/Lambda"/"Errors"/{"Ref":"VerifierFunction"}"#.to_owned(),
        format!(r#"{}/"{}"/null"#, stack_namespace(), Counted::Fault.metric()),
    ]);
    assert_eq!(watched, expected);
    assert_eq!(metric_threshold(Counted::Fault), None, "faults are alarmed with the function's errors");
    for (outcome, counted) in OUTCOMES {
        assert!(
            counted.iter().all(|c| *c != Counted::Fault) || counted.len() == 1,
            "{outcome} is a fault and something else"
        );
    }
    let sum = as_list(&faults["Metrics"]).into_iter().find(|m| m["ReturnData"] == true).unwrap();
    assert_eq!(
        sum["Expression"],
        format!("SUM([{}])", (0..stats.len()).map(|i| format!("m{i}")).collect::<Vec<_>>().join(", "))
    );
    // What a flood causes (the API's own 5xx when Lambda throttles, its 429s) alarms only when it
    // lasts an hour: every period breaching, none of them a single five minutes.
    let api = |metric: &str| {
        let found: Vec<&Value> = alarms()
            .into_iter()
            .map(|(_, p)| p)
            .filter(|p| {
                p["MetricName"] == metric && p["Dimensions"][0]["Value"] == json!({"Ref": "WebhookApi"})
            })
            .collect();
        assert_eq!(found.len(), 1, "one alarm on the API's {metric}");
        let p = found[0];
        let periods = number(&p["EvaluationPeriods"]);
        assert_eq!(number(&p["DatapointsToAlarm"]), periods, "{metric}: every period breaching");
        assert!(number(&p["Period"]) * periods >= 3600, "{metric} alarms on less than an hour");
        p
    };
    assert_eq!(api("5xx")["Namespace"], "AWS/ApiGateway");
    // The throttle's 429s never reach the verifier: counted from the API's access log.
    assert_eq!(api("ThrottledRequests")["Namespace"], stack_namespace());
    let filters = resources_of_type("AWS::Logs::MetricFilter");
    let filter = filters
        .iter()
        .map(|(_, f)| &f["Properties"])
        .find(|f| f["MetricTransformations"][0]["MetricName"] == "ThrottledRequests")
        .expect("a metric filter counts 429s");
    assert_eq!(filter["FilterPattern"], r#"{ $.status = "429" }"#);
    let stage = &resources_of_type("AWS::ApiGatewayV2::Stage")[0].1["Properties"];
    let destination = get_att(&stage["AccessLogSettings"]["DestinationArn"]).expect("access logs on").0;
    assert_eq!(filter["LogGroupName"], json!({"Ref": destination}));
    let format = stage["AccessLogSettings"]["Format"].as_str().unwrap();
    let line: Value = serde_json::from_str(format).expect("a JSON access log line");
    assert_eq!((&line["status"], &line["apiId"]), (&json!("$context.status"), &json!("$context.apiId")));
}

#[test]
fn every_alarm_notifies_a_topic_the_stack_creates_unless_one_is_given_but_none_anybody_can_cause() {
    use middesk_webhooks::verify::metrics::Counted;
    let topic = json!([{"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}]);
    let mut dashboard_only = Vec::new();
    for (id, p) in alarms() {
        // What anybody on the internet can cause at will must not wake anyone (issue 38, 5).
        if p["MetricName"] == Counted::ForeignRefused.metric() {
            assert!(p.get("AlarmActions").is_none() && p.get("OKActions").is_none(), "{id} pages: {p}");
            dashboard_only.push(id);
            continue;
        }
        assert_eq!(p["AlarmActions"], topic, "{id} notifies nobody when it fires");
        assert_eq!(p["OKActions"], topic, "{id} says nothing when it is OK again");
    }
    assert_eq!(dashboard_only, ["ForeignRequestsAlarm"]);
    assert_eq!(resource("AlarmTopic")["Type"], "AWS::SNS::Topic");
    assert_eq!(resource("AlarmTopic")["Condition"], "CreateAlarmTopic");
    assert_eq!(
        translated()["Conditions"]["CreateAlarmTopic"],
        json!({"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]})
    );
    let subscription = resource("AlarmEmailSubscription");
    assert_eq!(subscription["Condition"], "HasAlarmEmail");
    assert_eq!(subscription["Properties"]["Endpoint"], json!({"Ref": "AlarmEmail"}));
    assert_eq!(parameter("AlarmEmail")["Default"], "");
}

#[test]
fn dead_letters_keep_a_week_and_alarm_again_before_they_expire() {
    use middesk_webhooks::retention::{DEAD_LETTER_RETENTION, MIN_DEAD_LETTER_TIME, QUEUE_RETENTION};
    use middesk_webhooks::watch::EXPIRING_DEAD_LETTERS_METRIC;
    let queues = resources_of_type("AWS::SQS::Queue");
    let mut checked = 0;
    for (id, queue) in &queues {
        let Some((dlq, _)) = get_att(&queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]) else {
            continue;
        };
        let source = number(&queue["Properties"]["MessageRetentionPeriod"]);
        let dead = number(&resource(dlq)["Properties"]["MessageRetentionPeriod"]);
        assert_eq!((source, dead), (QUEUE_RETENTION.as_secs(), DEAD_LETTER_RETENTION.as_secs()), "{id}");
        // A dead letter keeps its first enqueue time: what is left of it in the DLQ.
        assert!(dead - source >= 7 * 86_400, "{id}: a dead letter may have only {} s", dead - source);
        checked += 1;
    }
    assert_eq!(checked, verifier_queues().len());
    // The watch reads every dead-letter queue's oldest age against the parameter, and its second
    // alarm notifies again, while the first is still in ALARM for the same dead letters.
    assert_eq!(queue_watch("DEAD_LETTER_AGE_ALARM_SECONDS"), &json!({"Ref": "DeadLetterAgeAlarmSeconds"}));
    let alarm = watch_alarm("DeadLettersExpiringAlarm", EXPIRING_DEAD_LETTERS_METRIC);
    assert!(number(&alarm["Period"]) <= 900);
    let age = parameter("DeadLetterAgeAlarmSeconds");
    assert!(
        number(&age["MaxValue"]) < MIN_DEAD_LETTER_TIME.as_secs(),
        "the alarm must fire before dead letters expire"
    );
    assert!(number(&age["Default"]) <= MIN_DEAD_LETTER_TIME.as_secs() / 2);
}

#[test]
fn idempotency_records_outlive_every_copy_of_an_event() {
    // The arithmetic, from the template's own figures: a copy of an event can be accepted at the
    // end of the replay window, wait out its queue's retention, then its dead-letter queue's.
    let queues = resources_of_type("AWS::SQS::Queue");
    let retention = |dead_letter: bool| {
        queues
            .iter()
            .filter(|(_, q)| q["Properties"]["RedrivePolicy"].is_null() == dead_letter)
            .map(|(_, q)| number(&q["Properties"]["MessageRetentionPeriod"]))
            .max()
            .unwrap()
    };
    let (source, dead) = (retention(false), retention(true));
    let (age, ttl) = (parameter("MaxEventAgeSeconds"), parameter("IdempotencyTtlSeconds"));
    let longest = |max_event_age: u64| max_event_age + source + dead;
    println!(
        "a copy lives at most {} days by default, {} days at the widest window",
        longest(number(&age["Default"])) / 86_400,
        longest(number(&age["MaxValue"])) / 86_400
    );
    assert!(number(&ttl["Default"]) >= longest(number(&age["Default"])), "the default TTL");
    assert!(number(&ttl["MinValue"]) >= longest(number(&age["MaxValue"])), "any TTL the template accepts");
}

/// Who may send is asked of the policies in `access.rs`; here, where dead letters come from.
#[test]
fn each_dead_letter_queue_takes_failed_messages_from_its_own_queue_only_and_writers_are_ours() {
    let allowed = json!([
        {"Fn::GetAtt": ["VerifierRole", "Arn"]},
        {"Fn::If": ["HasOperatorPrincipal", {"Ref": "OperatorPrincipalArn"}, {"Ref": "AWS::NoValue"}]}
    ]);
    let mut dead_letters = BTreeSet::new();
    for (id, queue) in resources_of_type("AWS::SQS::Queue") {
        let Some((dead_letter, _)) = get_att(&queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        else {
            continue;
        };
        dead_letters.insert(dead_letter.to_owned());
        let allow = &resource(dead_letter)["Properties"]["RedriveAllowPolicy"];
        let name = queue["Properties"]["QueueName"]["Fn::Sub"].as_str().unwrap();
        let own = format!("arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:{name}");
        assert_eq!(
            allow,
            &json!({"redrivePermission": "byQueue", "sourceQueueArns": [{"Fn::Sub": own}]}),
            "{id}"
        );
    }
    let mut policy_queues = BTreeSet::new();
    for (_, policy) in resources_of_type("AWS::SQS::QueuePolicy") {
        for queue in as_list(&policy["Properties"]["Queues"]) {
            policy_queues.insert(queue["Ref"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        dead_letters.iter().chain(&verifier_queues()).all(|q| policy_queues.contains(q)),
        "the policy is attached to each queue and dead-letter queue"
    );
    let writers = bucket_policy("PayloadBucket")
        .into_iter()
        .find(|s| s["Effect"] == "Deny" && s["Action"] == "s3:PutObject")
        .expect("a statement limits who writes payloads");
    assert_eq!((&writers["Resource"], &writers["Principal"]), (&payload_objects(), &json!("*")));
    assert_eq!(writers["Condition"]["ArnNotEquals"]["aws:PrincipalArn"], allowed);
}

#[test]
fn every_queue_has_an_age_alarm_well_under_its_retention() {
    assert_eq!(queue_watch("QUEUE_AGE_ALARM_SECONDS"), &json!({"Ref": "QueueAgeAlarmSeconds"}));
    let default_age = number(&parameter("QueueAgeAlarmSeconds")["Default"]);
    let watched = watched_queue_names();
    for queue in verifier_queues() {
        let props = &resource(&queue)["Properties"];
        let name = props["QueueName"]["Fn::Sub"].as_str().unwrap_or_default().to_owned();
        assert!(watched.contains(&name), "{queue}'s age is not watched");
        let retention = number(&props["MessageRetentionPeriod"]);
        assert!(default_age * 4 <= retention, "{queue}: alarm at {default_age} s, retention {retention} s");
    }
}

/// A request to the emulator for `service`: moto routes by the credential scope and does not
/// check signatures, so a well-formed but unsigned Authorization header is enough.
fn emulator_request(
    method: &str,
    path: &str,
    service: &str,
) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
    let url = format!("{}{path}", middesk_webhooks::testkit::emulator_endpoint());
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let request = match method {
        "PUT" => ureq::put(&url),
        _ => ureq::post(&url),
    };
    request.header("Authorization", authorization)
}

#[tokio::test]
async fn the_translated_template_deploys_into_the_emulators_cloudformation() {
    let stack = middesk_webhooks::testkit::unique("mw");
    let template = translated().to_string();
    let deployed = tokio::task::spawn_blocking({
        let stack = stack.clone();
        move || -> Result<(String, String), ureq::Error> {
            // What `sam deploy` uploads first: the functions' code, where the template points.
            emulator_request("PUT", "/sam-artifacts-bucket", "s3").send_empty()?;
            emulator_request("PUT", "/sam-artifacts-bucket/function.zip", "s3").send(&b"code"[..])?;
            let form = [
                ("Action", "CreateStack"),
                ("Version", "2010-05-15"),
                ("StackName", stack.as_str()),
                ("TemplateBody", template.as_str()),
                ("Capabilities.member.1", "CAPABILITY_IAM"),
            ];
            emulator_request("POST", "/", "cloudformation").send_form(form)?;
            let form =
                [("Action", "DescribeStacks"), ("Version", "2010-05-15"), ("StackName", stack.as_str())];
            let stacks = emulator_request("POST", "/", "cloudformation")
                .send_form(form)?
                .body_mut()
                .read_to_string()?;
            // The dashboard, through CloudWatch's query protocol (the emulator's CloudWatch does
            // not speak the SDK's current one).
            let form = [("Action", "ListDashboards"), ("Version", "2010-08-01")];
            let dashboards =
                emulator_request("POST", "/", "monitoring").send_form(form)?.body_mut().read_to_string()?;
            Ok((stacks, dashboards))
        }
    })
    .await
    .unwrap()
    .expect("the emulator's CloudFormation answers");
    let (deployed, dashboards) = deployed;
    assert!(deployed.contains("<StackStatus>CREATE_COMPLETE</StackStatus>"), "{deployed}");
    assert!(dashboards.contains(&format!("<DashboardName>{stack}-pipeline</DashboardName>")), "{dashboards}");

    // Every queue exists, and every queue that is not a dead-letter queue redrives to one.
    let aws = middesk_webhooks::testkit::sdk_config(&middesk_webhooks::testkit::emulator_endpoint()).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let urls =
        sqs.list_queues().queue_name_prefix(&stack).send().await.unwrap().queue_urls.unwrap_or_default();
    assert_eq!(urls.len(), resources_of_type("AWS::SQS::Queue").len());
    for url in urls.iter().filter(|u| !u.ends_with("-dlq")) {
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        let redrive = &attributes[&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy];
        assert!(redrive.contains("-dlq\""), "{url}: {redrive}");
    }

    // The queue watch, configured as the template configures it, finds every queue the stack
    // created and its dead-letter queue, by the names CloudFormation gave them.
    let watched: Vec<String> =
        watched_queue_names().iter().map(|n| n.trim_start_matches("${AWS::StackName}-").to_owned()).collect();
    let vars = |name: &str| match name {
        "QUEUE_NAME_PREFIX" => Some(format!("{stack}-")),
        "WATCHED_QUEUES" => Some(watched.join(",")),
        "QUEUE_AGE_ALARM_SECONDS" | "DEAD_LETTER_AGE_ALARM_SECONDS" => Some("86400".to_owned()),
        "WATCH_STATE_TABLE" => Some("unused".to_owned()),
        _ => None,
    };
    let config = middesk_webhooks::watch::WatchConfig::from_vars(vars).unwrap();
    let consumers = middesk_webhooks::watch::KnownConsumers::default();
    let monitoring = middesk_webhooks::aws::watch::AgesOnly(middesk_webhooks::aws::watch::CloudWatch(
        aws_sdk_cloudwatch::Client::new(&aws),
    ));
    let report = middesk_webhooks::aws::watch::look(
        &sqs,
        &monitoring,
        &consumers,
        &config,
        std::time::SystemTime::now(),
    )
    .await;
    assert_eq!(report.queues.len(), verifier_queues().len());
    for row in &report.queues {
        assert_eq!((&row.error, row.dead_letters), (&None, Some(0)), "{row:?}");
        assert_eq!(row.dead_letter_queue, Some(format!("{}-dlq", row.sqs_name)));
    }
    assert_eq!(report.attention(), Vec::<String>::new());
}

/// The names a `Fn::Sub` string refers to (`${Name}` or `${Name.Attribute}`; `${!...}` is a
/// literal).
fn sub_references(text: &str) -> Vec<&str> {
    text.match_indices("${")
        .filter_map(|(at, _)| {
            let rest = &text[at + 2..];
            let end = rest.find('}')?;
            (!rest.starts_with('!')).then(|| &rest[..end])
        })
        .collect()
}

/// A `Fn::Sub` string as CloudFormation would fill it in: parameters by their default, pseudo
/// parameters and resources by a plain word (any name, ARN or id is JSON-safe text).
fn filled_in(text: &str) -> String {
    let mut filled = text.to_owned();
    for reference in sub_references(text) {
        let value = match &translated()["Parameters"][reference]["Default"] {
            Value::Null => "ref".to_owned(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        filled = filled.replace(&format!("${{{reference}}}"), &value);
    }
    filled
}

#[test]
fn the_dashboard_shows_every_queue_alarm_and_function_within_cloudwatchs_free_limits() {
    let dashboards = resources_of_type("AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1, "one dashboard");
    let template = dashboards[0].1["Properties"]["DashboardBody"]["Fn::Sub"].as_str().expect("a !Sub string");
    let references: BTreeSet<&str> = sub_references(template).into_iter().collect();
    for reference in &references {
        let name = reference.split('.').next().unwrap();
        let known = name.starts_with("AWS::")
            || !translated()["Parameters"][name].is_null()
            || !translated()["Resources"][name].is_null();
        assert!(known, "the dashboard refers to {reference}, which the stack does not have");
    }
    let body: Value = serde_json::from_str(&filled_in(template)).expect("the body is JSON once filled in");

    // CloudWatch's limits: 500 widgets, 500 metrics a graph, 100 alarms an alarm widget, 24 columns.
    let widgets = body["widgets"].as_array().expect("widgets");
    assert!(!widgets.is_empty() && widgets.len() <= 500);
    for widget in widgets {
        let (x, width) = (number(&widget["x"]), number(&widget["width"]));
        assert!(x + width <= 24 && number(&widget["height"]) >= 1, "{widget}");
        let properties = &widget["properties"];
        match widget["type"].as_str() {
            Some("metric") => {
                let metrics = properties["metrics"].as_array().expect("metrics");
                assert!(!metrics.is_empty() && metrics.len() <= 500, "{}", properties["title"]);
                assert!(properties["region"].is_string() && properties["title"].is_string());
            }
            Some("alarm") => assert!(properties["alarms"].as_array().is_some_and(|a| a.len() <= 100)),
            Some("text") => assert!(properties["markdown"].is_string()),
            Some("log") => {
                let query = properties["query"].as_str().expect("a Logs Insights query");
                assert!(query.starts_with("SOURCE '"), "{query}");
                assert!(properties["region"].is_string() && properties["title"].is_string());
            }
            other => panic!("unexpected widget type {other:?}"),
        }
    }

    // Every alarm's state, every queue's (and dead-letter queue's) depth, every function's errors.
    let shown = |id: &str, attribute: &str| references.contains(format!("{id}{attribute}").as_str());
    let alarm_arns: BTreeSet<&str> = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["type"] == "alarm")
        .flat_map(|w| w["properties"]["alarms"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    // Except the rotation's function and alarm, which exist only when rotation is on (a
    // dashboard cannot name a resource that may not exist); its alarm still notifies.
    let always = |r: &Value| r["Condition"].is_null();
    for (id, _) in resources_of_type("AWS::CloudWatch::Alarm").into_iter().filter(|(_, r)| always(r)) {
        // The filled-in ARN of the alarm named by its Ref.
        let arn = filled_in(&format!(
            "arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:${{{id}}}"
        ));
        assert!(shown(id, "") && alarm_arns.contains(arn.as_str()), "alarm {id} is not on the dashboard");
    }
    // Every queue, as the queue watch last logged it (a line per watched queue per look).
    let queue_table = widgets
        .iter()
        .filter(|w| w["type"] == "log")
        .filter_map(|w| w["properties"]["query"].as_str())
        .find(|q| q.contains("filter message = \"queue\"") && q.contains("by queue"));
    assert!(queue_table.is_some_and(|q| q.starts_with("SOURCE 'ref'")), "no table of the queues");
    assert!(shown("QueueWatchLogGroup", ""), "the queue table reads the watch's log");
    // CloudWatch's free dashboards show at most 50 metrics; a search expression would show
    // as many as match, so none.
    let metrics: usize = widgets
        .iter()
        .filter(|w| w["type"] == "metric")
        .map(|w| w["properties"]["metrics"].as_array().unwrap().len())
        .sum();
    assert!(metrics <= 50, "the dashboard shows {metrics} metrics");
    assert!(!template.contains("SEARCH("), "a search expression's metrics are not bounded");
    for (id, r) in resources_of_type("AWS::Lambda::Function") {
        assert!(shown(id, "") || r["Condition"] == "RotateSecret", "function {id} is not on the dashboard");
    }
    assert!(shown("WebhookApi", ""), "the API's requests are not on the dashboard");
    let url = translated()["Outputs"]["DashboardUrl"]["Value"]["Fn::Sub"].as_str().unwrap_or_default();
    assert!(url.contains("${PipelineDashboard}"), "the DashboardUrl output names the dashboard");
}

#[test]
fn refusals_that_may_be_ours_are_kept_beside_the_archive_bounded_in_time() {
    use middesk_webhooks::middesk::rotation::MIDDESK_RETRY_SPAN;
    let rules = as_list(&resource("ArchiveBucket")["Properties"]["LifecycleConfiguration"]["Rules"]);
    let rule = rules.iter().find(|r| r["Prefix"] == "refused/").expect("refused/ expires");
    assert_eq!(
        (&rule["Status"], &rule["ExpirationInDays"]),
        (&json!("Enabled"), &json!({"Ref": "RefusedRetentionDays"}))
    );
    // Kept past Middesk's retries, so that the operator can fix the cause and replay.
    let least = number(&parameter("RefusedRetentionDays")["MinValue"]) * 86_400;
    assert!(least > MIDDESK_RETRY_SPAN.as_secs(), "{least}");
    // And never past the consumers' memory of an event id: a refused copy of an event that was
    // delivered meanwhile must not be replayed after its idempotency record expired. S3 expires
    // an object at the midnight (UTC) after its days are up: up to a day more.
    use middesk_webhooks::consume::idempotency::MIN_RECORD_TTL;
    let most = number(&parameter("RefusedRetentionDays")["MaxValue"]);
    assert!((most + 1) * 86_400 <= MIN_RECORD_TTL.as_secs(), "{most} days outlive the records");
    assert_eq!(number(&parameter("RefusedRetentionDays")["Default"]), most);
    // Only the verifier writes them: the same bucket, the same protections.
    let role = resource(role_of(verifier()));
    let writes: Vec<&Value> = statements(role)
        .into_iter()
        .filter(|s| actions(s).contains(&"s3:PutObject"))
        .flat_map(|s| as_list(&s["Resource"]))
        .collect();
    assert!(writes.contains(&&json!({"Fn::Sub": "${ArchiveBucket.Arn}/refused/*"})), "{writes:?}");
}

#[test]
fn the_archive_keeps_every_event_private_versioned_for_its_retention_and_only_the_verifier_writes_it() {
    let props = &resource("ArchiveBucket")["Properties"];
    assert_eq!(resource("ArchiveBucket")["DeletionPolicy"], "Retain", "deleting the stack keeps the archive");
    assert_eq!(
        props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "AES256"
    );
    for setting in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(props["PublicAccessBlockConfiguration"][setting], true, "{setting}");
    }
    assert_eq!(props["VersioningConfiguration"]["Status"], "Enabled");
    let rule = &props["LifecycleConfiguration"]["Rules"][0];
    assert_eq!(rule["ExpirationInDays"], json!({"Ref": "ArchiveRetentionDays"}));
    assert_eq!(number(&parameter("ArchiveRetentionDays")["Default"]), 400);
    // Object Lock only when asked for (it cannot be turned off again).
    assert_eq!(props["ObjectLockEnabled"]["Fn::If"][0], "HasArchiveLock");
    assert_eq!(number(&parameter("ArchiveObjectLockDays")["Default"]), 0);
    let statements = bucket_policy("ArchiveBucket");
    let tls = statements.iter().find(|s| s["Sid"] == "TlsOnly").expect("TLS only");
    assert_eq!(tls["Condition"]["Bool"]["aws:SecureTransport"], false);
    let writers = statements.iter().find(|s| s["Effect"] == "Deny" && s["Action"] == "s3:PutObject").unwrap();
    // The verifier, and the operator's `replay --refused` for what passes its checks again.
    assert_eq!(
        writers["Condition"]["ArnNotEquals"]["aws:PrincipalArn"],
        json!([
            {"Fn::GetAtt": ["VerifierRole", "Arn"]},
            {"Fn::If": ["HasOperatorPrincipal", {"Ref": "OperatorPrincipalArn"}, {"Ref": "AWS::NoValue"}]}
        ])
    );
    // No consumer reads or writes the archive: replay runs as the operator.
    for (id, function) in resources_of_type("AWS::Lambda::Function") {
        let role = resource(role_of(function));
        for resource in granted(role, "s3") {
            let archive = resource.to_string().contains("ArchiveBucket");
            assert!(!archive || id == "VerifierFunction", "{id}: {resource}");
        }
    }
    assert_eq!(translated()["Outputs"]["ArchiveBucketName"]["Value"], json!({"Ref": "ArchiveBucket"}));
}

#[test]
fn every_queue_is_exported_for_consumers_in_other_stacks() {
    let outputs = translated()["Outputs"].as_object().unwrap();
    for queue in verifier_queues() {
        for (suffix, value) in
            [("Url", json!({"Ref": queue})), ("Arn", json!({"Fn::GetAtt": [queue, "Arn"]}))]
        {
            let name = format!("{queue}{suffix}");
            let output = outputs.get(&name).unwrap_or_else(|| panic!("no output {name}"));
            assert_eq!(output["Value"], value, "{name}");
            assert_eq!(
                output["Export"]["Name"],
                json!({"Fn::Sub": format!("${{AWS::StackName}}-{name}")}),
                "{name}"
            );
        }
    }
}

/// The value of a Rules expression with these parameter values (the others at their defaults):
/// `Ref`, `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Fn::Contains`, `Fn::EachMemberEquals`,
/// as CloudFormation evaluates them (a `CommaDelimitedList` is a list of trimmed strings).
fn rule_value(value: &Value, given: &BTreeMap<&str, &str>) -> Value {
    let args = |name: &str| -> Vec<Value> {
        value[name].as_array().unwrap().iter().map(|v| rule_value(v, given)).collect()
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(name) = value["Ref"].as_str() {
        let p = parameter(name);
        let raw = given.get(name).map(|v| v.to_string()).unwrap_or_else(|| text(&p["Default"]));
        return match p["Type"].as_str() {
            Some("CommaDelimitedList") => json!(raw.split(',').map(str::trim).collect::<Vec<_>>()),
            _ => json!(raw),
        };
    }
    let object = value.as_object();
    match object.and_then(|o| o.keys().next()).map(String::as_str) {
        Some("Fn::Equals") => {
            let a = args("Fn::Equals");
            json!(text(&a[0]) == text(&a[1]))
        }
        Some("Fn::Not") => json!(!args("Fn::Not")[0].as_bool().unwrap()),
        Some("Fn::And") => json!(args("Fn::And").iter().all(|v| v.as_bool().unwrap())),
        Some("Fn::Or") => json!(args("Fn::Or").iter().any(|v| v.as_bool().unwrap())),
        Some("Fn::Contains") => {
            let a = args("Fn::Contains");
            json!(a[0].as_array().unwrap().iter().any(|v| text(v) == text(&a[1])))
        }
        Some("Fn::EachMemberEquals") => {
            let a = args("Fn::EachMemberEquals");
            json!(a[0].as_array().unwrap().iter().all(|v| text(v) == text(&a[1])))
        }
        _ => value.clone(),
    }
}

/// The template's Rules that refuse a deploy with these parameter values (and an account list
/// and an operator, which a deploy that creates the secret needs, unless `given` sets them).
fn refused_by_rules(given: &[(&str, &str)]) -> Vec<String> {
    let listed = ("MiddeskAccountIds", "5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10");
    let operator = ("OperatorPrincipalArn", "arn:aws:iam::123456789012:role/middesk-operator");
    let given: BTreeMap<&str, &str> = [listed, operator].into_iter().chain(given.iter().copied()).collect();
    let mut refused = Vec::new();
    for (name, rule) in translated()["Rules"].as_object().expect("Rules") {
        let applies = rule.get("RuleCondition").is_none_or(|c| rule_value(c, &given) == json!(true));
        let holds =
            as_list(&rule["Assertions"]).iter().all(|a| rule_value(&a["Assert"], &given) == json!(true));
        if applies && !holds {
            refused.push(name.clone());
        }
    }
    refused
}

/// Whether `value` matches parameter `name`'s `AllowedPattern`.
fn allowed_by_pattern(name: &str, value: &str) -> bool {
    let pattern = parameter(name)["AllowedPattern"].as_str().expect("a pattern");
    regex_lite::Regex::new(pattern).unwrap().is_match(value)
}

#[test]
fn the_account_list_is_required_in_every_mode_and_holds_only_uuids() {
    use middesk_webhooks::verify::auth::AccountAllowList;
    let vars = &verifier()["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["MIDDESK_ACCOUNT_IDS"], json!({"Ref": "MiddeskAccountIds"}));
    assert_eq!(vars["AUTH_METHODS"], json!({"Fn::Join": [",", {"Ref": "AuthMethods"}]}));
    const OURS: &str = "0dd06e4d-57bc-4977-b596-f8a277f42b75";
    // The deploy is refused exactly where the verifier's cold start would be: without a list,
    // whatever the methods.
    for methods in ["hmac", "mtls", "oidc", "hmac,mtls"] {
        for mode in ["any", "all"] {
            let without =
                refused_by_rules(&[("AuthMethods", methods), ("AuthMode", mode), ("MiddeskAccountIds", "")]);
            assert_eq!(without, ["AccountListRequired"], "{methods} {mode}");
            let with = refused_by_rules(&[
                ("AuthMethods", methods),
                ("AuthMode", mode),
                ("MiddeskAccountIds", OURS),
            ]);
            assert!(with.is_empty(), "{methods} {mode}: {with:?}");
        }
    }
    // The pattern takes what the cold start takes, and refuses what it refuses.
    let upper = OURS.to_uppercase();
    let two = format!("{OURS}, 5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10");
    for ok in [OURS, upper.as_str(), two.as_str()] {
        assert!(allowed_by_pattern("MiddeskAccountIds", ok), "{ok:?}");
        assert!(AccountAllowList::parse("MIDDESK_ACCOUNT_IDS", ok).unwrap().is_some(), "{ok:?}");
    }
    for bad in
        ["acc-1", ",", "a,,b", "0dd06e4d57bc4977b596f8a277f42b75", "0dd06e4d-57bc-4977-b596-f8a277f42b7"]
    {
        assert!(!allowed_by_pattern("MiddeskAccountIds", bad), "{bad:?}");
        // Refused at the cold start too: as not a UUID, or (a lone comma) as no list at all.
        assert!(!matches!(AccountAllowList::parse("MIDDESK_ACCOUNT_IDS", bad), Ok(Some(_))), "{bad:?}");
    }
}

#[test]
fn the_archive_is_never_overwritten_and_only_the_operator_deletes_from_it() {
    let statements = bucket_policy("ArchiveBucket");
    let objects = json!({"Fn::Sub": "${ArchiveBucket.Arn}/*"});
    let unconditional = statements
        .iter()
        .find(|s| {
            s["Effect"] == "Deny" && s["Action"] == "s3:PutObject" && s["Condition"]["Null"].is_object()
        })
        .expect("a write without If-None-Match is denied");
    assert_eq!(
        (&unconditional["Principal"], &unconditional["Resource"], &unconditional["Condition"]["Null"]),
        (&json!("*"), &objects, &json!({"s3:if-none-match": "true"}))
    );
    let deletes = statements
        .iter()
        .find(|s| s["Effect"] == "Deny" && as_list(&s["Action"]).contains(&&json!("s3:DeleteObject")))
        .expect("deletes are denied");
    assert!(as_list(&deletes["Action"]).contains(&&json!("s3:DeleteObjectVersion")));
    assert_eq!((&deletes["Principal"], &deletes["Resource"]), (&json!("*"), &objects));
    assert_eq!(
        deletes["Condition"],
        json!({"Fn::If": [
            "HasOperatorPrincipal",
            {"ArnNotEquals": {"aws:PrincipalArn": {"Ref": "OperatorPrincipalArn"}}},
            {"Ref": "AWS::NoValue"}
        ]})
    );
}

#[test]
fn consumers_follow_claim_checks_only_into_the_stacks_payload_bucket() {
    let verifier_vars = &verifier()["Properties"]["Environment"]["Variables"];
    let consumers: Vec<&Value> = resources_of_type("AWS::Lambda::EventSourceMapping")
        .into_iter()
        .map(|(_, m)| m["Properties"]["FunctionName"]["Ref"].as_str().expect("a function"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(resource)
        .collect();
    assert!(consumers.len() >= 2);
    for consumer in consumers {
        let vars = &consumer["Properties"]["Environment"]["Variables"];
        assert_eq!(vars["PAYLOAD_BUCKET"], verifier_vars["PAYLOAD_BUCKET"]);
        assert_eq!(vars["PAYLOAD_KEY_PREFIX"], verifier_vars["PAYLOAD_KEY_PREFIX"]);
    }
}

#[test]
fn rotation_keeps_the_grace_longer_than_middesks_retries_and_only_its_secret_invokes_the_rotator() {
    use middesk_webhooks::middesk::rotation::{MIDDESK_RETRY_SPAN, ROTATION_GRACE_MARGIN};
    let least = (MIDDESK_RETRY_SPAN + ROTATION_GRACE_MARGIN).as_secs();
    let most = middesk_webhooks::verify::config::MAX_ROTATION_GRACE.as_secs();
    // The pattern admits exactly 0 and the graces that outlast Middesk's retries.
    let pattern =
        regex_lite::Regex::new(parameter("SecretRotationGraceSeconds")["AllowedPattern"].as_str().unwrap())
            .unwrap();
    for grace in
        (0..=most + 100_000).step_by(100).chain(least - 150..least + 150).chain(most - 150..most + 150)
    {
        let allowed = grace == 0 || (least..=most).contains(&grace);
        assert_eq!(pattern.is_match(&grace.to_string()), allowed, "{grace}");
    }
    for bad in ["00", "0262800", "-1", "262800.5", " 262800"] {
        assert!(!pattern.is_match(bad), "{bad}");
    }
    // And a rotation refuses the one short grace left, 0.
    assert!(refused_by_rules(&[]).is_empty());
    let rotating = [
        ("SecretRotationDays", "30"),
        ("MiddeskApiKeySecretArn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"),
    ];
    assert!(refused_by_rules(&rotating).is_empty());
    let mut without_grace = rotating.to_vec();
    without_grace.push(("SecretRotationGraceSeconds", "0"));
    assert_eq!(refused_by_rules(&without_grace), ["RotationNeedsAGrace"]);
    // The schedule reaches the rotator, which refuses one shorter than the grace at its start.
    let vars = &resource("SecretRotatorFunction")["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["SECRET_ROTATION_DAYS"], json!({"Ref": "SecretRotationDays"}));
    let signing_secret =
        json!({"Fn::If": ["CreateSecret", {"Ref": "WebhookSecret"}, {"Ref": "ExistingSecretArn"}]});
    let permission = &resource("SecretRotatorPermission")["Properties"];
    assert_eq!(
        (&permission["SourceArn"], &permission["SourceAccount"]),
        (&signing_secret, &json!({"Ref": "AWS::AccountId"}))
    );
}

#[test]
fn the_operator_is_a_role_or_user_arn_never_a_session() {
    for ok in [
        "",
        "arn:aws:iam::123456789012:role/ops",
        "arn:aws:iam::123456789012:role/team/ops",
        "arn:aws-us-gov:iam::123456789012:user/alice",
    ] {
        assert!(allowed_by_pattern("OperatorPrincipalArn", ok), "{ok}");
    }
    for bad in ["arn:aws:sts::123456789012:assumed-role/ops/alice", "arn:aws:iam::123456789012:root", "ops"] {
        assert!(!allowed_by_pattern("OperatorPrincipalArn", bad), "{bad}");
    }
    let hint = parameter("OperatorPrincipalArn")["ConstraintDescription"].as_str().unwrap();
    assert!(hint.contains("assumed-role") && hint.contains(":role/<name>"), "{hint}");
}

/// The custom metrics the stack's code can publish: the verifier's and the queue watch's.
fn published_metrics() -> Vec<&'static str> {
    use middesk_webhooks::verify::metrics::Counted;
    use middesk_webhooks::watch::{ATTENTION_METRIC, EXPIRING_DEAD_LETTERS_METRIC, STARTED_METRIC};
    let mut metrics: Vec<&str> = Counted::ALL.iter().map(|c| c.metric()).collect();
    metrics.extend([ATTENTION_METRIC, EXPIRING_DEAD_LETTERS_METRIC, STARTED_METRIC]);
    metrics
}

#[test]
fn an_idle_default_stack_costs_at_most_three_dollars_a_month() {
    use middesk_webhooks_cli::cost::{self, FreeTier};
    // The bill counts the custom metrics the code publishes: every one an alarm reads is among
    // them, or made by a log filter of the stack.
    let filtered: BTreeSet<&str> = resources_of_type("AWS::Logs::MetricFilter")
        .into_iter()
        .flat_map(|(_, f)| as_list(&f["Properties"]["MetricTransformations"]))
        .filter_map(|t| t["MetricName"].as_str())
        .collect();
    for (id, alarm) in alarms() {
        let read = std::iter::once(alarm)
            .chain(as_list(&alarm["Metrics"]).into_iter().map(|m| &m["MetricStat"]["Metric"]))
            .filter(|m| m["Namespace"] == stack_namespace());
        for metric in read {
            let name = metric["MetricName"].as_str().unwrap_or_default();
            assert!(
                published_metrics().contains(&name) || filtered.contains(name),
                "{id} reads {name}, which nothing publishes"
            );
        }
    }
    let prices = cost::prices();
    let dedicated =
        cost::idle_month(translated(), &published_metrics(), &prices, FreeTier::Available).unwrap();
    let shared = cost::idle_month(translated(), &published_metrics(), &prices, FreeTier::UsedUp).unwrap();
    println!("An idle default stack, a month (prices of {}):\n\n{}", prices.date, dedicated.table());
    println!("The same where the account's free tiers are used up:\n\n{}", shared.table());
    assert!(dedicated.total() <= 3.0, "{}", dedicated.table());
    // Without any free tier, the dashboard ($3) is most of it.
    assert!(shared.total() <= 8.0, "{}", shared.table());
}

#[test]
fn the_cost_document_is_the_one_the_prices_and_the_template_give() {
    use middesk_webhooks_cli::cost;
    const BEGIN: &str =
        "<!-- BEGIN GENERATED: cost (cli/tests/it/translated.rs; UPDATE_DOCS=1 rewrites it) -->\n";
    const END: &str = "<!-- END GENERATED: cost -->";
    // The durations are the verifier's at the memory the template gives it.
    let memory = number(&resource("VerifierFunction")["Properties"]["MemorySize"]);
    assert_eq!(memory as f64, cost::MEASURED.verifier_mb, "MEASURED is for another memory size");
    let expected =
        cost::document(translated(), &published_metrics(), &cost::prices(), &cost::MEASURED).unwrap();
    let path = repo().join("docs/cost.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find(BEGIN).expect("docs/cost.md has the generated section") + BEGIN.len();
    let end = text[start..].find(END).expect("its end") + start;
    if text[start..end] != expected {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, format!("{}{expected}{}", &text[..start], &text[end..])).unwrap();
        } else {
            panic!("docs/cost.md is stale (UPDATE_DOCS=1 cargo test ... rewrites it); expected:\n{expected}");
        }
    }
}

#[test]
fn one_saved_query_follows_an_event_through_the_verifier_and_every_consumer() {
    let queries = resources_of_type("AWS::Logs::QueryDefinition");
    let (_, query) = queries
        .iter()
        .find(|(_, q)| q["Properties"]["Name"] == json!({"Fn::Sub": "${AWS::StackName}/one-event"}))
        .expect("a saved query for one event");
    let groups: BTreeSet<&str> = as_list(&query["Properties"]["LogGroupNames"])
        .into_iter()
        .filter_map(|g| g["Ref"].as_str())
        .collect();
    // The verifier's log, and the log of every function an SQS queue invokes.
    let mut expected = BTreeSet::from(["VerifierLogGroup"]);
    for (_, mapping) in resources_of_type("AWS::Lambda::EventSourceMapping") {
        let function = mapping["Properties"]["FunctionName"]["Ref"].as_str().expect("a function");
        let config = &resource(function)["Properties"]["LoggingConfig"]["LogGroup"];
        expected.insert(config["Ref"].as_str().expect("its own log group"));
    }
    assert_eq!(groups, expected);
    let text = query["Properties"]["QueryString"].as_str().unwrap();
    assert!(text.contains("span.event_id") && text.contains("event_id = \"EVENT_ID\""), "{text}");
}

#[test]
fn a_stack_that_creates_the_secret_needs_an_operator_to_read_it() {
    let without = [("OperatorPrincipalArn", "")];
    assert_eq!(refused_by_rules(&without), ["OperatorRequiredWithACreatedSecret"]);
    // Your own secret: you read it as you always did, and the stack sets no policy on it.
    let existing = [
        ("OperatorPrincipalArn", ""),
        ("ExistingSecretArn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:s"),
    ];
    assert!(refused_by_rules(&existing).is_empty());
}

#[test]
fn only_the_verifier_the_rotator_and_the_operator_may_read_or_change_the_signing_secret() {
    let policy = resource("WebhookSecretPolicy");
    assert_eq!(
        (&policy["Type"], &policy["Condition"]),
        (&json!("AWS::SecretsManager::ResourcePolicy"), &json!("CreateSecret"))
    );
    let props = &policy["Properties"];
    assert_eq!(
        (&props["SecretId"], &props["BlockPublicPolicy"]),
        (&json!({"Ref": "WebhookSecret"}), &json!(true))
    );
    let statements = as_list(&props["ResourcePolicy"]["Statement"]);
    let deny = statements
        .iter()
        .find(|s| s["Effect"] == "Deny" && s["Principal"] == "*")
        .expect("a deny to every other principal");
    // Reading it signs events; putting, updating or labelling a value makes it verify; replacing
    // or deleting the policy, or restoring a deleted secret, opens the way to read it.
    for action in [
        "GetSecretValue",
        "PutSecretValue",
        "UpdateSecret",
        "UpdateSecretVersionStage",
        "PutResourcePolicy",
        "DeleteResourcePolicy",
        "RestoreSecret",
    ] {
        assert!(
            actions(deny).contains(&format!("secretsmanager:{action}").as_str()),
            "{action} is not denied"
        );
    }
    assert_eq!(
        deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"],
        json!([
            {"Fn::GetAtt": ["VerifierRole", "Arn"]},
            {"Fn::If": ["RotateSecret", {"Fn::GetAtt": ["SecretRotatorRole", "Arn"]}, {"Ref": "AWS::NoValue"}]},
            {"Fn::If": ["HasOperatorPrincipal", {"Ref": "OperatorPrincipalArn"}, {"Ref": "AWS::NoValue"}]}
        ])
    );
}

#[test]
fn superseded_events_show_on_the_dashboard_and_page_nobody() {
    use middesk_webhooks::consume::newest::SUPERSEDED_METRIC;
    let dashboard = &resource("PipelineDashboard")["Properties"]["DashboardBody"]["Fn::Sub"];
    assert!(
        dashboard.as_str().unwrap().contains(&format!("\"{SUPERSEDED_METRIC}\"")),
        "not on the dashboard"
    );
    for (id, p) in alarms() {
        assert!(!p.to_string().contains(SUPERSEDED_METRIC), "{id} alarms on superseded events");
    }
    // The consumer the stack deploys counts them in the stack's own namespace.
    let vars = &resource("BusinessDecisionFunction")["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["METRICS_NAMESPACE"], json!({"Fn::Sub": "MiddeskWebhooks/${AWS::StackName}"}));
}
