//! Helpers shared by the archive benches: scratch directories on the real disk, realistic
//! entries, and a timed run of many concurrent writers.

// Each bench crate uses its own subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use archive::{Description, Digests, Entry};

/// The workspace's target directory: benches keep their scratch data and fixtures there,
/// on the disk the archive would use, never on a tmpfs.
pub(crate) fn target_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    dir.canonicalize().unwrap_or(dir)
}

/// A fresh directory under `target/bench-tmp`, removed when dropped.
pub(crate) fn scratch_dir(name: &str) -> tempfile::TempDir {
    let parent = target_dir().join("bench-tmp");
    std::fs::create_dir_all(&parent).expect("cannot create target/bench-tmp");
    tempfile::Builder::new()
        .prefix(name)
        .tempdir_in(parent)
        .expect("cannot create a scratch directory")
}

/// What a typical item of a criminal case is described with.
pub(crate) fn description() -> Description {
    let mut meta = BTreeMap::new();
    meta.insert("officer".to_owned(), "Сейтқалиев А. Б.".to_owned());
    meta.insert("station".to_owned(), "ALM-04".to_owned());
    Description {
        case: Some("2026-017-000123".to_owned()),
        kind: Some("protocol".to_owned()),
        media_type: Some("application/pdf".to_owned()),
        meta,
    }
}

/// Distinct, plausible digests for the `n`th item of a run.
pub(crate) fn digests(n: u64) -> Digests {
    let blake3 = *blake3::hash(&n.to_le_bytes()).as_bytes();
    let mut sha256 = blake3;
    sha256.reverse();
    Digests {
        blake3,
        sha256,
        size: 100_000 + n % 4_000_000,
    }
}

/// A receive time in the archive's format (fixed: its length is all that matters here).
pub(crate) const RECEIVED: &str = "2026-11-23T07:03:51.130Z";

/// The canonical bytes of the entry for item `n` stored at `seq`, built the way
/// `Archive::append` builds them inside the log writer.
pub(crate) fn entry_bytes(seq: u64, n: u64, description: &Description) -> Vec<u8> {
    Entry::new(seq, &digests(n), description, RECEIVED.to_owned()).canonical_bytes()
}

/// Runs `op(writer, i)` for `i` in `0..per_writer` on each of `writers` threads, all
/// released at once, and returns the wall time from their release until the last one ends.
pub(crate) fn concurrent<F>(writers: usize, per_writer: u64, op: F) -> Duration
where
    F: Fn(usize, u64) + Sync,
{
    let start = Barrier::new(writers + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (start, op) = (&start, &op);
                std::thread::Builder::new()
                    .stack_size(256 << 10)
                    .spawn_scoped(scope, move || {
                        start.wait();
                        for i in 0..per_writer {
                            op(w, i);
                        }
                    })
                    .expect("cannot start a writer thread")
            })
            .collect();
        start.wait();
        let began = Instant::now();
        for handle in handles {
            handle.join().expect("a writer thread panicked");
        }
        began.elapsed()
    })
}

/// A small deterministic generator (xorshift64*) for spreading proof indices.
pub(crate) struct Spread(u64);

impl Spread {
    /// A generator from a non-zero seed.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next value below `bound`.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}
