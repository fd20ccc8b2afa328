//! Property tests: proofs from the reference generator (RFC 9162 §2.1.3.1 PATH, §2.1.4.1
//! SUBPROOF) verify for every tree up to 300 leaves, and mutations are rejected.
//!
//! A proof binds a leaf to a root, not to a tree size: the size is bound by the signed
//! checkpoint. So a proof checked under another size with the *same* root is rejected unless
//! the hashing order happens to be identical (e.g. leaf 0 of trees of 5 and 6 leaves); the
//! tests assert exactly that, and that proofs never verify against other real tree heads.

use proptest::prelude::*;
use proptest::sample::Index;
use verifier::merkle::{
    Hash, MerkleError, leaf_hash, root_from_inclusion_proof, root_from_leaf_hashes,
    verify_consistency, verify_inclusion,
};

use crate::support::{consistency_proof, inclusion_proof};

fn leaves(seed: u64, n: usize) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(format!("{seed}/{i}").as_bytes()))
        .collect()
}

/// Hashing order of `PATH(m, D[n])` from the leaf up: `true` where the sibling is on the left.
fn shape(m: usize, n: usize) -> Vec<bool> {
    if n <= 1 {
        return Vec::new();
    }
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    let mut s = if m < k {
        shape(m, k)
    } else {
        shape(m - k, n - k)
    };
    s.push(m >= k);
    s
}

fn flip(hash: &mut Hash, bit: Index) {
    let bit = bit.index(256);
    hash[bit / 8] ^= 1 << (bit % 8);
}

proptest! {
    #[test]
    fn inclusion_proofs_verify_and_mutations_fail(
        seed: u64,
        n in 1usize..=300,
        index: Index,
        other: Index,
        element: Index,
        bit: Index,
        other_size in 1usize..=600,
    ) {
        let all = leaves(seed, 600);
        let tree = &all[..n];
        let m = index.index(n);
        let root = root_from_leaf_hashes(tree);
        let proof = inclusion_proof(tree, m);
        let (m64, n64) = (m as u64, n as u64);
        prop_assert_eq!(verify_inclusion(m64, n64, &tree[m], &proof, &root), Ok(()));
        prop_assert_eq!(root_from_inclusion_proof(m64, n64, &tree[m], &proof), Ok(root));

        if !proof.is_empty() {
            let mut bad = proof.clone();
            flip(&mut bad[element.index(proof.len())], bit);
            prop_assert!(verify_inclusion(m64, n64, &tree[m], &bad, &root).is_err());
            prop_assert!(verify_inclusion(m64, n64, &tree[m], &proof[1..], &root).is_err());
        }
        let mut extended = proof.clone();
        extended.push(root);
        prop_assert!(verify_inclusion(m64, n64, &tree[m], &extended, &root).is_err());

        let mut bad_leaf = tree[m];
        flip(&mut bad_leaf, bit);
        prop_assert!(verify_inclusion(m64, n64, &bad_leaf, &proof, &root).is_err());
        let mut bad_root = root;
        flip(&mut bad_root, bit);
        let err = verify_inclusion(m64, n64, &tree[m], &proof, &bad_root).unwrap_err();
        prop_assert!(
            matches!(err, MerkleError::RootMismatch { .. }),
            "unexpected error {:?}",
            err
        );

        // Another index of the same tree: always a different path.
        let o = other.index(n);
        if o != m {
            prop_assert!(verify_inclusion(o as u64, n64, &tree[m], &proof, &root).is_err());
        }
        prop_assert_eq!(
            verify_inclusion(n64, n64, &tree[m], &proof, &root),
            Err(MerkleError::IndexOutOfRange { index: n64, size: n64 })
        );

        // Another size with the same root: accepted only for an identical hashing order.
        if other_size != n && m < other_size {
            let accepted =
                verify_inclusion(m64, other_size as u64, &tree[m], &proof, &root).is_ok();
            prop_assert_eq!(accepted, shape(m, n) == shape(m, other_size));
            // ... and never against the real root of that other tree, unless it is the
            // same proof.
            let other_tree = &all[..other_size];
            let accepted = verify_inclusion(
                m64,
                other_size as u64,
                &tree[m],
                &proof,
                &root_from_leaf_hashes(other_tree),
            )
            .is_ok();
            prop_assert_eq!(accepted, inclusion_proof(other_tree, m) == proof);
        }
    }

    #[test]
    fn consistency_proofs_verify_and_mutations_fail(
        seed: u64,
        n in 1usize..=300,
        old: Index,
        element: Index,
        bit: Index,
        other_old: Index,
        other_new in 1usize..=600,
    ) {
        let all = leaves(seed, 600);
        let m = old.index(n) + 1;
        let (root1, root2) = (root_from_leaf_hashes(&all[..m]), root_from_leaf_hashes(&all[..n]));
        let proof = consistency_proof(&all[..n], m);
        let (m64, n64) = (m as u64, n as u64);
        prop_assert_eq!(verify_consistency(m64, n64, &root1, &root2, &proof), Ok(()));

        if !proof.is_empty() {
            let mut bad = proof.clone();
            flip(&mut bad[element.index(proof.len())], bit);
            prop_assert!(verify_consistency(m64, n64, &root1, &root2, &bad).is_err());
            prop_assert!(verify_consistency(m64, n64, &root1, &root2, &proof[1..]).is_err());
        }
        let mut extended = proof.clone();
        extended.push(root2);
        prop_assert!(verify_consistency(m64, n64, &root1, &root2, &extended).is_err());
        let mut bad_root = root1;
        flip(&mut bad_root, bit);
        prop_assert!(verify_consistency(m64, n64, &bad_root, &root2, &proof).is_err());
        let mut bad_root = root2;
        flip(&mut bad_root, bit);
        prop_assert!(verify_consistency(m64, n64, &root1, &bad_root, &proof).is_err());
        prop_assert_eq!(
            verify_consistency(0, n64, &root1, &root2, &proof),
            Err(MerkleError::EmptyOldTree { size2: n64 })
        );

        // Other real tree heads: accepted only if their proof is this very proof.
        let m2 = other_old.index(n) + 1;
        if m2 != m {
            let accepted = verify_consistency(
                m2 as u64, n64, &root_from_leaf_hashes(&all[..m2]), &root2, &proof,
            )
            .is_ok();
            prop_assert_eq!(accepted, consistency_proof(&all[..n], m2) == proof);
        }
        if other_new != n && other_new >= m {
            let accepted = verify_consistency(
                m64, other_new as u64, &root1, &root_from_leaf_hashes(&all[..other_new]), &proof,
            )
            .is_ok();
            prop_assert_eq!(accepted, consistency_proof(&all[..other_new], m) == proof);
        }
    }
}

#[test]
fn rfc9162_example_tree_of_seven() {
    // RFC 9162 §2.1.5: leaves d0..d6; PROOF(3, D[7]) = [c, d, g, l] has four hashes.
    let tree = leaves(7, 7);
    let proof = consistency_proof(&tree, 3);
    assert_eq!(proof.len(), 4);
    let root3 = root_from_leaf_hashes(&tree[..3]);
    let root7 = root_from_leaf_hashes(&tree);
    assert_eq!(verify_consistency(3, 7, &root3, &root7, &proof), Ok(()));
    assert_eq!(
        verify_consistency(3, 7, &root3, &root7, &proof[..3]),
        Err(MerkleError::WrongProofLength {
            expected: 4,
            got: 3
        })
    );
}
