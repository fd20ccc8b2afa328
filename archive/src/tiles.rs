//! The read side of C2SP `tlog-tiles` (<https://c2sp.org/tlog-tiles>): the log served as
//! static tiles of Merkle tree hashes and as bundles of entries.
//!
//! A tile at level `L` and index `N` holds, for `i` in `0..W`, the hash of the perfect
//! subtree of `256^L` leaves numbered `N * 256 + i` at that size, that is the hash stored at
//! tree level `8L` (see [`crate::tree`]). A full tile is 256 hashes (8,192 bytes) wide; a
//! partial one `W` hashes, `1 <= W <= 255`. An entry bundle holds the entries numbered
//! `N * 256 ..` of a level 0 tile, each framed by its length as a big-endian `u16`.
//!
//! Paths are those of the spec, relative to the log prefix: `tile/<L>/<N>[.p/<W>]` and
//! `tile/entries/<N>[.p/<W>]`, with `N` written as three-digit groups, every group but the
//! last prefixed by `x` (`1234067` is `x001/x234/067`). Only the canonical form is accepted.
//!
//! A tile is served only when everything in it lies inside the tree of the latest signed
//! checkpoint, so every tile served is immutable.

use std::fmt;
use std::io;
use std::str::FromStr;

use crate::log::Log;
use crate::tree::{self, Hash, HashReader};

/// Tree levels spanned by one tile: a full tile holds `2^8 = 256` hashes.
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile, and entries in a full bundle.
pub const TILE_WIDTH: u16 = 1 << TILE_HEIGHT;
/// Highest tile level the spec allows.
pub const MAX_LEVEL: u8 = 63;
/// Longest accepted tile path; every canonical path is shorter
/// (`tile/entries/x018/x446/x744/x073/x709/x551/615.p/255` has 51 bytes).
pub const MAX_PATH_LEN: usize = 64;
/// Largest entry an entry bundle can frame.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;
/// Largest tree size tiles are served for: larger sizes are treated as this one, which keeps
/// every stored-hash position inside `u64`. No log comes near it.
const MAX_TREE_SIZE: u64 = 1 << 63;
/// Bytes per hash in a tile.
const HASH_SIZE: usize = 32;
/// Radix of the groups a tile index is written in.
const GROUP: u64 = 1000;

/// A tile or an entry bundle, as named by its path.
///
/// `width` is 1 to 256, 256 meaning a full tile; `level` is 0 to [`MAX_LEVEL`].
/// [`TileRef::parse`] only yields such values; [`read_tile`] refuses others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileRef {
    /// A tile of Merkle tree hashes, `tile/<level>/<index>[.p/<width>]`.
    Hashes {
        /// Tile level: its hashes are those of subtrees of `256^level` leaves.
        level: u8,
        /// Index of the tile within its level.
        index: u64,
        /// Number of hashes, 1 to 256.
        width: u16,
    },
    /// An entry bundle, `tile/entries/<index>[.p/<width>]`.
    Entries {
        /// Index of the bundle: it holds entries from `index * 256`.
        index: u64,
        /// Number of entries, 1 to 256.
        width: u16,
    },
}

/// What is wrong with a tile path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The path is longer than any canonical tile path.
    #[error("it is {len} bytes long, more than the {MAX_PATH_LEN} of any tile path")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The path does not start with `tile/`.
    #[error("it does not start with \"tile/\"")]
    NotATile,
    /// The level is not `entries` nor a canonical decimal from 0 to 63.
    #[error(
        "the level {0:?} is neither \"entries\" nor a number from 0 to 63 without leading zeros"
    )]
    Level(String),
    /// Nothing follows the level.
    #[error("it has no tile index")]
    MissingIndex,
    /// An index group is not three decimal digits.
    #[error("the index group {0:?} is not three decimal digits")]
    IndexDigits(String),
    /// An index group other than the last lacks its `x` prefix.
    #[error("the index group {0:?} is not the last one, so it must be \"x\" and three digits")]
    MissingX(String),
    /// The last index group has an `x` prefix.
    #[error("the last index group {0:?} must be three digits without \"x\"")]
    TrailingX(String),
    /// The index starts with a zero group (`x000/...`), which its canonical form omits.
    #[error("the index starts with the zero group \"x000\"")]
    ZeroGroup,
    /// The index does not fit in 64 bits.
    #[error("the index exceeds 2^64 - 1")]
    IndexOverflow,
    /// The width after `.p/` is not a canonical decimal from 1 to 255.
    #[error("the partial width {0:?} is not a number from 1 to 255 without leading zeros")]
    Width(String),
}

/// Why a tile cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// The path is not a canonical tile path (HTTP 400).
    #[error("malformed tile path: {0}")]
    BadPath(#[from] PathError),
    /// A hand-made [`TileRef`] has a width or level the spec does not allow (HTTP 400).
    #[error("the tile {0} is not valid: widths run from 1 to 256 and levels from 0 to 63")]
    InvalidTile(TileRef),
    /// Part of the tile lies beyond the tree of the latest checkpoint (HTTP 404).
    #[error("the tile {tile} reaches beyond the tree of {tree_size} entries")]
    NotFound {
        /// The tile asked for.
        tile: TileRef,
        /// The size of the tree it was looked up in.
        tree_size: u64,
    },
    /// The tree size asked for is larger than the log (a caller bug; HTTP 500).
    #[error("the tree size {tree_size} exceeds the {log_size} entries the log holds")]
    BeyondLog {
        /// The tree size asked for.
        tree_size: u64,
        /// The number of entries in the log.
        log_size: u64,
    },
    /// A stored hash could not be read (HTTP 500).
    #[error("cannot read stored hash {index}")]
    Hash {
        /// Position of the hash in stored-hash order.
        index: u64,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// An entry could not be read (HTTP 500).
    #[error("cannot read entry {index}")]
    Entry {
        /// The entry's index.
        index: u64,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// An entry is too large for the `u16` length of an entry bundle (HTTP 500).
    #[error(
        "entry {index} is {len} bytes, more than the {MAX_ENTRY_LEN} an entry bundle can frame"
    )]
    EntryTooLarge {
        /// The entry's index.
        index: u64,
        /// Its length in bytes.
        len: usize,
    },
}

impl TileRef {
    /// Parses a canonical tile path relative to the log prefix, such as
    /// `tile/0/x001/234.p/5` or `tile/entries/000`.
    pub fn parse(path: &str) -> Result<Self, TileError> {
        Ok(parse_path(path)?)
    }

    /// The canonical path of the tile, relative to the log prefix.
    pub fn to_path(&self) -> String {
        self.to_string()
    }

    /// The least tree size that holds every hash or entry of this tile; `None` when that is
    /// not representable in `u64`.
    pub fn min_tree_size(&self) -> Option<u64> {
        let (level, index, width) = self.parts();
        let units = index
            .checked_mul(u64::from(TILE_WIDTH))?
            .checked_add(u64::from(width))?;
        // `checked_shl` only refuses shifts of 64 or more, which is exactly when `1 << s`
        // overflows.
        let scale = 1u64.checked_shl(TILE_HEIGHT * u32::from(level))?;
        units.checked_mul(scale)
    }

    /// Level, index and width; entry bundles count as level 0.
    fn parts(&self) -> (u8, u64, u16) {
        match *self {
            Self::Hashes {
                level,
                index,
                width,
            } => (level, index, width),
            Self::Entries { index, width } => (0, index, width),
        }
    }

    fn is_valid(&self) -> bool {
        let (level, _, width) = self.parts();
        level <= MAX_LEVEL && (1..=TILE_WIDTH).contains(&width)
    }
}

impl FromStr for TileRef {
    type Err = TileError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for TileRef {
    /// Writes the canonical path; a width outside 1 to 256 is written as given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (_, index, width) = self.parts();
        match self {
            Self::Hashes { level, .. } => write!(f, "tile/{level}/")?,
            Self::Entries { .. } => f.write_str("tile/entries/")?,
        }
        // Groups of three digits, most significant first, all but the last behind an "x".
        let mut scale = 1;
        while index / scale >= GROUP {
            scale *= GROUP;
        }
        while scale > 1 {
            write!(f, "x{:03}/", index / scale % GROUP)?;
            scale /= GROUP;
        }
        write!(f, "{:03}", index % GROUP)?;
        if width != TILE_WIDTH {
            write!(f, ".p/{width}")?;
        }
        Ok(())
    }
}

fn parse_path(path: &str) -> Result<TileRef, PathError> {
    if path.len() > MAX_PATH_LEN {
        return Err(PathError::TooLong { len: path.len() });
    }
    let rest = path.strip_prefix("tile/").ok_or(PathError::NotATile)?;
    let (level, rest) = rest.split_once('/').ok_or(PathError::MissingIndex)?;
    let level = match level {
        "entries" => None,
        l => Some(
            small_decimal(l)
                .and_then(|v| u8::try_from(v).ok())
                .filter(|&v| v <= MAX_LEVEL)
                .ok_or_else(|| PathError::Level(l.to_owned()))?,
        ),
    };
    let (index, width) = match rest.split_once(".p/") {
        Some((index, w)) => {
            let width = small_decimal(w)
                .filter(|v| (1..TILE_WIDTH).contains(v))
                .ok_or_else(|| PathError::Width(w.to_owned()))?;
            (index, width)
        }
        None => (rest, TILE_WIDTH),
    };
    let index = parse_index(index)?;
    Ok(match level {
        Some(level) => TileRef::Hashes {
            level,
            index,
            width,
        },
        None => TileRef::Entries { index, width },
    })
}

/// A decimal of one to three digits without leading zeros.
fn small_decimal(s: &str) -> Option<u16> {
    let canonical = (1..=3).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

/// Exactly three decimal digits.
fn three_digits(s: &str) -> Option<u64> {
    let ok = s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| s.parse().ok()).flatten()
}

/// `xDDD/.../DDD`: the tile index in groups of three digits.
fn parse_index(s: &str) -> Result<u64, PathError> {
    if s.is_empty() {
        return Err(PathError::MissingIndex);
    }
    let (groups, last) = match s.rsplit_once('/') {
        Some((groups, last)) => (Some(groups), last),
        None => (None, s),
    };
    let push = |index: u64, group: u64| {
        index
            .checked_mul(GROUP)
            .and_then(|i| i.checked_add(group))
            .ok_or(PathError::IndexOverflow)
    };
    // The last group first, so that a trailing slash is reported as such.
    if last.starts_with('x') {
        return Err(PathError::TrailingX(last.to_owned()));
    }
    let low = three_digits(last).ok_or_else(|| PathError::IndexDigits(last.to_owned()))?;
    let mut index = 0;
    for (i, group) in groups.into_iter().flat_map(|g| g.split('/')).enumerate() {
        let digits = group
            .strip_prefix('x')
            .ok_or_else(|| PathError::MissingX(group.to_owned()))?;
        let value = three_digits(digits).ok_or_else(|| PathError::IndexDigits(group.to_owned()))?;
        if i == 0 && value == 0 {
            return Err(PathError::ZeroGroup);
        }
        index = push(index, value)?;
    }
    push(index, low)
}

/// The contents of `tile` in the log's tree of `tree_size` entries, the size of the latest
/// signed checkpoint: concatenated hashes for a hash tile, length-prefixed entries for an
/// entry bundle.
pub fn read_tile(log: &Log, tile: &TileRef, tree_size: u64) -> Result<Vec<u8>, TileError> {
    let log_size = log.size();
    if tree_size > log_size {
        return Err(TileError::BeyondLog {
            tree_size,
            log_size,
        });
    }
    read_tile_from(
        &LogHashes(log),
        |index| log.entry(index).map_err(io::Error::other),
        tile,
        tree_size,
    )
}

/// [`read_tile`] over any stored hashes and entries: `hashes` holds the tree in stored-hash
/// order and `entry(i)` returns the bytes of entry `i`. Both must cover `tree_size` entries.
pub fn read_tile_from(
    hashes: &impl HashReader,
    mut entry: impl FnMut(u64) -> io::Result<Vec<u8>>,
    tile: &TileRef,
    tree_size: u64,
) -> Result<Vec<u8>, TileError> {
    if !tile.is_valid() {
        return Err(TileError::InvalidTile(*tile));
    }
    let limit = tree_size.min(MAX_TREE_SIZE);
    if tile.min_tree_size().is_none_or(|needed| needed > limit) {
        return Err(TileError::NotFound {
            tile: *tile,
            tree_size,
        });
    }
    // In range: `(index * 256 + width) << (8 * level)` fits in u64, so these do too.
    let (level, index, width) = tile.parts();
    let first = index * u64::from(TILE_WIDTH);
    let subtrees = first..first + u64::from(width);
    match tile {
        TileRef::Hashes { .. } => {
            let tree_level = TILE_HEIGHT * u32::from(level);
            let mut out = Vec::with_capacity(usize::from(width) * HASH_SIZE);
            for k in subtrees {
                let at = tree::stored_hash_index(tree_level, k);
                let hash = hashes
                    .stored_hash(at)
                    .map_err(|source| TileError::Hash { index: at, source })?;
                out.extend_from_slice(&hash);
            }
            Ok(out)
        }
        TileRef::Entries { .. } => {
            let mut out = Vec::new();
            for i in subtrees {
                let bytes = entry(i).map_err(|source| TileError::Entry { index: i, source })?;
                let len = u16::try_from(bytes.len()).map_err(|_| TileError::EntryTooLarge {
                    index: i,
                    len: bytes.len(),
                })?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&bytes);
            }
            Ok(out)
        }
    }
}

/// The log's stored hashes as a [`HashReader`].
struct LogHashes<'a>(&'a Log);

impl HashReader for LogHashes<'_> {
    fn stored_hash(&self, index: u64) -> io::Result<Hash> {
        self.0.stored_hash(index).map_err(io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn hashes(level: u8, index: u64, width: u16) -> TileRef {
        TileRef::Hashes {
            level,
            index,
            width,
        }
    }

    #[test]
    fn spec_path_examples() {
        let cases = [
            (hashes(0, 1_234_067, 256), "tile/0/x001/x234/067"),
            (hashes(0, 0, 256), "tile/0/000"),
            (hashes(0, 1234, 5), "tile/0/x001/234.p/5"),
            (hashes(3, 123_456_789, 1), "tile/3/x123/x456/789.p/1"),
            (hashes(63, 1000, 255), "tile/63/x001/000.p/255"),
            (hashes(1, 999, 256), "tile/1/999"),
            (
                hashes(0, u64::MAX, 256),
                "tile/0/x018/x446/x744/x073/x709/x551/615",
            ),
            (
                TileRef::Entries {
                    index: 1_234_067,
                    width: 256,
                },
                "tile/entries/x001/x234/067",
            ),
            (
                TileRef::Entries {
                    index: 7,
                    width: 17,
                },
                "tile/entries/007.p/17",
            ),
        ];
        for (tile, path) in cases {
            assert_eq!(tile.to_path(), path);
            assert_eq!(TileRef::parse(path).unwrap(), tile, "{path}");
            assert_eq!(path.parse::<TileRef>().unwrap(), tile);
        }
    }

    #[test]
    fn malformed_paths_are_rejected_precisely() {
        use PathError::*;
        let long = format!("tile/0/{}000", "x001/".repeat(12));
        let cases: Vec<(&str, PathError)> = vec![
            (&long, TooLong { len: long.len() }),
            ("", NotATile),
            ("tiles/0/000", NotATile),
            ("/tile/0/000", NotATile),
            ("tile/0", MissingIndex),
            ("tile/0/", MissingIndex),
            ("tile/00/000", Level("00".into())),
            ("tile/01/000", Level("01".into())),
            ("tile/64/000", Level("64".into())),
            ("tile/+1/000", Level("+1".into())),
            ("tile/-1/000", Level("-1".into())),
            ("tile/data/000", Level("data".into())),
            ("tile/8/0/000", MissingX("0".into())),
            ("tile/0/1", IndexDigits("1".into())),
            ("tile/0/0001", IndexDigits("0001".into())),
            ("tile/0/1234", IndexDigits("1234".into())),
            ("tile/0/000/", IndexDigits("".into())),
            ("tile/0/x1/234", IndexDigits("x1".into())),
            ("tile/0/x00a/234", IndexDigits("x00a".into())),
            ("tile/0/001/234", MissingX("001".into())),
            ("tile/0/x001/x234", TrailingX("x234".into())),
            ("tile/0/x001", TrailingX("x001".into())),
            ("tile/0/x000/001", ZeroGroup),
            ("tile/0/x000/x001/001", ZeroGroup),
            ("tile/0/x018/x446/x744/x073/x709/x551/616", IndexOverflow),
            (
                "tile/0/x001/x000/x000/x000/x000/x000/x000/000",
                IndexOverflow,
            ),
            ("tile/0/000.p/0", Width("0".into())),
            ("tile/0/000.p/256", Width("256".into())),
            ("tile/0/000.p/05", Width("05".into())),
            ("tile/0/000.p/", Width("".into())),
            ("tile/0/000.p/5/", Width("5/".into())),
            ("tile/0/000.p/5.p/5", Width("5.p/5".into())),
            ("tile/0/000.p", IndexDigits("000.p".into())),
            ("tile/entries/000.p/256", Width("256".into())),
            ("tile/entries/x000/000", ZeroGroup),
            ("tile/entries/", MissingIndex),
        ];
        for (path, want) in cases {
            match TileRef::parse(path) {
                Err(TileError::BadPath(got)) => assert_eq!(got, want, "{path}"),
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn invalid_and_out_of_range_tiles() {
        let none = |_| Err(io::Error::other("no entries"));
        let mem = tree::MemoryHashes::default();
        for tile in [hashes(0, 0, 0), hashes(0, 0, 257), hashes(64, 0, 1)] {
            let err = read_tile_from(&mem, none, &tile, 1 << 20).unwrap_err();
            assert!(
                matches!(err, TileError::InvalidTile(t) if t == tile),
                "{err}"
            );
        }
        assert_eq!(hashes(7, 0, 1).min_tree_size(), Some(1 << 56));
        assert_eq!(hashes(8, 0, 1).min_tree_size(), None);
        assert_eq!(hashes(0, u64::MAX, 1).min_tree_size(), None);
        assert_eq!(hashes(2, 1, 256).min_tree_size(), Some(2 << 24));
        for tile in [hashes(8, 0, 1), hashes(0, u64::MAX, 256), hashes(0, 0, 1)] {
            let err = read_tile_from(&mem, none, &tile, 0).unwrap_err();
            assert!(matches!(err, TileError::NotFound { .. }), "{err}");
        }
    }

    fn any_tile() -> impl Strategy<Value = TileRef> {
        prop_oneof![
            (0..=MAX_LEVEL, any::<u64>(), 1..=TILE_WIDTH).prop_map(|(l, n, w)| hashes(l, n, w)),
            (any::<u64>(), 1..=TILE_WIDTH)
                .prop_map(|(index, width)| TileRef::Entries { index, width }),
            (0..=MAX_LEVEL, 0..3_000_000u64, 1..=TILE_WIDTH).prop_map(|(l, n, w)| hashes(l, n, w)),
        ]
    }

    proptest! {
        #[test]
        fn paths_round_trip(tile in any_tile()) {
            let path = tile.to_path();
            prop_assert!(path.len() <= MAX_PATH_LEN);
            prop_assert_eq!(TileRef::parse(&path).unwrap(), tile);
        }

        #[test]
        fn only_canonical_paths_parse(path in "tile/(entries|[0-9]{1,2}|x)/[x0-9./p]{0,24}") {
            if let Ok(tile) = TileRef::parse(&path) {
                prop_assert_eq!(tile.to_path(), path);
            }
        }
    }
}
