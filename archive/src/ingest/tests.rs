#![allow(clippy::unwrap_used)]

use std::io::Write as _;

use sha2::{Digest as _, Sha256};

use super::*;

const CHUNK: usize = FILE.chunk;

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

/// Drops `file`'s pages from the page cache, as after a reboot, so it is read directly.
fn evict(file: &File) {
    file.sync_all().unwrap();
    rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed).unwrap();
}

fn assert_digests(digests: &Digests, bytes: &[u8]) {
    assert_eq!(digests.size, bytes.len() as u64);
    assert_eq!(digests.blake3, *blake3::hash(bytes).as_bytes());
    assert_eq!(digests.sha256, <[u8; 32]>::from(Sha256::digest(bytes)));
}

#[test]
fn a_file_is_copied_and_hashed_whole_cached_or_not() {
    let lengths = [
        0,
        1,
        chunk::ALIGN - 1,
        chunk::ALIGN + 1,
        CHUNK - 1,
        CHUNK,
        CHUNK + 1,
        3 * CHUNK + 12345,
        FILE.buffers * CHUNK * 2 + 7,
        // Past a flush of the device's cache.
        FLUSH_EVERY as usize + 3 * CHUNK + 5,
    ];
    for cold in [false, true] {
        for len in lengths {
            let bytes = content(len);
            let source = file_with(&bytes);
            if cold {
                evict(source.as_file());
            }
            let dest = tempfile::NamedTempFile::new().unwrap();
            let last = std::cell::Cell::new(0);
            let digests = ingest(Source::File(source.as_file()), dest.as_file(), None, &|n| {
                last.set(n);
            })
            .unwrap();
            assert_digests(&digests, &bytes);
            assert_eq!(
                std::fs::read(dest.path()).unwrap(),
                bytes,
                "len {len} cold {cold}"
            );
            assert_eq!(last.get(), len as u64);
        }
    }
}

#[test]
fn a_stream_is_copied_and_hashed_whole() {
    for len in [
        0,
        1,
        STREAM.chunk,
        5 * STREAM.chunk + 3,
        4 * STREAM.buffers * STREAM.chunk,
    ] {
        let bytes = content(len);
        let dest = tempfile::NamedTempFile::new().unwrap();
        let digests = ingest(
            Source::Stream(&mut bytes.as_slice()),
            dest.as_file(),
            None,
            &|_| {},
        )
        .unwrap();
        assert_digests(&digests, &bytes);
        assert_eq!(std::fs::read(dest.path()).unwrap(), bytes);
    }
}

#[test]
fn a_pipe_given_as_a_file_is_read_as_a_stream() {
    let bytes = content(3 * STREAM.chunk + 5);
    let (reader, mut writer) = io::pipe().unwrap();
    let feeder = {
        let bytes = bytes.clone();
        std::thread::spawn(move || writer.write_all(&bytes))
    };
    let reader = File::from(std::os::fd::OwnedFd::from(reader));
    let dest = tempfile::NamedTempFile::new().unwrap();
    let digests = ingest(Source::File(&reader), dest.as_file(), None, &|_| {}).unwrap();
    feeder.join().unwrap().unwrap();
    assert_digests(&digests, &bytes);
    assert_eq!(std::fs::read(dest.path()).unwrap(), bytes);
}

#[test]
fn an_uncached_file_is_read_directly_where_the_file_system_allows() {
    let source = file_with(&content(CHUNK));
    let direct_possible = rustix::fs::open(
        source.path(),
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECT,
        rustix::fs::Mode::empty(),
    )
    .is_ok();
    let reader = FileReader::new(source.as_file(), CHUNK as u64);
    assert!(!reader.is_direct(), "a cached file is read from the cache");
    evict(source.as_file());
    let reader = FileReader::new(source.as_file(), CHUNK as u64);
    assert_eq!(reader.is_direct(), direct_possible);
    let dest = tempfile::NamedTempFile::new().unwrap();
    assert_eq!(Dest::new(dest.as_file()).is_direct(), direct_possible);
}

#[test]
fn the_limit_is_enforced_and_exactly_the_limit_accepted() {
    let bytes = content(2 * CHUNK + 10);
    let source = file_with(&bytes);
    for limit in [0, 1, CHUNK as u64, bytes.len() as u64 - 1] {
        let dest = tempfile::NamedTempFile::new().unwrap();
        let copied = ingest(
            Source::File(source.as_file()),
            dest.as_file(),
            Some(limit),
            &|_| {},
        );
        assert!(matches!(copied, Err(CopyError::TooLarge { limit: l }) if l == limit));
        let dest = tempfile::NamedTempFile::new().unwrap();
        let copied = ingest(
            Source::Stream(&mut bytes.as_slice()),
            dest.as_file(),
            Some(limit),
            &|_| {},
        );
        assert!(matches!(copied, Err(CopyError::TooLarge { limit: l }) if l == limit));
    }
    let dest = tempfile::NamedTempFile::new().unwrap();
    let limit = Some(bytes.len() as u64);
    let digests = ingest(
        Source::File(source.as_file()),
        dest.as_file(),
        limit,
        &|_| {},
    )
    .unwrap();
    assert_digests(&digests, &bytes);
}

#[test]
fn a_destination_that_cannot_be_written_reports_the_write_error() {
    let bytes = content(FILE.buffers * CHUNK * 3);
    let source = file_with(&bytes);
    let dest_file = tempfile::NamedTempFile::new().unwrap();
    // Opened read-only: every write fails (EBADF), and the copy stops with that error
    // instead of waiting for buffers the writers hold.
    let dest = File::open(dest_file.path()).unwrap();
    for source in [
        Source::File(source.as_file()),
        Source::Stream(&mut bytes.as_slice()),
    ] {
        match ingest(source, &dest, None, &|_| {}) {
            Err(CopyError::Write(e)) => {
                assert_eq!(
                    e.raw_os_error(),
                    Some(rustix::io::Errno::BADF.raw_os_error())
                );
            }
            other => panic!("expected the write error, got {other:?}"),
        }
    }
}

/// A stream that fails after `room` bytes.
struct Broken {
    room: usize,
}

impl Read for Broken {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.room == 0 {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "gone"));
        }
        let n = buf.len().min(self.room);
        buf[..n].fill(1);
        self.room -= n;
        Ok(n)
    }
}

#[test]
fn a_failing_source_reports_the_read_error() {
    let dest = tempfile::NamedTempFile::new().unwrap();
    let mut source = Broken {
        room: 3 * STREAM.chunk + 1,
    };
    match ingest(Source::Stream(&mut source), dest.as_file(), None, &|_| {}) {
        Err(CopyError::Read(e)) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
        other => panic!("expected the read error, got {other:?}"),
    }
}

#[test]
fn a_flush_is_due_each_time_the_writes_pass_a_step() {
    let dest = tempfile::NamedTempFile::new().unwrap();
    let dest = Dest::new(dest.as_file());
    let chunk = vec![1u8; chunk::ALIGN];
    let mut due = 0;
    for i in 0..10u64 {
        let written = dest.write(&chunk, &chunk, i * chunk::ALIGN as u64).unwrap();
        due += u32::from(written.passes(3 * chunk::ALIGN as u64));
    }
    // Through the page cache nothing is counted: its write-back is the kernel's.
    assert_eq!(due, if dest.is_direct() { 3 } else { 0 });
}
