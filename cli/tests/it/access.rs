//! Who may read, delete and write the stack's data, asked of its resource policies as AWS
//! evaluates an explicit deny: the queues' and buckets' policies of the translated template,
//! resolved for a deployment (its parameters, a stack name), against a principal's ARN.
//! Identity policies grant; these denies hold even against an account's broad admin and
//! read-only roles.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::translated::{as_list, resources_of_type, translate, translated};

const ACCOUNT: &str = "123456789012";
const ADMIN: &str = "arn:aws:iam::123456789012:role/Admin";
const OPERATOR: &str = "arn:aws:iam::123456789012:role/middesk-operator";
const ELSEWHERE: &str = "arn:aws:iam::123456789012:role/payments-risk-consumer";

/// A deployment: its stack name and the parameters given (the others at their defaults).
struct Deployment {
    stack: String,
    given: BTreeMap<&'static str, String>,
}

impl Deployment {
    fn new(stack: &str, given: &[(&'static str, &str)]) -> Self {
        let given = given.iter().map(|(k, v)| (*k, v.to_string())).collect();
        Self { stack: stack.to_owned(), given }
    }

    /// The ARN AWS would give resource `id`'s `Arn` (a role's name as CloudFormation makes it).
    fn arn_of(&self, id: &str) -> String {
        let resource = &translated()["Resources"][id];
        match resource["Type"].as_str() {
            Some("AWS::SQS::Queue") => {
                let name = self.resolve(&resource["Properties"]["QueueName"]);
                format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{}", name.as_str().unwrap())
            }
            Some("AWS::S3::Bucket") => format!("arn:aws:s3:::{}", self.bucket_name(id)),
            Some("AWS::DynamoDB::Table") => {
                format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{}", self.table_name(id))
            }
            Some("AWS::IAM::Role") => format!("arn:aws:iam::{ACCOUNT}:role/{}-{id}-1A2B3C4D5E6F", self.stack),
            Some("AWS::SecretsManager::Secret") => {
                format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{id}-Ab12Cd")
            }
            other => panic!("no ARN for {id} ({other:?})"),
        }
    }

    fn bucket_name(&self, id: &str) -> String {
        format!("{}-{}-1a2b3c4d5e6f", self.stack, id.to_lowercase())
    }

    fn table_name(&self, id: &str) -> String {
        format!("{}-{id}-1A2B3C4D5E6F", self.stack)
    }

    /// What `Fn::ImportValue` of `name` gives in another stack: the output exported as `name`.
    fn export(&self, name: &str) -> Value {
        let outputs = translated()["Outputs"].as_object().unwrap();
        let output = outputs.values().find(|o| self.resolve(&o["Export"]["Name"]).as_str() == Some(name));
        self.resolve(&output.unwrap_or_else(|| panic!("nothing exported as {name}"))["Value"])
    }

    fn condition(&self, name: &str) -> bool {
        self.resolve(&translated()["Conditions"][name])
            .as_bool()
            .unwrap_or_else(|| panic!("condition {name}"))
    }

    /// `value` with every intrinsic function resolved; `Null` where it is `AWS::NoValue`.
    fn resolve(&self, value: &Value) -> Value {
        let text = |v: Value| match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let Some(object) = value.as_object() else {
            return match value {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|v| self.resolve(v)).filter(|v| !v.is_null()).collect())
                }
                other => other.clone(),
            };
        };
        if object.len() != 1 {
            return Value::Object(
                object
                    .iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v)))
                    .filter(|(_, v)| !v.is_null())
                    .collect(),
            );
        }
        let (function, args) = object.iter().next().unwrap();
        let arg = |i: usize| self.resolve(&args[i]);
        match function.as_str() {
            "Ref" => self.reference(args.as_str().unwrap()),
            "Fn::GetAtt" => json!(self.arn_of(args[0].as_str().unwrap())),
            "Condition" => json!(self.condition(args.as_str().unwrap())),
            "Fn::If" => match self.condition(args[0].as_str().unwrap()) {
                true => arg(1),
                false => arg(2),
            },
            "Fn::Equals" => json!(text(arg(0)) == text(arg(1))),
            "Fn::Not" => json!(!arg(0).as_bool().unwrap()),
            "Fn::And" => json!(as_list(args).iter().all(|c| self.resolve(c).as_bool().unwrap())),
            "Fn::Or" => json!(as_list(args).iter().any(|c| self.resolve(c).as_bool().unwrap())),
            "Fn::Join" => {
                let parts: Vec<String> = as_list(&arg(1)).into_iter().map(|v| text(v.clone())).collect();
                json!(parts.join(args[0].as_str().unwrap()))
            }
            "Fn::Split" => json!(text(arg(1)).split(args[0].as_str().unwrap()).collect::<Vec<_>>()),
            "Fn::Sub" => {
                let mut out = args.as_str().expect("Fn::Sub of a plain string").to_owned();
                while let Some(start) = out.find("${") {
                    let end = start + out[start..].find('}').unwrap();
                    let name = &out[start + 2..end];
                    let value = match name.split_once('.') {
                        Some((id, "Arn")) => self.arn_of(id),
                        _ => text(self.reference(name)),
                    };
                    out.replace_range(start..=end, &value);
                }
                json!(out)
            }
            _ => Value::Object(
                object
                    .iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v)))
                    .filter(|(_, v)| !v.is_null())
                    .collect(),
            ),
        }
    }

    fn reference(&self, name: &str) -> Value {
        match name {
            "AWS::NoValue" => Value::Null,
            "AWS::StackName" => json!(self.stack),
            "AWS::Partition" => json!("aws"),
            "AWS::Region" => json!("us-east-1"),
            "AWS::AccountId" => json!(ACCOUNT),
            "AWS::URLSuffix" => json!("amazonaws.com"),
            _ => {
                let resources = &translated()["Resources"];
                if resources[name]["Type"] == "AWS::S3::Bucket" {
                    return json!(self.bucket_name(name));
                }
                if resources[name]["Type"] == "AWS::DynamoDB::Table" {
                    return json!(self.table_name(name));
                }
                if resources[name]["Type"] == "AWS::SecretsManager::Secret" {
                    // A secret's Ref is its ARN.
                    return json!(self.arn_of(name));
                }
                if resources[name]["Type"] == "AWS::SQS::Queue" {
                    // A queue's URL: here, its ARN, which is what a request names.
                    return json!(self.arn_of(name));
                }
                let parameter = &translated()["Parameters"][name];
                assert!(!parameter.is_null(), "no parameter or resource {name}");
                let raw = self.given.get(name).cloned().unwrap_or_else(|| match &parameter["Default"] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                match parameter["Type"].as_str() {
                    Some("CommaDelimitedList") => json!(raw.split(',').map(str::trim).collect::<Vec<_>>()),
                    _ => json!(raw),
                }
            }
        }
    }

    /// The resolved statements of every queue and bucket policy that applies to `arn`.
    fn statements_for(&self, arn: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for (_, policy) in resources_of_type("AWS::SQS::QueuePolicy") {
            let props = self.resolve(&policy["Properties"]);
            if as_list(&props["Queues"]).iter().any(|q| q.as_str() == Some(arn)) {
                out.extend(as_list(&props["PolicyDocument"]["Statement"]).into_iter().cloned());
            }
        }
        for (_, policy) in resources_of_type("AWS::SecretsManager::ResourcePolicy") {
            let created = policy["Condition"].as_str().is_none_or(|c| self.condition(c));
            let props = self.resolve(&policy["Properties"]);
            if created && props["SecretId"].as_str() == Some(arn) {
                out.extend(as_list(&props["ResourcePolicy"]["Statement"]).into_iter().cloned());
            }
        }
        for (_, policy) in resources_of_type("AWS::S3::BucketPolicy") {
            let props = self.resolve(&policy["Properties"]);
            let bucket = format!("arn:aws:s3:::{}", props["Bucket"].as_str().unwrap());
            if arn == bucket || arn.starts_with(&format!("{bucket}/")) {
                out.extend(as_list(&props["PolicyDocument"]["Statement"]).into_iter().cloned());
            }
        }
        out
    }

    /// Whether an explicit deny of the stack's resource policies refuses `principal` `action`
    /// on `arn`, over TLS, a write naming `If-None-Match`.
    fn denies(&self, principal: &str, action: &str, arn: &str) -> bool {
        self.statements_for(arn).iter().any(|s| {
            s["Effect"] == "Deny"
                && s["Principal"] == "*"
                && as_list(&s["Action"]).iter().any(|a| like(a.as_str().unwrap(), action))
                && as_list(&s["Resource"]).iter().any(|r| like(r.as_str().unwrap(), arn))
                && holds(&s["Condition"], principal)
        })
    }
}

/// Whether every operator of a condition block holds for a request by `principal` (over TLS,
/// a write naming `If-None-Match`). No block: it holds.
fn holds(condition: &Value, principal: &str) -> bool {
    let Some(operators) = condition.as_object() else { return true };
    operators.iter().all(|(operator, keys)| {
        keys.as_object().unwrap().iter().all(|(key, values)| {
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let values: Vec<String> = as_list(values).into_iter().map(text).collect();
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            match (operator.as_str(), key.as_str()) {
                ("ArnNotEquals", "aws:PrincipalArn") => !values.contains(&principal),
                ("ArnNotLike", "aws:PrincipalArn") => !values.iter().any(|p| like(p, principal)),
                ("Bool", "aws:SecureTransport") => values == ["true"],
                ("Null", "s3:if-none-match") => values == ["false"],
                other => panic!("no evaluation of {other:?}"),
            }
        })
    })
}

/// IAM's wildcard match: `*` any run of characters, `?` one; case-sensitive (ARNs).
fn like(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => {
            pattern.len() == text.len() && pattern.chars().zip(text.chars()).all(|(p, t)| p == '?' || p == t)
        }
        Some((head, rest)) => {
            text.len() >= head.len()
                && like(head, &text[..head.len()])
                && (0..=text.len() - head.len()).any(|skip| like(rest, &text[head.len() + skip..]))
        }
    }
}

#[test]
fn the_wildcard_match_is_iams() {
    assert!(like("arn:aws:sqs:*:1:s-*-dlq", "arn:aws:sqs:us-east-1:1:s-a-b-dlq"));
    assert!(!like("arn:aws:sqs:*:1:s-*-dlq", "arn:aws:sqs:us-east-1:1:s-a-b"));
    assert!(like("s3:*", "s3:GetObject") && like("role/pay?ents-*", "role/payments-x"));
    assert!(!like("role/payments-*", "role/Admin") && like("*", ""));
}

/// Every principal a test asks about: the stack's roles, an admin, the operator, a consumer
/// in another stack.
fn principals(d: &Deployment) -> Vec<(&'static str, String)> {
    let role = |id: &str| d.arn_of(id);
    vec![
        ("verifier", role("VerifierRole")),
        ("business-decision", role("BusinessDecisionRole")),
        ("event-logger", role("EventLoggerRole")),
        ("queue-watch", role("QueueWatchRole")),
        ("admin", ADMIN.to_owned()),
        ("operator", OPERATOR.to_owned()),
        ("elsewhere", ELSEWHERE.to_owned()),
    ]
}

/// Who, of [`principals`], may do `action` on `arn`.
fn who_may(d: &Deployment, action: &str, arn: &str) -> Vec<&'static str> {
    principals(d).into_iter().filter(|(_, p)| !d.denies(p, action, arn)).map(|(name, _)| name).collect()
}

#[test]
fn only_ours_read_delete_and_write_the_queues_the_archive_and_the_payloads() {
    let configured = [
        ("OperatorPrincipalArn", OPERATOR),
        ("ConsumerPrincipalArns", "arn:aws:iam::123456789012:role/payments-*"),
    ];
    for (d, operator, elsewhere) in [
        (Deployment::new("mw", &[]), None, None),
        (Deployment::new("mw-prod", &configured), Some("operator"), Some("elsewhere")),
    ] {
        let stack = &d.stack;
        let queue = d.arn_of("BusinessUpdatedQueue");
        let dead_letters = d.arn_of("BusinessUpdatedDeadLetterQueue");
        let archive = format!("{}/events/2026-12-05/business.updated/120000Z-ab", d.arn_of("ArchiveBucket"));
        let payload = format!("{}/payloads/ab", d.arn_of("PayloadBucket"));
        let with = |names: &[&'static str], extra: &[Option<&'static str>]| -> Vec<&'static str> {
            let mut all: Vec<&'static str> =
                names.iter().copied().chain(extra.iter().flatten().copied()).collect();
            let order: Vec<&str> = principals(&d).into_iter().map(|(n, _)| n).collect();
            all.sort_by_key(|n| order.iter().position(|o| o == n));
            all
        };
        let consumers = with(&["business-decision", "event-logger"], &[operator, elsewhere]);
        for action in ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"] {
            assert_eq!(who_may(&d, action, &queue), consumers, "{stack}: {action} on a queue");
            assert_eq!(
                who_may(&d, action, &dead_letters),
                with(&[], &[operator]),
                "{stack}: {action} on dead letters"
            );
        }
        for arn in [&queue, &dead_letters] {
            assert_eq!(who_may(&d, "sqs:PurgeQueue", arn), with(&[], &[operator]), "{stack}: purge {arn}");
            // The queue watch reads attributes; nothing denies that to anybody.
            assert_eq!(who_may(&d, "sqs:GetQueueAttributes", arn).len(), principals(&d).len());
        }
        assert_eq!(who_may(&d, "sqs:SendMessage", &queue), with(&["verifier"], &[operator]), "{stack}: send");
        assert_eq!(
            who_may(&d, "sqs:SendMessage", &dead_letters),
            with(&[], &[operator]),
            "{stack}: send dead letters"
        );
        assert_eq!(who_may(&d, "s3:GetObject", &payload), consumers, "{stack}: read a claim-checked body");
        assert_eq!(
            who_may(&d, "s3:PutObject", &payload),
            with(&["verifier"], &[operator]),
            "{stack}: write one"
        );
        for (action, arn) in [
            ("s3:GetObject", &archive),
            ("s3:GetObjectVersion", &archive),
            ("s3:ListBucket", &d.arn_of("ArchiveBucket")),
        ] {
            assert_eq!(who_may(&d, action, arn), with(&[], &[operator]), "{stack}: {action} on the archive");
        }
        assert_eq!(
            who_may(&d, "s3:PutObject", &archive),
            with(&["verifier"], &[operator]),
            "{stack}: archive"
        );
        assert_eq!(
            who_may(&d, "s3:DeleteObject", &archive),
            with(&[], &[operator]),
            "{stack}: delete archived"
        );
    }
}

#[test]
fn only_the_verifier_the_rotator_and_the_operator_may_read_set_or_unprotect_the_signing_secret() {
    let rotating = [
        ("OperatorPrincipalArn", OPERATOR),
        ("SecretRotationDays", "30"),
        ("MiddeskApiKeySecretArn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k"),
    ];
    for (d, rotator) in [
        (Deployment::new("mw", &[("OperatorPrincipalArn", OPERATOR)]), false),
        (Deployment::new("mw-rotating", &rotating), true),
    ] {
        let secret = d.arn_of("WebhookSecret");
        let rotator_role = d.arn_of("SecretRotatorRole");
        let mut ours = vec![d.arn_of("VerifierRole"), OPERATOR.to_owned()];
        if rotator {
            ours.push(rotator_role.clone());
        }
        for action in [
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecret",
            "secretsmanager:UpdateSecretVersionStage",
            "secretsmanager:PutResourcePolicy",
            "secretsmanager:DeleteResourcePolicy",
            "secretsmanager:RestoreSecret",
        ] {
            for principal in [ADMIN, ELSEWHERE, d.arn_of("QueueWatchRole").as_str(), rotator_role.as_str()] {
                let allowed = ours.iter().any(|o| o == principal);
                assert_eq!(
                    !d.denies(principal, action, &secret),
                    allowed,
                    "{}: {principal} {action}",
                    d.stack
                );
            }
            for principal in &ours {
                assert!(!d.denies(principal, action, &secret), "{}: {principal} {action}", d.stack);
            }
        }
        // A stack update run as the operator still changes the secret's settings and its policy;
        // describing it (what status and CloudFormation read) is denied to nobody.
        assert!(!d.denies(OPERATOR, "secretsmanager:UpdateSecret", &secret));
        assert!(!d.denies(ADMIN, "secretsmanager:DescribeSecret", &secret));
    }
}

#[test]
fn every_queue_takes_sends_from_the_verifier_and_dead_letters_from_the_operator_only() {
    let d = Deployment::new("mw", &[("OperatorPrincipalArn", OPERATOR)]);
    let verifier = d.arn_of("VerifierRole");
    for (id, queue) in resources_of_type("AWS::SQS::Queue") {
        let arn = d.arn_of(id);
        let dead_letter = queue["Properties"]["RedrivePolicy"].is_null();
        assert_eq!(d.denies(&verifier, "sqs:SendMessage", &arn), dead_letter, "{id}");
        assert!(!d.denies(OPERATOR, "sqs:SendMessage", &arn), "{id}");
        assert!(d.denies(ADMIN, "sqs:SendMessage", &arn), "{id}");
    }
}

#[test]
fn each_queues_policy_fits_sqss_8192_bytes_under_the_longest_stack_name() {
    // CloudFormation allows 128 characters; SQS refuses a policy over 8,192 bytes.
    let d = Deployment::new(
        &"s".repeat(128),
        &[("OperatorPrincipalArn", OPERATOR), ("ConsumerPrincipalArns", ELSEWHERE)],
    );
    for (id, policy) in resources_of_type("AWS::SQS::QueuePolicy") {
        let document = d.resolve(&policy["Properties"]["PolicyDocument"]);
        let size = serde_json::to_string(&document).unwrap().len();
        assert!(size <= 8_192, "{id}: {size} bytes");
    }
}

/// A stack beside the deployment `beside` (an example consumer's): its name and parameters.
struct Beside<'a> {
    stack: &'a str,
    template: &'a Value,
    given: BTreeMap<&'static str, String>,
    beside: &'a Deployment,
}

impl Beside<'_> {
    /// `value` with its intrinsic functions resolved: its parameters, `AWS::*`, its own log
    /// group's ARN, and what it imports from the deployment beside it.
    fn resolve(&self, value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|v| self.resolve(v)).collect()),
            Value::Object(object) => match object.iter().next().filter(|_| object.len() == 1) {
                Some((f, args)) if f == "Ref" => json!(self.reference(args.as_str().unwrap())),
                Some((f, args)) if f == "Fn::Sub" => {
                    let mut out = args.as_str().expect("Fn::Sub of a plain string").to_owned();
                    while let Some(start) = out.find("${") {
                        let end = start + out[start..].find('}').unwrap();
                        let value = match out[start + 2..end].split_once('.') {
                            Some((id, "Arn")) => self.arn_of(id),
                            _ => self.reference(&out[start + 2..end]),
                        };
                        out.replace_range(start..=end, &value);
                    }
                    json!(out)
                }
                Some((f, args)) if f == "Fn::GetAtt" => json!(self.arn_of(args[0].as_str().unwrap())),
                Some((f, args)) if f == "Fn::ImportValue" => {
                    self.beside.export(self.resolve(args).as_str().unwrap())
                }
                _ => Value::Object(object.iter().map(|(k, v)| (k.clone(), self.resolve(v))).collect()),
            },
            other => other.clone(),
        }
    }

    fn reference(&self, name: &str) -> String {
        match name {
            "AWS::StackName" => self.stack.to_owned(),
            "AWS::Partition" => "aws".to_owned(),
            "AWS::Region" => "us-east-1".to_owned(),
            "AWS::AccountId" => ACCOUNT.to_owned(),
            // A resource's Ref is its name (a log group's, a function's) as CloudFormation makes it.
            _ if self.template["Resources"][name].is_object() => self.physical_name(name),
            _ => self.given.get(name).unwrap_or_else(|| panic!("no parameter {name}")).clone(),
        }
    }

    /// The ARN AWS gives resource `id`: a log group, or a role (named).
    fn arn_of(&self, id: &str) -> String {
        let resource = &self.template["Resources"][id];
        match resource["Type"].as_str() {
            Some("AWS::Logs::LogGroup") => {
                format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{}:*", self.physical_name(id))
            }
            Some("AWS::IAM::Role") => {
                let name = self.resolve(&resource["Properties"]["RoleName"]);
                format!("arn:aws:iam::{ACCOUNT}:role/{}", name.as_str().expect("a named role"))
            }
            other => panic!("no ARN for {id} ({other:?})"),
        }
    }

    fn physical_name(&self, id: &str) -> String {
        format!("{}-{id}-1A2B3C4D5E6F", self.stack)
    }
}

/// The IAM actions a package's sources call, each SDK call named (`HeadObjectCommand`,
/// `head_object`) as IAM authorizes it.
fn actions_called(sources: &[&str]) -> BTreeSet<String> {
    let calls = regex_lite::Regex::new(r"new (\w+)Command\(|(?:client|s3)\.([a-z]+_[a-z_]+)\(").unwrap();
    let mut actions = BTreeSet::new();
    for source in sources {
        let text = std::fs::read_to_string(crate::translated::repo().join(source)).unwrap();
        // A transaction's items are authorized as their own actions; these write only Put and Update.
        let condition_check = ["{ ConditionCheck:", "{\"ConditionCheck\":"];
        assert!(
            !condition_check.iter().any(|c| text.contains(c)),
            "{source}: a transaction item this test does not map"
        );
        for found in calls.captures_iter(&text) {
            let call = match (found.get(1), found.get(2)) {
                (Some(pascal), _) => pascal.as_str().to_owned(),
                (_, Some(snake)) => {
                    snake.as_str().split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect()
                }
                _ => unreachable!(),
            };
            let granted: &[&str] = match call.as_str() {
                "HeadObject" | "GetObject" => &["s3:GetObject"],
                "TransactWriteItems" => &["dynamodb:PutItem", "dynamodb:UpdateItem"],
                "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" => &[],
                other => panic!("{source}: {other} is called, and this test does not know its action"),
            };
            actions.extend(granted.iter().map(|a| (*a).to_owned()));
            if granted.is_empty() {
                actions.insert(format!("dynamodb:{call}"));
            }
        }
    }
    actions
}

/// What Lambda's SQS event source does with the function's role (AWS's SQS execution role).
const SQS_EVENT_SOURCE: [&str; 4] =
    ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"];

#[test]
fn each_example_consumers_own_stack_grants_exactly_what_its_package_calls_and_the_stack_lets_it() {
    let listed = Deployment::new(
        "mw-prod",
        &[("ConsumerPrincipalArns", "arn:aws:iam::123456789012:role/middesk-consumer-*")],
    );
    let unlisted = Deployment::new("mw-prod", &[]);
    for (example, sources) in [
        (
            "python-consumer",
            [
                "packages/python/src/middesk_webhooks/consumer.py",
                "packages/python/src/middesk_webhooks/records.py",
            ],
        ),
        ("typescript-consumer", ["packages/typescript/src/index.ts", "packages/typescript/src/records.ts"]),
    ] {
        let template =
            translate(&crate::translated::repo().join("examples").join(example).join("template.yaml"));
        let given = BTreeMap::from([
            ("WebhooksStackName", "mw-prod".to_owned()),
            ("PayloadBucketName", listed.bucket_name("PayloadBucket")),
            ("IdempotencyTableName", listed.table_name("IdempotencyTable")),
        ]);
        let stack = Beside { stack: "kyb", template: &template, given, beside: &listed };
        let of_type = |kind: &str| -> Vec<Value> {
            let resources = template["Resources"].as_object().unwrap();
            resources
                .values()
                .filter(|r| r["Type"] == kind)
                .map(|r| stack.resolve(&r["Properties"]))
                .collect()
        };
        let [role] = &of_type("AWS::IAM::Role")[..] else { panic!("{example}: one role") };
        let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{}", role["RoleName"].as_str().unwrap());
        let mut granted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for policy in as_list(&role["Policies"]) {
            for statement in as_list(&policy["PolicyDocument"]["Statement"]) {
                assert_eq!(statement["Effect"], "Allow", "{example}: {statement}");
                for resource in as_list(&statement["Resource"]) {
                    let actions =
                        as_list(&statement["Action"]).into_iter().map(|a| a.as_str().unwrap().to_owned());
                    granted.entry(resource.as_str().unwrap().to_owned()).or_default().extend(actions);
                }
            }
        }
        let queue = listed.arn_of("BusinessUpdatedQueue");
        let payloads = format!("{}/payloads/*", listed.arn_of("PayloadBucket"));
        let called = actions_called(&sources);
        let on = |service: &str| {
            called.iter().filter(|a| a.starts_with(service)).cloned().collect::<BTreeSet<_>>()
        };
        let expected = BTreeMap::from([
            (
                stack.arn_of("ConsumerLogGroup"),
                BTreeSet::from(["logs:CreateLogStream".to_owned(), "logs:PutLogEvents".to_owned()]),
            ),
            (queue.clone(), SQS_EVENT_SOURCE.iter().map(|a| (*a).to_owned()).collect()),
            (payloads.clone(), on("s3:")),
            (listed.arn_of("IdempotencyTable"), on("dynamodb:")),
        ]);
        assert_eq!(granted, expected, "{example}: exactly what its package and its event source call");
        assert_eq!(on("s3:").len() + on("dynamodb:").len(), called.len(), "{example}: {called:?}");

        // Its function: that role, that queue with partial batch failures, the same table and bucket.
        let [function] = &of_type("AWS::Lambda::Function")[..] else { panic!("{example}: one function") };
        assert_eq!(function["Role"], json!(role_arn), "{example}");
        let env = &function["Environment"]["Variables"];
        assert_eq!(env["IDEMPOTENCY_TABLE"], json!(listed.table_name("IdempotencyTable")), "{example}");
        assert_eq!(env["PAYLOAD_BUCKET"], json!(listed.bucket_name("PayloadBucket")), "{example}");
        assert_eq!(
            format!("{}/{}*", listed.arn_of("PayloadBucket"), env["PAYLOAD_KEY_PREFIX"].as_str().unwrap()),
            payloads
        );
        assert!(env["CONSUMER_NAME"].as_str().is_some_and(|n| !n.is_empty()), "{example}: its records' name");
        let [source] = &of_type("AWS::Lambda::EventSourceMapping")[..] else {
            panic!("{example}: one source")
        };
        assert_eq!(source["EventSourceArn"], json!(queue), "{example}");
        assert_eq!(source["FunctionResponseTypes"], json!(["ReportBatchItemFailures"]), "{example}");

        // The webhooks stack lets the role do all of it once listed in ConsumerPrincipalArns,
        // and denies it the queue and the bodies until then.
        let object = format!("{}/payloads/ab", listed.arn_of("PayloadBucket"));
        for (resource, actions) in [(&queue, &expected[&queue]), (&object, &expected[&payloads])] {
            for action in actions {
                assert!(!listed.denies(&role_arn, action, resource), "{example}: {action} on {resource}");
            }
        }
        assert!(
            unlisted.denies(&role_arn, "sqs:ReceiveMessage", &queue),
            "{example}: unlisted, yet it reads"
        );
        assert!(unlisted.denies(&role_arn, "s3:GetObject", &object), "{example}: unlisted, yet it reads");
    }
}
