//! Signed notes (C2SP signed-note) with ECDSA P-256 keys (signature type 0x02).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use der::{Decode as _, Encode as _};
use p256::pkcs8::EncodePublicKey as _;
use verifier::note::{
    EcdsaP256NoteVerifier, MAX_NOTE_LEN, MAX_SIGNATURES, NoteError, NoteVerifier as _,
    SignatureLineProblem, SignedNote, verify_note,
};

use crate::support::{key_id, public_key_pem, sign_note, signature_line, signing_key};

const TEXT: &str = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

fn verifier(name: &str, seed: &str) -> EcdsaP256NoteVerifier {
    EcdsaP256NoteVerifier::from_public_key_pem(name, &public_key_pem(&signing_key(seed))).unwrap()
}

#[test]
fn signed_note_verifies() {
    let key = signing_key("log");
    let note = sign_note(TEXT, "example.com/log", &key);
    let verified = verify_note(note.as_bytes(), &verifier("example.com/log", "log")).unwrap();
    assert_eq!(verified.text(), TEXT);
    assert_eq!(verified.key_name(), "example.com/log");
    assert_eq!(verified.key_id(), key_id(&key));
    assert_eq!(verified.note().signatures().len(), 1);
}

#[test]
fn key_id_is_sha256_of_spki() {
    let key = signing_key("log");
    assert_eq!(verifier("any.name", "log").key_id(), key_id(&key));
    // The ID does not depend on the name, and `with_name` keeps the key.
    let renamed = verifier("a", "log").with_name("b").unwrap();
    assert_eq!(renamed.key_name(), "b");
    assert_eq!(renamed.key_id(), key_id(&key));
}

#[test]
fn compressed_spki_gets_the_standard_key_id() {
    let key = signing_key("log");
    let uncompressed = key.verifying_key().to_public_key_der().unwrap();
    let mut spki = spki::SubjectPublicKeyInfoOwned::from_der(uncompressed.as_bytes()).unwrap();
    let point = key.verifying_key().to_sec1_point(true);
    spki.subject_public_key = der::asn1::BitString::from_bytes(point.as_bytes()).unwrap();
    let compressed = spki.to_der().unwrap();
    assert_ne!(compressed, uncompressed.as_bytes());
    let verifier = EcdsaP256NoteVerifier::from_public_key_der("log", &compressed).unwrap();
    assert_eq!(verifier.key_id(), key_id(&key));
}

#[test]
fn unknown_keys_are_ignored() {
    let ours = signing_key("log");
    let theirs = signing_key("witness");
    let mut note = sign_note(TEXT, "example.com/log", &ours);
    // Another key under another name, under our name, and our ID under another name.
    note.push_str(&signature_line(TEXT, "witness.example", &theirs));
    note.push_str(&signature_line(TEXT, "example.com/log", &theirs));
    let mut garbage = key_id(&ours).to_be_bytes().to_vec();
    garbage.extend_from_slice(b"not a signature");
    let our_id_other_name = format!("\u{2014} impostor.example {}\n", BASE64.encode(garbage));
    note.push_str(&our_id_other_name);
    let verified = verify_note(note.as_bytes(), &verifier("example.com/log", "log")).unwrap();
    assert_eq!(verified.note().signatures().len(), 4);
}

#[test]
fn cosigned_note_verifies_under_either_key() {
    let mut note = sign_note(TEXT, "example.com/log", &signing_key("log"));
    note.push_str(&signature_line(
        TEXT,
        "witness.example",
        &signing_key("witness"),
    ));
    verify_note(note.as_bytes(), &verifier("example.com/log", "log")).unwrap();
    verify_note(note.as_bytes(), &verifier("witness.example", "witness")).unwrap();
}

#[test]
fn failing_known_signature_rejects_the_note() {
    let key = signing_key("log");
    // A valid line and a line with our name and ID over a different text.
    let mut note = sign_note(TEXT, "example.com/log", &key);
    note.push_str(&signature_line("other\n", "example.com/log", &key));
    let err = verify_note(note.as_bytes(), &verifier("example.com/log", "log")).unwrap_err();
    assert_eq!(
        err,
        NoteError::BadSignature {
            key_name: "example.com/log".into(),
            key_id: key_id(&key)
        }
    );
}

#[test]
fn tampered_text_is_rejected() {
    let note =
        sign_note(TEXT, "example.com/log", &signing_key("log")).replacen("\n3\n", "\n4\n", 1);
    let err = verify_note(note.as_bytes(), &verifier("example.com/log", "log")).unwrap_err();
    assert!(matches!(err, NoteError::BadSignature { .. }), "{err:?}");
}

#[test]
fn non_der_signature_is_a_bad_signature() {
    let key = signing_key("log");
    let mut bytes = key_id(&key).to_be_bytes().to_vec();
    bytes.extend_from_slice(&[0x30, 0x00]);
    let note = format!(
        "{TEXT}\n\u{2014} example.com/log {}\n",
        BASE64.encode(bytes)
    );
    let err = verify_note(note.as_bytes(), &verifier("example.com/log", "log")).unwrap_err();
    assert!(matches!(err, NoteError::BadSignature { .. }), "{err:?}");
}

#[test]
fn note_without_trusted_signature_is_rejected() {
    let note = sign_note(TEXT, "example.com/log", &signing_key("other"));
    let err = verify_note(note.as_bytes(), &verifier("example.com/log", "log")).unwrap_err();
    assert!(
        matches!(err, NoteError::NoTrustedSignature { .. }),
        "{err:?}"
    );
    // Right key, wrong name.
    let err = verify_note(note.as_bytes(), &verifier("example.com/other", "other")).unwrap_err();
    assert!(
        matches!(err, NoteError::NoTrustedSignature { .. }),
        "{err:?}"
    );
}

#[test]
fn accepts_many_signatures_up_to_the_limit() {
    let key = signing_key("log");
    let line = signature_line(TEXT, "w.example", &signing_key("w"));
    let mut note = sign_note(TEXT, "example.com/log", &key);
    note.push_str(&line.repeat(MAX_SIGNATURES - 1));
    let verified = verify_note(note.as_bytes(), &verifier("example.com/log", "log")).unwrap();
    assert_eq!(verified.note().signatures().len(), MAX_SIGNATURES);
    note.push_str(&line);
    assert_eq!(
        SignedNote::parse(note.as_bytes()),
        Err(NoteError::TooManySignatures {
            max: MAX_SIGNATURES
        })
    );
}

#[test]
fn c2sp_example_note_parses() {
    // The example in c2sp.org/signed-note: text with an inner blank line, one signature.
    let note = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u{e8} subito sera.\n\n\u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
    let parsed = SignedNote::parse(note.as_bytes()).unwrap();
    assert_eq!(
        parsed.text(),
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u{e8} subito sera.\n"
    );
    let [sig] = parsed.signatures() else {
        panic!("one signature expected");
    };
    assert_eq!(sig.key_name(), "quasimodo.example/salvatore");
    assert_eq!(sig.key_id(), 0x367b_a04b);
    assert_eq!(sig.signature().len(), 64); // Ed25519
}

#[test]
fn syntax_errors_are_precise() {
    let sig = signature_line(TEXT, "example.com/log", &signing_key("log"));
    let cases: Vec<(Vec<u8>, NoteError)> = vec![
        (
            vec![b'a'; MAX_NOTE_LEN + 1],
            NoteError::TooLarge {
                len: MAX_NOTE_LEN + 1,
                max: MAX_NOTE_LEN,
            },
        ),
        (b"a\xff\n\n".to_vec(), NoteError::NotUtf8 { valid_up_to: 1 }),
        (
            format!("a\tb\n\n{sig}").into_bytes(),
            NoteError::ControlCharacter {
                offset: 1,
                byte: b'\t',
            },
        ),
        (
            format!("a\r\n\n{sig}").into_bytes(),
            NoteError::ControlCharacter {
                offset: 1,
                byte: b'\r',
            },
        ),
        (
            format!("{TEXT}{sig}").into_bytes(),
            NoteError::MissingSignatures,
        ),
        (
            format!("{TEXT}\n{sig}\n").into_bytes(),
            NoteError::MissingSignatures,
        ),
        (
            format!("{TEXT}\n{}", sig.trim_end()).into_bytes(),
            NoteError::MissingFinalNewline,
        ),
        (
            format!("{TEXT}\n{sig}-- x AAAAAQE=\n").into_bytes(),
            NoteError::MalformedSignatureLine {
                line: 2,
                problem: SignatureLineProblem::MissingPrefix,
            },
        ),
        (
            format!("{TEXT}\n\u{2014} a\u{3000}b AAAAAQE=\n").into_bytes(),
            NoteError::MalformedSignatureLine {
                line: 1,
                problem: SignatureLineProblem::InvalidKeyName("a\u{3000}b".into()),
            },
        ),
    ];
    for (note, err) in cases {
        assert_eq!(
            SignedNote::parse(&note),
            Err(err),
            "{:?}",
            String::from_utf8_lossy(&note)
        );
    }
}

#[test]
fn verifier_construction_errors() {
    let pem = public_key_pem(&signing_key("log"));
    assert_eq!(
        EcdsaP256NoteVerifier::from_public_key_pem("a+b", &pem).unwrap_err(),
        NoteError::InvalidKeyName { name: "a+b".into() }
    );
    assert!(matches!(
        EcdsaP256NoteVerifier::from_public_key_pem("log", "not a key").unwrap_err(),
        NoteError::PublicKey { .. }
    ));
    assert!(matches!(
        verifier("a", "log").with_name(""),
        Err(NoteError::InvalidKeyName { .. })
    ));
}
