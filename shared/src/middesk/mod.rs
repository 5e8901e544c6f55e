//! The Middesk side: its Webhooks [`api`] client, a business's latest state ([`businesses`]),
//! and the [`rotation`] steps that give a new signing secret to Middesk's webhook without
//! refusing a delivery.

pub mod api;
pub mod businesses;
#[cfg(feature = "rotation")]
pub mod rotation;
