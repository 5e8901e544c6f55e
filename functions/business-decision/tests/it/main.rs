//! The business-decision consumer against the emulator.
//! One binary for the crate's integration tests (each test file its own binary would link
//! the AWS SDKs again): a module per subject.

mod emulator;
mod store;
mod vectors;
