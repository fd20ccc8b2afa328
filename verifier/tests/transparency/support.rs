//! Test-side producers: a reference Merkle tree with RFC 9162 proof generation, a note
//! signer, and a miniature archive that writes Dälel receipts. They are written from the
//! standards, independently of the archive crate, so the verifier is checked against a
//! second implementation of each format.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use sha2::{Digest as _, Sha256};
use verifier::merkle::{Hash, leaf_hash, root_from_leaf_hashes};

/// The largest power of two strictly below `n` (RFC 9162 §2.1.1's `k`), `n >= 2`.
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// `PATH(m, D[n])` of RFC 9162 §2.1.3.1, for leaf `m` of `leaves`.
pub(crate) fn inclusion_proof(leaves: &[Hash], m: usize) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    let (left, right) = leaves.split_at(k);
    let mut path;
    if m < k {
        path = inclusion_proof(left, m);
        path.push(root_from_leaf_hashes(right));
    } else {
        path = inclusion_proof(right, m - k);
        path.push(root_from_leaf_hashes(left));
    }
    path
}

/// `PROOF(m, D[n])` of RFC 9162 §2.1.4.1, from the first `m` leaves to all of `leaves`.
pub(crate) fn consistency_proof(leaves: &[Hash], m: usize) -> Vec<Hash> {
    subproof(leaves, m, true)
}

fn subproof(leaves: &[Hash], m: usize, whole_old_tree: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole_old_tree {
            Vec::new()
        } else {
            vec![root_from_leaf_hashes(leaves)]
        };
    }
    let k = split(n);
    let (left, right) = leaves.split_at(k);
    let mut proof;
    if m <= k {
        proof = subproof(left, m, whole_old_tree);
        proof.push(root_from_leaf_hashes(right));
    } else {
        proof = subproof(right, m - k, false);
        proof.push(root_from_leaf_hashes(left));
    }
    proof
}

/// A deterministic P-256 key derived from `seed`, so failures are reproducible.
pub(crate) fn signing_key(seed: &str) -> SigningKey {
    let mut counter = 0u32;
    loop {
        let scalar = Sha256::new()
            .chain_update(seed)
            .chain_update(counter.to_be_bytes())
            .finalize();
        // Almost every 256-bit string is a valid scalar; retry on the rare one that is not.
        if let Ok(key) = SigningKey::from_slice(&scalar) {
            return key;
        }
        counter += 1;
    }
}

/// The public key as PEM "PUBLIC KEY" (SPKI).
pub(crate) fn public_key_pem(key: &SigningKey) -> String {
    key.verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap()
}

/// Signature type 0x02 key ID: SHA-256 of the DER SPKI, first four bytes, big-endian.
pub(crate) fn key_id(key: &SigningKey) -> u32 {
    let spki = key.verifying_key().to_public_key_der().unwrap();
    let digest = Sha256::digest(spki.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// One signature line for `text`, as the witness ECDSA signer writes it.
pub(crate) fn signature_line(text: &str, name: &str, key: &SigningKey) -> String {
    let signature: Signature = key.sign(text.as_bytes());
    let mut bytes = key_id(key).to_be_bytes().to_vec();
    bytes.extend_from_slice(signature.to_der().as_bytes());
    format!("\u{2014} {name} {}\n", BASE64.encode(bytes))
}

/// A signed note with one signature.
pub(crate) fn sign_note(text: &str, name: &str, key: &SigningKey) -> String {
    format!("{text}\n{}", signature_line(text, name, key))
}

/// Checkpoint note text (tlog-checkpoint).
pub(crate) fn checkpoint_text(origin: &str, size: usize, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", BASE64.encode(root))
}

/// A miniature archive log: blobs, their entries (the leaves) and a checkpoint key.
pub(crate) struct Log {
    pub(crate) origin: String,
    pub(crate) key: SigningKey,
    pub(crate) blobs: Vec<Vec<u8>>,
    pub(crate) entries: Vec<Vec<u8>>,
}

impl Log {
    /// A log of `n` small blobs, signed by a key derived from `seed`.
    pub(crate) fn new(seed: &str, origin: &str, n: usize) -> Self {
        let blobs: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("blob {i} of {seed}\n").repeat(i + 1).into_bytes())
            .collect();
        let entries = blobs
            .iter()
            .enumerate()
            .map(|(seq, blob)| entry_json(seq, blob))
            .collect();
        Self {
            origin: origin.to_owned(),
            key: signing_key(seed),
            blobs,
            entries,
        }
    }

    pub(crate) fn leaf_hashes(&self) -> Vec<Hash> {
        self.entries.iter().map(|e| leaf_hash(e)).collect()
    }

    /// The checkpoint note for the whole log.
    pub(crate) fn checkpoint(&self) -> String {
        let root = root_from_leaf_hashes(&self.leaf_hashes());
        let text = checkpoint_text(&self.origin, self.entries.len(), &root);
        sign_note(&text, &self.origin, &self.key)
    }

    /// A Dälel receipt (tlog-proof with the entry as `extra`) for entry `index`.
    pub(crate) fn receipt(&self, index: usize) -> String {
        receipt_text(
            &self.entries[index],
            index,
            &inclusion_proof(&self.leaf_hashes(), index),
            &self.checkpoint(),
        )
    }
}

/// Assembles a tlog-proof from its parts.
pub(crate) fn receipt_text(extra: &[u8], index: usize, proof: &[Hash], checkpoint: &str) -> String {
    let mut text = format!(
        "c2sp.org/tlog-proof@v1\nextra {}\nindex {index}\n",
        BASE64.encode(extra)
    );
    for hash in proof {
        text.push_str(&BASE64.encode(hash));
        text.push('\n');
    }
    text.push('\n');
    text.push_str(checkpoint);
    text
}

/// The archive entry's canonical JSON: keys sorted, no whitespace.
pub(crate) fn entry_json(seq: usize, blob: &[u8]) -> Vec<u8> {
    format!(
        concat!(
            r#"{{"blake3":"{}","case":"K-2024-{:04}","kind":"document","#,
            r#""media_type":"text/plain","meta":{{"note":"test"}},"#,
            r#""received":"2024-05-01T10:00:00Z","seq":{},"sha256":"{}","size":{},"v":1}}"#
        ),
        blake3::hash(blob).to_hex(),
        seq,
        seq,
        hex::encode(Sha256::digest(blob)),
        blob.len()
    )
    .into_bytes()
}
