//! The Merkle tree over the log, hashed per RFC 9162 §2.1, and the proofs it serves.
//!
//! Node hashes are kept in "stored hash" order: when leaf `i` is appended, its leaf hash is
//! stored, followed by the hash of every perfect subtree that leaf completes, lowest level
//! first. A tree of `n` leaves thus has `2n - popcount(n)` stored hashes, every perfect
//! aligned subtree has exactly one, and any other subtree's hash is combined from at most
//! `log2(n)` of them. This module is pure arithmetic over a [`HashReader`].

use sha2::{Digest, Sha256};

/// A SHA-256 tree hash.
pub type Hash = [u8; 32];

/// Reads stored hashes by their position in stored-hash order.
pub trait HashReader {
    /// The stored hash at `index`.
    fn stored_hash(&self, index: u64) -> std::io::Result<Hash>;
}

/// RFC 9162 §2.1.1: the hash of a leaf, `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// RFC 9162 §2.1.1: the hash of an interior node, `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// RFC 9162 §2.1.1: the root of the empty tree, `SHA-256()`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// How many hashes are stored for a tree of `leaves` leaves.
pub fn stored_hash_count(leaves: u64) -> u64 {
    2 * leaves - u64::from(leaves.count_ones())
}

/// Position in stored-hash order of the perfect subtree at `level` whose leftmost leaf is
/// `k << level`. It is stored right after its last leaf `m = ((k + 1) << level) - 1`, at
/// `level` places past that leaf's own hash.
pub fn stored_hash_index(level: u32, k: u64) -> u64 {
    let last_leaf = ((k + 1) << level) - 1;
    stored_hash_count(last_leaf) + u64::from(level)
}

/// The hashes to store when leaf `index` (with hash `leaf`) is appended: the leaf hash, then
/// one hash per perfect subtree it completes. `left_sibling(level)` returns the stored hash
/// of the left neighbour at that level.
pub fn hashes_for_append(
    index: u64,
    leaf: Hash,
    mut left_sibling: impl FnMut(u32) -> std::io::Result<Hash>,
) -> std::io::Result<Vec<Hash>> {
    let mut out = vec![leaf];
    let mut current = leaf;
    let mut level = 0;
    // Each trailing one bit of the index means this leaf completes one more subtree.
    while (index >> level) & 1 == 1 {
        let left = left_sibling(level)?;
        current = node_hash(&left, &current);
        out.push(current);
        level += 1;
    }
    Ok(out)
}

/// Largest power of two strictly less than `n` (`n >= 2`), the split point of RFC 9162 §2.1.1.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// RFC 9162 §2.1.1 MTH over leaves `[lo, hi)` of a tree whose hashes `reader` holds.
pub fn subtree_hash(reader: &impl HashReader, lo: u64, hi: u64) -> std::io::Result<Hash> {
    let n = hi - lo;
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        let level = n.trailing_zeros();
        return reader.stored_hash(stored_hash_index(level, lo >> level));
    }
    let k = split(n);
    let left = subtree_hash(reader, lo, lo + k)?;
    let right = subtree_hash(reader, lo + k, hi)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of the first `size` leaves.
pub fn root(reader: &impl HashReader, size: u64) -> std::io::Result<Hash> {
    subtree_hash(reader, 0, size)
}

/// RFC 9162 §2.1.3.1 PATH: the inclusion proof of leaf `index` in the tree of `size` leaves,
/// leaf sibling first. The caller ensures `index < size`.
pub fn inclusion_proof(
    reader: &impl HashReader,
    index: u64,
    size: u64,
) -> std::io::Result<Vec<Hash>> {
    let mut proof = Vec::new();
    let (mut lo, mut hi, mut m) = (0, size, index);
    // Walk down from the root, collecting siblings; reversed at the end so the leaf's
    // sibling comes first.
    while hi - lo > 1 {
        let k = split(hi - lo);
        if m < k {
            proof.push(subtree_hash(reader, lo + k, hi)?);
            hi = lo + k;
        } else {
            proof.push(subtree_hash(reader, lo, lo + k)?);
            lo += k;
            m -= k;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// RFC 9162 §2.1.4.1 PROOF: the consistency proof between the trees of `old` and `new`
/// leaves. The caller ensures `0 < old <= new`; equal sizes give an empty proof.
pub fn consistency_proof(
    reader: &impl HashReader,
    old: u64,
    new: u64,
) -> std::io::Result<Vec<Hash>> {
    let mut proof = Vec::new();
    if old == 0 || old >= new {
        return Ok(proof);
    }
    let (mut lo, mut hi, mut m, mut whole) = (0, new, old, true);
    // SUBPROOF(m, D[lo..hi], whole), unrolled; siblings are collected top-down.
    loop {
        let n = hi - lo;
        if m == n {
            if !whole {
                proof.push(subtree_hash(reader, lo, hi)?);
            }
            break;
        }
        let k = split(n);
        if m <= k {
            proof.push(subtree_hash(reader, lo + k, hi)?);
            hi = lo + k;
        } else {
            proof.push(subtree_hash(reader, lo, lo + k)?);
            lo += k;
            m -= k;
            whole = false;
        }
    }
    // SUBPROOF emits the recursive result before each sibling: reverse the top-down list.
    proof.reverse();
    Ok(proof)
}

/// Stored hashes held in memory: for tests, benchmarks and the audit's recomputation.
#[derive(Debug, Default, Clone)]
pub struct MemoryHashes {
    hashes: Vec<Hash>,
    leaves: u64,
}

impl MemoryHashes {
    /// Appends a leaf by its leaf hash.
    pub fn push_leaf(&mut self, leaf: Hash) {
        let index = self.leaves;
        let hashes = &self.hashes;
        let new = hashes_for_append(index, leaf, |level| {
            Ok(hashes[stored_hash_index(level, (index >> level) - 1) as usize])
        })
        .unwrap_or_default();
        self.hashes.extend(new);
        self.leaves += 1;
    }

    /// The number of leaves.
    pub fn leaves(&self) -> u64 {
        self.leaves
    }

    /// All stored hashes, in stored-hash order.
    pub fn as_slice(&self) -> &[Hash] {
        &self.hashes
    }
}

impl HashReader for MemoryHashes {
    fn stored_hash(&self, index: u64) -> std::io::Result<Hash> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.hashes.get(i))
            .copied()
            .ok_or_else(|| std::io::Error::other(format!("no stored hash {index}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9162 §2.1.1 MTH, straight from the definition.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    /// RFC 9162 §2.1.3.1 PATH, straight from the definition.
    fn reference_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = split(n as u64) as usize;
        if m < k {
            let mut p = reference_path(m, &leaves[..k]);
            p.push(reference_root(&leaves[k..]));
            p
        } else {
            let mut p = reference_path(m - k, &leaves[k..]);
            p.push(reference_root(&leaves[..k]));
            p
        }
    }

    /// RFC 9162 §2.1.4.1 SUBPROOF, straight from the definition.
    fn reference_subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole {
                vec![]
            } else {
                vec![reference_root(leaves)]
            };
        }
        let k = split(n as u64) as usize;
        if m <= k {
            let mut p = reference_subproof(m, &leaves[..k], whole);
            p.push(reference_root(&leaves[k..]));
            p
        } else {
            let mut p = reference_subproof(m - k, &leaves[k..], false);
            p.push(reference_root(&leaves[..k]));
            p
        }
    }

    fn tree(n: u64) -> (MemoryHashes, Vec<Hash>) {
        let mut mem = MemoryHashes::default();
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for leaf in &leaves {
            mem.push_leaf(*leaf);
        }
        (mem, leaves)
    }

    #[test]
    fn rfc6962_reference_tree_root() {
        // The eight leaves of the RFC 6962 reference test tree and its published root.
        let inputs: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        let mut mem = MemoryHashes::default();
        for data in inputs {
            mem.push_leaf(leaf_hash(data));
        }
        assert_eq!(
            hex::encode(root(&mem, 8).unwrap()),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        );
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn stored_hash_counts() {
        let (mem, _) = tree(1000);
        assert_eq!(mem.as_slice().len() as u64, stored_hash_count(1000));
        assert_eq!(stored_hash_index(0, 0), 0);
        assert_eq!(stored_hash_index(0, 1), 1);
        assert_eq!(stored_hash_index(1, 0), 2);
        assert_eq!(stored_hash_index(0, 2), 3);
        assert_eq!(stored_hash_index(2, 0), 6);
    }

    #[test]
    fn roots_and_proofs_match_the_definitions() {
        let (mem, leaves) = tree(70);
        for size in 0..=70u64 {
            let prefix = &leaves[..size as usize];
            assert_eq!(
                root(&mem, size).unwrap(),
                reference_root(prefix),
                "root {size}"
            );
            for index in 0..size {
                assert_eq!(
                    inclusion_proof(&mem, index, size).unwrap(),
                    reference_path(index as usize, prefix),
                    "inclusion {index} in {size}"
                );
            }
            for old in 1..size {
                assert_eq!(
                    consistency_proof(&mem, old, size).unwrap(),
                    reference_subproof(old as usize, prefix, true),
                    "consistency {old} -> {size}"
                );
            }
        }
    }
}
