//! Merkle tree hashing and proof verification, as specified by [RFC 9162 §2.1].
//!
//! The tree is the one Certificate Transparency uses: SHA-256, with one-byte domain
//! separation between leaves (`0x00`) and interior nodes (`0x01`), so that a leaf can never
//! be passed off as a subtree. RFC 9162 §2.1 defines the same tree as RFC 6962 §2.1.
//!
//! Sizes and indices are `u64`, so a valid proof never has more than 64 hashes; the
//! expected proof length is computed from the sizes before any hashing, which bounds the
//! work an attacker can cause and gives a precise error for truncated or padded proofs.
//!
//! [RFC 9162 §2.1]: https://www.rfc-editor.org/rfc/rfc9162.html#section-2.1

use sha2::{Digest, Sha256};

/// Length in bytes of every hash in the tree (SHA-256).
pub const HASH_LEN: usize = 32;

/// A SHA-256 node, leaf or root hash.
pub type Hash = [u8; HASH_LEN];

/// Domain-separation prefix of a leaf hash (RFC 9162 §2.1.1).
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of an interior node hash (RFC 9162 §2.1.1).
const NODE_PREFIX: u8 = 0x01;

/// Why a Merkle proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// The leaf index does not name a leaf of the tree (`index >= size`).
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The tree size it was checked against.
        size: u64,
    },
    /// The proof has the wrong number of hashes for the sizes (and index) given.
    #[error("proof has {got} hashes, expected {expected}")]
    WrongProofLength {
        /// The number of hashes a valid proof has for these parameters.
        expected: usize,
        /// The number of hashes supplied.
        got: usize,
    },
    /// The root recomputed from the proof is not the expected root of the tree of `tree_size`.
    #[error(
        "root mismatch for tree size {tree_size}: computed {}, expected {}",
        hex::encode(computed),
        hex::encode(expected)
    )]
    RootMismatch {
        /// Size of the tree whose root did not match.
        tree_size: u64,
        /// The root recomputed from the proof.
        computed: Hash,
        /// The root the caller trusts.
        expected: Hash,
    },
    /// A consistency proof was requested from a larger tree to a smaller one.
    #[error("old tree size {size1} is larger than new tree size {size2}")]
    SizesOutOfOrder {
        /// The old (first) tree size.
        size1: u64,
        /// The new (second) tree size.
        size2: u64,
    },
    /// A consistency proof from the empty tree was requested: every tree extends the empty
    /// tree, so such a proof says nothing and is refused rather than silently accepted.
    #[error("consistency from the empty tree (to size {size2}) proves nothing")]
    EmptyOldTree {
        /// The new (second) tree size.
        size2: u64,
    },
    /// Two trees of the same size have different roots: the log has forked.
    #[error(
        "trees of equal size {size} have different roots {} and {}",
        hex::encode(root1),
        hex::encode(root2)
    )]
    EqualSizeRootsDiffer {
        /// The common tree size.
        size: u64,
        /// The old root.
        root1: Hash,
        /// The new root.
        root2: Hash,
    },
}

/// Hash of the empty tree, `MTH({}) = SHA-256()` (RFC 9162 §2.1.1).
#[must_use]
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Leaf hash `MTH({d}) = SHA-256(0x00 || d)` (RFC 9162 §2.1.1).
#[must_use]
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(data);
    hasher.finalize().into()
}

/// Interior node hash `SHA-256(0x01 || left || right)` (RFC 9162 §2.1.1).
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The Merkle Tree Hash `MTH(D[n])` of a list of leaf hashes (RFC 9162 §2.1.1): split at
/// the largest power of two smaller than `n` and hash the two subtrees.
///
/// Needs every leaf in memory; meant for tests, auditors and small trees, not for proofs.
#[must_use]
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [leaf] => *leaf,
        _ => {
            let k = split_point(leaves.len());
            let (left, right) = leaves.split_at(k);
            node_hash(&root_from_leaf_hashes(left), &root_from_leaf_hashes(right))
        }
    }
}

/// The largest power of two strictly smaller than `n` (`n >= 2`): RFC 9162's `k`.
fn split_point(n: usize) -> usize {
    debug_assert!(n >= 2);
    // `n - 1 >= 1`, so the shift is below the bit width.
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// Same as [`split_point`] on `u64` sizes.
fn split_point_u64(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (u64::BITS - 1 - (n - 1).leading_zeros())
}

/// Number of hashes in `PATH(index, D[size])` (RFC 9162 §2.1.3.1): one per level walked
/// from the root down to the leaf. Requires `index < size`.
fn inclusion_proof_len(mut index: u64, mut size: u64) -> usize {
    let mut len = 0;
    while size > 1 {
        let k = split_point_u64(size);
        if index < k {
            size = k;
        } else {
            index -= k;
            size -= k;
        }
        len += 1;
    }
    len
}

/// Number of hashes in `PROOF(size1, D[size2])` = `SUBPROOF(size1, D[size2], true)`
/// (RFC 9162 §2.1.4.1). Requires `0 < size1 < size2`.
fn consistency_proof_len(mut m: u64, mut n: u64) -> usize {
    let mut len = 0;
    let mut whole_old_tree = true;
    while m != n {
        let k = split_point_u64(n);
        if m <= k {
            n = k;
        } else {
            m -= k;
            n -= k;
            whole_old_tree = false;
        }
        len += 1;
    }
    // SUBPROOF(m, D[m], false) = {MTH(D[m])}: a subtree the verifier cannot rebuild alone.
    if !whole_old_tree {
        len += 1;
    }
    len
}

/// Recomputes the root of a tree of `tree_size` from the leaf at `leaf_index` and its
/// inclusion proof, following RFC 9162 §2.1.3.2 steps 1–6 (everything but the final
/// comparison with a trusted root).
///
/// # Errors
/// [`MerkleError::IndexOutOfRange`] if `leaf_index >= tree_size`, and
/// [`MerkleError::WrongProofLength`] if the proof is not exactly as long as the path.
pub fn root_from_inclusion_proof(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
) -> Result<Hash, MerkleError> {
    if leaf_index >= tree_size {
        return Err(MerkleError::IndexOutOfRange {
            index: leaf_index,
            size: tree_size,
        });
    }
    let expected = inclusion_proof_len(leaf_index, tree_size);
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    let mut fn_ = leaf_index;
    let mut sn = tree_size - 1;
    let mut r = *leaf_hash;
    for p in proof {
        // The length check above guarantees `sn > 0` here (RFC step 5.1).
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            // Skip the levels where this node is the right-most, unpaired node.
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    debug_assert_eq!(sn, 0, "proof length was checked against the path length");
    Ok(r)
}

/// Verifies that `leaf_hash` is the leaf at `leaf_index` of the tree of `tree_size` whose
/// root is `root` (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`MerkleError::IndexOutOfRange`], [`MerkleError::WrongProofLength`], or
/// [`MerkleError::RootMismatch`] when the proof leads to a different root.
pub fn verify_inclusion(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    let computed = root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, proof)?;
    check_root(tree_size, computed, root)
}

/// Verifies that the tree of `size2` with root `root2` extends the tree of `size1` with root
/// `root1` (RFC 9162 §2.1.4.2).
///
/// Edge cases, matching the transparency-dev test vectors:
/// - `size1 > size2` is rejected;
/// - `size1 == 0` is rejected even though every tree extends the empty one: a proof from
///   size 0 carries no information, and accepting it would let a caller skip a real check;
/// - `size1 == size2` requires an empty proof and `root1 == root2`.
///
/// # Errors
/// [`MerkleError::SizesOutOfOrder`], [`MerkleError::EmptyOldTree`],
/// [`MerkleError::WrongProofLength`], [`MerkleError::EqualSizeRootsDiffer`], or
/// [`MerkleError::RootMismatch`] naming the tree (old or new) whose root did not match.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    if size1 > size2 {
        return Err(MerkleError::SizesOutOfOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(MerkleError::EmptyOldTree { size2 });
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(MerkleError::WrongProofLength {
                expected: 0,
                got: proof.len(),
            });
        }
        if root1 != root2 {
            return Err(MerkleError::EqualSizeRootsDiffer {
                size: size1,
                root1: *root1,
                root2: *root2,
            });
        }
        return Ok(());
    }
    let expected = consistency_proof_len(size1, size2);
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    // RFC step 2: when size1 is a power of two the old root is itself a node of the new
    // tree, so the proof omits it and the verifier starts from root1.
    let (first, rest) = if size1.is_power_of_two() {
        (root1, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (first, rest),
            // Unreachable: a non-power-of-two size1 always has a non-empty proof.
            None => return Err(MerkleError::WrongProofLength { expected, got: 0 }),
        }
    };
    let mut fn_ = size1 - 1;
    let mut sn = size2 - 1;
    // Step 4: skip the levels where the old tree's last node is a right child.
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut fr = *first;
    let mut sr = *first;
    for c in rest {
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    debug_assert_eq!(
        sn, 0,
        "proof length was checked against the subproof length"
    );
    check_root(size1, fr, root1)?;
    check_root(size2, sr, root2)
}

fn check_root(tree_size: u64, computed: Hash, expected: &Hash) -> Result<(), MerkleError> {
    if computed == *expected {
        Ok(())
    } else {
        Err(MerkleError::RootMismatch {
            tree_size,
            computed,
            expected: *expected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_of_two_below_n() {
        for (n, k) in [
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 4),
            (8, 4),
            (9, 8),
            (1 << 20, 1 << 19),
        ] {
            assert_eq!(split_point(n), k, "n={n}");
            assert_eq!(split_point_u64(n as u64), k as u64, "n={n}");
        }
        assert_eq!(split_point_u64(u64::MAX), 1 << 63);
    }

    #[test]
    fn proof_lengths_match_rfc_examples() {
        // RFC 9162 §2.1.5: the 7-leaf example tree.
        assert_eq!(inclusion_proof_len(0, 7), 3); // PATH(0) = [b, h, l]
        assert_eq!(inclusion_proof_len(3, 7), 3); // PATH(3) = [c, g, l]
        assert_eq!(inclusion_proof_len(4, 7), 3); // PATH(4) = [f, j, k]
        assert_eq!(inclusion_proof_len(6, 7), 2); // PATH(6) = [i, j]
        assert_eq!(consistency_proof_len(3, 7), 4); // PROOF(3) = [c, d, g, l]
        assert_eq!(consistency_proof_len(4, 7), 1); // PROOF(4) = [l]
        assert_eq!(consistency_proof_len(6, 7), 3); // PROOF(6) = [i, j, k]
    }

    #[test]
    fn largest_sizes_do_not_overflow() {
        assert_eq!(inclusion_proof_len(0, u64::MAX), 64);
        assert_eq!(inclusion_proof_len(u64::MAX - 1, u64::MAX), 63);
        assert_eq!(consistency_proof_len(u64::MAX - 1, u64::MAX), 64);
    }
}
