//! Merkle proof verification against the transparency-dev test vectors in
//! `shared/vectors/merkle` (Apache-2.0) and the RFC 6962 reference tree.
//!
//! Decoding rules of this harness:
//! - `proof: null` is the empty proof (the vectors come from Go, where nil is empty).
//! - A proof hash, leaf hash or inclusion root that is not base64 of 32 bytes cannot be passed
//!   to the typed API, so the vector counts as rejected and must have `wantErr: true`.
//! - Consistency roots: the `additional` vectors use short "don't care" placeholders
//!   (`ZG9uJ3QgY2FyZSAx`, 12 bytes) in cases decided by sizes or root equality alone, one of
//!   them with `wantErr: false`. A non-32-byte root is therefore mapped to
//!   SHA-256("placeholder" || bytes): equal placeholders stay equal, and none can equal a
//!   real root, so only equality is tested for them, as those vectors intend.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use verifier::merkle::{
    Hash, empty_root, leaf_hash, root_from_leaf_hashes, verify_consistency, verify_inclusion,
};

use crate::support::{consistency_proof, inclusion_proof};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/merkle")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn b64(value: &Value) -> Option<Vec<u8>> {
    BASE64.decode(value.as_str()?).ok()
}

fn hash(value: &Value) -> Option<Hash> {
    b64(value)?.try_into().ok()
}

fn placeholder_or_hash(value: &Value) -> Option<Hash> {
    let bytes = b64(value)?;
    Some(bytes.clone().try_into().unwrap_or_else(|_| {
        Sha256::new()
            .chain_update("placeholder")
            .chain_update(&bytes)
            .finalize()
            .into()
    }))
}

fn proof(value: &Value) -> Option<Vec<Hash>> {
    match value {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items.iter().map(hash).collect(),
        _ => None,
    }
}

/// The eight leaves of the RFC 6962 / certificate-transparency reference test tree.
fn reference_leaves() -> Vec<Hash> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| leaf_hash(&hex::decode(h).unwrap()))
    .collect()
}

/// Runs one vector; returns whether the verifier accepted it.
fn accepted(kind: &str, v: &Value) -> bool {
    let u64_field = |name: &str| v[name].as_u64().unwrap();
    match kind {
        "inclusion" => {
            let (Some(leaf), Some(root), Some(proof)) =
                (hash(&v["leafHash"]), hash(&v["root"]), proof(&v["proof"]))
            else {
                return false;
            };
            verify_inclusion(
                u64_field("leafIdx"),
                u64_field("treeSize"),
                &leaf,
                &proof,
                &root,
            )
            .is_ok()
        }
        "consistency" => {
            let (Some(root1), Some(root2), Some(proof)) = (
                placeholder_or_hash(&v["root1"]),
                placeholder_or_hash(&v["root2"]),
                proof(&v["proof"]),
            ) else {
                return false;
            };
            verify_consistency(
                u64_field("size1"),
                u64_field("size2"),
                &root1,
                &root2,
                &proof,
            )
            .is_ok()
        }
        other => panic!("unknown vector kind {other}"),
    }
}

#[test]
fn every_vector_file_matches_want_err() {
    let dir = vectors_dir();
    let files = json_files(&dir);
    assert!(!files.is_empty(), "no vectors under {}", dir.display());
    let (mut inclusion, mut consistency, mut accepted_count) = (0, 0, 0);
    let mut failures = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&dir).unwrap();
        let kind = relative.components().next().unwrap().as_os_str();
        let kind = kind.to_str().unwrap();
        let v: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        let want_err = v["wantErr"].as_bool().unwrap();
        let accepted = accepted(kind, &v);
        match kind {
            "inclusion" => inclusion += 1,
            _ => consistency += 1,
        }
        accepted_count += usize::from(accepted);
        if accepted == want_err {
            failures.push(format!("{}: accepted={accepted}", relative.display()));
        }
    }
    assert!(failures.is_empty(), "mismatches: {failures:#?}");
    assert_eq!(inclusion + consistency, files.len(), "every file checked");
    assert!(
        inclusion > 0 && consistency > 0,
        "{inclusion} inclusion, {consistency} consistency"
    );
    assert!(accepted_count > 0, "no vector was accepted");
}

#[test]
fn happy_paths_are_the_reference_tree_and_reference_proofs() {
    let leaves = reference_leaves();
    let mut seen = 0;
    for file in json_files(&vectors_dir()) {
        if file.file_name().unwrap() != "happy-path.json" {
            continue;
        }
        let v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let want_proof = proof(&v["proof"]).unwrap();
        if let Some(size) = v["treeSize"].as_u64() {
            let (index, size) = (v["leafIdx"].as_u64().unwrap() as usize, size as usize);
            let tree = &leaves[..size];
            assert_eq!(hash(&v["root"]).unwrap(), root_from_leaf_hashes(tree));
            assert_eq!(hash(&v["leafHash"]).unwrap(), leaves[index]);
            assert_eq!(
                want_proof,
                inclusion_proof(tree, index),
                "{}",
                file.display()
            );
        } else {
            let size1 = v["size1"].as_u64().unwrap() as usize;
            let size2 = v["size2"].as_u64().unwrap() as usize;
            assert_eq!(
                hash(&v["root1"]).unwrap(),
                root_from_leaf_hashes(&leaves[..size1])
            );
            assert_eq!(
                hash(&v["root2"]).unwrap(),
                root_from_leaf_hashes(&leaves[..size2])
            );
            let want = if size1 == size2 {
                Vec::new()
            } else {
                consistency_proof(&leaves[..size2], size1)
            };
            assert_eq!(want_proof, want, "{}", file.display());
        }
        seen += 1;
    }
    assert!(seen > 0, "no happy-path vectors");
}

#[test]
fn rfc6962_reference_roots() {
    // Roots of the first n leaves of the reference tree, n = 1..=8, as published with the
    // certificate-transparency reference implementation's tests.
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let leaves = reference_leaves();
    for (n, root) in roots.iter().enumerate() {
        assert_eq!(
            hex::encode(root_from_leaf_hashes(&leaves[..=n])),
            *root,
            "size {}",
            n + 1
        );
    }
    assert_eq!(
        hex::encode(root_from_leaf_hashes(&[])),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(root_from_leaf_hashes(&[]), empty_root());
}
