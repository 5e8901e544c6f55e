//! The CLI as a user runs it, and the template as CloudFormation receives it.
//! One binary for the crate's integration tests (each test file its own binary would link
//! the AWS SDKs again): a module per subject.

mod access;
mod alarms;
mod docs;
mod events;
mod listen;
mod middesk;
mod redrive;
mod replay;
mod schemas;
mod status;
mod template;
mod translated;
