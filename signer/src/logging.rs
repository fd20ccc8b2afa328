//! Structured logs with `tracing`, written to standard error.
//!
//! Secrets (PINs, passphrases, keys, biometric templates) are never passed to log macros; this
//! module only decides where and how events are written.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Environment variable that overrides the configured filter.
pub const LOG_ENV: &str = "DALEL_LOG";

/// Installs the global subscriber. `filter` is in `tracing` filter syntax and has been
/// validated with the configuration; `DALEL_LOG` overrides it.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_env(LOG_ENV)
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests running several services in one process) keeps the first.
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Human => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}
