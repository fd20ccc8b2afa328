//! Archiving a regular file by copying it inside the kernel (`copy_file_range`) and hashing
//! the copy as it lands.
//!
//! Reading the file into memory and writing it out again costs two copies through user
//! space; the kernel copies page to page, as `cp` does, and the hashers read the stored
//! pages while they are still in the page cache. What is hashed is the blob as stored, so a
//! source that changes during the copy cannot leave a blob that differs from its address.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::sync::{Condvar, Mutex, PoisonError};

use nix::errno::Errno;
use nix::fcntl::copy_file_range;

use crate::digest::{CopyError, copy_and_hash};
use crate::entry::Digests;
use crate::writeback::Writeback;

/// Bytes the kernel copies per call.
const STEP: usize = 4 << 20;
/// How far the copy may run ahead of the hashing, so that the pages are hashed while they
/// are still cached, whatever the file's size.
const AHEAD: u64 = 64 << 20;

/// Copies `source` (from its start) into the empty file `dest` and returns the digests of
/// what `dest` then holds, calling `progress` with the bytes hashed so far. `Ok(None)` when
/// the kernel cannot copy between these two files (another file system without support, a
/// special file): nothing was written and the caller copies through memory instead.
pub(crate) fn copy_and_hash_file(
    source: &File,
    dest: &File,
    limit: Option<u64>,
    progress: &dyn Fn(u64),
) -> Result<Option<Digests>, CopyError> {
    // procfs and the like report regular files of length 0 and copy nothing.
    let regular = source.metadata().map(|m| m.is_file() && m.len() > 0);
    if !regular.map_err(CopyError::Read)? {
        return Ok(None);
    }
    // Copying one byte past the limit is enough to know it is exceeded.
    let end = limit.map_or(u64::MAX, |l| l.saturating_add(1));
    let mut copier = Copier {
        source,
        dest,
        copied: 0,
        end,
    };
    match copier.step() {
        Err(e) if copier.copied == 0 && cannot_copy(e) => return Ok(None),
        Err(e) => return Err(copier_error(e)),
        Ok(_) => {}
    }
    let shared = Shared {
        state: Mutex::new(Copied {
            bytes: copier.copied,
            hashed: 0,
            done: false,
            error: None,
        }),
        changed: Condvar::new(),
    };
    std::thread::scope(|scope| {
        let shared = &shared;
        scope.spawn(move || copier.run(shared));
        let mut follower = Follower {
            dest,
            offset: 0,
            shared,
            writeback: Writeback::new(dest),
            progress,
        };
        let result = copy_and_hash(&mut follower, None, limit);
        // Stops the copier early when hashing stopped first (limit, error).
        shared.finish(None);
        let copy_error = shared.lock().error.take();
        match (result, copy_error) {
            (Err(CopyError::Read(_)), Some(e)) => Err(e),
            (result, _) => result.map(Some),
        }
    })
}

/// Whether `copy_file_range` failing with `e` on its first call means "not between these".
fn cannot_copy(e: Errno) -> bool {
    matches!(
        e,
        Errno::EXDEV | Errno::EINVAL | Errno::ENOSYS | Errno::EOPNOTSUPP | Errno::EBADF
    )
}

/// A failure of the kernel copy, attributed to the side it most likely concerns.
fn copier_error(e: Errno) -> CopyError {
    let error = io::Error::from(e);
    match e {
        Errno::ENOSPC | Errno::EDQUOT | Errno::EFBIG | Errno::EROFS => CopyError::Write(error),
        _ => CopyError::Read(error),
    }
}

/// The kernel side: copies `source` into `dest` [`STEP`] bytes at a time.
struct Copier<'a> {
    source: &'a File,
    dest: &'a File,
    copied: u64,
    end: u64,
}

impl Copier<'_> {
    /// One `copy_file_range` call; `Ok(0)` at the end of the source (or at `end`).
    fn step(&mut self) -> Result<usize, Errno> {
        let want = usize::try_from(self.end - self.copied).map_or(STEP, |left| left.min(STEP));
        if want == 0 {
            return Ok(0);
        }
        let mut off_in = i64::try_from(self.copied).map_err(|_| Errno::EFBIG)?;
        let mut off_out = off_in;
        loop {
            match copy_file_range(
                self.source,
                Some(&mut off_in),
                self.dest,
                Some(&mut off_out),
                want,
            ) {
                Ok(n) => {
                    self.copied += n as u64;
                    return Ok(n);
                }
                Err(Errno::EINTR) => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn run(mut self, shared: &Shared) {
        loop {
            if !shared.wait_for_hashing(self.copied) {
                return;
            }
            match self.step() {
                Ok(0) => return shared.finish(None),
                Ok(_) => shared.grow(self.copied),
                Err(e) => return shared.finish(Some(copier_error(e))),
            }
        }
    }
}

/// How far the copy has got, between the copier and the follower.
struct Shared {
    state: Mutex<Copied>,
    /// Signalled when the copy or the hashing moves on, and when the copy ends.
    changed: Condvar,
}

struct Copied {
    bytes: u64,
    hashed: u64,
    done: bool,
    error: Option<CopyError>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Copied> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the copy's progress.
    fn grow(&self, bytes: u64) {
        self.lock().bytes = bytes;
        self.changed.notify_all();
    }

    /// Records the hashing's progress.
    fn hashed(&self, bytes: u64) {
        self.lock().hashed = bytes;
        self.changed.notify_all();
    }

    /// Waits until the hashing is less than [`AHEAD`] behind `copied`; false once ended.
    fn wait_for_hashing(&self, copied: u64) -> bool {
        let mut state = self.lock();
        while copied.saturating_sub(state.hashed) >= AHEAD && !state.done {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        !state.done
    }

    /// Ends the copy (the first error stands).
    fn finish(&self, error: Option<CopyError>) {
        let mut state = self.lock();
        state.done = true;
        if state.error.is_none() {
            state.error = error;
        }
        drop(state);
        self.changed.notify_all();
    }
}

/// Reads `dest` behind the copier, as a [`Read`] for the hashing pump.
struct Follower<'a> {
    dest: &'a File,
    offset: u64,
    shared: &'a Shared,
    writeback: Writeback<'a>,
    progress: &'a dyn Fn(u64),
}

impl Read for Follower<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = {
            let mut state = self.shared.lock();
            while state.bytes <= self.offset && !state.done {
                state = self
                    .shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.error.is_some() {
                return Err(io::Error::other("the kernel copy failed"));
            }
            state.bytes - self.offset
        };
        if available == 0 {
            return Ok(0);
        }
        let want = usize::try_from(available).map_or(buf.len(), |a| a.min(buf.len()));
        let n = self.dest.read_at(&mut buf[..want], self.offset)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the copy is shorter than the kernel reported",
            ));
        }
        self.offset += n as u64;
        self.shared.hashed(self.offset);
        // Read pages can go to the disk now.
        self.writeback.advance(self.offset);
        (self.progress)(self.offset);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sha2::{Digest as _, Sha256};
    use std::io::Write as _;

    fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
        f
    }

    fn content(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn copies_and_hashes_what_it_stored() {
        for len in [1, STEP - 1, STEP, STEP + 1, 3 * STEP + 12345] {
            let bytes = content(len);
            let source = file_with(&bytes);
            let dest = tempfile::NamedTempFile::new().unwrap();
            let last = std::cell::Cell::new(0);
            let digests = copy_and_hash_file(source.as_file(), dest.as_file(), None, &|n| {
                last.set(n);
            })
            .unwrap()
            .unwrap();
            assert_eq!(digests.size, len as u64);
            assert_eq!(digests.blake3, *blake3::hash(&bytes).as_bytes());
            assert_eq!(digests.sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
            assert_eq!(std::fs::read(dest.path()).unwrap(), bytes);
            assert_eq!(last.get(), len as u64);
        }
    }

    #[test]
    fn an_empty_file_is_left_to_the_caller() {
        let source = file_with(b"");
        let dest = tempfile::NamedTempFile::new().unwrap();
        let copied = copy_and_hash_file(source.as_file(), dest.as_file(), None, &|_| {});
        assert!(copied.unwrap().is_none());
    }

    #[test]
    fn limit_is_enforced() {
        let source = file_with(&content(2 * STEP));
        let dest = tempfile::NamedTempFile::new().unwrap();
        let limit = STEP as u64 + 10;
        let copied = copy_and_hash_file(source.as_file(), dest.as_file(), Some(limit), &|_| {});
        assert!(matches!(copied, Err(CopyError::TooLarge { limit: l }) if l == limit));
        // The copier stopped one byte past the limit, not at the end of the source.
        assert!(dest.as_file().metadata().unwrap().len() <= limit + 1);
    }

    #[test]
    fn exactly_the_limit_is_accepted() {
        let bytes = content(STEP + 10);
        let source = file_with(&bytes);
        let dest = tempfile::NamedTempFile::new().unwrap();
        let digests = copy_and_hash_file(
            source.as_file(),
            dest.as_file(),
            Some(bytes.len() as u64),
            &|_| {},
        )
        .unwrap()
        .unwrap();
        assert_eq!(digests.size, bytes.len() as u64);
    }

    #[test]
    fn a_destination_the_kernel_cannot_write_is_left_to_the_caller() {
        let source = file_with(&content(1000));
        let dest_file = tempfile::NamedTempFile::new().unwrap();
        let dest = File::open(dest_file.path()).unwrap();
        // EBADF on the first call: not copyable between these, the caller falls back.
        let copied = copy_and_hash_file(source.as_file(), &dest, None, &|_| {});
        assert!(copied.unwrap().is_none());
    }
}
