//! The authority's time source, injectable so that tests can step it back.

use std::fmt;
use std::time::SystemTime;

/// Where the authority reads the time. The default, [`SystemClock`], is the operating
/// system's wall clock; its accuracy is the operator's business (NTP, and the `accuracy` the
/// authority states in every token).
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}
