//! Crash safety of the archive on a real file system: a process appending from many threads
//! is SIGKILLed hundreds of times at random moments (some during open and recovery), and
//! after every batch of kills the store is reopened and checked: every acknowledged entry is
//! present with the acknowledged content, no partial entry is visible, the full audit is
//! clean, and appends go on.
//!
//! Set `DALEL_CRASH_SEED` to replay the same content (kill moments depend on timing and are
//! never exactly reproducible).

use std::collections::HashMap;
use std::collections::hash_map::{Entry as Slot, RandomState};
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use archive::Archive;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tests::binary;

/// Kills in the whole test.
const KILLS: u32 = 200;
/// Kills between two in-process checks of the store.
const CHECK_EVERY: u32 = 25;
/// Writer threads in each stress process.
const WRITERS: u32 = 8;
/// Range of the random wait before a kill, in milliseconds.
const WAIT_MS: std::ops::RangeInclusive<u64> = 2..=80;
/// How long a stress process may take to acknowledge its first append.
const PATIENCE: Duration = Duration::from_secs(20);

/// What a stress process acknowledged about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ack {
    blake3: String,
    size: u64,
}

/// Parses a complete `ack <index> <blake3 hex> <size>` line; other lines give `None`.
fn parse_ack(line: &str) -> Option<(u64, Ack)> {
    let rest = line.strip_prefix("ack ")?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let [index, blake3, size] = fields.as_slice() else {
        panic!("malformed ack line {line:?}");
    };
    assert!(
        blake3.len() == 64 && blake3.bytes().all(|b| b.is_ascii_hexdigit()),
        "malformed ack line {line:?}"
    );
    Some((
        index.parse().unwrap(),
        Ack {
            blake3: (*blake3).to_owned(),
            size: size.parse().unwrap(),
        },
    ))
}

/// A random number in `range`, from the standard library's randomly keyed hasher.
fn random_in(range: std::ops::RangeInclusive<u64>) -> u64 {
    let draw = RandomState::new().hash_one(Instant::now());
    range.start() + draw % (range.end() - range.start() + 1)
}

/// One running stress process and the thread reading its stdout.
struct Stress {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Returns whether stdout ended in a torn (unterminated) line.
    reader: JoinHandle<bool>,
}

impl Stress {
    fn spawn(archive: &Path, seed: u64, stderr: &Path) -> Self {
        let mut child = Command::new(binary("archive-stress"))
            .arg(archive)
            .arg(WRITERS.to_string())
            .arg(seed.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(stderr).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = stdout.read_until(b'\n', &mut line).unwrap();
                // Only a line with its newline was written whole; a torn tail is no ack.
                if line.last() != Some(&b'\n') {
                    return n > 0;
                }
                line.pop();
                let _ = tx.send(String::from_utf8(line.clone()).unwrap());
            }
        });
        Self {
            child,
            lines,
            reader,
        }
    }
}

/// Statistics printed at the end.
#[derive(Debug, Default)]
struct Stats {
    kills: u32,
    kills_before_open: u32,
    kills_before_first_ack: u32,
    torn_lines: u32,
    acks: u64,
    checks: u32,
}

/// Every entry acknowledged so far, by index.
#[derive(Debug, Default)]
struct Acked {
    by_index: HashMap<u64, Ack>,
    /// Indexes acknowledged since the last check, whose content is read back then.
    unchecked: Vec<u64>,
}

impl Acked {
    fn add(&mut self, index: u64, ack: Ack) {
        match self.by_index.entry(index) {
            Slot::Vacant(slot) => {
                slot.insert(ack);
                self.unchecked.push(index);
            }
            // An acknowledged entry was lost and its index given to another.
            Slot::Occupied(slot) => assert_eq!(
                slot.get(),
                &ack,
                "index {index} was acknowledged twice with different content"
            ),
        }
    }
}

/// How a kill is timed.
#[derive(Debug, Clone, Copy)]
enum Wait {
    /// The random wait starts when the process is spawned: the kill may land while the
    /// archive is being opened and recovered.
    FromSpawn,
    /// The random wait starts at the first acknowledgement: the kill lands among appends.
    FromFirstAck,
}

/// Runs one stress process, kills it after a random wait and collects its acknowledgements.
fn kill_one(
    archive: &Path,
    seed: u64,
    wait: Wait,
    stderr: &Path,
    acked: &mut Acked,
    stats: &mut Stats,
) {
    let mut stress = Stress::spawn(archive, seed, stderr);
    let spawned = Instant::now();
    let mut early = Vec::new();
    if let Wait::FromFirstAck = wait {
        loop {
            match stress
                .lines
                .recv_timeout(PATIENCE.saturating_sub(spawned.elapsed()))
            {
                Ok(line) => {
                    let is_ack = line.starts_with("ack ");
                    early.push(line);
                    if is_ack {
                        break;
                    }
                }
                Err(_) => {
                    let _ = stress.child.kill();
                    let status = stress.child.wait().unwrap();
                    panic!(
                        "no acknowledgement within {PATIENCE:?} ({status}): {}",
                        std::fs::read_to_string(stderr).unwrap()
                    );
                }
            }
        }
    }
    std::thread::sleep(Duration::from_millis(random_in(WAIT_MS)));
    kill(Pid::from_raw(stress.child.id() as i32), Signal::SIGKILL).unwrap();
    let status = stress.child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(Signal::SIGKILL as i32),
        "the stress process ended by itself ({status}): {}",
        std::fs::read_to_string(stderr).unwrap()
    );
    stats.torn_lines += u32::from(stress.reader.join().unwrap());
    let lines: Vec<String> = early.into_iter().chain(stress.lines.try_iter()).collect();
    stats.kills += 1;
    stats.kills_before_open += u32::from(!lines.iter().any(|l| l.starts_with("open ")));
    let mut acks = 0;
    for (index, ack) in lines.iter().filter_map(|l| parse_ack(l)) {
        acked.add(index, ack);
        acks += 1;
    }
    stats.kills_before_first_ack += u32::from(acks == 0);
    stats.acks += acks;
}

/// Adapts a BLAKE3 hasher to `io::Write`, so content is checked without being kept.
struct HashingWriter(blake3::Hasher, u64);

impl std::io::Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        self.1 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Opens the archive in this process and checks everything acknowledged so far.
fn check(dir: &Path, acked: &mut Acked, stats: &mut Stats) {
    let archive = Archive::open(dir).unwrap();
    let size = archive.size();
    assert!(
        size >= acked.by_index.len() as u64,
        "{size} entries but {} acknowledged",
        acked.by_index.len()
    );
    for (&index, ack) in &acked.by_index {
        assert!(
            index < size,
            "acknowledged entry {index} is missing ({size} entries)"
        );
        let entry = archive.entry(index).unwrap();
        assert_eq!(
            (&entry.blake3, entry.size),
            (&ack.blake3, ack.size),
            "entry {index}"
        );
        assert_eq!(entry.seq, index);
        assert_eq!(entry.kind, "stress");
    }
    for index in std::mem::take(&mut acked.unchecked) {
        let mut out = HashingWriter(blake3::Hasher::new(), 0);
        archive.copy_to(index, &mut out).unwrap();
        let ack = &acked.by_index[&index];
        assert_eq!(
            out.0.finalize().to_hex().as_str(),
            ack.blake3,
            "entry {index}"
        );
        assert_eq!(out.1, ack.size, "entry {index}");
    }
    let report = archive.audit(|_| {});
    assert!(
        report.is_clean(),
        "audit after {} kills: {:#?}",
        stats.kills,
        report.discrepancies
    );
    assert_eq!(report.entries, size);
    assert_eq!(report.blobs, size, "every entry's blob was re-hashed");
    if let Some(latest) = archive.latest_checkpoint() {
        assert!(latest.size <= size);
    }
    stats.checks += 1;
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let started = Instant::now();
    let seed = std::env::var("DALEL_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| RandomState::new().hash_one(0u8) >> 1);
    eprintln!("crash test seed {seed} (DALEL_CRASH_SEED to replay the content)");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let dir = data.join("archive");
    let stderr = tmp.path().join("stress.err");
    let mut acked = Acked::default();
    let mut stats = Stats::default();

    for i in 0..KILLS {
        // Every other kill lands among appends, the others possibly during open and recovery.
        let wait = if i.is_multiple_of(2) {
            Wait::FromFirstAck
        } else {
            Wait::FromSpawn
        };
        kill_one(
            &dir,
            seed.wrapping_add(u64::from(i)),
            wait,
            &stderr,
            &mut acked,
            &mut stats,
        );
        if (i + 1) % CHECK_EVERY == 0 {
            check(&dir, &mut acked, &mut stats);
        }
    }
    check(&dir, &mut acked, &mut stats);

    // The command-line audit agrees, and appends go on.
    let dalel = |args: &[&str]| {
        Command::new(binary("dalel"))
            .arg("--data")
            .arg(&data)
            .arg("archive")
            .args(args)
            .env_remove("DALEL_CONFIG")
            .output()
            .unwrap()
    };
    let verify = dalel(&["verify"]);
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(report.starts_with("OK: "), "{report}");
    let size = Archive::open(&dir).unwrap().size();
    let file = tmp.path().join("after");
    std::fs::write(&file, b"appended after the last crash").unwrap();
    let put = dalel(&["put", file.to_str().unwrap()]);
    assert!(
        put.status.success(),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    let receipt: serde_json::Value = serde_json::from_slice(&put.stdout).unwrap();
    assert_eq!(receipt["index"], size);
    assert_eq!(receipt["checkpoint"]["size"], size + 1);

    eprintln!(
        "{} kills ({} before the archive was open, {} before the first ack), {} acks, \
         {} torn lines, {} checks, {size} entries left, {:.1?}; verify: {}",
        stats.kills,
        stats.kills_before_open,
        stats.kills_before_first_ack,
        stats.acks,
        stats.torn_lines,
        stats.checks,
        started.elapsed(),
        report.trim()
    );
}
