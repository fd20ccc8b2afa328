//! Tiles read the way a `tlog-tiles` client reads them: tree roots recomputed from tiles
//! alone, tiles checked against the level below, entry bundles against level 0 tiles, and
//! a real log served as tiles.
//!
//! The client here shares no code with the server: its paths, hashing and tree recursion
//! are written out again from the spec and RFC 9162.

use std::collections::HashMap;
use std::io;

use archive::log::Log;
use archive::tiles::{TileError, TileRef, read_tile, read_tile_from};
use archive::tree::{self, MemoryHashes};
use sha2::{Digest, Sha256};

type Hash = [u8; 32];

/// RFC 9162 §2.1.1 leaf hash.
fn client_leaf_hash(data: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0x00])
        .chain_update(data)
        .finalize()
        .into()
}

/// RFC 9162 §2.1.1 interior node hash.
fn client_node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([0x01])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The root of a tile's hashes seen as the leaves of a perfect tree (2^k of them).
fn client_tile_root(data: &[u8]) -> Hash {
    let mut level: Vec<Hash> = data
        .chunks(32)
        .map(|c| c.try_into().expect("32-byte hashes"))
        .collect();
    assert!(level.len().is_power_of_two());
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|p| client_node_hash(&p[0], &p[1]))
            .collect();
    }
    level[0]
}

/// `tile/<level>/<N>[.p/<W>]` per the spec: N zero-padded to a multiple of three digits and
/// cut in groups, every group but the last prefixed with `x`.
fn client_path(level: &str, n: u64, width: u64) -> String {
    let digits = n.to_string();
    let padded = format!("{digits:0>w$}", w = digits.len().div_ceil(3) * 3);
    let count = padded.len() / 3;
    let groups: Vec<String> = (0..count)
        .map(|i| {
            let x = if i + 1 < count { "x" } else { "" };
            format!("{x}{}", &padded[3 * i..3 * i + 3])
        })
        .collect();
    let mut path = format!("tile/{level}/{}", groups.join("/"));
    if width != 256 {
        path.push_str(&format!(".p/{width}"));
    }
    path
}

/// A client that trusts only a tree size, and fetches tiles by path.
struct Client<F> {
    size: u64,
    fetch: F,
    tiles: HashMap<String, Vec<u8>>,
}

impl<F: FnMut(&str) -> Result<Vec<u8>, TileError>> Client<F> {
    fn new(size: u64, fetch: F) -> Self {
        Self {
            size,
            fetch,
            tiles: HashMap::new(),
        }
    }

    /// Width of tile `n` at `level` in the tree of `size`: full, or the partial rest.
    fn width(&self, level: u32, n: u64) -> u64 {
        let hashes = self.size >> (8 * level);
        let width = (hashes - n * 256).min(256);
        assert!(
            width >= 1,
            "tile {level}/{n} is empty in a tree of {}",
            self.size
        );
        width
    }

    fn tile(&mut self, level: &str, n: u64, width: u64) -> Vec<u8> {
        let path = client_path(level, n, width);
        if let Some(data) = self.tiles.get(&path) {
            return data.clone();
        }
        let data = (self.fetch)(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        self.tiles.insert(path, data.clone());
        data
    }

    /// Hash `j` at tile level `level`: the hash of leaves `j * 256^level ..` of that many.
    fn hash(&mut self, level: u32, j: u64) -> Hash {
        let width = self.width(level, j / 256);
        let data = self.tile(&level.to_string(), j / 256, width);
        assert_eq!(
            data.len() as u64,
            width * 32,
            "width of tile {level}/{}",
            j / 256
        );
        let at = (j % 256) as usize * 32;
        data[at..at + 32].try_into().expect("a 32-byte hash")
    }

    /// RFC 9162 §2.1.1 MTH(D[lo..hi]), reading every perfect subtree of 256^l leaves from
    /// a level l tile.
    fn mth(&mut self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n.is_power_of_two() && n.trailing_zeros().is_multiple_of(8) && lo.is_multiple_of(n) {
            return self.hash(n.trailing_zeros() / 8, lo / n);
        }
        let k = 1 << (63 - (n - 1).leading_zeros());
        client_node_hash(&self.mth(lo, lo + k), &self.mth(lo + k, hi))
    }

    fn root(&mut self) -> Hash {
        self.mth(0, self.size)
    }

    /// Entry bundle `n`, unframed.
    fn entries(&mut self, n: u64) -> Vec<Vec<u8>> {
        let width = self.width(0, n);
        let data = self.tile("entries", n, width);
        let mut rest = &data[..];
        let mut out = Vec::new();
        while let [hi, lo, tail @ ..] = rest {
            let len = usize::from(u16::from_be_bytes([*hi, *lo]));
            assert!(tail.len() >= len, "bundle {n} is truncated");
            out.push(tail[..len].to_vec());
            rest = &tail[len..];
        }
        assert!(rest.is_empty(), "bundle {n} has a stray byte");
        assert_eq!(out.len() as u64, width);
        out
    }
}

fn entry_bytes(i: u64) -> Vec<u8> {
    format!(
        "{{\"seq\":{i},\"pad\":\"{}\"}}",
        "p".repeat((i % 97) as usize)
    )
    .into_bytes()
}

fn memory_tree(n: u64) -> (MemoryHashes, Vec<Vec<u8>>) {
    let entries: Vec<Vec<u8>> = (0..n).map(entry_bytes).collect();
    let mut mem = MemoryHashes::default();
    entries
        .iter()
        .for_each(|e| mem.push_leaf(tree::leaf_hash(e)));
    (mem, entries)
}

fn memory_fetch<'a>(
    mem: &'a MemoryHashes,
    entries: &'a [Vec<u8>],
    size: u64,
) -> impl FnMut(&str) -> Result<Vec<u8>, TileError> + 'a {
    move |path| {
        let tile = TileRef::parse(path)?;
        let entry = |i: u64| {
            entries
                .get(i as usize)
                .cloned()
                .ok_or_else(|| io::Error::other("no such entry"))
        };
        read_tile_from(mem, entry, &tile, size)
    }
}

#[test]
fn roots_recomputed_from_tiles_match_the_tree() {
    let (mem, entries) = memory_tree(70_000);
    let sizes = [
        1, 2, 3, 255, 256, 257, 511, 512, 513, 65_535, 65_536, 65_537, 69_999, 70_000,
    ];
    for size in sizes.into_iter().chain((1..=1100).step_by(7)) {
        let mut client = Client::new(size, memory_fetch(&mem, &entries, size));
        assert_eq!(
            client.root(),
            tree::root(&mem, size).unwrap(),
            "size {size}"
        );
    }
}

#[test]
fn tiles_summarise_the_level_below() {
    let (mem, entries) = memory_tree(70_000);
    let mut client = Client::new(70_000, memory_fetch(&mem, &entries, 70_000));
    for level in 1..=2u32 {
        let count = 70_000u64 >> (8 * level);
        for j in 0..count {
            // Hash j at `level` is the root of the full tile j one level down.
            let below = client.tile(&(level - 1).to_string(), j, 256);
            assert_eq!(
                client.hash(level, j),
                client_tile_root(&below),
                "{level}/{j}"
            );
        }
    }
    // Level 0 hashes are the leaf hashes of the entries.
    for j in [0, 1, 255, 256, 65_535, 65_536, 69_999] {
        assert_eq!(client.hash(0, j), client_leaf_hash(&entries[j as usize]));
    }
}

#[test]
fn tiles_of_the_spec_example_tree_of_70000() {
    let (mem, entries) = memory_tree(70_000);
    let mut fetch = memory_fetch(&mem, &entries, 70_000);
    // 273 full level 0 tiles, one of width 112, one full level 1 tile, one of width 17,
    // and one level 2 tile of width 1.
    let mut present: Vec<String> = (0..273).map(|n| client_path("0", n, 256)).collect();
    present.extend((0..273).map(|n| client_path("entries", n, 256)));
    present.extend(
        [
            "tile/0/273.p/112",
            "tile/entries/273.p/112",
            "tile/1/000",
            "tile/1/001.p/17",
            "tile/2/000.p/1",
            // Narrower partial tiles are prefixes of what is there; they may be served.
            "tile/0/273.p/1",
            "tile/0/000.p/255",
            "tile/1/001.p/16",
            "tile/entries/273.p/5",
        ]
        .map(String::from),
    );
    for path in &present {
        let data = fetch(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        if !path.contains("entries") {
            let width = path
                .rsplit_once(".p/")
                .map_or(256, |(_, w)| w.parse().unwrap());
            assert_eq!(data.len(), width * 32, "{path}");
        }
    }
    let full = fetch("tile/1/001.p/17").unwrap();
    assert_eq!(fetch("tile/1/001.p/16").unwrap(), full[..16 * 32]);
    let absent = [
        "tile/0/273",
        "tile/0/273.p/113",
        "tile/0/274.p/1",
        "tile/1/001",
        "tile/1/001.p/18",
        "tile/1/002.p/1",
        "tile/2/000",
        "tile/2/000.p/2",
        "tile/3/000.p/1",
        "tile/7/000.p/1",
        "tile/8/000.p/1",
        "tile/63/x018/x446/x744/x073/x709/x551/615",
        "tile/0/x018/x446/x744/x073/x709/x551/615.p/255",
        "tile/entries/273",
        "tile/entries/273.p/113",
        "tile/entries/x001/000",
    ];
    for path in absent {
        let err = fetch(path).unwrap_err();
        assert!(
            matches!(
                err,
                TileError::NotFound {
                    tree_size: 70_000,
                    ..
                }
            ),
            "{path}: {err}"
        );
    }
    // A tree of 256: one full level 0 tile and a level 1 tile of width 1, its root.
    let mut fetch = memory_fetch(&mem, &entries, 256);
    assert_eq!(fetch("tile/0/000").unwrap().len(), 256 * 32);
    assert_eq!(
        fetch("tile/1/000.p/1").unwrap(),
        tree::root(&mem, 256).unwrap()
    );
    assert!(matches!(
        fetch("tile/0/001.p/1"),
        Err(TileError::NotFound { .. })
    ));
    // The empty tree has no tiles.
    let mut fetch = memory_fetch(&mem, &entries, 0);
    assert!(matches!(
        fetch("tile/0/000.p/1"),
        Err(TileError::NotFound { .. })
    ));
    assert!(matches!(
        fetch("tile/entries/000.p/1"),
        Err(TileError::NotFound { .. })
    ));
}

#[test]
fn entry_bundles_match_level_0_tiles() {
    let (mem, entries) = memory_tree(70_000);
    for size in [1, 300, 70_000] {
        let mut client = Client::new(size, memory_fetch(&mem, &entries, size));
        for n in [0, (size - 1) / 256, 1, 100, 273]
            .into_iter()
            .filter(|n| n * 256 < size)
        {
            let bundle = client.entries(n);
            for (i, entry) in bundle.iter().enumerate() {
                let index = n * 256 + i as u64;
                assert_eq!(entry, &entries[index as usize]);
                assert_eq!(client_leaf_hash(entry), client.hash(0, index));
            }
        }
    }
}

#[test]
fn entry_bundle_framing_and_read_failures_in_tiles() {
    let (mem, _) = memory_tree(300);
    let sized = |lens: [usize; 3]| move |i: u64| Ok(vec![b'e'; lens[i as usize % 3]]);
    let bundle = TileRef::Entries { index: 0, width: 3 };

    let data = read_tile_from(&mem, sized([0, 1, 65_535]), &bundle, 300).unwrap();
    assert_eq!(data[..5], [0, 0, 0, 1, b'e']);
    assert_eq!(data[5..7], [0xff, 0xff]);
    assert_eq!(data.len(), 2 + 3 + 2 + 65_535);

    let err = read_tile_from(&mem, sized([3, 65_536, 3]), &bundle, 300).unwrap_err();
    assert!(
        matches!(
            err,
            TileError::EntryTooLarge {
                index: 1,
                len: 65_536
            }
        ),
        "{err}"
    );

    let failing = |i: u64| Err(io::Error::other(format!("disk gone at {i}")));
    let err = read_tile_from(&mem, failing, &bundle, 300).unwrap_err();
    assert!(matches!(err, TileError::Entry { index: 0, .. }), "{err}");

    // Hashes the reader does not have (a tree size larger than what it holds).
    let tile = TileRef::parse("tile/0/001").unwrap();
    let err = read_tile_from(&mem, failing, &tile, 512).unwrap_err();
    assert!(matches!(err, TileError::Hash { .. }), "{err}");
}

fn log_entry(seq: u64) -> Vec<u8> {
    format!("{{\"seq\":{seq}}}").into_bytes()
}

#[test]
fn a_log_serves_tiles_and_entry_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path()).unwrap();
    // Concurrent appends share fsyncs.
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..50 {
                    log.append(Box::new(log_entry)).unwrap();
                }
            });
        }
    });
    assert_eq!(log.size(), 400);

    let log_ref = &log;
    let fetch_at = |size: u64| move |path: &str| read_tile(log_ref, &TileRef::parse(path)?, size);
    for size in [1, 255, 256, 257, 300, 400] {
        let mut client = Client::new(size, fetch_at(size));
        assert_eq!(client.root(), log.root(size).unwrap(), "size {size}");
        for n in 0..=(size - 1) / 256 {
            for (i, entry) in client.entries(n).iter().enumerate() {
                let index = n * 256 + i as u64;
                assert_eq!(entry, &log_entry(index));
                assert_eq!(client_leaf_hash(entry), client.hash(0, index));
            }
        }
    }

    // A checkpoint of 300 does not cover tiles only the current 400 entries hold.
    let at_300 = fetch_at(300);
    assert!(at_300("tile/0/001.p/44").is_ok());
    assert!(matches!(
        at_300("tile/0/001.p/45"),
        Err(TileError::NotFound { .. })
    ));
    assert!(matches!(
        at_300("tile/0/001"),
        Err(TileError::NotFound { .. })
    ));
    assert!(fetch_at(400)("tile/0/001.p/144").is_ok());
    assert!(matches!(
        at_300("tile/0/01"),
        Err(TileError::BadPath(archive::tiles::PathError::IndexDigits(
            _
        )))
    ));

    let err = fetch_at(401)("tile/0/000").unwrap_err();
    assert!(
        matches!(
            err,
            TileError::BeyondLog {
                tree_size: 401,
                log_size: 400
            }
        ),
        "{err}"
    );
}
