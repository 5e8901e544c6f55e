//! What `template.yaml` describes, read back so that the local stack and the template tests
//! work from the one description of the deployed system.

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

/// A queue resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueResource {
    /// Logical id.
    pub logical_id: String,
    /// Logical id of its dead-letter queue, and `maxReceiveCount`.
    pub dead_letter: Option<(String, u32)>,
    /// `MessageRetentionPeriod` in seconds, if set.
    pub retention_seconds: Option<u64>,
    /// Whether server-side encryption is on.
    pub encrypted: bool,
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
    /// The verifier's routes: event type → queue logical id (from `ROUTES`).
    pub routes: Vec<(String, String)>,
    /// The catch-all queue's logical id (from `CATCH_ALL_QUEUE`).
    pub catch_all: String,
    /// The claim check's bucket (logical id, from `PAYLOAD_BUCKET`) and key prefix.
    pub payload_bucket: Option<(String, String)>,
    /// SQS subscriptions of functions.
    pub subscriptions: Vec<Subscription>,
    /// DynamoDB tables with their TTL attribute.
    pub tables: Vec<(String, Option<String>)>,
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
    Ok(model)
}

fn read_verifier(props: &Value, model: &mut TemplateModel) -> Result<(), String> {
    let vars = &props["Environment"]["Variables"];
    model.catch_all =
        get_att(&vars["CATCH_ALL_QUEUE"]).map(|(q, _)| q).ok_or("CATCH_ALL_QUEUE is not !GetAtt")?;
    if let Some(bucket) = tagged(&vars["PAYLOAD_BUCKET"], "Ref").and_then(Value::as_str) {
        let prefix = vars["PAYLOAD_KEY_PREFIX"].as_str().unwrap_or_default();
        model.payload_bucket = Some((bucket.to_owned(), prefix.to_owned()));
    }
    // ROUTES: !Join [",", [!Sub "type=${Queue.QueueName}", ...]]
    let join = tagged(&vars["ROUTES"], "Join").ok_or("ROUTES is not !Join")?;
    for part in join[1].as_sequence().into_iter().flatten() {
        let sub = tagged(part, "Sub").and_then(Value::as_str).ok_or("a ROUTES entry is not !Sub")?;
        let (event_type, reference) = sub.split_once('=').ok_or("a ROUTES entry has no '='")?;
        let queue = reference
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix(".QueueName}"))
            .ok_or_else(|| format!("ROUTES entry {sub:?} does not reference a queue's QueueName"))?;
        model.routes.push((event_type.to_owned(), queue.to_owned()));
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
