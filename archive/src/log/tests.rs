use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Arc;

use super::*;
use crate::tree::MemoryHashes;

fn leaf(seq: u64) -> Vec<u8> {
    format!("{{\"seq\":{seq}}}").into_bytes()
}

fn append_n(log: &Log, n: u64) {
    for _ in 0..n {
        log.append(Box::new(leaf)).unwrap();
    }
}

fn expected_root(n: u64) -> Hash {
    let mut mem = MemoryHashes::default();
    (0..n).for_each(|i| mem.push_leaf(tree::leaf_hash(&leaf(i))));
    tree::root(&mem, n).unwrap()
}

#[test]
fn appends_are_numbered_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = Log::open(dir.path()).unwrap();
        assert_eq!(log.size(), 0);
        assert_eq!(log.append(Box::new(leaf)).unwrap(), 0);
        append_n(&log, 9);
        assert_eq!(log.entry(3).unwrap(), leaf(3));
        assert_eq!(log.root(10).unwrap(), expected_root(10));
    }
    let log = Log::open(dir.path()).unwrap();
    assert_eq!(log.size(), 10);
    assert_eq!(log.root(10).unwrap(), expected_root(10));
    assert!(matches!(
        log.entry(10),
        Err(LogError::NoSuchEntry {
            index: 10,
            size: 10
        })
    ));
}

#[test]
fn concurrent_appends_share_batches_and_get_distinct_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(Log::open(dir.path()).unwrap());
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                (0..50)
                    .map(|_| log.append(Box::new(leaf)).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..800).collect::<Vec<_>>());
    assert_eq!(log.root(800).unwrap(), expected_root(800));
    for i in [0, 399, 799] {
        assert_eq!(log.entry(i).unwrap(), leaf(i));
    }
}

#[test]
fn torn_tail_is_cut_off_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = Log::open(dir.path()).unwrap();
        append_n(&log, 5);
    }
    // A crash mid-append leaves part of a record that was never acknowledged.
    let mut f = OpenOptions::new()
        .append(true)
        .open(dir.path().join("entries"))
        .unwrap();
    let mut partial = Vec::new();
    record::encode(5, &leaf(5), &mut partial);
    f.write_all(&partial[..partial.len() - 3]).unwrap();
    drop(f);
    let log = Log::open(dir.path()).unwrap();
    assert_eq!(log.size(), 5);
    assert_eq!(log.append(Box::new(leaf)).unwrap(), 5);
    assert_eq!(log.root(6).unwrap(), expected_root(6));
}

#[test]
fn unsynced_derived_files_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = Log::open(dir.path()).unwrap();
        append_n(&log, 20);
        log.sync().unwrap();
        append_n(&log, 13);
        // Simulate a crash: the derived files lose what was not synced.
        std::mem::forget(log);
    }
    std::fs::write(dir.path().join("synced"), "20\n").unwrap();
    let index = OpenOptions::new()
        .write(true)
        .open(dir.path().join("index"))
        .unwrap();
    index.set_len(20 * 8 + 5).unwrap();
    let hashes = OpenOptions::new()
        .write(true)
        .open(dir.path().join("hashes"))
        .unwrap();
    hashes.set_len(tree::stored_hash_count(20) * 32).unwrap();
    let log = Log::open(dir.path()).unwrap();
    assert_eq!(log.size(), 33);
    assert_eq!(log.root(33).unwrap(), expected_root(33));
}

#[test]
fn damage_inside_the_synced_prefix_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = Log::open(dir.path()).unwrap();
        append_n(&log, 4);
    }
    let path = dir.path().join("entries");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x40;
    std::fs::write(&path, bytes).unwrap();
    let err = Log::open(dir.path()).unwrap_err();
    assert!(matches!(err, LogError::Corrupt { .. }), "{err}");
}

#[test]
fn proofs_match_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path()).unwrap();
    append_n(&log, 37);
    let mut mem = MemoryHashes::default();
    (0..37).for_each(|i| mem.push_leaf(tree::leaf_hash(&leaf(i))));
    for size in [1, 2, 5, 16, 37] {
        for index in 0..size {
            assert_eq!(
                log.inclusion_proof(index, size).unwrap(),
                tree::inclusion_proof(&mem, index, size).unwrap()
            );
        }
        assert_eq!(
            log.consistency_proof(size / 2, size).unwrap(),
            tree::consistency_proof(&mem, size / 2, size).unwrap()
        );
    }
}
