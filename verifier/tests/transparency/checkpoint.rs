//! Signed checkpoints (C2SP tlog-checkpoint).

use verifier::checkpoint::{CheckpointError, verify_checkpoint};
use verifier::merkle::leaf_hash;
use verifier::note::{EcdsaP256NoteVerifier, NoteError};

use crate::support::{checkpoint_text, public_key_pem, sign_note, signature_line, signing_key};

const ORIGIN: &str = "dalel.example/archive";

fn verifier(name: &str) -> EcdsaP256NoteVerifier {
    EcdsaP256NoteVerifier::from_public_key_pem(name, &public_key_pem(&signing_key("log"))).unwrap()
}

#[test]
fn verifies_with_extensions_and_cosignatures() {
    let root = leaf_hash(b"x");
    let text = format!("{}ext one\next two\n", checkpoint_text(ORIGIN, 42, &root));
    let mut note = sign_note(&text, ORIGIN, &signing_key("log"));
    note.push_str(&signature_line(&text, "witness.example", &signing_key("w")));
    let verified = verify_checkpoint(note.as_bytes(), &verifier(ORIGIN), ORIGIN).unwrap();
    let checkpoint = verified.checkpoint();
    assert_eq!(checkpoint.origin(), ORIGIN);
    assert_eq!(checkpoint.size(), 42);
    assert_eq!(checkpoint.root(), &root);
    assert_eq!(checkpoint.extensions(), ["ext one", "ext two"]);
    assert_eq!(verified.note().text(), text);
}

#[test]
fn empty_tree_checkpoint() {
    let text = checkpoint_text(ORIGIN, 0, &verifier::merkle::empty_root());
    let note = sign_note(&text, ORIGIN, &signing_key("log"));
    let verified = verify_checkpoint(note.as_bytes(), &verifier(ORIGIN), ORIGIN).unwrap();
    assert_eq!(verified.checkpoint().size(), 0);
}

#[test]
fn origin_must_be_expected() {
    let text = checkpoint_text("other.example/log", 1, &leaf_hash(b""));
    let note = sign_note(&text, ORIGIN, &signing_key("log"));
    let err = verify_checkpoint(note.as_bytes(), &verifier(ORIGIN), ORIGIN).unwrap_err();
    assert_eq!(
        err,
        CheckpointError::OriginMismatch {
            expected: ORIGIN.into(),
            found: "other.example/log".into()
        }
    );
}

#[test]
fn key_name_must_be_origin() {
    // Signed under the name "alias" while the origin line says ORIGIN.
    let text = checkpoint_text(ORIGIN, 1, &leaf_hash(b""));
    let note = sign_note(&text, "alias", &signing_key("log"));
    let err = verify_checkpoint(note.as_bytes(), &verifier("alias"), ORIGIN).unwrap_err();
    assert_eq!(
        err,
        CheckpointError::KeyNameMismatch {
            key_name: "alias".into(),
            origin: ORIGIN.into()
        }
    );
}

#[test]
fn wrong_key_is_rejected_before_parsing() {
    // Malformed text signed by another key: the signature problem is reported, since the
    // text must be ignored until a trusted signature verifies.
    let note = sign_note("garbage\n", ORIGIN, &signing_key("other"));
    let err = verify_checkpoint(note.as_bytes(), &verifier(ORIGIN), ORIGIN).unwrap_err();
    assert!(
        matches!(
            err,
            CheckpointError::Note(NoteError::NoTrustedSignature { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn signed_but_malformed_body_is_rejected() {
    let cases = [
        (
            "dalel.example/archive\n42\n",
            CheckpointError::TooFewLines { lines: 2 },
        ),
        (
            "dalel.example/archive\n042\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
            CheckpointError::InvalidTreeSize { line: "042".into() },
        ),
        (
            "dalel.example/archive\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
            CheckpointError::InvalidRootHash {
                line: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==".into(),
            },
        ),
    ];
    for (text, want) in cases {
        let note = sign_note(text, ORIGIN, &signing_key("log"));
        assert_eq!(
            verify_checkpoint(note.as_bytes(), &verifier(ORIGIN), ORIGIN),
            Err(want)
        );
    }
}
