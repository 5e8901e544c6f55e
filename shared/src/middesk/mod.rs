//! The Middesk side: its Webhooks [`api`] client, and the [`rotation`] steps that give a new
//! signing secret to Middesk's webhook without refusing a delivery.

pub mod api;
#[cfg(feature = "rotation")]
pub mod rotation;
