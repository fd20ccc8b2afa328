//! Inclusion proof generation (speed target: under 100 µs at 10 million entries).
//!
//! - `inclusion_proof/file/10000000`: `Log::inclusion_proof(i, N)` on the real file-backed
//!   log, `i` spread over the whole log, with the log's files in the page cache (they are read
//!   through once before measuring).
//! - `inclusion_proof/memory/10000000`: the same proofs over `tree::MemoryHashes`, for
//!   comparison (the cost of the arithmetic and hashing without the file reads).
//! - `inclusion_proof_cold/file/10000000`: only with `BENCH_COLD=1`, as root, and outside
//!   criterion (a median of 21 runs, printed): each proof right after `sync` and dropping the
//!   page cache, i.e. every hash read from the disk.
//!
//! The log is a fixture built once, by appending from many threads, into
//! `target/bench-fixtures/log-<N>` (N = `BENCH_LOG_ENTRIES`, default 10,000,000; about
//! 4.5 GB). An interrupted build resumes where it stopped; a fixture the log cannot open is
//! rebuilt from scratch.

mod common;

use std::hint::black_box;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use archive::log::Log;
use archive::tree::{self, MemoryHashes};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// Threads appending while the fixture is built: more writers make larger group commits.
const BUILDERS: usize = 256;

fn entries() -> u64 {
    std::env::var("BENCH_LOG_ENTRIES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(10_000_000)
}

/// Opens the fixture log of `n` entries, building or completing it first.
fn fixture(n: u64) -> Log {
    let dir = common::target_dir()
        .join("bench-fixtures")
        .join(format!("log-{n}"));
    std::fs::create_dir_all(&dir).expect("cannot create the fixture directory");
    let log = match Log::open(&dir) {
        Ok(log) => log,
        Err(e) => {
            eprintln!("fixture {}: unusable ({e}); rebuilding", dir.display());
            std::fs::remove_dir_all(&dir).expect("cannot remove the damaged fixture");
            Log::open(&dir).expect("cannot create the fixture log")
        }
    };
    if log.size() < n {
        complete(&log, n, &dir);
    }
    log
}

/// Appends realistic entries until the log holds `n`, reporting progress.
fn complete(log: &Log, n: u64, dir: &Path) {
    let have = log.size();
    eprintln!(
        "fixture {}: {have} of {n} entries; appending the rest from {BUILDERS} threads \
         (done once, kept for later runs)",
        dir.display()
    );
    let description = common::description();
    let missing = n - have;
    let next = AtomicU64::new(0);
    let began = Instant::now();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let reporter = scope.spawn(|| {
            let mut last = Instant::now();
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                if last.elapsed() >= Duration::from_secs(15) {
                    last = Instant::now();
                    let size = log.size();
                    let rate = (size - have) as f64 / began.elapsed().as_secs_f64();
                    eprintln!(
                        "fixture: {size} / {n} entries, {rate:.0} entries/s, about {:.0} s left",
                        (n - size) as f64 / rate.max(1.0)
                    );
                }
            }
        });
        let per_writer = missing.div_ceil(BUILDERS as u64);
        common::concurrent(BUILDERS, per_writer, |_, _| {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= missing {
                return;
            }
            let description = description.clone();
            log.append(Box::new(move |seq| {
                common::entry_bytes(seq, seq, &description)
            }))
            .expect("fixture append failed");
        });
        done.store(true, Ordering::Relaxed);
        reporter.join().expect("the progress reporter panicked");
    });
    let took = began.elapsed().as_secs_f64();
    eprintln!(
        "fixture: {} entries in {took:.0} s ({:.0} entries/s)",
        log.size(),
        missing as f64 / took
    );
    assert_eq!(log.size(), n, "the fixture did not reach its size");
}

/// Reads the fixture's files once so that the warm measurement finds them in the page cache.
fn warm(dir: &Path) {
    for name in ["hashes", "index"] {
        let Ok(mut file) = std::fs::File::open(dir.join(name)) else {
            continue;
        };
        let mut buf = vec![0u8; 1 << 20];
        while file.read(&mut buf).map(|got| got > 0).unwrap_or(false) {}
    }
}

fn drop_caches() -> bool {
    std::process::Command::new("sync")
        .status()
        .is_ok_and(|s| s.success())
        && std::fs::write("/proc/sys/vm/drop_caches", "3\n").is_ok()
}

fn inclusion_proof(c: &mut Criterion) {
    let n = entries();
    let log = fixture(n);
    let dir = common::target_dir()
        .join("bench-fixtures")
        .join(format!("log-{n}"));
    warm(&dir);
    let depth = log
        .inclusion_proof(n / 3, n)
        .expect("cannot prove inclusion")
        .len();
    println!("inclusion_proof: log of {n} entries, proofs of {depth} hashes");

    let mut group = c.benchmark_group("inclusion_proof");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));

    let mut spread = common::Spread::new(0x5eed);
    group.bench_function(BenchmarkId::new("file", n), |b| {
        b.iter(|| {
            let index = spread.below(n);
            black_box(
                log.inclusion_proof(index, n)
                    .expect("cannot prove inclusion"),
            )
        });
    });

    // The same tree shape in memory (leaf data differ; the shape is what costs).
    let began = Instant::now();
    let mut memory = MemoryHashes::default();
    for i in 0..n {
        memory.push_leaf(tree::leaf_hash(&i.to_le_bytes()));
    }
    eprintln!(
        "inclusion_proof: in-memory tree of {n} leaves built in {:.1} s",
        began.elapsed().as_secs_f64()
    );
    let mut spread = common::Spread::new(0x5eed);
    group.bench_function(BenchmarkId::new("memory", n), |b| {
        b.iter(|| {
            let index = spread.below(n);
            black_box(tree::inclusion_proof(&memory, index, n).expect("cannot prove inclusion"))
        });
    });
    drop(memory);
    group.finish();

    if std::env::var_os("BENCH_COLD").is_some_and(|v| v == "1") {
        cold(&log, n);
    }
}

/// Proofs with every hash read from the disk: a plain median of a few runs, since each one
/// needs the whole page cache dropped first.
fn cold(log: &Log, n: u64) {
    const RUNS: usize = 21;
    let mut spread = common::Spread::new(0xc01d);
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let index = spread.below(n);
        if !drop_caches() {
            eprintln!("inclusion_proof_cold: skipped (needs root to drop the page cache)");
            return;
        }
        let began = Instant::now();
        black_box(
            log.inclusion_proof(index, n)
                .expect("cannot prove inclusion"),
        );
        times.push(began.elapsed());
    }
    times.sort();
    println!(
        "inclusion_proof_cold/file/{n}: median {:.1} µs over {RUNS} proofs, each after \
         dropping the page cache (min {:.1} µs, max {:.1} µs)",
        times[RUNS / 2].as_secs_f64() * 1e6,
        times[0].as_secs_f64() * 1e6,
        times[RUNS - 1].as_secs_f64() * 1e6
    );
}

criterion_group!(benches, inclusion_proof);
criterion_main!(benches);
