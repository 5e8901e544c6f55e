//! The rotation function's steps against the emulator and a mock Middesk API.
//! One binary for the crate's integration tests (each test file its own binary would link
//! the AWS SDKs again): a module per subject.

mod rotation;
