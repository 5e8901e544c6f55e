//! How long each copy of an event can live, in one place: the verifier's replay window, the
//! queues' and dead-letter queues' retention (which the template is generated with), and so
//! how long a consumer must remember an event id.
//!
//! A copy of an event can reach a consumer as late as: accepted at the end of the replay window
//! (`max event age` after Middesk created it), kept in its queue for the queue retention, then
//! in its dead-letter queue for the dead-letter retention (redriven from there, it starts
//! again). An idempotency record must outlive all three ([`record_ttl_covering`]), so that no
//! copy finds the event forgotten.

use std::time::Duration;

const DAY: u64 = 86_400;

/// Default for `MAX_EVENT_AGE_SECONDS`: 4 days, a day more than Middesk's last retry (about
/// 3 days after the first attempt), so every genuine retry is still accepted.
pub const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(4 * DAY);
/// Largest `MAX_EVENT_AGE_SECONDS`: 6 days.
pub const MAX_MAX_EVENT_AGE: Duration = Duration::from_secs(6 * DAY);

/// How long a queue keeps a message (`MessageRetentionPeriod`): 7 days, a week for a stopped
/// consumer to be noticed (its age alarm) and fixed.
pub const QUEUE_RETENTION: Duration = Duration::from_secs(7 * DAY);
/// How long a dead-letter queue keeps a message: 14 days, SQS's most. A standard queue's
/// message keeps its original enqueue time when it is dead-lettered, so this is counted from
/// when the verifier sent it: a dead letter has at least [`MIN_DEAD_LETTER_TIME`] to be acted on.
pub const DEAD_LETTER_RETENTION: Duration = Duration::from_secs(14 * DAY);
/// The least time a dead letter stays in its dead-letter queue: 7 days.
pub const MIN_DEAD_LETTER_TIME: Duration =
    Duration::from_secs(DEAD_LETTER_RETENTION.as_secs() - QUEUE_RETENTION.as_secs());

/// The shortest idempotency record lifetime that covers every copy of an event accepted with
/// a replay window of `max_event_age`.
pub const fn record_ttl_covering(max_event_age: Duration) -> Duration {
    Duration::from_secs(max_event_age.as_secs() + QUEUE_RETENTION.as_secs() + DEAD_LETTER_RETENTION.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_letter_has_a_week_and_records_cover_every_copy() {
        assert!(MIN_DEAD_LETTER_TIME >= Duration::from_secs(7 * DAY));
        assert_eq!(record_ttl_covering(DEFAULT_MAX_EVENT_AGE), Duration::from_secs(25 * DAY));
        assert_eq!(record_ttl_covering(MAX_MAX_EVENT_AGE), Duration::from_secs(27 * DAY));
        // SQS keeps a message 14 days at most.
        assert!(QUEUE_RETENTION <= DEAD_LETTER_RETENTION && DEAD_LETTER_RETENTION.as_secs() <= 14 * DAY);
    }
}
