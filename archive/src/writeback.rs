//! Starting the write-back of a file's pages while the file is still being written, so the
//! disk works during the copy instead of after it, and the final fdatasync only has the tail
//! left (issue target: ingest within 1.1x of `cp && sync`).

use std::fs::File;
use std::io::{self, Write};

use nix::fcntl::{PosixFadviseAdvice, posix_fadvise};

/// Bytes written between two write-back starts.
const STEP: u64 = 16 << 20;

/// Tracks how much of a file has been written and starts write-back every [`STEP`] bytes.
///
/// `POSIX_FADV_DONTNEED` on Linux starts asynchronous write-back of the range's dirty pages
/// (`WB_SYNC_NONE`) and drops only its clean pages: the writer never waits, and unlike a
/// periodic fdatasync it sends the device no cache flush. Durability still comes from the
/// caller's final fdatasync; this only makes it short.
pub(crate) struct Writeback<'a> {
    file: &'a File,
    started: u64,
}

impl<'a> Writeback<'a> {
    pub(crate) fn new(file: &'a File) -> Self {
        Self { file, started: 0 }
    }

    /// Records that the first `written` bytes are in the file.
    pub(crate) fn advance(&mut self, written: u64) {
        let pending = written.saturating_sub(self.started);
        if pending < STEP {
            return;
        }
        if let (Ok(offset), Ok(len)) = (i64::try_from(self.started), i64::try_from(pending)) {
            // Only a hint: on failure the final fdatasync writes these pages anyway.
            let _ = posix_fadvise(
                self.file,
                offset,
                len,
                PosixFadviseAdvice::POSIX_FADV_DONTNEED,
            );
        }
        self.started = written;
    }
}

/// A [`Write`] appending to a file, starting write-back as it goes.
pub(crate) struct WriteBehind<'a> {
    writeback: Writeback<'a>,
    written: u64,
}

impl<'a> WriteBehind<'a> {
    pub(crate) fn new(file: &'a File) -> Self {
        Self {
            writeback: Writeback::new(file),
            written: 0,
        }
    }
}

impl Write for WriteBehind<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = (&mut &*self.writeback.file).write(buf)?;
        self.written += n as u64;
        self.writeback.advance(self.written);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
