//! Small durable-write helpers: evidence files are created exclusively, fsynced, and made
//! visible by an atomic rename or link followed by an fsync of the directory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A file operation that failed: what was being done, to which file, and the system's reason.
/// Every store error that touches a file carries one, so messages read alike everywhere:
/// "cannot write /path: No space left on device".
#[derive(Debug, thiserror::Error)]
#[error("{context} {}", path.display())]
pub struct FileError {
    /// What was being done, e.g. "cannot write".
    pub context: &'static str,
    /// The file or directory.
    pub path: PathBuf,
    /// Why it failed.
    #[source]
    pub source: io::Error,
}

impl FileError {
    /// A failure of `context` on `path`.
    pub fn new(context: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self {
            context,
            path: path.into(),
            source,
        }
    }

    /// For `map_err`: `fs::read(p).map_err(FileError::at("cannot read", p))`.
    pub fn at(context: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::new(context, path, source)
    }
}

/// Fsyncs a directory, so that entries created or renamed in it survive a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` with `mode` to a fsynced temporary sibling of `path` and returns the
/// directory and the temporary file's path.
/// Removes the temporaries [`write_atomic`] and [`create_new`] leave in `dir` when a process
/// dies between writing and renaming them (`.<name>.<pid>.tmp`). Only safe while holding the
/// lock that keeps every other writer out of `dir`.
pub fn remove_stale_temps(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".tmp") && entry.file_type()?.is_file() {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

fn synced_temp(path: &Path, bytes: &[u8], mode: u32) -> io::Result<(PathBuf, PathBuf)> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_owned();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)?;
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    match written {
        Ok(()) => Ok((dir, temp)),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Writes `bytes` to `path` atomically: readers see the old or the new file, never a mix,
/// even after a crash. The new file gets permission bits `mode`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let (dir, temp) = synced_temp(path, bytes, mode)?;
    let result = fs::rename(&temp, path).and_then(|()| sync_dir(&dir));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Creates `path` with `bytes`, failing with `AlreadyExists` if it exists; durable on
/// return. The content is linked into place complete, so a crash never leaves a partial file
/// under `path`.
pub fn create_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let (dir, temp) = synced_temp(path, bytes, mode)?;
    // link(2) refuses to replace an existing name: exclusive and atomic.
    let result = fs::hard_link(&temp, path).and_then(|()| sync_dir(&dir));
    let _ = fs::remove_file(&temp);
    result
}

/// Takes the exclusive lock of `file` ([`File::try_lock`]), waiting up to 100 ms while
/// it is held, and answers `WouldBlock` only after that.
///
/// A lock that belongs to a closed instance can still be held for a moment: a process
/// forked at the same time by any thread (to run a command) shares the locked file until
/// it execs. Only a holder that stays means another instance.
///
/// # Errors
/// As [`File::try_lock`].
pub fn try_lock(file: &File) -> Result<(), fs::TryLockError> {
    const ATTEMPTS: u32 = 20;
    for _ in 1..ATTEMPTS {
        match file.try_lock() {
            Err(fs::TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            done => return done,
        }
    }
    file.try_lock()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_lock_released_within_the_wait_is_taken_and_a_kept_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let open = || File::create(&path).unwrap();
        let holder = open();
        holder.lock().unwrap();
        let contender = open();
        assert!(matches!(
            try_lock(&contender),
            Err(fs::TryLockError::WouldBlock)
        ));
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(30));
            drop(holder);
        });
        try_lock(&contender).unwrap();
        releaser.join().unwrap();
    }
}
