//! The archive's time-stamp sources backed by the station's [`Timestamper`].

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use archive::timestamp::{TimestampError, TimestampSource};

use der::Encode as _;

use crate::keys::SignatureKey;
use crate::tsa::Timestamper;

/// The archive's view of a [`Timestamper`].
pub(super) struct ArchiveStamps {
    pub(super) timestamper: Arc<dyn Timestamper>,
    pub(super) certificates: Vec<Vec<u8>>,
}

impl ArchiveStamps {
    /// Stamps from `timestamper`, offering the local authority's chain (from `tsa_key`).
    pub(super) fn boxed(
        timestamper: &Arc<dyn Timestamper>,
        tsa_key: Option<&Arc<dyn SignatureKey>>,
    ) -> Box<dyn TimestampSource> {
        let certificates = tsa_key
            .map(|k| {
                k.certificate_chain()
                    .iter()
                    .filter_map(|c| c.to_der().ok())
                    .collect()
            })
            .unwrap_or_default();
        Box::new(Self {
            timestamper: Arc::clone(timestamper),
            certificates,
        })
    }
}

impl TimestampSource for ArchiveStamps {
    fn timestamp(&self, sha256_digest: &[u8; 32]) -> Result<Vec<u8>, TimestampError> {
        self.timestamper
            .timestamp(sha256_digest)
            .map_err(|e| TimestampError::Source(e.to_string()))
    }

    fn certificates(&self) -> Vec<Vec<u8>> {
        self.certificates.clone()
    }
}

type Opened = anyhow::Result<Option<Box<dyn TimestampSource>>>;

/// Checkpoint time-stamps from a station that is still being opened on another thread.
///
/// Opening a station decrypts its keys (scrypt, a tenth of a second of CPU); `dalel archive
/// put` streams the blob in meanwhile and waits for the station only when the first
/// checkpoint needs its time-stamp. A station that fails to open makes every time-stamp
/// fail (the archive keeps such checkpoints and stamps them later) and is reported by
/// [`DeferredStamps::failure`].
pub struct DeferredStamps {
    state: Mutex<State>,
}

enum State {
    Opening(JoinHandle<Opened>),
    Opened(Option<Box<dyn TimestampSource>>),
    Failed(String),
}

impl DeferredStamps {
    /// Starts `open` on a thread of its own.
    pub fn spawn(open: impl FnOnce() -> Opened + Send + 'static) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State::Opening(std::thread::spawn(open))),
        })
    }

    /// This source as the archive takes it; `self` keeps answering [`Self::failure`].
    pub fn source(self: &Arc<Self>) -> Box<dyn TimestampSource> {
        Box::new(Shared(Arc::clone(self)))
    }

    /// Why the station could not be opened, waiting for it if need be.
    pub fn failure(&self) -> Option<String> {
        match &*self.opened() {
            State::Failed(why) => Some(why.clone()),
            _ => None,
        }
    }

    /// The station's outcome, once its thread has finished.
    fn opened(&self) -> MutexGuard<'_, State> {
        const PANICKED: &str = "opening the station panicked";
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(*state, State::Opening(_))
            && let State::Opening(handle) =
                std::mem::replace(&mut *state, State::Failed(PANICKED.to_owned()))
        {
            *state = match handle.join() {
                Ok(Ok(source)) => State::Opened(source),
                Ok(Err(e)) => State::Failed(format!("{e:#}")),
                Err(_) => State::Failed(PANICKED.to_owned()),
            };
        }
        state
    }
}

/// A [`DeferredStamps`] shared between the archive and its creator.
struct Shared(Arc<DeferredStamps>);

impl TimestampSource for Shared {
    fn timestamp(&self, sha256_digest: &[u8; 32]) -> Result<Vec<u8>, TimestampError> {
        match &*self.0.opened() {
            State::Opened(Some(source)) => source.timestamp(sha256_digest),
            State::Opened(None) => Err(TimestampError::Source(
                "the station has no time-stamp authority".to_owned(),
            )),
            State::Failed(why) => Err(TimestampError::Source(why.clone())),
            State::Opening(_) => Err(TimestampError::Source("the station is not open".to_owned())),
        }
    }

    fn certificates(&self) -> Vec<Vec<u8>> {
        match &*self.0.opened() {
            State::Opened(Some(source)) => source.certificates(),
            _ => Vec::new(),
        }
    }
}
