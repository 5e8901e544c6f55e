//! The verifier through its Lambda edge: every gateway shape, authentication, the emulator, faults under load, the sample events.
//! One binary for the crate's integration tests (each test file its own binary would link
//! the AWS SDKs again): a module per subject.

mod auth;
mod common;
mod emulator;
mod faults;
mod handler;
mod sample_events;
mod verdict;
