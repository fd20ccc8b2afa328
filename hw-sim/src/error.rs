//! The one error type of the simulators.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Why a simulator could not start or keep running.
///
/// Card-level failures (wrong PIN, missing key) are not errors: the virtual card answers them
/// with a status word, as a real card would. No variant ever carries a PIN, PUK or key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing the card's state directory failed.
    #[error("card state {path}: {source}")]
    State {
        /// The file or directory.
        path: PathBuf,
        /// The underlying failure.
        source: io::Error,
    },
    /// The state file exists but cannot be understood.
    #[error("card state {path} is corrupt: {reason}")]
    CorruptState {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it (never its secret contents).
        reason: String,
    },
    /// The configuration of a new card is unusable (PIN length, retry counts, key length).
    #[error("invalid card configuration: {0}")]
    Config(String),
    /// The operating system's random number generator failed.
    #[error("no randomness from the operating system")]
    Random,
    /// Generating or loading a key failed.
    #[error("key operation failed: {0}")]
    Crypto(String),
    /// vpcd did not accept a connection before the deadline.
    #[error("cannot reach vpcd at {addr} within {waited:?}: {source}")]
    VpcdConnect {
        /// The address tried.
        addr: String,
        /// How long the card kept retrying.
        waited: Duration,
        /// The last connection error.
        source: io::Error,
    },
    /// The connection to vpcd failed after it was established.
    #[error("vpcd connection: {0}")]
    Vpcd(#[source] io::Error),
    /// A program the simulator needs is not installed.
    #[error("{program} is not installed (run scripts/setup): {source}")]
    MissingProgram {
        /// The program.
        program: String,
        /// The spawn failure.
        source: io::Error,
    },
    /// The private pcscd did not come up.
    #[error("private pcscd: {0}")]
    Pcscd(String),
}
