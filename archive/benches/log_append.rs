//! Durable small appends (speed target: at least 50,000 entries/s with 64 concurrent writers
//! on 2 cores).
//!
//! - `log_append/64_writers`, `log_append/1_writer`: `archive::log::Log::append` of realistic
//!   entries (canonical JSON built from `Entry` inside the writer, as `Archive::append` does),
//!   each call returning only once its entry is fsynced. One criterion iteration is 16 appends
//!   per writer; the throughput is in entries per second.
//! - `fdatasync_baseline/64_entries`: the same-run baseline for the disk: one thread writing
//!   64 entries' worth of bytes at the end of a file and `fdatasync`ing it, i.e. a perfect
//!   group commit of 64 with no other cost. Its entries/s is the ceiling that 64 writers, each
//!   waiting for its own entry, can reach on this disk.
//! - `archive_append/64_writers_1KiB`: for information, `Archive::append` of distinct 1 KiB
//!   blobs from 64 writers; every blob is its own file with its own fsyncs.
//!
//! Scratch data lives under `target/bench-tmp` (the real disk) and is removed afterwards.

mod common;

use std::fs::OpenOptions;
use std::hint::black_box;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use archive::Archive;
use archive::log::Log;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Appends per writer in one criterion iteration.
const PER_WRITER: u64 = 16;

fn group_settings<'c>(
    c: &'c mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'c, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    group
}

fn log_append(c: &mut Criterion) {
    let dir = common::scratch_dir("log-append");
    let log = Log::open(dir.path()).expect("cannot open the log");
    let description = common::description();
    let sample = common::entry_bytes(1_234_567, 1, &description);
    println!(
        "log_append: entries of {} bytes of canonical JSON, e.g. {}",
        sample.len(),
        String::from_utf8_lossy(&sample)
    );
    let items = AtomicU64::new(0);

    let mut group = group_settings(c, "log_append");
    for writers in [64usize, 1] {
        group.throughput(Throughput::Elements(writers as u64 * PER_WRITER));
        let id = if writers == 1 {
            "1_writer".to_owned()
        } else {
            format!("{writers}_writers")
        };
        group.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter_custom(|iters| {
                common::concurrent(writers, iters * PER_WRITER, |_, _| {
                    let n = items.fetch_add(1, Ordering::Relaxed);
                    let description = description.clone();
                    let index = log
                        .append(Box::new(move |seq| {
                            common::entry_bytes(seq, n, &description)
                        }))
                        .expect("append failed");
                    black_box(index);
                })
            });
        });
    }
    group.finish();
    drop(log);
}

fn fdatasync_baseline(c: &mut Criterion) {
    let dir = common::scratch_dir("fdatasync");
    let path = dir.path().join("entries");
    let file = OpenOptions::new()
        .create_new(true)
        .read(true)
        .write(true)
        .open(&path)
        .expect("cannot create the baseline file");
    let description = common::description();
    let batch: Vec<u8> = (0..64)
        .flat_map(|n| common::entry_bytes(n, n, &description))
        .collect();
    let mut end = 0u64;

    let mut group = group_settings(c, "fdatasync_baseline");
    group.throughput(Throughput::Elements(64));
    group.bench_function("64_entries", |b| {
        b.iter(|| {
            file.write_all_at(&batch, end).expect("write failed");
            file.sync_data().expect("fdatasync failed");
            end += batch.len() as u64;
        });
    });
    group.finish();
}

fn archive_append(c: &mut Criterion) {
    let dir = common::scratch_dir("archive-append");
    let archive = Archive::open(dir.path()).expect("cannot open the archive");
    let description = common::description();
    let items = AtomicU64::new(0);
    const WRITERS: usize = 64;
    const PER_WRITER_BLOBS: u64 = 2;

    let mut group = group_settings(c, "archive_append");
    group.throughput(Throughput::Elements(WRITERS as u64 * PER_WRITER_BLOBS));
    group.bench_function("64_writers_1KiB", |b| {
        b.iter_custom(|iters| {
            common::concurrent(WRITERS, iters * PER_WRITER_BLOBS, |_, _| {
                // Distinct content, so that no blob is a duplicate of an earlier one.
                let n = items.fetch_add(1, Ordering::Relaxed);
                let blob: Vec<u8> = n.to_le_bytes().iter().copied().cycle().take(1024).collect();
                let index = archive
                    .append(&mut blob.as_slice(), &description, None)
                    .expect("append failed");
                black_box(index);
            })
        });
    });
    group.finish();
}

criterion_group!(benches, log_append, fdatasync_baseline, archive_append);
criterion_main!(benches);
