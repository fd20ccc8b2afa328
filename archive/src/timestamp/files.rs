//! Durable file operations of the local authority.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::Path,
};

use super::TimestampError;

/// Creates `path` holding `bytes`, failing if it exists, and fsyncs it. On Unix the file gets
/// `mode` at creation, so a private key is never readable by others, not even briefly. A file
/// left half-written by a failure is removed.
pub(crate) fn create_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TimestampError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;

    let mut file = options.open(path).map_err(|source| {
        if source.kind() == io::ErrorKind::AlreadyExists {
            TimestampError::AlreadyExists {
                path: path.to_path_buf(),
            }
        } else {
            TimestampError::Io {
                op: "create",
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(source) = written {
        drop(file);
        // Best effort: the write error is the one worth reporting.
        let _ = fs::remove_file(path);
        return Err(TimestampError::io("write", path)(source));
    }
    Ok(())
}

/// Replaces `path` with `bytes` atomically and durably: a temporary sibling is written and
/// fsynced, renamed over `path`, and the directory is fsynced so the rename survives a crash.
/// Callers serialise writers (see the authority's lock file), so one temporary name suffices.
pub(crate) fn replace(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), TimestampError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.tmp"));
    let mut file = File::create(&temp).map_err(TimestampError::io("create", &temp))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(TimestampError::io("write", &temp))?;
    drop(file);
    fs::rename(&temp, path).map_err(TimestampError::io("rename", &temp))?;
    sync_dir(dir)
}

/// Fsyncs a directory so that entries created or renamed in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), TimestampError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(TimestampError::io("sync", dir))
}

/// Reads `path`, reporting a missing file as [`TimestampError::Missing`].
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, TimestampError> {
    fs::read(path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            TimestampError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            TimestampError::Io {
                op: "read",
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Opens (creating if needed) and exclusively locks `path`. The lock lasts as long as the
/// returned file is open, and the operating system releases it if the process dies.
pub(crate) fn lock(dir: &Path, path: &Path) -> Result<File, TimestampError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(TimestampError::io("open", path))?;
    match crate::durable::try_lock(&file) {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(TimestampError::InUse {
            dir: dir.to_path_buf(),
        }),
        Err(fs::TryLockError::Error(source)) => Err(TimestampError::io("lock", path)(source)),
    }
}

/// The serial counter's file format: the last issued serial number in decimal, one line.
pub(crate) fn encode_counter(last: u64) -> Vec<u8> {
    format!("{last}\n").into_bytes()
}

/// Parses [`encode_counter`]'s output, strictly: anything else means the file was damaged.
pub(crate) fn decode_counter(path: &Path, bytes: &[u8]) -> Result<u64, TimestampError> {
    let corrupt = || TimestampError::CorruptCounter {
        path: path.to_path_buf(),
    };
    let digits = bytes.strip_suffix(b"\n").ok_or_else(corrupt)?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(corrupt());
    }
    let last: u64 = core::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(corrupt)?;
    // Canonical form only ("007" is not something this code wrote).
    if encode_counter(last) != bytes {
        return Err(corrupt());
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_format_is_strict() {
        let path = Path::new("serial");
        for last in [0, 1, 42, u64::MAX] {
            assert_eq!(decode_counter(path, &encode_counter(last)).unwrap(), last);
        }
        for bad in [
            &b""[..],
            b"\n",
            b"1",
            b"01\n",
            b"-1\n",
            b"1 \n",
            b"18446744073709551616\n",
        ] {
            assert!(
                matches!(
                    decode_counter(path, bad),
                    Err(TimestampError::CorruptCounter { .. })
                ),
                "{bad:?}"
            );
        }
    }
}
