//! The library's integration tests: consumer batches, event types, properties.
//! One binary for the crate's integration tests (each test file its own binary would link
//! the AWS SDKs again): a module per subject.

mod batch;
mod events;
mod properties;
