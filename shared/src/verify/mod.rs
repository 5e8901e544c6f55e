//! The request path, free of AWS and of any HTTP framework: how a request proves it came from
//! Middesk and for our account ([`auth`], [`signature`], [`secret`]), the verifier's
//! [`config`], where an event goes ([`routing`], [`publisher`], [`archive`]), and the
//! [`receiver`] that runs a request through all of it. [`sample`] makes signed sample requests.

pub mod archive;
#[cfg(feature = "verify")]
pub mod auth;
#[cfg(feature = "verify")]
pub mod config;
#[cfg(feature = "verify")]
pub mod metrics;
pub mod publisher;
#[cfg(feature = "verify")]
pub mod receiver;
#[cfg(feature = "verify")]
pub mod refused;
pub mod routing;
pub mod sample;
#[cfg(feature = "verify")]
pub mod secret;
pub mod signature;
pub mod verdict;
