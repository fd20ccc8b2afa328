//! The authority's durable state: which serial numbers and times it may have issued.
//!
//! Two marks bound everything ever issued from a state directory: no serial number at or
//! above `serial-limit`, no `genTime` after `time-limit-ms`. The authority raises a mark, and
//! waits for it to be durable, *before* it issues anything beyond it; so after a crash it
//! resumes above every serial and at or after every time it may have issued, without an
//! fsync per token. The marks move in blocks (see `authority`), the rest is memory.
//!
//! The file is replaced whole (written beside, fsynced, renamed, directory fsynced), so a
//! crash leaves the old marks or the new ones, never a mixture. An exclusive `flock` on
//! `lock` keeps a second authority (this process or another) out; the kernel drops it when
//! the holder dies, so a crash never leaves the directory locked.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::TsaError;

const STATE_FILE: &str = "state";
const STATE_TEMP: &str = "state.tmp";
const LOCK_FILE: &str = "lock";
const HEADER: &str = "dalel-tsa-state/1";

/// The bounds on everything issued from a state directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Marks {
    /// A random number fixed when the directory is first used: the high 64 bits of every
    /// serial number, so that two directories (a restored backup, a second replica with
    /// the same key) do not issue the same serial numbers.
    pub(crate) instance: u64,
    /// No serial counter issued is at or above this.
    pub(crate) serial_limit: u64,
    /// No `genTime` issued is later than this, in milliseconds since the Unix epoch.
    pub(crate) time_limit_ms: u64,
}

/// An open, locked state directory.
#[derive(Debug)]
pub(crate) struct StateDir {
    dir: PathBuf,
    /// Held for the authority's lifetime; closing it releases the lock.
    _lock: File,
}

impl StateDir {
    /// Creates `dir` if needed, locks it, and reads its marks; a new directory gets a fresh
    /// instance number and marks that allow everything, written before this returns.
    pub(crate) fn open(dir: &Path) -> Result<(Self, Marks), TsaError> {
        let io = |op, path: &Path| {
            let path = path.to_owned();
            move |source| TsaError::State { op, path, source }
        };
        fs::create_dir_all(dir).map_err(io("creating", dir))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io("opening", &lock_path))?;
        match archive::durable::try_lock(&lock) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(TsaError::InUse { path: lock_path }),
            Err(TryLockError::Error(source)) => {
                return Err(TsaError::State {
                    op: "locking",
                    path: lock_path,
                    source,
                });
            }
        }
        let state = Self {
            dir: dir.to_owned(),
            _lock: lock,
        };
        let path = dir.join(STATE_FILE);
        let marks = match fs::read_to_string(&path) {
            Ok(text) => parse(&text).map_err(|reason| TsaError::StateDamaged {
                path: path.clone(),
                reason,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut instance = [0u8; 8];
                getrandom::fill(&mut instance).map_err(|e| TsaError::Random(e.to_string()))?;
                let marks = Marks {
                    // The top bit clear keeps the serial a positive INTEGER of at most 128
                    // bits (RFC 3161 §2.4.2 allows up to 160).
                    instance: u64::from_be_bytes(instance) >> 1,
                    serial_limit: 1,
                    time_limit_ms: 0,
                };
                state.persist(&marks)?;
                marks
            }
            Err(source) => {
                return Err(TsaError::State {
                    op: "reading",
                    path,
                    source,
                });
            }
        };
        Ok((state, marks))
    }

    /// Replaces the marks durably: once this returns, a crash cannot bring back older ones.
    pub(crate) fn persist(&self, marks: &Marks) -> Result<(), TsaError> {
        let temp = self.dir.join(STATE_TEMP);
        let path = self.dir.join(STATE_FILE);
        let text = format!(
            "{HEADER}\ninstance {:016x}\nserial-limit {}\ntime-limit-ms {}\n",
            marks.instance, marks.serial_limit, marks.time_limit_ms
        );
        let mut file = File::create(&temp).map_err(|source| TsaError::State {
            op: "creating",
            path: temp.clone(),
            source,
        })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|source| TsaError::State {
                op: "writing",
                path: temp.clone(),
                source,
            })?;
        drop(file);
        fs::rename(&temp, &path).map_err(|source| TsaError::State {
            op: "renaming into",
            path: path.clone(),
            source,
        })?;
        // The rename is durable only once the directory entry is.
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| TsaError::State {
                op: "syncing",
                path: self.dir.clone(),
                source,
            })
    }
}

/// Reads the four lines [`StateDir::persist`] writes, and nothing else.
fn parse(text: &str) -> Result<Marks, String> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(format!("the first line is not {HEADER}"));
    }
    let mut field = |name: &str, radix: u32| -> Result<u64, String> {
        let line = lines.next().ok_or_else(|| format!("{name} is missing"))?;
        let value = line
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or_else(|| format!("expected {name}, found {line:?}"))?;
        u64::from_str_radix(value, radix).map_err(|e| format!("{name} {value:?}: {e}"))
    };
    let marks = Marks {
        instance: field("instance", 16)?,
        serial_limit: field("serial-limit", 10)?,
        time_limit_ms: field("time-limit-ms", 10)?,
    };
    if lines.next().is_some() {
        return Err("unexpected lines after time-limit-ms".to_owned());
    }
    if marks.instance >> 63 != 0 || marks.serial_limit == 0 {
        return Err("values out of range".to_owned());
    }
    Ok(marks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_round_trip_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (state, fresh) = StateDir::open(dir.path()).unwrap();
        assert_eq!(fresh.serial_limit, 1);
        let marks = Marks {
            serial_limit: 4097,
            time_limit_ms: 1_700_000_000_123,
            ..fresh
        };
        state.persist(&marks).unwrap();
        let text = fs::read_to_string(dir.path().join(STATE_FILE)).unwrap();
        assert_eq!(parse(&text).unwrap(), marks);
        assert!(matches!(
            StateDir::open(dir.path()),
            Err(TsaError::InUse { .. })
        ));
        drop(state);
        let (_state, reopened) = StateDir::open(dir.path()).unwrap();
        assert_eq!(reopened, marks);

        for bad in [
            "",
            "dalel-tsa-state/2\ninstance 1\nserial-limit 1\ntime-limit-ms 0\n",
            "dalel-tsa-state/1\ninstance 1\nserial-limit x\ntime-limit-ms 0\n",
            "dalel-tsa-state/1\ninstance 1\nserial-limit 1\n",
            "dalel-tsa-state/1\ninstance 1\nserial-limit 1\ntime-limit-ms 0\nmore\n",
            "dalel-tsa-state/1\ninstance 1\nserial-limit 0\ntime-limit-ms 0\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
