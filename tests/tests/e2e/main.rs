//! End-to-end tests: one integration binary, one module per topic.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod archive;
mod cli;
mod crash;
mod disk;
mod http_archive;
mod pdf;
mod piv;
mod serve;
mod signing;
