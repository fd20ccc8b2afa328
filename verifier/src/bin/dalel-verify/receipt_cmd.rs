//! `dalel-verify receipt FILE --key PUBKEY.pem [--blob FILE] [--origin NAME]`.

use std::fs::{self, File};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use p256::pkcs8::DecodePublicKey as _;
use verifier::note::{self, EcdsaP256NoteVerifier, NoteVerifier as _};
use verifier::receipt::{Receipt, ReceiptError, VerifiedReceipt};

use crate::UsageError;
use crate::cli::ReceiptArgs;
use crate::report::{Outcome, Report};

pub(crate) fn run(args: &ReceiptArgs) -> Result<Outcome, UsageError> {
    // Every argument is checked before any verdict, so a bad flag never reads as "invalid".
    let bytes = fs::read(&args.file)
        .map_err(|e| UsageError(format!("reading receipt {}: {e}", args.file.display())))?;
    let key = read_key(&args.key)?;
    if let Some(origin) = &args.origin
        && !note::is_valid_key_name(origin)
    {
        return Err(UsageError(format!(
            "--origin {origin:?}: a key name must be non-empty, without spaces or '+'"
        )));
    }
    let blob = match &args.blob {
        Some(path) => Some((path.as_path(), open(path, "blob")?)),
        None => None,
    };

    let mut report = Report::new("receipt");
    let receipt = match Receipt::parse(&bytes) {
        Ok(receipt) => receipt,
        Err(e) => return Ok(Outcome::invalid(report, e)),
    };
    // The key is the trust anchor; without --origin the checkpoint names the log, which is
    // safe because verification demands a signature under that name by this very key.
    let origin = match &args.origin {
        Some(origin) => origin.clone(),
        None => match receipt.claimed_origin() {
            Ok(origin) => origin,
            Err(e) => return Ok(Outcome::invalid(report, ReceiptError::Checkpoint(e))),
        },
    };
    let verifier = match EcdsaP256NoteVerifier::new(&origin, key) {
        Ok(verifier) => verifier,
        Err(e) => return Ok(Outcome::invalid(report, e)),
    };
    report.field("key_id", format!("{:08x}", verifier.key_id()));
    let verified = match receipt.verify(&verifier) {
        Ok(verified) => verified,
        Err(e) => return Ok(Outcome::invalid(report, e)),
    };
    describe(&mut report, &verified);

    let Some((path, file)) = blob else {
        report.field("blob", "not checked");
        return Ok(Outcome::Valid(report));
    };
    match verified.check_blob(file) {
        Ok(()) => {
            report.field("blob", "matches size, BLAKE3 and SHA-256");
            Ok(Outcome::Valid(report))
        }
        Err(ReceiptError::BlobRead { source }) => Err(UsageError(format!(
            "reading blob {}: {source}",
            path.display()
        ))),
        Err(e) => {
            report.field("blob", "mismatch");
            Ok(Outcome::invalid(report, e))
        }
    }
}

fn describe(report: &mut Report, verified: &VerifiedReceipt) {
    let checkpoint = verified.checkpoint().checkpoint();
    report.field("origin", checkpoint.origin());
    report.field("tree_size", checkpoint.size());
    report.field("root", BASE64.encode(checkpoint.root()));
    report.field("index", verified.index());
    report.field("leaf_hash", BASE64.encode(verified.leaf_hash()));
    report.field("entry", verified.entry().json().clone());
}

fn read_key(path: &Path) -> Result<p256::ecdsa::VerifyingKey, UsageError> {
    let pem = fs::read_to_string(path)
        .map_err(|e| UsageError(format!("reading key {}: {e}", path.display())))?;
    p256::ecdsa::VerifyingKey::from_public_key_pem(&pem).map_err(|e| {
        UsageError(format!(
            "key {}: not a PEM ECDSA P-256 public key: {e}",
            path.display()
        ))
    })
}

fn open(path: &Path, what: &str) -> Result<File, UsageError> {
    File::open(path).map_err(|e| UsageError(format!("opening {what} {}: {e}", path.display())))
}
