//! Content-addressed blobs: written once under their BLAKE3 address, never overwritten.
//!
//! [`BlobStore`] is the narrow seam a storage backend implements; [`FsBlobStore`] is the
//! local file-system backend used by default.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::digest::CopyError;
use crate::durable::FileError;
use crate::durable::sync_dir;
use crate::entry::Digests;
use crate::ingest::{Source, ingest};

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// No blob has this address.
    #[error("no blob {0}")]
    NotFound(String),
    /// The content is larger than the configured limit.
    #[error("content exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// Reading the caller's content failed.
    #[error("reading the content to archive")]
    Source(#[source] io::Error),
    /// The store's own files could not be read or written (disk full, permissions, ...).
    #[error(transparent)]
    Io(#[from] FileError),
}

impl BlobError {
    fn io(context: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io(FileError::new(context, path, source))
    }
}

/// A store of immutable blobs addressed by BLAKE3.
pub trait BlobStore: Send + Sync {
    /// Streams `content` into the store and returns its digests. The blob is durable when
    /// this returns; storing the same bytes again is a no-op that returns the same digests.
    fn put(&self, content: &mut dyn Read, limit: Option<u64>) -> Result<Digests, BlobError>;

    /// Stores the content of `file` (from its start) like [`BlobStore::put`], calling
    /// `progress` with the bytes stored so far. A backend may copy it faster than a reader.
    fn put_file(
        &self,
        file: &File,
        limit: Option<u64>,
        progress: &dyn Fn(u64),
    ) -> Result<Digests, BlobError> {
        let mut reader = Progress {
            inner: file,
            done: 0,
            progress,
        };
        self.put(&mut reader, limit)
    }

    /// Opens the blob for reading. Callers re-hash what they read (see
    /// [`crate::digest::copy_and_hash`]); the store does not vouch for its bytes.
    fn open(&self, blake3: &[u8; 32]) -> Result<Box<dyn Read + Send>, BlobError>;

    /// The stored length of a blob.
    fn len(&self, blake3: &[u8; 32]) -> Result<u64, BlobError>;
}

/// Blobs as files `blobs/<2 hex>/<62 hex>`, written through a temporary file that is
/// fsynced, made read-only and renamed into place, then the directory is fsynced.
#[derive(Debug)]
pub struct FsBlobStore {
    root: PathBuf,
    tmp: PathBuf,
    counter: AtomicU64,
}

impl FsBlobStore {
    /// Opens (creating on first use) a blob store in `root`, clearing temporary files that
    /// an interrupted write left behind.
    pub fn open(root: &Path) -> Result<Self, BlobError> {
        let tmp = root.join(".tmp");
        fs::create_dir_all(&tmp).map_err(BlobError::io("cannot create", &tmp))?;
        for leftover in fs::read_dir(&tmp).map_err(BlobError::io("cannot list", &tmp))? {
            let leftover = leftover.map_err(BlobError::io("cannot list", &tmp))?;
            fs::remove_file(leftover.path())
                .map_err(BlobError::io("cannot remove", &leftover.path()))?;
        }
        Ok(Self {
            root: root.to_owned(),
            tmp,
            counter: AtomicU64::new(0),
        })
    }

    /// The file holding a blob.
    pub fn path_of(&self, blake3: &[u8; 32]) -> PathBuf {
        let hex = hex::encode(blake3);
        self.root.join(&hex[..2]).join(&hex[2..])
    }

    /// Every stored blob's address, for the audit. Files whose names are not addresses are
    /// returned as `Err(path)`.
    pub fn list(&self) -> Result<Vec<Result<[u8; 32], PathBuf>>, BlobError> {
        let mut out = Vec::new();
        let read = |p: &Path| fs::read_dir(p).map_err(BlobError::io("cannot list", p));
        for dir in read(&self.root)? {
            let dir = dir.map_err(BlobError::io("cannot list", &self.root))?;
            let name = dir.file_name();
            if name == ".tmp" {
                continue;
            }
            for file in read(&dir.path())? {
                let file = file.map_err(BlobError::io("cannot list", &dir.path()))?;
                let hex = format!(
                    "{}{}",
                    name.to_string_lossy(),
                    file.file_name().to_string_lossy()
                );
                let mut address = [0u8; 32];
                match hex::decode_to_slice(&hex, &mut address) {
                    Ok(()) if hex == hex.to_lowercase() => out.push(Ok(address)),
                    _ => out.push(Err(file.path())),
                }
            }
        }
        Ok(out)
    }

    fn temp_file(&self) -> Result<(File, TempFile), BlobError> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let path = self.tmp.join(format!("{}-{n}", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(BlobError::io("cannot create", &path))?;
        Ok((file, TempFile { path, kept: false }))
    }

    /// Writes a new blob with `copy`, which fills the empty temporary file it is given and
    /// returns the digests of what it wrote; then makes the blob durable under its address.
    fn store(
        &self,
        copy: impl FnOnce(&File) -> Result<Digests, CopyError>,
    ) -> Result<Digests, BlobError> {
        // Whatever happens below, the guard removes the temporary file unless it is kept.
        let (file, mut guard) = self.temp_file()?;
        let temp = guard.path.clone();
        let digests = copy(&file).map_err(|e| match e {
            CopyError::Read(source) => BlobError::Source(source),
            CopyError::Write(source) => BlobError::io("cannot write", &temp)(source),
            CopyError::TooLarge { limit } => BlobError::TooLarge { limit },
        })?;
        file.sync_data()
            .map_err(BlobError::io("cannot sync", &temp))?;
        file.set_permissions(fs::Permissions::from_mode(0o444))
            .map_err(BlobError::io("cannot protect", &temp))?;
        drop(file);

        let dest = self.path_of(&digests.blake3);
        if dest.exists() {
            // Same address, same bytes: the earlier copy stands.
            return Ok(digests);
        }
        let dir = dest.parent().unwrap_or(&self.root);
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(BlobError::io("cannot create", dir))?;
            sync_dir(&self.root).map_err(BlobError::io("cannot sync", &self.root))?;
        }
        fs::rename(&temp, &dest).map_err(BlobError::io("cannot store", &dest))?;
        guard.kept = true;
        sync_dir(dir).map_err(BlobError::io("cannot sync", dir))?;
        Ok(digests)
    }
}

impl BlobStore for FsBlobStore {
    fn put(&self, content: &mut dyn Read, limit: Option<u64>) -> Result<Digests, BlobError> {
        self.store(|file| ingest(Source::Stream(content), file, limit, &|_| {}))
    }

    fn put_file(
        &self,
        source: &File,
        limit: Option<u64>,
        progress: &dyn Fn(u64),
    ) -> Result<Digests, BlobError> {
        self.store(|file| ingest(Source::File(source), file, limit, progress))
    }

    fn open(&self, blake3: &[u8; 32]) -> Result<Box<dyn Read + Send>, BlobError> {
        let path = self.path_of(blake3);
        match File::open(&path) {
            Ok(file) => Ok(Box::new(file)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(hex::encode(blake3)))
            }
            Err(e) => Err(BlobError::io("cannot open", &path)(e)),
        }
    }

    fn len(&self, blake3: &[u8; 32]) -> Result<u64, BlobError> {
        let path = self.path_of(blake3);
        match fs::metadata(&path) {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(hex::encode(blake3)))
            }
            Err(e) => Err(BlobError::io("cannot read", &path)(e)),
        }
    }
}

/// Removes a temporary blob file when dropped, unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A reader that reports how much has been read.
struct Progress<'a, R> {
    inner: R,
    done: u64,
    progress: &'a dyn Fn(u64),
}

impl<R: Read> Read for Progress<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        (self.progress)(self.done);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::cell::Cell;
    use std::io::Write as _;

    fn content() -> Vec<u8> {
        (0..5_000_000u32).map(|i| (i % 253) as u8).collect()
    }

    #[test]
    fn a_file_is_stored_like_its_bytes_read_through_memory() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let bytes = content();
        let mut source = tempfile::NamedTempFile::new().unwrap();
        source.write_all(&bytes).unwrap();

        let reported = Cell::new(0);
        let from_file = store
            .put_file(source.as_file(), None, &|n| reported.set(n))
            .unwrap();
        assert_eq!(reported.get(), bytes.len() as u64);
        assert_eq!(fs::read(store.path_of(&from_file.blake3)).unwrap(), bytes);
        assert_eq!(store.put(&mut bytes.as_slice(), None).unwrap(), from_file);
        // Nothing is left in the temporary directory.
        assert_eq!(fs::read_dir(dir.path().join(".tmp")).unwrap().count(), 0);
    }

    #[test]
    fn a_pipe_is_read_through_memory() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let bytes = content();
        let (reader, mut writer) = io::pipe().unwrap();
        let feeder = {
            let bytes = bytes.clone();
            std::thread::spawn(move || writer.write_all(&bytes))
        };
        let reader = File::from(std::os::fd::OwnedFd::from(reader));
        let reported = Cell::new(0);
        let digests = store.put_file(&reader, None, &|n| reported.set(n)).unwrap();
        feeder.join().unwrap().unwrap();
        assert_eq!(digests.size, bytes.len() as u64);
        assert_eq!(reported.get(), bytes.len() as u64);
        assert_eq!(digests.blake3, *blake3::hash(&bytes).as_bytes());
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_nothing_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let mut source = tempfile::NamedTempFile::new().unwrap();
        source.write_all(&content()).unwrap();
        let refused = store.put_file(source.as_file(), Some(1_000_000), &|_| {});
        assert!(matches!(
            refused,
            Err(BlobError::TooLarge { limit: 1_000_000 })
        ));
        assert_eq!(fs::read_dir(dir.path().join(".tmp")).unwrap().count(), 0);
        assert_eq!(store.list().unwrap().len(), 0);
    }
}
