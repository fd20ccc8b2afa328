//! `archive-stress DIR WRITERS SEED`: opens the archive in `DIR` and appends random content
//! from `WRITERS` threads until it is killed, while another thread signs checkpoints every
//! few milliseconds. The crash-safety test SIGKILLs it at random moments.
//!
//! Output on stdout, one line each, written whole under a lock and flushed:
//!
//! ```text
//! open <size>                    the archive is open and held this many entries
//! ack <index> <blake3 hex> <size> `Archive::append` returned: the entry is durable
//! ```
//!
//! Any error is printed on stderr and ends the process with status 1: in this test nothing
//! may fail, so the test treats an exit that is not its own SIGKILL as a failure.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use archive::{Archive, Description};

/// Time between two checkpoints signed by the checkpoint thread.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(10);

/// SplitMix64: cheap, seedable, and good enough to make every writer's content distinct.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Content length: mostly small, sometimes tens of KiB, rarely up to 1 MiB.
    fn content_len(&mut self) -> usize {
        let len = match self.below(100) {
            0..=89 => self.below(4 << 10),
            90..=98 => self.below(64 << 10),
            _ => self.below(1 << 20) + 1,
        };
        usize::try_from(len).unwrap_or(0)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

/// The parsed command line.
struct Args {
    dir: PathBuf,
    writers: u64,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let usage = "usage: archive-stress DIR WRITERS SEED";
    let mut args = std::env::args_os().skip(1);
    let dir = args.next().map(PathBuf::from).ok_or(usage)?;
    let mut number = |what: &str| -> Result<u64, String> {
        let arg = args.next().ok_or(usage)?;
        arg.to_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{what} must be a number, not {arg:?}"))
    };
    let writers = number("WRITERS")?;
    let seed = number("SEED")?;
    if writers == 0 {
        return Err("WRITERS must be at least 1".into());
    }
    Ok(Args { dir, writers, seed })
}

/// Prints one whole line and flushes it while holding the lock, so that lines never
/// interleave and an acknowledged line is out before the next append starts.
fn say(stdout: &Mutex<io::Stdout>, line: &str) -> io::Result<()> {
    let out = stdout.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = out.lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// Reports a failure, with its whole cause chain, on stderr and ends the whole process with
/// status 1.
fn fail(what: &str, error: &dyn std::error::Error) -> ! {
    let mut line = format!("archive-stress: {what}: {error}");
    let mut cause = error.source();
    while let Some(e) = cause {
        line.push_str(&format!(": {e}"));
        cause = e.source();
    }
    eprintln!("{line}");
    std::process::exit(1)
}

fn writer(archive: &Archive, stdout: &Mutex<io::Stdout>, id: u64, seed: u64) -> ! {
    let mut rng = Rng(seed ^ id.wrapping_mul(0xd134_2543_de82_ef95));
    let mut content = Vec::new();
    for seq in 0u64.. {
        content.resize(rng.content_len(), 0);
        rng.fill(&mut content);
        let description = Description {
            kind: Some("stress".into()),
            meta: BTreeMap::from([
                ("run".to_owned(), seed.to_string()),
                ("writer".to_owned(), id.to_string()),
                ("seq".to_owned(), seq.to_string()),
            ]),
            ..Description::default()
        };
        let index = archive
            .append(&mut content.as_slice(), &description, None)
            .unwrap_or_else(|e| fail("append failed", &e));
        let line = format!(
            "ack {index} {} {}",
            blake3::hash(&content).to_hex(),
            content.len()
        );
        say(stdout, &line).unwrap_or_else(|e| fail("cannot write to stdout", &e));
    }
    unreachable!("a writer appends until the process is killed")
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("archive-stress: {e}");
            return ExitCode::from(2);
        }
    };
    let archive = Archive::open(&args.dir)
        .map(Arc::new)
        .unwrap_or_else(|e| fail("cannot open the archive", &e));
    let stdout = Arc::new(Mutex::new(io::stdout()));
    say(&stdout, &format!("open {}", archive.size()))
        .unwrap_or_else(|e| fail("cannot write to stdout", &e));

    for id in 0..args.writers {
        let (archive, stdout) = (Arc::clone(&archive), Arc::clone(&stdout));
        std::thread::Builder::new()
            .name(format!("writer-{id}"))
            .spawn(move || writer(&archive, &stdout, id, args.seed))
            .unwrap_or_else(|e| fail("cannot start a writer", &e));
    }
    loop {
        archive
            .checkpoint()
            .unwrap_or_else(|e| fail("checkpoint failed", &e));
        std::thread::sleep(CHECKPOINT_EVERY);
    }
}
