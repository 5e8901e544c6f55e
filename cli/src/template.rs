//! What `template.yaml` describes, read back so that the local stack and the template tests
//! work from the one description of the deployed system.

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

/// A queue resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueResource {
    /// Logical id.
    pub logical_id: String,
    /// Its name after the stack's `<stack>-` (`QueueName: !Sub "${AWS::StackName}-<name>"`),
    /// when the template names it.
    pub name: Option<String>,
    /// Logical id of its dead-letter queue, and `maxReceiveCount`.
    pub dead_letter: Option<(String, u32)>,
    /// `MessageRetentionPeriod` in seconds, if set.
    pub retention_seconds: Option<u64>,
    /// Whether server-side encryption is on.
    pub encrypted: bool,
}

impl QueueResource {
    /// Its SQS name: `<stack>-<name>` in a deployed stack (`stack`), its logical id in the local
    /// stack, which names queues so (or where the template names it not).
    pub fn sqs_name(&self, stack: Option<&str>) -> String {
        match (stack, &self.name) {
            (Some(stack), Some(name)) => format!("{stack}-{name}"),
            _ => self.logical_id.clone(),
        }
    }
}

/// An SQS subscription of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The function's logical id.
    pub function: String,
    /// The function's binary (`BuildProperties.Binary`).
    pub binary: String,
    /// The queue's logical id.
    pub queue: String,
    /// Whether it reports partial batch failures.
    pub reports_batch_item_failures: bool,
}

/// The parts of the template the project relies on.
#[derive(Debug, Clone)]
pub struct TemplateModel {
    /// Every queue, by logical id.
    pub queues: BTreeMap<String, QueueResource>,
    /// The verifier's routes: event type or `prefix.*` → the logical ids of its queues, the
    /// type's own first, then its subscribers' (from `ROUTES`).
    pub routes: Vec<(String, Vec<String>)>,
    /// The catch-all queue's logical id (from `CATCH_ALL_QUEUE`).
    pub catch_all: String,
    /// The claim check's bucket (logical id, from `PAYLOAD_BUCKET`) and key prefix.
    pub payload_bucket: Option<(String, String)>,
    /// The archive's bucket (logical id, from `ARCHIVE_BUCKET`).
    pub archive_bucket: Option<String>,
    /// SQS subscriptions of functions.
    pub subscriptions: Vec<Subscription>,
    /// DynamoDB tables with their TTL attribute.
    pub tables: Vec<(String, Option<String>)>,
}

impl TemplateModel {
    /// The queues messages are routed to (those with a dead-letter queue), as the status table
    /// lists them: in the catalogue's order, then any other, each with the name the stack gives
    /// it after `<stack>-` (its logical id where the template names none).
    pub fn main_queues(&self) -> Vec<(String, &QueueResource)> {
        let order = middesk_webhooks::catalogue::default_queues();
        let mut queues: Vec<(String, &QueueResource)> = self
            .queues
            .values()
            .filter(|q| q.dead_letter.is_some())
            .map(|q| (q.name.clone().unwrap_or_else(|| q.logical_id.clone()), q))
            .collect();
        queues.sort_by_key(|(name, _)| {
            (order.iter().position(|o| o == name).unwrap_or(usize::MAX), name.clone())
        });
        queues
    }

    /// The queue (logical id) `event_type` reaches, routed as the verifier routes it.
    pub fn route(&self, event_type: &str) -> Result<String, String> {
        let table: Vec<String> =
            self.routes.iter().map(|(pattern, queues)| format!("{pattern}={}", queues.join("+"))).collect();
        let router = middesk_webhooks::QueueRouter::parse(
            "ROUTES",
            &table.join(","),
            &self.catch_all,
            Some("https://local"),
        )
        .map_err(|e| e.to_string())?;
        Ok(router.route(event_type).name.clone())
    }
}

/// A numeric parameter's default, if the template declares one.
pub fn parameter_default(text: &str, name: &str) -> Option<u64> {
    let doc: Value = serde_yaml_ng::from_str(text).ok()?;
    doc["Parameters"][name]["Default"].as_u64()
}

/// Parses `template.yaml` text.
pub fn parse_template(text: &str) -> Result<TemplateModel, String> {
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| format!("template is not YAML: {e}"))?;
    let resources = doc["Resources"].as_mapping().ok_or("template has no Resources")?;
    let mut model = TemplateModel {
        queues: BTreeMap::new(),
        routes: Vec::new(),
        catch_all: String::new(),
        payload_bucket: None,
        archive_bucket: None,
        subscriptions: Vec::new(),
        tables: Vec::new(),
    };
    for (id, resource) in resources {
        let id = id.as_str().unwrap_or_default().to_owned();
        let props = &resource["Properties"];
        match resource["Type"].as_str() {
            Some("AWS::SQS::Queue") => {
                let redrive = &props["RedrivePolicy"];
                let dead_letter = get_att(&redrive["deadLetterTargetArn"])
                    .map(|(q, _)| (q, redrive["maxReceiveCount"].as_u64().unwrap_or(0) as u32));
                model.queues.insert(
                    id.clone(),
                    QueueResource {
                        name: tagged(&props["QueueName"], "Sub")
                            .and_then(Value::as_str)
                            .and_then(|n| n.strip_prefix("${AWS::StackName}-"))
                            .map(str::to_owned),
                        logical_id: id,
                        dead_letter,
                        retention_seconds: props["MessageRetentionPeriod"].as_u64(),
                        encrypted: props["SqsManagedSseEnabled"].as_bool() == Some(true)
                            || !props["KmsMasterKeyId"].is_null(),
                    },
                );
            }
            Some("AWS::DynamoDB::Table") => {
                let ttl = &props["TimeToLiveSpecification"];
                let attribute = (ttl["Enabled"].as_bool() == Some(true))
                    .then(|| ttl["AttributeName"].as_str().map(str::to_owned))
                    .flatten();
                model.tables.push((id, attribute));
            }
            Some("AWS::Serverless::Function") => {
                let binary =
                    resource["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap_or_default().to_owned();
                if binary == "verifier" {
                    read_verifier(props, &mut model)?;
                }
                for (_, event) in props["Events"].as_mapping().into_iter().flatten() {
                    if event["Type"].as_str() == Some("SQS") {
                        let queue =
                            get_att(&event["Properties"]["Queue"]).map(|(q, _)| q).unwrap_or_default();
                        let reports = event["Properties"]["FunctionResponseTypes"]
                            .as_sequence()
                            .is_some_and(|s| s.iter().any(|t| t.as_str() == Some("ReportBatchItemFailures")));
                        model.subscriptions.push(Subscription {
                            function: id.clone(),
                            binary: binary.clone(),
                            queue,
                            reports_batch_item_failures: reports,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    if model.catch_all.is_empty() {
        return Err("the verifier has no CATCH_ALL_QUEUE".into());
    }
    // The verifier names queues; the model speaks in logical ids.
    let by_name = |name: &str| {
        model.queues.values().find(|q| q.name.as_deref() == Some(name)).map(|q| q.logical_id.clone())
    };
    let catch_all = by_name(&model.catch_all).ok_or_else(|| format!("no queue named {}", model.catch_all))?;
    let mut routes = Vec::new();
    for (pattern, names) in &model.routes {
        let mut queues = Vec::new();
        for name in names {
            queues.push(
                by_name(name).ok_or_else(|| format!("route {pattern}={name}: no queue has that name"))?,
            );
        }
        routes.push((pattern.clone(), queues));
    }
    (model.catch_all, model.routes) = (catch_all, routes);
    Ok(model)
}

fn read_verifier(props: &Value, model: &mut TemplateModel) -> Result<(), String> {
    let vars = &props["Environment"]["Variables"];
    model.catch_all =
        vars["CATCH_ALL_QUEUE"].as_str().ok_or("CATCH_ALL_QUEUE is not a queue name")?.to_owned();
    if tagged(&vars["QUEUE_NAME_PREFIX"], "Sub").and_then(Value::as_str) != Some("${AWS::StackName}-") {
        return Err("QUEUE_NAME_PREFIX is not !Sub \"${AWS::StackName}-\"".into());
    }
    model.archive_bucket = tagged(&vars["ARCHIVE_BUCKET"], "Ref").and_then(Value::as_str).map(str::to_owned);
    if let Some(bucket) = tagged(&vars["PAYLOAD_BUCKET"], "Ref").and_then(Value::as_str) {
        let prefix = vars["PAYLOAD_KEY_PREFIX"].as_str().unwrap_or_default();
        model.payload_bucket = Some((bucket.to_owned(), prefix.to_owned()));
    }
    // ROUTES: !Join [",", ["type=queue-name", ...]], names after QUEUE_NAME_PREFIX.
    let join = tagged(&vars["ROUTES"], "Join").ok_or("ROUTES is not !Join")?;
    for part in join[1].as_sequence().into_iter().flatten() {
        let entry = part.as_str().ok_or("a ROUTES entry is not a string")?;
        let (pattern, name) = entry.split_once('=').ok_or("a ROUTES entry has no '='")?;
        model.routes.push((pattern.to_owned(), name.split('+').map(str::to_owned).collect()));
    }
    Ok(())
}

/// The value of a short-form tag like `!Sub`, if `value` carries it.
pub fn tagged<'a>(value: &'a Value, tag: &str) -> Option<&'a Value> {
    match value {
        Value::Tagged(t) if t.tag == tag => Some(&t.value),
        _ => None,
    }
}

/// `!GetAtt Resource.Attribute` as `(resource, attribute)`.
pub fn get_att(value: &Value) -> Option<(String, String)> {
    let target = tagged(value, "GetAtt")?.as_str()?;
    let (resource, attribute) = target.split_once('.')?;
    Some((resource.to_owned(), attribute.to_owned()))
}

/// The parts of `template.yaml` made from the event catalogue
/// ([`middesk_webhooks::catalogue`]): each sits between `# BEGIN GENERATED: <part>` and
/// `# END GENERATED: <part>` and is indented like its `BEGIN` line.
pub mod generated {
    use middesk_webhooks::catalogue::{
        CATCH_ALL_QUEUE, FAMILY_ROUTES, SUBSCRIBERS, queue_logical_id, queues_with, routes_with,
        types_of_queue_with,
    };

    /// Subscriber queues: `(type or family pattern, queue)` (see `catalogue::SUBSCRIBERS`).
    pub type Subscribers = [(&'static str, &'static str)];
    use middesk_webhooks::retention::{DEAD_LETTER_RETENTION, QUEUE_RETENTION};
    use middesk_webhooks::verify::metrics::Counted;
    use middesk_webhooks::watch::{ATTENTION_METRIC, EXPIRING_DEAD_LETTERS_METRIC, STARTED_METRIC};

    /// The namespace of the stack's own metrics, as template YAML: one per stack, so that two
    /// stacks in one account (staging beside production) never page for, nor hide, each other.
    /// The verifier, the queue watch and the access-log filter publish there.
    pub const STACK_NAMESPACE: &str = "!Sub \"MiddeskWebhooks/${AWS::StackName}\"";

    /// Refusals an anonymous caller can cause at will alarm only on a burst of this many in five
    /// minutes, so that nobody can page the operator from the internet.
    pub const BURST: u32 = 10;

    /// Whom an alarm tells when it fires and when it is OK again.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Notify {
        /// The alarm topic: it pages.
        Topic,
        /// Nobody: a dashboard alarm. For what anybody on the internet can cause at will, so
        /// that nobody can page the operator from outside.
        Nobody,
    }

    /// The verifier's alarms on its three metrics (`verify::metrics::Counted`), other than
    /// its faults (in `VerifierErrorsAlarm` with the function's errors): logical id, metric,
    /// threshold in five minutes, whom it tells, description. At 1, paging: an event of ours
    /// refused or unusable, which only Middesk or our own secret can cause. At [`BURST`], on the
    /// dashboard only: what anybody can cause.
    pub const REFUSAL_ALARMS: &[(&str, Counted, u32, Notify, &str)] = &[
        (
            "AuthenticEventRefusedAlarm",
            Counted::AuthenticRefused,
            1,
            Notify::Topic,
            "An event that is probably ours was refused or cannot be used: Middesk sent it (its address or its certificate) and it names no other account, or our secret or token vouches for a fresh body. Middesk gives up on it after 3 days; the verifier keeps a copy under the archive bucket's refused/ prefix for RefusedRetentionDays. The verifier's log line (outcome, refused_as: ours) says why: signature_mismatch, signature_missing, certificate_refused, token_refused, source_not_allowed, account_not_listed, account_missing, payload_too_large, empty_body, event_too_old, or accepted_malformed (delivered flagged malformed=true; its consumer fails it by default). Once the cause is fixed, middesk-webhooks replay --refused delivers what was kept. docs/runbook.md has what to do for each; the stack's saved Logs Insights query <stack>/refusals lists them.",
        ),
        (
            "ForeignRequestsAlarm",
            Counted::ForeignRefused,
            BURST,
            Notify::Nobody,
            "A burst of requests anybody can send was refused (refused_as: anybody): a forgery or a scan from elsewhere than Middesk's addresses, a captured request replayed old or oversized, another Middesk customer's event (account_not_listed), a request event that does not decode (malformed_event), method_not_allowed. A dashboard alarm: it notifies nobody, since anybody can cause it. The verifier's log lines (outcome, source_ip, account) say which; the stack's saved Logs Insights query <stack>/refusals lists them.",
        ),
    ];

    /// The route patterns that reach `queue`.
    fn patterns(queue: &str, subs: &Subscribers) -> Vec<String> {
        let families: Vec<String> = FAMILY_ROUTES
            .iter()
            .chain(subs)
            .filter(|(_, q)| *q == queue)
            .map(|(p, _)| (*p).to_owned())
            .collect();
        if !families.is_empty() {
            return families;
        }
        types_of_queue_with(queue, subs).into_iter().map(str::to_owned).collect()
    }

    /// What a queue receives, for descriptions: `business.created`, `registration_request.*`.
    fn receives(queue: &str, subs: &Subscribers) -> String {
        if queue == CATCH_ALL_QUEUE {
            return "catch-all".to_owned();
        }
        patterns(queue, subs).join(" ")
    }

    /// The verifier's routing environment.
    fn routes(subs: &Subscribers) -> String {
        let mut text = String::from(
            "# The stack names its queues <stack>-<queue>, so that every documented type fits in\n\
             # Lambda's 4 KB of environment.\n\
             QUEUE_NAME_PREFIX: !Sub \"${AWS::StackName}-\"\n",
        );
        text += &format!("CATCH_ALL_QUEUE: {CATCH_ALL_QUEUE}\nROUTES: !Join\n  - \",\"\n  -\n");
        for route in routes_with(subs) {
            text += &format!("    - \"{route}\"\n");
        }
        text
    }

    /// The verifier role's queue ARNs.
    fn queue_arns(subs: &Subscribers) -> String {
        let mut queues = queues_with(subs);
        queues.rotate_right(1); // the catch-all first
        queues.iter().map(|q| format!("- !GetAtt {}.Arn\n", queue_logical_id(q))).collect()
    }

    /// Every queue with its dead-letter queue and their alarms, then the policy that lets only
    /// the verifier (and the operator) send to them.
    fn queues(subs: &Subscribers, consumer_roles: &[String]) -> String {
        let mut parts: Vec<String> = queues_with(subs).iter().map(|q| queue_resources(q, subs)).collect();
        parts.push(queue_policy(subs, consumer_roles));
        parts.join("\n")
    }

    fn queue_resources(queue: &str, subs: &Subscribers) -> String {
        let id = queue_logical_id(queue);
        let stem = id.trim_end_matches("Queue");
        let (retention, dead_letter_retention) = (QUEUE_RETENTION.as_secs(), DEAD_LETTER_RETENTION.as_secs());
        let checkov = checkov_skip(&[(
            "CKV_AWS_27",
            "Encrypted at rest by SSE-SQS; a customer key would need a key policy for each producer and consumer.",
        )]);
        // Tag values may not hold `*`: the types themselves.
        let tag = if queue == CATCH_ALL_QUEUE {
            queue.to_owned()
        } else {
            types_of_queue_with(queue, subs).join(" ")
        };
        format!(
            r#"{id}:
  Type: AWS::SQS::Queue
  # Kept if a change ever replaces it (a rename), so that events waiting in it survive;
  # drain it with `middesk-webhooks redrive`.
  UpdateReplacePolicy: Retain
  DeletionPolicy: Delete
  Metadata:
{checkov}
  Properties:
    QueueName: !Sub "${{AWS::StackName}}-{queue}"
    SqsManagedSseEnabled: true
    MessageRetentionPeriod: {retention}
    MaximumMessageSize: 1048576
    VisibilityTimeout: 180
    RedrivePolicy:
      deadLetterTargetArn: !GetAtt {stem}DeadLetterQueue.Arn
      maxReceiveCount: 5
    Tags:
      - Key: middesk:event-type
        Value: "{tag}"

{stem}DeadLetterQueue:
  Type: AWS::SQS::Queue
  # Named, so that the queue watch finds it under the stack's prefix; kept if a change ever
  # replaces it, with the dead letters in it.
  UpdateReplacePolicy: Retain
  DeletionPolicy: Delete
  Metadata:
{checkov}
  Properties:
    QueueName: !Sub "${{AWS::StackName}}-{queue}-dlq"
    SqsManagedSseEnabled: true
    # Only its own queue may move failed messages here.
    RedriveAllowPolicy:
      redrivePermission: byQueue
      sourceQueueArns:
        - !Sub "arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:${{AWS::StackName}}-{queue}"
    # Counted from when the message was first queued: a dead letter has at least the
    # difference with the queue's retention to be redriven.
    MessageRetentionPeriod: {dead_letter_retention}
    Tags:
      - Key: middesk:event-type
        Value: "{tag}"
"#
        )
    }

    /// A resource's `checkov` metadata: the checks it is exempt from, each with its reason
    /// (docs/deploy.md lists them), indented for a resource at the generated parts' level.
    fn checkov_skip(checks: &[(&str, &str)]) -> String {
        let mut out = String::from("    checkov:\n      skip:");
        for (id, reason) in checks {
            out.push_str(&format!("\n        - id: {id}\n          comment: {reason}"));
        }
        out
    }

    /// Who may do what with the queues, as a deny to everyone else (broad admin and read-only
    /// roles of the account included):
    /// - send: the verifier's role, and the operator's principal (redrive and replay send as
    ///   it); to a dead-letter queue, the operator only (SQS's own move of a failed message is
    ///   not a send), or a forged dead letter would reach a consumer through the next `redrive`;
    /// - receive, delete, change visibility: the stack's consumers, `ConsumerPrincipalArns`
    ///   (consumers in other stacks) and the operator; in a dead-letter queue, the operator;
    /// - purge: the operator.
    ///
    /// The queue watch reads attributes only, which no statement denies. Resources are patterns
    /// of the stack's queue names: SQS keeps a queue's policy within 8,192 bytes, which a list
    /// of every queue's ARN per statement outgrows.
    fn queue_policy(subs: &Subscribers, consumer_roles: &[String]) -> String {
        let queues = queues_with(subs);
        let ids: Vec<String> = queues.iter().map(|q| queue_logical_id(q)).collect();
        let dead_letter = |id: &String| format!("{}DeadLetterQueue", id.trim_end_matches("Queue"));
        let urls: String = ids
            .iter()
            .flat_map(|id| [id.clone(), dead_letter(id)])
            .map(|id| format!("    - !Ref {id}\n"))
            .collect();
        let consumers: String =
            consumer_roles.iter().map(|role| format!("                - !GetAtt {role}.Arn\n")).collect();
        let stack_queues =
            r#"!Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}-*""#;
        let dead_letters =
            r#"!Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}-*-dlq""#;
        format!(
            r#"QueueAccessPolicy:
  Type: AWS::SQS::QueuePolicy
  Properties:
    Queues:
{urls}    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Sid: OnlyTheVerifierAndTheOperatorSend
          Effect: Deny
          Principal: "*"
          Action: sqs:SendMessage
          Resource: {stack_queues}
          Condition:
            ArnNotEquals:
              aws:PrincipalArn:
                - !GetAtt VerifierRole.Arn
                - !If [HasOperatorPrincipal, !Ref OperatorPrincipalArn, !Ref AWS::NoValue]
        - Sid: OnlyTheOperatorSendsToDeadLetters
          Effect: Deny
          Principal: "*"
          Action: sqs:SendMessage
          Resource: {dead_letters}
          Condition: !If
            - HasOperatorPrincipal
            - ArnNotEquals:
                aws:PrincipalArn: !Ref OperatorPrincipalArn
            - !Ref AWS::NoValue
        - Sid: OnlyConsumersAndTheOperatorReceive
          Effect: Deny
          Principal: "*"
          Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility]
          Resource: {stack_queues}
          Condition:
            ArnNotEquals:
              aws:PrincipalArn:
{consumers}                - !If [HasOperatorPrincipal, !Ref OperatorPrincipalArn, !Ref AWS::NoValue]
            ArnNotLike: !If
              - HasConsumerPrincipals
              - aws:PrincipalArn: !Ref ConsumerPrincipalArns
              - !Ref AWS::NoValue
        - Sid: OnlyTheOperatorReadsDeadLetters
          Effect: Deny
          Principal: "*"
          Action: [sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility]
          Resource: {dead_letters}
          Condition: !If
            - HasOperatorPrincipal
            - ArnNotEquals:
                aws:PrincipalArn: !Ref OperatorPrincipalArn
            - !Ref AWS::NoValue
        - Sid: OnlyTheOperatorPurges
          Effect: Deny
          Principal: "*"
          Action: sqs:PurgeQueue
          Resource: {stack_queues}
          Condition: !If
            - HasOperatorPrincipal
            - ArnNotEquals:
                aws:PrincipalArn: !Ref OperatorPrincipalArn
            - !Ref AWS::NoValue
"#
        )
    }

    /// A CloudWatch metric an alarm watches, with at most one dimension (its value as YAML).
    struct Metric {
        namespace: &'static str,
        name: String,
        dimension: Option<(&'static str, String)>,
        statistic: &'static str,
    }

    impl Metric {
        /// The metric's `Dimensions` as YAML lines at `indent`, or nothing.
        fn dimensions(&self, indent: &str) -> String {
            match &self.dimension {
                Some((name, value)) => {
                    format!("{indent}Dimensions:\n{indent}  - Name: {name}\n{indent}    Value: {value}\n")
                }
                None => String::new(),
            }
        }
    }

    /// How long a metric must breach before its alarm fires: `periods` periods of `period`
    /// seconds in a row.
    #[derive(Clone, Copy)]
    struct Breach {
        period: u32,
        periods: u32,
    }

    /// At the first occurrence within five minutes.
    const AT_ONCE: Breach = Breach { period: 300, periods: 1 };

    /// An hour in a row: what anybody on the internet can cause for a while (a flood throttled
    /// at the edge or in Lambda) but only an outage sustains. Middesk retries for 3 days, so an
    /// hour of refusals loses nothing yet, and a flood cannot page the operator.
    pub const SUSTAINED_PERIOD: u32 = 900;
    /// See [`SUSTAINED_PERIOD`].
    pub const SUSTAINED_PERIODS: u32 = 4;
    const SUSTAINED: Breach = Breach { period: SUSTAINED_PERIOD, periods: SUSTAINED_PERIODS };

    /// What an alarm makes of a period without data.
    #[derive(Clone, Copy)]
    enum Missing {
        /// Nothing happened: a counter that only counts what went wrong.
        NotBreaching,
        /// Something stopped: a metric that must arrive every period (the queue watch's looks).
        Breaching,
        /// Keep the state: another alarm says that the metric stopped.
        Ignore,
    }

    /// Which side of the threshold breaches.
    #[derive(Clone, Copy)]
    enum Compare {
        /// At or above: a count of what went wrong.
        AtLeast,
        /// Below: a count of what must happen (the queue watch's looks).
        Below,
    }

    /// The alarm's notification and state settings, the same for every alarm.
    fn alarm_tail(breach: Breach, threshold: &str, missing: Missing) -> String {
        alarm_tail_with(breach, threshold, Rule::paging(missing))
    }

    /// How an alarm compares, what it makes of missing data, and whom it tells.
    #[derive(Clone, Copy)]
    struct Rule {
        compare: Compare,
        missing: Missing,
        notify: Notify,
    }

    impl Rule {
        /// At or above the threshold, telling the alarm topic.
        const fn paging(missing: Missing) -> Rule {
            Rule { compare: Compare::AtLeast, missing, notify: Notify::Topic }
        }
    }

    /// [`alarm_tail`] with the rule given.
    fn alarm_tail_with(breach: Breach, threshold: &str, rule: Rule) -> String {
        let Rule { compare, missing, notify } = rule;
        let Breach { period: _, periods } = breach;
        let missing = match missing {
            Missing::NotBreaching => "notBreaching",
            Missing::Breaching => "breaching",
            Missing::Ignore => "ignore",
        };
        let operator = match compare {
            Compare::AtLeast => "GreaterThanOrEqualToThreshold",
            Compare::Below => "LessThanThreshold",
        };
        let actions = match notify {
            Notify::Topic => {
                "    AlarmActions: [!If [CreateAlarmTopic, !Ref AlarmTopic, !Ref AlarmTopicArn]]
    OKActions: [!If [CreateAlarmTopic, !Ref AlarmTopic, !Ref AlarmTopicArn]]
"
            }
            Notify::Nobody => "",
        };
        format!(
            r#"    EvaluationPeriods: {periods}
    DatapointsToAlarm: {periods}
    Threshold: {threshold}
    ComparisonOperator: {operator}
    TreatMissingData: {missing}
{actions}"#
        )
    }

    /// An alarm on `metric` breaching `threshold` (YAML) as `breach` says, notifying the alarm
    /// topic when it fires and when it is OK again.
    fn alarm(
        id: &str,
        description: &str,
        metric: &Metric,
        breach: Breach,
        threshold: &str,
        missing: Missing,
    ) -> String {
        alarm_with(id, description, metric, breach, threshold, Rule::paging(missing))
    }

    /// [`alarm`] with the rule given.
    fn alarm_with(
        id: &str,
        description: &str,
        metric: &Metric,
        breach: Breach,
        threshold: &str,
        rule: Rule,
    ) -> String {
        let Metric { namespace, name, statistic, .. } = metric;
        let period = breach.period;
        format!(
            r#"{id}:
  Type: AWS::CloudWatch::Alarm
  Properties:
    AlarmDescription: "{description}"
    Namespace: {namespace}
    MetricName: {name}
{dimensions}    Statistic: {statistic}
    Period: {period}
{tail}"#,
            dimensions = metric.dimensions("    "),
            tail = alarm_tail_with(breach, threshold, rule)
        )
    }

    /// An alarm on the sum of several metrics (metric math), at once.
    fn sum_alarm(id: &str, description: &str, metrics: &[Metric]) -> String {
        let period = AT_ONCE.period;
        let mut queries = String::new();
        for (i, metric) in metrics.iter().enumerate() {
            let Metric { namespace, name, statistic, .. } = metric;
            queries += &format!(
                r#"      - Id: m{i}
        ReturnData: false
        MetricStat:
          Stat: {statistic}
          Period: {period}
          Metric:
            Namespace: {namespace}
            MetricName: {name}
{dimensions}"#,
                dimensions = metric.dimensions("            ")
            );
        }
        let sum = (0..metrics.len()).map(|i| format!("m{i}")).collect::<Vec<_>>().join(", ");
        format!(
            r#"{id}:
  Type: AWS::CloudWatch::Alarm
  Properties:
    AlarmDescription: "{description}"
    Metrics:
      - Id: faults
        Label: the verifier's own failures
        ReturnData: true
        Expression: "SUM([{sum}])"
{queries}{tail}"#,
            tail = alarm_tail(AT_ONCE, "1", Missing::NotBreaching)
        )
    }

    /// The stack's alarms: the verifier's faults at once, its refusals, the platform's 5xx and
    /// 429s when they last, and the queue watch's two. None per queue: the queue watch counts
    /// every queue into one metric (an alarm per queue is $0.10 a month each, see cost.rs).
    fn alarms() -> String {
        let counted = |counted: Counted| Metric {
            namespace: STACK_NAMESPACE,
            name: counted.metric().into(),
            dimension: None,
            statistic: "Sum",
        };
        let faults = [
            Metric {
                namespace: "AWS/Lambda",
                name: "Errors".into(),
                dimension: Some(("FunctionName", "!Ref VerifierFunction".into())),
                statistic: "Sum",
            },
            counted(Counted::Fault),
        ];
        let fault_outcomes: Vec<&str> = Counted::Fault.outcomes().collect();
        let mut parts = vec![sum_alarm(
            "VerifierErrorsAlarm",
            &format!(
                "The verifier failed a request by its own fault: a dependency (Secrets Manager, SQS, S3, the JWKS) failing or slow (503), or the function crashing, panicking or timing out. An authentic event may be refused; Middesk retries. The verifier's log lines say which (outcome: {}; error).",
                fault_outcomes.join(", ")
            ),
            &faults,
        )];
        for &(id, metric, threshold, notify, description) in REFUSAL_ALARMS {
            let rule = Rule { notify, ..Rule::paging(Missing::NotBreaching) };
            parts.push(alarm_with(id, description, &counted(metric), AT_ONCE, &threshold.to_string(), rule));
        }
        let api = |name: &str, namespace: &'static str| Metric {
            namespace,
            name: name.into(),
            dimension: Some(("ApiId", "!Ref WebhookApi".into())),
            statistic: "Sum",
        };
        parts.push(alarm(
            "EndpointErrorsAlarm",
            "The endpoint answered 5xx in every quarter of an hour for an hour: the verifier throttled (a flood above its reserved concurrency) or failing. Middesk retries for 3 days; VerifierErrorsAlarm says whether the verifier itself failed, the dashboard whether it was throttled.",
            &api("5xx", "AWS/ApiGateway"),
            SUSTAINED,
            "1",
            Missing::NotBreaching,
        ));
        parts.push(alarm(
            "ThrottledRequestsAlarm",
            "API Gateway's throttle answered 429 (from its access log) in every quarter of an hour for an hour: a flood is taking the endpoint's capacity. Middesk retries for 3 days. With SourceIpAllowlist set only allowed callers reach the verifier; see docs/runbook.md, The edge.",
            &api("ThrottledRequests", STACK_NAMESPACE),
            SUSTAINED,
            "1",
            Missing::NotBreaching,
        ));
        let watch = |name: &str, statistic: &'static str| Metric {
            namespace: STACK_NAMESPACE,
            name: name.into(),
            dimension: None,
            statistic,
        };
        parts.push(alarm(
            "QueuesNeedAttentionAlarm",
            "Something in the stack's queues needs attention: a dead letter (a consumer failed an event 5 times: fix it, then middesk-webhooks redrive), a consumed queue's oldest message older than QueueAgeAlarmSeconds (its consumer is stuck or disabled; messages expire after 7 days), or a queue, CloudWatch or Lambda's event source mappings that cannot be read. It stays in ALARM while any reason holds; QueueProblemStartedAlarm pages for each new one. Which queue: middesk-webhooks status --stack-name <stack>, the dashboard's Queues table, or the QueueWatch function's log (needs attention).",
            &watch(ATTENTION_METRIC, "Maximum"),
            WATCHED,
            "1",
            Missing::Ignore,
        ));
        parts.push(alarm(
            "QueueProblemStartedAlarm",
            "The queue watch found a problem its last look had not: a queue's first dead letter, a consumed queue newly stale, a queue or a dependency it can no longer read. It fires for each new problem, even while QueuesNeedAttentionAlarm is in ALARM for older ones, and is OK again at the next look. What started: the QueueWatch function's log (needs attention, started: true), or middesk-webhooks status --stack-name <stack>.",
            &watch(STARTED_METRIC, "Maximum"),
            STARTED,
            "1",
            Missing::NotBreaching,
        ));
        parts.push(alarm_with(
            "QueueWatchStoppedAlarm",
            "The queue watch has not looked at the queues for 15 minutes: its schedule is off, it fails before publishing, or it cannot publish. Until it looks again, no dead letter or stale queue pages. Its log group (QueueWatchLogGroup) and the function's errors say why.",
            &watch(ATTENTION_METRIC, "SampleCount"),
            WATCHED,
            "1",
            Rule { compare: Compare::Below, missing: Missing::Breaching, notify: Notify::Topic },
        ));
        parts.push(alarm(
            "DeadLettersExpiringAlarm",
            "A dead letter has waited longer than DeadLetterAgeAlarmSeconds, or its age cannot be read: redrive it (middesk-webhooks redrive) before it expires, 14 days after it was first queued. Fires again for dead letters QueuesNeedAttentionAlarm already reported. Which queue: middesk-webhooks status --stack-name <stack>.",
            &watch(EXPIRING_DEAD_LETTERS_METRIC, "Maximum"),
            WATCHED,
            "1",
            Missing::NotBreaching,
        ));
        parts.join("\n")
    }

    /// The queue watch's new problems, per minute: it looks every five minutes, so the alarm
    /// is back to OK a minute after the look that found one, ready for the next.
    const STARTED: Breach = Breach { period: 60, periods: 1 };

    /// The queue watch's metrics, per quarter of an hour: it looks every five minutes, so a
    /// period without a look means it stopped.
    const WATCHED: Breach = Breach { period: 900, periods: 1 };

    /// The queue watch's environment: the queues it looks at.
    fn watched_queues(subs: &Subscribers) -> String {
        let mut text = String::from("WATCHED_QUEUES: !Join\n  - \",\"\n  -\n");
        for queue in queues_with(subs) {
            text += &format!("    - {queue}\n");
        }
        text
    }

    /// Each queue's URL and ARN as outputs.
    fn queue_outputs(subs: &Subscribers) -> String {
        queues_with(subs)
            .iter()
            .map(|q| {
                let id = queue_logical_id(q);
                let receives = receives(q, subs);
                // Exported, so that a consumer in another stack subscribes with !ImportValue.
                format!(
                    "{id}Url:\n  Description: \"Queue URL for {receives}\"\n  Value: !Ref {id}\n  \
                     Export:\n    Name: !Sub \"${{AWS::StackName}}-{id}Url\"\n\
                     {id}Arn:\n  Description: \"Queue ARN for {receives}\"\n  Value: !GetAtt {id}.Arn\n  \
                     Export:\n    Name: !Sub \"${{AWS::StackName}}-{id}Arn\"\n"
                )
            })
            .collect()
    }

    /// The names of the generated parts, the dashboard's aside.
    pub fn part_names() -> Vec<&'static str> {
        parts_with(SUBSCRIBERS, &[]).into_iter().map(|(name, _)| name).collect()
    }

    /// The generated parts with these subscriber queues, the stack's consumers having these
    /// roles (logical ids).
    fn parts_with(subs: &Subscribers, consumer_roles: &[String]) -> Vec<(&'static str, String)> {
        vec![
            ("routes", routes(subs)),
            ("queue-arns", queue_arns(subs)),
            ("alarms", alarms()),
            ("watched-queues", watched_queues(subs)),
            ("queues", queues(subs, consumer_roles)),
            ("queue-outputs", queue_outputs(subs)),
        ]
    }

    /// The roles (logical ids) of the template's functions that an SQS queue invokes, in
    /// template order: the stack's own consumers.
    fn consumer_roles(text: &str) -> Result<Vec<String>, String> {
        let doc: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(text).map_err(|e| format!("template is not YAML: {e}"))?;
        let resources = doc["Resources"].as_mapping().ok_or("template has no Resources")?;
        let mut roles = Vec::new();
        for (id, function) in resources {
            let props = &function["Properties"];
            let from_sqs = props["Events"]
                .as_mapping()
                .is_some_and(|events| events.values().any(|e| e["Type"].as_str() == Some("SQS")));
            if function["Type"].as_str() != Some("AWS::Serverless::Function") || !from_sqs {
                continue;
            }
            let (role, _) = super::get_att(&props["Role"]).ok_or_else(|| {
                format!("{}: a consumer needs a role of the stack", id.as_str().unwrap_or_default())
            })?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        Ok(roles)
    }

    /// `template` with every generated part rewritten from the catalogue; the dashboard last,
    /// since it shows every alarm and function of the template as the other parts leave it.
    pub fn regenerate(template: &str) -> Result<String, String> {
        regenerate_with(template, SUBSCRIBERS)
    }

    /// [`regenerate`] with these subscriber queues.
    pub fn regenerate_with(template: &str, subs: &Subscribers) -> Result<String, String> {
        let mut text = template.to_owned();
        // Emptied first: what stands there may be stale, and need not even parse. The
        // consumers' roles are then read from what is written by hand.
        for name in part_names().into_iter().chain(["dashboard"]) {
            replace_part(&mut text, name, "")?;
        }
        let roles = consumer_roles(&text)?;
        for (name, body) in parts_with(subs, &roles) {
            replace_part(&mut text, name, &body)?;
        }
        let (alarms, functions) = alarms_and_functions(&text)?;
        replace_part(&mut text, "dashboard", &super::dashboard::resource(&alarms, &functions))?;
        Ok(text)
    }

    /// Replaces what stands between `# BEGIN GENERATED: <name>` and its `END` line with `body`,
    /// indented like the `BEGIN` line.
    fn replace_part(text: &mut String, name: &str, body: &str) -> Result<(), String> {
        let begin = format!("# BEGIN GENERATED: {name}");
        let end = format!("# END GENERATED: {name}");
        let begin_at = text.find(&begin).ok_or_else(|| format!("template has no `{begin}` line"))?;
        let line_start = text[..begin_at].rfind('\n').map_or(0, |i| i + 1);
        let indent = &text[line_start..begin_at];
        if !indent.bytes().all(|b| b == b' ') {
            return Err(format!("`{begin}` must be alone on its line"));
        }
        let content_start = begin_at + text[begin_at..].find('\n').ok_or("no newline after BEGIN")? + 1;
        let end_at =
            content_start + text[content_start..].find(&end).ok_or_else(|| format!("no `{end}` line"))?;
        let end_line_start = text[..end_at].rfind('\n').map_or(0, |i| i + 1);
        let indented: String = body
            .lines()
            .map(|line| if line.is_empty() { "\n".to_owned() } else { format!("{indent}{line}\n") })
            .collect();
        text.replace_range(content_start..end_line_start, &indented);
        Ok(())
    }

    /// The logical ids of the template's alarms and of its functions, in template order.
    fn alarms_and_functions(text: &str) -> Result<(Vec<String>, Vec<String>), String> {
        let doc: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(text).map_err(|e| format!("template is not YAML: {e}"))?;
        let resources = doc["Resources"].as_mapping().ok_or("template has no Resources")?;
        let of_type = |kind: &str| -> Result<Vec<String>, String> {
            let mut ids = Vec::new();
            for (id, resource) in resources.iter().filter(|(_, r)| r["Type"].as_str() == Some(kind)) {
                let id = id.as_str().unwrap_or_default();
                // A conditional resource may not exist, and the dashboard could not name it: only
                // the secret rotation's (a function and its alarm, apart from the pipeline) may be.
                if !resource["Condition"].is_null() {
                    if resource["Condition"].as_str() == Some("RotateSecret") {
                        continue;
                    }
                    return Err(format!("{id} has a Condition; the dashboard cannot show it"));
                }
                ids.push(id.to_owned());
            }
            Ok(ids)
        };
        Ok((of_type("AWS::CloudWatch::Alarm")?, of_type("AWS::Serverless::Function")?))
    }
}

/// The stack's CloudWatch dashboard: one picture of the pipeline, from requests at the edge to
/// events waiting in their queues, with every alarm's state. Its body is a `!Sub` string, so
/// that it names the stack's own resources.
pub mod dashboard {
    use middesk_webhooks::consume::newest::SUPERSEDED_METRIC;
    use serde_json::{Value, json};

    /// Alarms an alarm-status widget may show (CloudWatch's limit).
    pub const MAX_ALARMS_PER_WIDGET: usize = 100;
    /// The period of the graphs: at tens of events a day, hourly sums are what is readable.
    const PERIOD: u32 = 3600;

    /// A graph widget at (`x`, `y`) of `width` x `height` grid units.
    fn graph(
        (x, y, width, height): (u32, u32, u32, u32),
        title: &str,
        stat: &str,
        metrics: Vec<Value>,
    ) -> Value {
        json!({
            "type": "metric", "x": x, "y": y, "width": width, "height": height,
            "properties": {
                "title": title, "region": "${AWS::Region}", "view": "timeSeries", "stacked": false,
                "stat": stat, "period": PERIOD, "metrics": metrics
            }
        })
    }

    /// A Logs Insights widget at (`x`, `y`): billed per GB it scans when someone looks, never
    /// while nobody does, where a metric per queue or per outcome would bill every month.
    fn logs(
        (x, y, width, height): (u32, u32, u32, u32),
        title: &str,
        log_group: &str,
        query: &str,
        view: &str,
    ) -> Value {
        json!({
            "type": "log", "x": x, "y": y, "width": width, "height": height,
            "properties": {
                "title": title, "region": "${AWS::Region}", "view": view,
                "query": format!("SOURCE '${{{log_group}}}' | {query}")
            }
        })
    }

    /// The dashboard's body (JSON with `${...}` references for `!Sub`). Its metrics are fixed in
    /// number whatever the catalogue holds (CloudWatch's free dashboards have at most 50);
    /// what is per queue, per outcome or per type comes from logs.
    pub fn body(alarms: &[String], functions: &[String]) -> Value {
        let api = |metric: &str, label: &str| json!(["AWS/ApiGateway", metric, "ApiId", "${WebhookApi}", {"label": label}]);
        let verifier = |metric: &str, stat: &str| json!(["AWS/Lambda", metric, "FunctionName", "${VerifierFunction}", {"stat": stat, "label": stat}]);
        let errors = functions
            .iter()
            .map(|f| json!(["AWS/Lambda", "Errors", "FunctionName", format!("${{{f}}}"), {"label": f.trim_end_matches("Function")}]))
            .collect();
        let mut widgets = vec![
            json!({
                "type": "text", "x": 0, "y": 0, "width": 24, "height": 2,
                "properties": {"markdown": "## Middesk webhooks: ${AWS::StackName}\nLeft to right, top to bottom: what arrived and how the verifier answered, how long it took, every queue as the queue watch last saw it, and every alarm. What each widget means and what to do: docs/runbook.md in the repository. `middesk-webhooks status` prints the queues' state as a table."}
            }),
            logs(
                (0, 2, 12, 6),
                "Requests by outcome (verifier log, per hour)",
                "VerifierLogGroup",
                "filter ispresent(outcome) | stats count(*) as requests by bin(1h), outcome",
                "timeSeries",
            ),
            graph(
                (12, 2, 12, 6),
                "API Gateway: requests, 4xx, 5xx, throttled 429s (per hour)",
                "Sum",
                vec![
                    api("Count", "requests"),
                    api("4xx", "4xx"),
                    api("5xx", "5xx"),
                    json!(["MiddeskWebhooks/${AWS::StackName}", "ThrottledRequests", "ApiId", "${WebhookApi}", {"label": "429 throttled"}]),
                ],
            ),
            graph(
                (0, 8, 8, 6),
                "Verifier duration (ms)",
                "p50",
                vec![verifier("Duration", "p50"), verifier("Duration", "p99")],
            ),
            // Events older than their object's newest, not acted on: the ordering at work, never
            // alarmed. A rise says Middesk retries or replays are arriving late.
            graph(
                (8, 8, 6, 6),
                "Events superseded (per hour)",
                "Sum",
                vec![
                    json!(["MiddeskWebhooks/${AWS::StackName}", SUPERSEDED_METRIC, {"label": "superseded"}]),
                ],
            ),
            graph((14, 8, 10, 6), "Function errors, verifier throttles (per hour)", "Sum", {
                let mut metrics: Vec<Value> = errors;
                metrics.push(json!(["AWS/Lambda", "Throttles", "FunctionName", "${VerifierFunction}", {"label": "verifier throttles"}]));
                metrics
            }),
            logs(
                (0, 14, 16, 8),
                "Queues: the queue watch's latest look (every 5 minutes)",
                "QueueWatchLogGroup",
                "filter message = \"queue\" | stats latest(waiting) as waiting, latest(in_flight) as in_flight, latest(oldest_age_seconds) as oldest_s, latest(dead_letters) as dead_letters, latest(oldest_dead_letter_age_seconds) as oldest_dead_letter_s by queue | sort dead_letters desc, oldest_s desc",
                "table",
            ),
            logs(
                (16, 14, 8, 8),
                "Events delivered, by type",
                "VerifierLogGroup",
                "filter outcome = \"accepted\" | stats count(*) as events by event_type | sort events desc",
                "table",
            ),
        ];
        let chunks: Vec<&[String]> = alarms.chunks(MAX_ALARMS_PER_WIDGET).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let title = match chunks.len() {
                1 => "Alarms".to_owned(),
                n => format!("Alarms ({} of {n})", i + 1),
            };
            // The ARN from the alarm's name (its Ref) rather than GetAtt Arn: the same ARN, and
            // the emulator's CloudFormation, which skips alarms, still resolves it.
            let arns: Vec<String> = chunk
                .iter()
                .map(|a| format!("arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:${{{a}}}"))
                .collect();
            widgets.push(json!({
                "type": "alarm", "x": 0, "y": 22 + 12 * i, "width": 24, "height": 12,
                "properties": {"title": title, "alarms": arns, "sortBy": "stateUpdatedTimestamp"}
            }));
        }
        json!({"start": "-P7D", "periodOverride": "inherit", "widgets": widgets})
    }

    /// The dashboard resource as template YAML: the body one widget a line.
    pub fn resource(alarms: &[String], functions: &[String]) -> String {
        let body = body(alarms, functions);
        let widgets: Vec<String> = body["widgets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| format!("        {}", crate::events::sorted_keys(w)))
            .collect();
        format!(
            "PipelineDashboard:\n  Type: AWS::CloudWatch::Dashboard\n  Properties:\n    \
             DashboardName: !Sub \"${{AWS::StackName}}-pipeline\"\n    DashboardBody: !Sub |\n      \
             {{\"start\": {start}, \"periodOverride\": {period}, \"widgets\": [\n{widgets}\n      ]}}\n",
            start = body["start"],
            period = body["periodOverride"],
            widgets = widgets.join(",\n"),
        )
    }
}
