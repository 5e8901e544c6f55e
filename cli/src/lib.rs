//! The `middesk-webhooks` command-line tool's pieces: the template model, the `events/`
//! generator, the local stack, redrive, replay and the Middesk side (the queues' state is `middesk_webhooks::watch`) (`middesk`). `main.rs` is the argument parsing around them.

pub mod cost;
pub mod events;
pub mod listen;
pub mod local;
pub mod middesk;
pub mod redrive;
pub mod replay;
pub mod template;
