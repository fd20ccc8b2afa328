//! The data directory: one store shared by `dalel serve` and every `dalel` subcommand.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Name of the directory under the user's data directory used when none is configured.
const DEFAULT_NAME: &str = "dalel";
/// File locked by `dalel serve` for as long as it runs.
const SERVE_LOCK: &str = "serve.lock";

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// No directory was configured and the user's data directory is unknown (no `HOME`).
    #[error("no data directory configured and no user data directory known; pass --data DIR")]
    NoDefault,
    /// The directory could not be created.
    #[error("cannot create data directory {}", path.display())]
    Create {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The path exists but is not a directory.
    #[error("data directory {} is not a directory", path.display())]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// The directory exists but nothing can be written in it.
    #[error("data directory {} is not writable", path.display())]
    NotWritable {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Another `dalel serve` already holds the directory.
    #[error("data directory {} is already in use by another `dalel serve`", path.display())]
    InUse {
        /// The directory.
        path: PathBuf,
    },
}

/// A data directory that exists and is writable.
#[derive(Debug, Clone)]
pub struct DataDir {
    path: PathBuf,
}

impl DataDir {
    /// Chooses the directory: the command line wins over the configuration file, which wins
    /// over the embedded default (`dalel` under the user's data directory).
    pub fn resolve(cli: Option<&Path>, config: Option<&Path>) -> Result<PathBuf, DataDirError> {
        match cli.or(config) {
            Some(path) => Ok(path.to_owned()),
            None => dirs::data_dir()
                .map(|d| d.join(DEFAULT_NAME))
                .ok_or(DataDirError::NoDefault),
        }
    }

    /// Opens the directory, creating it (readable by its owner only: it holds evidence and
    /// keys) on first use, and proves that it is writable.
    pub fn open(path: &Path) -> Result<Self, DataDirError> {
        match fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => {
                return Err(DataDirError::NotADirectory {
                    path: path.to_owned(),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(path)
                    .map_err(|source| DataDirError::Create {
                        path: path.to_owned(),
                        source,
                    })?;
            }
            Err(source) => {
                return Err(DataDirError::Create {
                    path: path.to_owned(),
                    source,
                });
            }
        }
        probe_writable(path).map_err(|source| DataDirError::NotWritable {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the exclusive serve lock, so that two services never share one store. The lock is
    /// released when the returned file is dropped or the process dies.
    pub fn lock_for_serve(&self) -> Result<ServeLock, DataDirError> {
        let lock_path = self.path.join(SERVE_LOCK);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| DataDirError::NotWritable {
                path: self.path.clone(),
                source,
            })?;
        match archive::durable::try_lock(&file) {
            Ok(()) => Ok(ServeLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(DataDirError::InUse {
                path: self.path.clone(),
            }),
            Err(fs::TryLockError::Error(source)) => Err(DataDirError::NotWritable {
                path: self.path.clone(),
                source,
            }),
        }
    }
}

/// Held by `dalel serve` while it runs; see [`DataDir::lock_for_serve`].
#[derive(Debug)]
pub struct ServeLock {
    _file: File,
}

/// Creates and removes a file: the only reliable test, since permission bits say nothing about
/// read-only mounts, full disks or root.
fn probe_writable(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    drop(file);
    fs::remove_file(&probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_private_directory_on_first_use() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b/data");
        let dir = DataDir::open(&path).unwrap();
        assert!(dir.path().is_dir());
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        // Opening again is fine and leaves nothing behind.
        DataDir::open(&path).unwrap();
        assert_eq!(fs::read_dir(&path).unwrap().count(), 0);
    }

    #[test]
    fn a_file_is_not_a_data_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        fs::write(&file, b"x").unwrap();
        assert!(matches!(
            DataDir::open(&file),
            Err(DataDirError::NotADirectory { .. })
        ));
        assert!(matches!(
            DataDir::open(&file.join("sub")),
            Err(DataDirError::Create { .. })
        ));
    }

    #[test]
    fn serve_lock_is_exclusive() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        let held = dir.lock_for_serve().unwrap();
        assert!(matches!(
            dir.lock_for_serve(),
            Err(DataDirError::InUse { .. })
        ));
        drop(held);
        dir.lock_for_serve().unwrap();
    }

    #[test]
    fn command_line_wins_over_config() {
        let chosen = DataDir::resolve(Some(Path::new("/a")), Some(Path::new("/b"))).unwrap();
        assert_eq!(chosen, Path::new("/a"));
        let chosen = DataDir::resolve(None, Some(Path::new("/b"))).unwrap();
        assert_eq!(chosen, Path::new("/b"));
    }
}
