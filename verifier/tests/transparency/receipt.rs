//! Dälel receipts (C2SP tlog-proof with the archive entry as `extra`) and blob checks.

use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

use verifier::checkpoint::CheckpointError;
use verifier::merkle::{MerkleError, root_from_leaf_hashes};
use verifier::note::{EcdsaP256NoteVerifier, NoteError};
use verifier::receipt::{DigestAlgorithm, Receipt, ReceiptError, verify_receipt};

use crate::support::{
    Log, checkpoint_text, entry_json, inclusion_proof, public_key_pem, receipt_text, sign_note,
    signing_key,
};

const ORIGIN: &str = "dalel.example/archive";

fn verifier_for(log: &Log) -> EcdsaP256NoteVerifier {
    EcdsaP256NoteVerifier::from_public_key_pem(&log.origin, &public_key_pem(&log.key)).unwrap()
}

#[test]
fn every_receipt_of_a_log_verifies_and_matches_its_blob() {
    for n in [1, 2, 7, 13] {
        let log = Log::new("receipts", ORIGIN, n);
        let verifier = verifier_for(&log);
        for index in 0..n {
            let receipt = log.receipt(index);
            let verified = verify_receipt(receipt.as_bytes(), &verifier).unwrap();
            assert_eq!(verified.index(), index as u64);
            assert_eq!(verified.checkpoint().checkpoint().size(), n as u64);
            let entry = verified.entry();
            assert_eq!(entry.seq(), index as u64);
            assert_eq!(entry.size(), log.blobs[index].len() as u64);
            assert_eq!(entry.json()["kind"], "document");
            verified.check_blob(&log.blobs[index][..]).unwrap();
        }
    }
}

#[test]
fn claimed_origin_is_the_checkpoint_origin() {
    let log = Log::new("claimed", ORIGIN, 3);
    let receipt = Receipt::parse(log.receipt(1).as_bytes()).unwrap();
    assert_eq!(receipt.claimed_origin().unwrap(), ORIGIN);
}

#[test]
fn blob_mismatches_name_the_difference() {
    let log = Log::new("blob", ORIGIN, 4);
    let verified = verify_receipt(log.receipt(2).as_bytes(), &verifier_for(&log)).unwrap();
    let blob = &log.blobs[2];

    let mut flipped = blob.clone();
    flipped[5] ^= 0x01;
    let err = verified.check_blob(&flipped[..]).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiptError::BlobDigestMismatch {
                algorithm: DigestAlgorithm::Blake3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("BLAKE3"), "{err}");

    let err = verified.check_blob(&blob[1..]).unwrap_err();
    let len = blob.len() as u64;
    assert!(
        matches!(err, ReceiptError::BlobSizeMismatch { expected, found } if expected == len && found == len - 1),
        "{err:?}"
    );
}

#[test]
fn sha256_mismatch_is_reported_as_such() {
    // An entry whose BLAKE3 and size are right but whose SHA-256 is not.
    let blob = b"evidence".to_vec();
    let good = String::from_utf8(entry_json(0, &blob)).unwrap();
    let wrong_sha = good.replace(&hex::encode(Sha256::digest(&blob)), &"0".repeat(64));
    assert_ne!(good, wrong_sha);
    let mut log = Log::new("sha", ORIGIN, 1);
    log.entries[0] = wrong_sha.into_bytes();
    log.blobs[0] = blob;
    let verified = verify_receipt(log.receipt(0).as_bytes(), &verifier_for(&log)).unwrap();
    let err = verified.check_blob(&log.blobs[0][..]).unwrap_err();
    assert!(
        matches!(err, ReceiptError::BlobDigestMismatch { algorithm: DigestAlgorithm::Sha256, found, .. } if found != [0; 32]),
        "{err:?}"
    );
}

#[test]
fn blob_read_errors_are_reported() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }
    let log = Log::new("read", ORIGIN, 1);
    let verified = verify_receipt(log.receipt(0).as_bytes(), &verifier_for(&log)).unwrap();
    let err = verified.check_blob(Failing).unwrap_err();
    assert!(matches!(err, ReceiptError::BlobRead { .. }), "{err:?}");
}

#[test]
fn large_blob_streams_in_chunks() {
    // Larger than the 64 KiB buffer, delivered in odd-sized reads.
    let blob: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut log = Log::new("large", ORIGIN, 1);
    log.entries[0] = entry_json(0, &blob);
    let verified = verify_receipt(log.receipt(0).as_bytes(), &verifier_for(&log)).unwrap();
    let chunks = blob
        .chunks(7_777)
        .fold(Box::new(io::empty()) as Box<dyn Read>, |r, c| {
            Box::new(r.chain(c))
        });
    verified.check_blob(chunks).unwrap();
}

#[test]
fn wrong_key_or_origin_is_rejected() {
    let log = Log::new("keys", ORIGIN, 5);
    let receipt = log.receipt(3);
    let other_key =
        EcdsaP256NoteVerifier::from_public_key_pem(ORIGIN, &public_key_pem(&signing_key("x")))
            .unwrap();
    let err = verify_receipt(receipt.as_bytes(), &other_key).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiptError::Checkpoint(CheckpointError::Note(NoteError::NoTrustedSignature { .. }))
        ),
        "{err:?}"
    );
    let other_name = verifier_for(&log).with_name("other.example/log").unwrap();
    let err = verify_receipt(receipt.as_bytes(), &other_name).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiptError::Checkpoint(CheckpointError::Note(NoteError::NoTrustedSignature { .. }))
        ),
        "{err:?}"
    );
}

#[test]
fn tampered_entry_fails_inclusion() {
    let log = Log::new("tamper", ORIGIN, 6);
    let mut entries = log.entries.clone();
    let tampered = String::from_utf8(entries[4].clone())
        .unwrap()
        .replace("text/plain", "text/html");
    entries[4] = tampered.into_bytes();
    let receipt = receipt_text(
        &entries[4],
        4,
        &inclusion_proof(&log.leaf_hashes(), 4),
        &log.checkpoint(),
    );
    let err = verify_receipt(receipt.as_bytes(), &verifier_for(&log)).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiptError::Inclusion(MerkleError::RootMismatch { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn entry_at_another_index_is_rejected() {
    let log = Log::new("index", ORIGIN, 8);
    // Entry 2's leaf and proof, claimed at index 3: the path differs.
    let receipt = receipt_text(
        &log.entries[2],
        3,
        &inclusion_proof(&log.leaf_hashes(), 2),
        &log.checkpoint(),
    );
    let err = verify_receipt(receipt.as_bytes(), &verifier_for(&log)).unwrap_err();
    assert!(matches!(err, ReceiptError::Inclusion(_)), "{err:?}");

    let receipt = receipt_text(&log.entries[2], 8, &[], &log.checkpoint());
    let err = verify_receipt(receipt.as_bytes(), &verifier_for(&log)).unwrap_err();
    assert!(
        matches!(err, ReceiptError::IndexOutOfRange { index: 8, size: 8 }),
        "{err:?}"
    );
}

#[test]
fn seq_must_equal_index() {
    let mut log = Log::new("seq", ORIGIN, 3);
    log.entries[1] = entry_json(7, &log.blobs[1]);
    let err = verify_receipt(log.receipt(1).as_bytes(), &verifier_for(&log)).unwrap_err();
    assert!(
        matches!(err, ReceiptError::SeqMismatch { seq: 7, index: 1 }),
        "{err:?}"
    );
}

#[test]
fn logged_but_malformed_entry_is_rejected() {
    let mut log = Log::new("malformed", ORIGIN, 2);
    log.entries[0] = br#"{"seq":0}"#.to_vec();
    let err = verify_receipt(log.receipt(0).as_bytes(), &verifier_for(&log)).unwrap_err();
    assert!(matches!(err, ReceiptError::InvalidEntry { .. }), "{err:?}");
}

#[test]
fn receipt_without_entry_is_rejected() {
    let log = Log::new("noextra", ORIGIN, 1);
    let receipt = log.receipt(0);
    let without: String = receipt
        .lines()
        .filter(|l| !l.starts_with("extra "))
        .map(|l| format!("{l}\n"))
        .collect();
    let err = verify_receipt(without.as_bytes(), &verifier_for(&log)).unwrap_err();
    assert!(matches!(err, ReceiptError::MissingEntry), "{err:?}");
}

#[test]
fn checkpoint_of_another_tree_is_rejected() {
    let log = Log::new("fork", ORIGIN, 4);
    let leaves = log.leaf_hashes();
    // A checkpoint over a different tree of the same size, signed by the right key.
    let mut forked = leaves.clone();
    forked[0] = verifier::merkle::leaf_hash(b"forged");
    let text = checkpoint_text(ORIGIN, 4, &root_from_leaf_hashes(&forked));
    let checkpoint = sign_note(&text, ORIGIN, &log.key);
    let receipt = receipt_text(
        &log.entries[3],
        3,
        &inclusion_proof(&leaves, 3),
        &checkpoint,
    );
    let err = verify_receipt(receipt.as_bytes(), &verifier_for(&log)).unwrap_err();
    assert!(matches!(err, ReceiptError::Inclusion(_)), "{err:?}");
}

#[test]
fn every_single_byte_change_is_rejected() {
    let log = Log::new("bytes", ORIGIN, 5);
    let verifier = verifier_for(&log);
    let receipt = log.receipt(3).into_bytes();
    verify_receipt(&receipt, &verifier).unwrap();
    for position in 0..receipt.len() {
        for delta in [0x01, 0x20, 0x80] {
            let mut mutated = receipt.clone();
            mutated[position] ^= delta;
            assert!(
                verify_receipt(&mutated, &verifier).is_err(),
                "accepted with byte {position} ^ {delta:#x}"
            );
        }
    }
}
