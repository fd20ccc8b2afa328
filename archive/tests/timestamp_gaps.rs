//! Checkpoints signed while the time-stamp authority fails get their tokens later, in the
//! same process or at the next open, so the audit is clean again once the authority is back;
//! temporaries of interrupted writes are removed on open.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use archive::timestamp::{LocalAuthority, TimestampError, TimestampSource};
use archive::{Archive, Description};

/// A real local authority that refuses to issue while `down` is set.
struct Flaky {
    inner: LocalAuthority,
    down: Arc<AtomicBool>,
}

impl TimestampSource for Flaky {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, TimestampError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(TimestampError::Io {
                op: "reach",
                path: "the authority".into(),
                source: std::io::Error::other("down"),
            });
        }
        self.inner.timestamp(digest)
    }

    fn certificates(&self) -> Vec<Vec<u8>> {
        self.inner.certificates()
    }
}

fn open(dir: &std::path::Path, down: &Arc<AtomicBool>) -> Archive {
    let inner = LocalAuthority::open_or_generate(&dir.join("tsa")).unwrap();
    let source = Flaky {
        inner,
        down: Arc::clone(down),
    };
    Archive::open_with(dir, Some(Box::new(source))).unwrap()
}

fn add(archive: &Archive, item: &str) -> u64 {
    archive
        .append(&mut item.as_bytes(), &Description::default(), None)
        .unwrap();
    archive.checkpoint().unwrap().size
}

fn token(dir: &std::path::Path, size: u64) -> bool {
    dir.join(format!("checkpoints/{size:020}.tsr")).exists()
}

#[test]
fn tokens_missed_while_the_authority_was_down_are_filled_in() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let down = Arc::new(AtomicBool::new(false));
    let archive = open(dir, &down);
    assert!(token(dir, add(&archive, "a")));

    down.store(true, Ordering::SeqCst);
    let gap = add(&archive, "b");
    assert!(!token(dir, gap));
    let report = archive.audit(|_| {});
    assert_eq!(report.discrepancies.len(), 1, "{:?}", report.discrepancies);

    // Back up: the next signature stamps the gap too, in the same process.
    down.store(false, Ordering::SeqCst);
    let next = add(&archive, "c");
    assert!(token(dir, gap) && token(dir, next));
    assert!(archive.audit(|_| {}).is_clean());

    // Down again, then the process ends: the next open stamps what is missing.
    down.store(true, Ordering::SeqCst);
    let gap = add(&archive, "d");
    drop(archive);
    down.store(false, Ordering::SeqCst);
    let archive = open(dir, &down);
    assert!(token(dir, gap));
    assert!(archive.audit(|_| {}).is_clean());
}

#[test]
fn temporaries_of_interrupted_writes_are_removed_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let archive = Archive::open(dir).unwrap();
    add(&archive, "a");
    drop(archive);
    let stale = [
        dir.join("log/.synced.4242.tmp"),
        dir.join("checkpoints/.00000000000000000002.note.4242.tmp"),
        dir.join(".origin.4242.tmp"),
    ];
    for path in &stale {
        std::fs::write(path, b"half").unwrap();
    }
    let archive = Archive::open(dir).unwrap();
    for path in &stale {
        assert!(!path.exists(), "{} survived", path.display());
    }
    assert!(archive.audit(|_| {}).is_clean());
}
