//! Direct I/O (`O_DIRECT`) on both ends of a copy, falling back to the page cache wherever
//! a file system or file refuses it.
//!
//! Through the page cache a copy moves every byte twice through the CPU (into the cache,
//! then out of it) and pays for allocating, dirtying and writing back each page; on a small
//! machine that competes with the hashes for the cores. With direct I/O the device moves
//! the bytes to and from the chunk buffers itself, and the CPU is left to hashing.

use std::fs::File;
use std::io::{self, IoSliceMut};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rustix::fs::{Advice, FallocateFlags, Mode, OFlags};
use rustix::io::{Errno, ReadWriteFlags};

/// Reads a regular file at given offsets, directly from the device when its content is not
/// already cached.
pub(super) struct FileReader<'a> {
    file: &'a File,
    /// The same file opened again with `O_DIRECT`, while direct reads work.
    direct: Option<File>,
}

impl<'a> FileReader<'a> {
    pub(super) fn new(file: &'a File, len: u64) -> Self {
        let direct = if cached(file, len) {
            // Copying from the cache is cheaper than reading the device again.
            None
        } else {
            reopen_direct(file)
        };
        Self { file, direct }
    }

    /// Whether reads go straight to the device.
    #[cfg(test)]
    pub(super) fn is_direct(&self) -> bool {
        self.direct.is_some()
    }

    /// Fills `buf` with the content at `offset`; fewer bytes only at the end of the file.
    pub(super) fn fill(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            let at = offset + filled as u64;
            let read = match &self.direct {
                Some(direct) => match direct.read_at(&mut buf[filled..], at) {
                    // A file system may accept O_DIRECT at open and refuse it here; a short
                    // read before the end leaves the next one unaligned. The cache serves both.
                    Err(e) if e.raw_os_error() == Some(Errno::INVAL.raw_os_error()) => {
                        self.direct = None;
                        continue;
                    }
                    read => read,
                },
                None => self.file.read_at(&mut buf[filled..], at),
            };
            match read {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }
}

/// Whether the start, middle and end of a file are in the page cache, asked without
/// waiting for the device (`RWF_NOWAIT` fails with `EAGAIN` for uncached pages).
fn cached(file: &File, len: u64) -> bool {
    let mut byte = [0u8; 1];
    [0, len / 2, len.saturating_sub(1)]
        .into_iter()
        .all(|offset| {
            let mut slices = [IoSliceMut::new(&mut byte)];
            rustix::io::preadv2(file, &mut slices, offset, ReadWriteFlags::NOWAIT).is_ok()
        })
}

/// The same file opened once more for direct reads, through its `/proc/self/fd` link; `None`
/// where that is not possible (no procfs, a file system without direct I/O).
fn reopen_direct(file: &File) -> Option<File> {
    let link = format!("/proc/self/fd/{}", file.as_raw_fd());
    let flags = OFlags::RDONLY | OFlags::DIRECT | OFlags::CLOEXEC;
    let direct = File::from(rustix::fs::open(link, flags, Mode::empty()).ok()?);
    // The link names the open file itself, but check rather than trust it.
    let (ours, theirs) = (file.metadata().ok()?, direct.metadata().ok()?);
    (ours.dev() == theirs.dev() && ours.ino() == theirs.ino()).then_some(direct)
}

/// The file a blob is written into, with direct writes while they work.
pub(super) struct Dest<'a> {
    file: &'a File,
    direct: AtomicBool,
    /// Bytes written directly so far.
    written: AtomicU64,
}

/// How far the direct writes have got: the bytes written before and after one write.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Written {
    before: u64,
    after: u64,
}

impl Written {
    /// Whether this write took the total past a multiple of `step`.
    pub(super) fn passes(self, step: u64) -> bool {
        self.before / step != self.after / step
    }
}

impl<'a> Dest<'a> {
    /// Switches `file` (the store's own temporary file) to direct writes where its file
    /// system allows them.
    pub(super) fn new(file: &'a File) -> Self {
        let direct = rustix::fs::fcntl_getfl(file)
            .and_then(|flags| rustix::fs::fcntl_setfl(file, flags | OFlags::DIRECT))
            .is_ok();
        Self {
            file,
            direct: AtomicBool::new(direct),
            written: AtomicU64::new(0),
        }
    }

    /// Whether writes go straight to the device.
    pub(super) fn is_direct(&self) -> bool {
        self.direct.load(Ordering::Relaxed)
    }

    /// Reserves `len` bytes, so that a full disk is known before the copy rather than
    /// during it, and the writes fill allocated space instead of each extending the file.
    pub(super) fn reserve(&self, len: u64) -> io::Result<()> {
        match rustix::fs::fallocate(self.file, FallocateFlags::empty(), 0, len) {
            Err(Errno::NOSPC) => Err(Errno::NOSPC.into()),
            // Not every file system reserves space; the writes allocate it then.
            _ => Ok(()),
        }
    }

    /// Writes `data` at `offset`, returning how far the direct writes have got (nowhere,
    /// through the page cache). `padded` is `data` followed by zeros up to a multiple of
    /// the direct I/O alignment; it is what a direct write sends (see [`Self::finish`]).
    pub(super) fn write(&self, data: &[u8], padded: &[u8], offset: u64) -> io::Result<Written> {
        if self.is_direct() {
            match self.file.write_all_at(padded, offset) {
                Ok(()) => {
                    let n = data.len() as u64;
                    let before = self.written.fetch_add(n, Ordering::Relaxed);
                    return Ok(Written {
                        before,
                        after: before + n,
                    });
                }
                Err(e) if e.raw_os_error() == Some(Errno::INVAL.raw_os_error()) => {
                    // Refused after all: the page cache takes this write and the rest.
                    self.direct.store(false, Ordering::Relaxed);
                    if let Ok(flags) = rustix::fs::fcntl_getfl(self.file) {
                        rustix::fs::fcntl_setfl(self.file, flags - OFlags::DIRECT)?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        self.file.write_all_at(data, offset)?;
        // Start writing these pages back now rather than all at the final fdatasync; on
        // Linux DONTNEED starts asynchronous write-back of dirty pages and waits for none.
        if let Some(len) = std::num::NonZeroU64::new(data.len() as u64) {
            let _ = rustix::fs::fadvise(self.file, offset, Some(len), Advice::DontNeed);
        }
        Ok(Written::default())
    }

    /// Flushes what was written to stable storage (fdatasync).
    pub(super) fn flush(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// Cuts the file to the content's `len`: direct writes pad the last block, and the
    /// reservation may exceed a source that shrank.
    pub(super) fn finish(&self, len: u64) -> io::Result<()> {
        if self.file.metadata()?.len() != len {
            self.file.set_len(len)?;
        }
        Ok(())
    }
}
