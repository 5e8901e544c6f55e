//! Middesk's event catalogue: every documented event type, where Middesk documents it, and the
//! queue it reaches in the default stack. The one list the typed [`EventType`], the default
//! routing, the samples in `shared/samples/events/`, `events/`, the CLI and the generated
//! parts of `template.yaml` are made from.
//!
//! Adding a type is one line here (and its sample file); re-routing one is changing its queue.
//! Then `middesk-webhooks generate-events` and `middesk-webhooks generate-template` rewrite
//! what depends on it, and tests fail until they have run.
//!
//! Queues: every verification and monitoring type has a queue of its own. The entity-management
//! families (registration requests, jurisdiction registrations, information requests, item
//! changes) and agent runs are separate products whose consumers handle a whole family, so
//! each family shares one queue, routed by prefix ([`FAMILY_ROUTES`]): a type Middesk adds to
//! a family reaches that family's queue. Any other new type reaches the catch-all.

/// Whether `event_type` matches a route pattern: an exact type (`business.updated`), or a
/// family (`order.*`: every type that starts with `order.`), as the router reads them.
pub fn matches_pattern(pattern: &str, event_type: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => event_type.starts_with(prefix),
        None => pattern == event_type,
    }
}

/// Where a type is documented.
mod source {
    /// The "Using Webhooks" guide this project started from (`../shared/reference/`), also
    /// `https://docs.middesk.com/docs/using-webhooks-1`.
    pub const GUIDE: &str = "Middesk guide \"Using Webhooks\" (docs.middesk.com/docs/using-webhooks-1)";
    pub const WEBHOOKS_API: &str = "https://docs.middesk.com/reference/webhooks";
    pub const MONITORING: &str = "https://docs.middesk.com/docs/monitoring-events";
    pub const MONITOR_EVENTS: &str = "https://docs.middesk.com/monitor-activity/events";
    pub const LIENS: &str = "https://docs.middesk.com/monitor-activity/liens";
    pub const REGISTRATION_REQUESTS: &str =
        "https://docs.middesk.com/reference/webhooks-registration-requests";
    pub const JURISDICTION_REGISTRATIONS: &str =
        "https://docs.middesk.com/reference/jurisdiction-registration-webhook";
    pub const INFORMATION_REQUESTS: &str = "https://docs.middesk.com/reference/information-requests";
    pub const ITEM_CHANGES: &str = "https://docs.middesk.com/reference/item-changes";
    pub const AGENT_RUNS: &str = "https://docs.middesk.com/work-with-agents/webhooks";
}

/// One documented event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// The type as Middesk spells it, e.g. `business.updated`.
    pub event_type: &'static str,
    /// The queue it reaches in the default stack, e.g. `business-updated` (the stack names the
    /// queue `<stack>-business-updated`; its logical id is `BusinessUpdatedQueue`).
    pub queue: &'static str,
    /// Where Middesk documents it.
    pub documented_at: &'static str,
    /// A sample payload of this type, as Middesk sends it (`shared/samples/events/`).
    pub sample: &'static str,
}

macro_rules! catalogue {
    ($($variant:ident => $name:literal, $queue:literal, $source:expr;)+) => {
        /// A Middesk event type; types Middesk adds later are [`EventType::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum EventType {
            $(#[doc = concat!("`", $name, "`")] $variant,)+
            /// A type this version does not know yet, kept verbatim.
            Other(String),
        }

        impl EventType {
            /// The type as Middesk spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $name,)+
                    Self::Other(name) => name,
                }
            }

            /// Parses a type name; never fails.
            pub fn parse(name: &str) -> Self {
                match name {
                    $($name => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        /// Every documented event type, in catalogue order.
        pub const CATALOGUE: &[CatalogueEntry] = &[$(CatalogueEntry {
            event_type: $name,
            queue: $queue,
            documented_at: $source,
            sample: include_str!(concat!("../samples/events/", $name, ".json")),
        },)+];

        /// The names of every documented event type, in catalogue order.
        pub const DOCUMENTED_EVENT_TYPES: &[&str] = &[$($name,)+];
    };
}

catalogue! {
    BusinessCreated => "business.created", "business-created", source::WEBHOOKS_API;
    BusinessUpdated => "business.updated", "business-updated", source::WEBHOOKS_API;
    // Older reference pages; the current one says business.updated is sent on approval and
    // rejection too. Accounts configured from the older pages may still receive these.
    BusinessApproved => "business.approved", "business-approved", source::WEBHOOKS_API;
    BusinessRejected => "business.rejected", "business-rejected", source::WEBHOOKS_API;
    IndustryClassificationCreated => "industry_classification.created", "industry-classification-created", source::GUIDE;
    IndustryClassificationCompleted => "industry_classification.completed", "industry-classification-completed", source::GUIDE;
    OrderCreated => "order.created", "order-created", source::GUIDE;
    OrderUpdated => "order.updated", "order-updated", source::GUIDE;
    SubscriptionCreated => "subscription.created", "subscription-created", source::MONITORING;
    SubscriptionUpdated => "subscription.updated", "subscription-updated", source::MONITORING;
    // The current monitoring pages name monitors where the older ones named subscriptions.
    MonitorCreated => "monitor.created", "monitor-created", source::MONITOR_EVENTS;
    MonitorUpdated => "monitor.updated", "monitor-updated", source::MONITOR_EVENTS;
    TinRetried => "tin.retried", "tin-retried", source::WEBHOOKS_API;
    TinRetrieved => "tin.retrieved", "tin-retrieved", source::GUIDE;
    AgentTaxRegistrationCreated => "agent_tax_registration.created", "agent-tax-registration-created", source::GUIDE;
    AgentTaxRegistrationUpdated => "agent_tax_registration.updated", "agent-tax-registration-updated", source::GUIDE;
    LienUpdated => "lien.updated", "lien-updated", source::GUIDE;
    LienFound => "lien.found", "lien-found", source::LIENS;
    LienTerminated => "lien.terminated", "lien-terminated", source::LIENS;
    AddressCreated => "address.created", "address-created", source::MONITORING;
    AddressDeleted => "address.deleted", "address-deleted", source::MONITORING;
    BankruptcyCreated => "bankruptcy.created", "bankruptcy-created", source::GUIDE;
    NameCreated => "name.created", "name-created", source::MONITORING;
    NameDeleted => "name.deleted", "name-deleted", source::MONITORING;
    PersonCreated => "person.created", "person-created", source::MONITORING;
    PersonDeleted => "person.deleted", "person-deleted", source::MONITORING;
    RegistrationCreated => "registration.created", "registration-created", source::MONITORING;
    RegistrationUpdated => "registration.updated", "registration-updated", source::MONITORING;
    WatchlistResultCreated => "watchlist_result.created", "watchlist-result-created", source::GUIDE;
    RegistrationRequestSubmitted => "registration_request.submitted", "registration-requests", source::REGISTRATION_REQUESTS;
    RegistrationRequestUpdated => "registration_request.updated", "registration-requests", source::REGISTRATION_REQUESTS;
    AgentJurisdictionRegistrationCreated => "agent_jurisdiction_registration.created", "entity-management", source::JURISDICTION_REGISTRATIONS;
    AgentJurisdictionRegistrationUpdated => "agent_jurisdiction_registration.updated", "entity-management", source::JURISDICTION_REGISTRATIONS;
    AgentInfoRequestCreated => "agent_info_request.created", "entity-management", source::INFORMATION_REQUESTS;
    AgentInfoRequestUpdated => "agent_info_request.updated", "entity-management", source::INFORMATION_REQUESTS;
    AgentItemChangeCreated => "agent_item_change.created", "entity-management", source::ITEM_CHANGES;
    AgentItemChangeUpdated => "agent_item_change.updated", "entity-management", source::ITEM_CHANGES;
    RunCreated => "run.created", "agent-runs", source::AGENT_RUNS;
    RunCompleted => "run.completed", "agent-runs", source::AGENT_RUNS;
    RunInterrupted => "run.interrupted", "agent-runs", source::AGENT_RUNS;
}

/// Families routed to one queue by prefix: `(pattern, queue)`.
pub const FAMILY_ROUTES: &[(&str, &str)] = &[
    ("registration_request.*", "registration-requests"),
    ("agent_jurisdiction_registration.*", "entity-management"),
    ("agent_info_request.*", "entity-management"),
    ("agent_item_change.*", "entity-management"),
    ("run.*", "agent-runs"),
];

/// Further consumers that each need every event of a type, each with a queue of its own:
/// `(type or family pattern, queue)`. SQS consumers of one queue compete, so a second team
/// that needs `business.updated` subscribes its own queue here, e.g.
/// `("business.updated", "business-updated-risk-engine")`; the route then names it after the
/// type's own queue (`business.updated=business-updated+business-updated-risk-engine`) and the
/// template gets the queue with its dead-letter queue, alarms and exported outputs. The default
/// stack has none (an unconsumed queue would only raise its age alarm). Add a line, then
/// `middesk-webhooks generate-template`.
pub const SUBSCRIBERS: &[(&str, &str)] = &[];

/// The queue that receives every type the routing does not name, and bodies whose type cannot
/// be read.
pub const CATCH_ALL_QUEUE: &str = "catch-all";

/// The catalogue entry of `event_type`, if it is documented.
pub fn entry(event_type: &str) -> Option<&'static CatalogueEntry> {
    CATALOGUE.iter().find(|e| e.event_type == event_type)
}

/// The default routing table (`ROUTES`): `type=queue` for each type no family covers, then a
/// prefix entry per family. Queue names are relative to the stack's queue name prefix.
pub fn default_routes() -> Vec<String> {
    routes_with(SUBSCRIBERS)
}

/// The routing table with `subscribers` (see [`SUBSCRIBERS`]): each route names its own queue,
/// then its subscribers' queues, joined by `+`.
pub fn routes_with(subscribers: &[(&str, &str)]) -> Vec<String> {
    let family = |t: &str| FAMILY_ROUTES.iter().any(|(p, _)| matches_pattern(p, t));
    let exact = CATALOGUE.iter().filter(|e| !family(e.event_type)).map(|e| (e.event_type, e.queue));
    exact
        .chain(FAMILY_ROUTES.iter().copied())
        .map(|(pattern, queue)| {
            let extra: String =
                subscribers.iter().filter(|(p, _)| *p == pattern).map(|(_, q)| format!("+{q}")).collect();
            format!("{pattern}={queue}{extra}")
        })
        .collect()
}

/// Every queue of the default stack, in catalogue order, each once, the catch-all last.
pub fn default_queues() -> Vec<&'static str> {
    queues_with(SUBSCRIBERS)
}

/// Every queue with `subscribers`: the catalogue's, then the subscribers', the catch-all last.
pub fn queues_with(subscribers: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    let mut queues: Vec<&str> = Vec::new();
    for queue in CATALOGUE.iter().map(|e| e.queue).chain(subscribers.iter().map(|(_, q)| *q)) {
        if !queues.contains(&queue) {
            queues.push(queue);
        }
    }
    queues.push(CATCH_ALL_QUEUE);
    queues
}

/// The event types a queue of the default stack receives.
pub fn types_of_queue(queue: &str) -> Vec<&'static str> {
    types_of_queue_with(queue, SUBSCRIBERS)
}

/// The event types a queue receives, a subscriber's queue included.
pub fn types_of_queue_with(queue: &str, subscribers: &[(&str, &str)]) -> Vec<&'static str> {
    let subscribed = |t: &str| subscribers.iter().any(|(p, q)| *q == queue && matches_pattern(p, t));
    CATALOGUE.iter().filter(|e| e.queue == queue || subscribed(e.event_type)).map(|e| e.event_type).collect()
}

/// The CloudFormation logical id of a queue: `business-updated` → `BusinessUpdatedQueue`.
pub fn queue_logical_id(queue: &str) -> String {
    let mut id: String = queue
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect();
    id.push_str("Queue");
    id
}

/// The longest stack name whose queue names stay within SQS's 80 characters
/// (`<stack>-<queue>`).
pub fn max_stack_name_len() -> usize {
    80 - 1 - default_queues().iter().map(|q| q.len()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::routing::QueueRouter;

    #[test]
    fn every_type_parses_to_its_own_variant_and_back() {
        for e in CATALOGUE {
            let t = EventType::parse(e.event_type);
            assert!(!matches!(t, EventType::Other(_)), "{}", e.event_type);
            assert_eq!(t.as_str(), e.event_type);
        }
        assert_eq!(EventType::parse("x.y"), EventType::Other("x.y".into()));
        let mut names: Vec<_> = DOCUMENTED_EVENT_TYPES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "a type is listed twice");
    }

    #[test]
    fn the_default_routes_send_every_type_to_its_queue() {
        let base = "https://sqs.us-east-1.amazonaws.com/123456789012";
        let router =
            QueueRouter::parse("ROUTES", &default_routes().join(","), CATCH_ALL_QUEUE, Some(base)).unwrap();
        for e in CATALOGUE {
            assert_eq!(router.route(e.event_type).name, e.queue, "{}", e.event_type);
        }
        // A type Middesk adds to a family reaches the family; any other, the catch-all.
        assert_eq!(router.route("agent_item_change.deleted").name, "entity-management");
        assert_eq!(router.route("run.cancelled").name, "agent-runs");
        assert_eq!(router.route("kyc_check.completed").name, CATCH_ALL_QUEUE);
        assert_eq!(router.queues().len(), default_queues().len());
        // Every family route names a queue its types list.
        for (pattern, queue) in FAMILY_ROUTES {
            let prefix = pattern.trim_end_matches('*');
            assert!(types_of_queue(queue).iter().any(|t| t.starts_with(prefix)), "{pattern}");
        }
    }

    #[test]
    fn every_sample_is_of_its_type() {
        for e in CATALOGUE {
            let sample: serde_json::Value = serde_json::from_str(e.sample).unwrap();
            let named = sample.get("type").or(sample.get("namespace"));
            assert_eq!(named.and_then(|t| t.as_str()), Some(e.event_type));
        }
    }

    #[test]
    fn logical_ids_and_stack_names() {
        assert_eq!(queue_logical_id("business-updated"), "BusinessUpdatedQueue");
        assert_eq!(queue_logical_id(CATCH_ALL_QUEUE), "CatchAllQueue");
        assert_eq!(max_stack_name_len(), 80 - 1 - "industry-classification-completed".len());
    }
}
