//! Which SQS queue each event type goes to.
//!
//! The table is one compact string so that every documented type fits in Lambda's 4 KB of
//! environment: `type=queue` entries separated by commas, where `type` is an exact event
//! type (`business.updated`) or a prefix ending in `.*` (`order.*`), and `queue` is a queue
//! URL or, with a base URL configured, a queue name, joined to the base after the name prefix
//! (`QUEUE_NAME_PREFIX`, the stack's `<stack>-`). Every type the table does not name goes to
//! the required catch-all queue, so a type Middesk adds tomorrow is delivered.
//!
//! A route may name several queues joined by `+` (`business.updated=crm-sync+risk-engine`):
//! SQS consumers of one queue compete, so each consumer that needs every event of a type gets a
//! queue of its own, and every one of them receives each event. The first is the type's own.

use std::collections::HashMap;

use crate::envelope::is_valid_event_type;
use crate::error::ConfigError;

pub use crate::catalogue::{DOCUMENTED_EVENT_TYPES, matches_pattern};
pub use crate::message::Queue;

/// Routes event types to queues: exact types first, then the longest matching prefix, then
/// the catch-all.
#[derive(Debug, Clone)]
pub struct QueueRouter {
    exact: HashMap<String, Vec<usize>>,
    /// `(prefix including the trailing dot, queue indices)`, longest prefix first.
    prefixes: Vec<(String, Vec<usize>)>,
    queues: Vec<Queue>,
    catch_all: Vec<usize>,
}

impl QueueRouter {
    /// Parses a routing table (see the module docs) and the catch-all queue.
    ///
    /// `var` names the variable the table came from so that errors point at it.
    pub fn parse(
        var: &'static str,
        table: &str,
        catch_all: &str,
        base: Option<&str>,
    ) -> Result<Self, ConfigError> {
        Self::parse_prefixed(var, table, catch_all, base, "")
    }

    /// Like [`QueueRouter::parse`], with `name_prefix` put before every queue name (not URL).
    pub fn parse_prefixed(
        var: &'static str,
        table: &str,
        catch_all: &str,
        base: Option<&str>,
        name_prefix: &str,
    ) -> Result<Self, ConfigError> {
        let catch_all = Queue::resolve_prefixed(catch_all, base, name_prefix).map_err(|reason| {
            ConfigError::Invalid { var: "CATCH_ALL_QUEUE", value: catch_all.to_owned(), reason }
        })?;
        let mut router =
            Self { exact: HashMap::new(), prefixes: Vec::new(), queues: vec![catch_all], catch_all: vec![0] };
        let entries = table.split(',').map(str::trim).filter(|e| !e.is_empty());
        for (i, entry) in entries.enumerate() {
            let bad = |reason: &str| ConfigError::Route {
                var,
                index: i + 1,
                entry: entry.to_owned(),
                reason: reason.to_owned(),
            };
            let (pattern, queues) = entry.split_once('=').ok_or_else(|| bad("expected type=queue"))?;
            let pattern = pattern.trim();
            let mut index = Vec::new();
            for queue in queues.split('+') {
                let queue = Queue::resolve_prefixed(queue, base, name_prefix).map_err(|r| bad(&r))?;
                let i = router.queue_index(queue);
                if index.contains(&i) {
                    return Err(bad("a queue is named twice in this route"));
                }
                index.push(i);
            }
            if let Some(prefix) = pattern.strip_suffix(".*") {
                if !is_valid_event_type(prefix) {
                    return Err(bad("prefix must be like order.* (lowercase, digits, _)"));
                }
                let prefix = format!("{prefix}.");
                if router.prefixes.iter().any(|(p, _)| *p == prefix) {
                    return Err(bad("this prefix is routed twice"));
                }
                router.prefixes.push((prefix, index));
            } else {
                if !is_valid_event_type(pattern) {
                    return Err(bad("type must be like business.updated or order.* (lowercase, digits, _)"));
                }
                if router.exact.insert(pattern.to_owned(), index).is_some() {
                    return Err(bad("this type is routed twice"));
                }
            }
        }
        router.prefixes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        Ok(router)
    }

    fn queue_index(&mut self, queue: Queue) -> usize {
        match self.queues.iter().position(|q| q.url == queue.url) {
            Some(i) => i,
            None => {
                self.queues.push(queue);
                self.queues.len() - 1
            }
        }
    }

    /// The indices of the queues of `event_type`'s route; the catch-all if nothing else matches.
    fn indices(&self, event_type: &str) -> &[usize] {
        let route = self.exact.get(event_type).or_else(|| {
            self.prefixes.iter().find(|(prefix, _)| event_type.starts_with(prefix.as_str())).map(|(_, i)| i)
        });
        route.unwrap_or(&self.catch_all)
    }

    /// The type's own queue for `event_type` (the first its route names); the catch-all if
    /// nothing else matches.
    pub fn route(&self, event_type: &str) -> &Queue {
        &self.queues[self.indices(event_type)[0]]
    }

    /// Every queue `event_type` goes to: its own, then each further subscriber's.
    pub fn route_all(&self, event_type: &str) -> Vec<&Queue> {
        self.indices(event_type).iter().map(|&i| &self.queues[i]).collect()
    }

    /// The catch-all queue.
    pub fn catch_all(&self) -> &Queue {
        &self.queues[self.catch_all[0]]
    }

    /// Every distinct queue, the catch-all first.
    pub fn queues(&self) -> &[Queue] {
        &self.queues
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://sqs.us-east-1.amazonaws.com/123456789012";

    fn router(table: &str) -> QueueRouter {
        QueueRouter::parse("ROUTES", table, "catch-all", Some(BASE)).unwrap()
    }

    #[test]
    fn exact_prefix_and_catch_all() {
        let r = router("business.updated=biz-updated, order.*=orders,order.updated=order-updated");
        assert_eq!(r.route("business.updated").name, "biz-updated");
        assert_eq!(r.route("order.created").name, "orders");
        assert_eq!(r.route("order.updated").name, "order-updated");
        assert_eq!(r.route("business.created").name, "catch-all");
        assert_eq!(r.route("brand_new.event").name, "catch-all");
        // A prefix matches whole segments only.
        assert_eq!(r.route("orders.created").name, "catch-all");
        assert_eq!(r.route("order").name, "catch-all");
        assert_eq!(r.catch_all().url, format!("{BASE}/catch-all"));
    }

    #[test]
    fn a_route_may_name_several_queues_and_every_one_gets_the_event() {
        let r = router("business.updated=business-updated+risk-engine+crm-sync,order.*=orders+risk-engine");
        let names = |t: &str| r.route_all(t).iter().map(|q| q.name.clone()).collect::<Vec<_>>();
        assert_eq!(names("business.updated"), ["business-updated", "risk-engine", "crm-sync"]);
        assert_eq!(r.route("business.updated").name, "business-updated", "the type's own queue first");
        assert_eq!(names("order.created"), ["orders", "risk-engine"]);
        assert_eq!(names("lien.found"), ["catch-all"]);
        // Shared queues are one queue: named once in `queues()`.
        assert_eq!(r.queues().iter().filter(|q| q.name == "risk-engine").count(), 1);
        let twice = QueueRouter::parse("ROUTES", "a.b=q1+q1", "catch-all", Some(BASE)).unwrap_err();
        assert!(twice.to_string().contains("named twice"), "{twice}");
        assert!(QueueRouter::parse("ROUTES", "a.b=q1+", "catch-all", Some(BASE)).is_err());
    }

    #[test]
    fn patterns_match_exact_types_and_whole_segment_families() {
        assert!(matches_pattern("business.updated", "business.updated"));
        assert!(!matches_pattern("business.updated", "business.updated_v2"));
        assert!(matches_pattern("order.*", "order.created"));
        assert!(!matches_pattern("order.*", "orders.created"));
        assert!(!matches_pattern("order.*", "order"));
        // The router agrees with it.
        let r = router("order.*=orders");
        for t in ["order.created", "orders.created", "order"] {
            assert_eq!(r.route(t).name == "orders", matches_pattern("order.*", t), "{t}");
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let r = router("a.*=short,a.b.*=long");
        assert_eq!(r.route("a.b.c").name, "long");
        assert_eq!(r.route("a.c").name, "short");
    }

    #[test]
    fn several_types_share_a_queue() {
        let r = router("order.created=orders,order.updated=orders,tin.retried=orders");
        assert_eq!(r.queues().len(), 2);
        assert_eq!(r.route("tin.retried"), r.route("order.created"));
    }

    #[test]
    fn empty_table_sends_everything_to_the_catch_all() {
        let r = router("");
        for t in DOCUMENTED_EVENT_TYPES {
            assert_eq!(r.route(t).name, "catch-all");
        }
    }

    #[test]
    fn urls_and_fifo_queues() {
        let r = QueueRouter::parse(
            "ROUTES",
            "business.updated=http://127.0.0.1:5000/123456789012/biz.fifo",
            "http://127.0.0.1:5000/123456789012/all",
            None,
        )
        .unwrap();
        let q = r.route("business.updated");
        assert_eq!(q.url, "http://127.0.0.1:5000/123456789012/biz.fifo");
        assert!(q.is_fifo());
        assert!(!r.catch_all().is_fifo());
    }

    #[test]
    fn errors_name_the_bad_entry() {
        let err = |table: &str| QueueRouter::parse("ROUTES", table, "all", Some(BASE)).unwrap_err();
        let e = err("business.created=a,business.updated");
        assert!(matches!(&e, ConfigError::Route { index: 2, entry, .. } if entry == "business.updated"));
        assert!(e.to_string().contains("ROUTES entry 2 \"business.updated\""));
        for bad in [
            "business.created=a,business.created=b",
            "Business.Created=a",
            "*=a",
            "order.*=a,order.*=b",
            "order.**=a",
            "business.created=",
            "business.created=bad name",
            "business.created=https://sqs/x/bad$name",
        ] {
            assert!(matches!(err(bad), ConfigError::Route { .. }), "{bad}");
        }
        let no_base = QueueRouter::parse("ROUTES", "a.b=q", "https://x/1/all", None).unwrap_err();
        assert!(no_base.to_string().contains("QUEUE_URL_BASE"), "{no_base}");
        let no_catch_all = QueueRouter::parse("ROUTES", "", "", Some(BASE)).unwrap_err();
        assert!(matches!(no_catch_all, ConfigError::Invalid { var: "CATCH_ALL_QUEUE", .. }));
    }

    #[test]
    fn the_default_routes_fit_in_lambdas_environment_with_the_longest_stack_name() {
        use crate::catalogue::{CATALOGUE, CATCH_ALL_QUEUE, default_routes, max_stack_name_len};
        let table = default_routes().join(",");
        let prefix = format!("{}-", "s".repeat(max_stack_name_len()));
        let r = QueueRouter::parse_prefixed("ROUTES", &table, CATCH_ALL_QUEUE, Some(BASE), &prefix).unwrap();
        for e in CATALOGUE {
            assert_eq!(r.route(e.event_type).name, format!("{prefix}{}", e.queue));
            assert_ne!(r.route(e.event_type), r.catch_all(), "{}", e.event_type);
        }
        let env_bytes = "ROUTES".len() + table.len() + "QUEUE_NAME_PREFIX".len() + prefix.len();
        println!("routing: {env_bytes} bytes of Lambda's 4096");
        assert!(env_bytes < 2048, "routing uses {env_bytes} of 4096 bytes");
    }

    #[test]
    fn the_name_prefix_applies_to_names_not_urls() {
        let r =
            QueueRouter::parse_prefixed("ROUTES", "a.b=q,c.d=https://x/1/other", "all", Some(BASE), "stack-")
                .unwrap();
        assert_eq!(r.route("a.b").url, format!("{BASE}/stack-q"));
        assert_eq!(r.route("c.d").name, "other");
        assert_eq!(r.catch_all().name, "stack-all");
        let too_long = "s".repeat(80);
        assert!(QueueRouter::parse_prefixed("ROUTES", "", "all", Some(BASE), &too_long).is_err());
    }
}
