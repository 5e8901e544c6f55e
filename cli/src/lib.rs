//! The `middesk-webhooks` command-line tool's pieces: the template model, the `events/`
//! generator and the local stack. `main.rs` is the argument parsing around them.

pub mod events;
pub mod local;
pub mod template;
