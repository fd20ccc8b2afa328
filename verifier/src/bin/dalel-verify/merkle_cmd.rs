//! `dalel-verify merkle inclusion|consistency`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use verifier::merkle::{self, Hash};

use crate::UsageError;
use crate::cli::{ConsistencyArgs, InclusionArgs, MerkleCommand};
use crate::report::{Outcome, Report};

pub(crate) fn run(command: &MerkleCommand) -> Result<Outcome, UsageError> {
    match command {
        MerkleCommand::Inclusion(args) => inclusion(args),
        MerkleCommand::Consistency(args) => consistency(args),
    }
}

fn inclusion(args: &InclusionArgs) -> Result<Outcome, UsageError> {
    let leaf_hash = decode_hash("--leaf-hash", &args.leaf_hash)?;
    let root = decode_hash("--root", &args.root)?;
    let proof = decode_proof(args.proof.as_deref())?;
    let mut report = Report::new("inclusion proof");
    report.field("leaf_index", args.leaf_index);
    report.field("tree_size", args.tree_size);
    report.field("proof_len", proof.len());
    Ok(
        match merkle::verify_inclusion(args.leaf_index, args.tree_size, &leaf_hash, &proof, &root) {
            Ok(()) => Outcome::Valid(report),
            Err(e) => Outcome::invalid(report, e),
        },
    )
}

fn consistency(args: &ConsistencyArgs) -> Result<Outcome, UsageError> {
    let root1 = decode_hash("--root1", &args.root1)?;
    let root2 = decode_hash("--root2", &args.root2)?;
    let proof = decode_proof(args.proof.as_deref())?;
    let mut report = Report::new("consistency proof");
    report.field("size1", args.size1);
    report.field("size2", args.size2);
    report.field("proof_len", proof.len());
    Ok(
        match merkle::verify_consistency(args.size1, args.size2, &root1, &root2, &proof) {
            Ok(()) => Outcome::Valid(report),
            Err(e) => Outcome::invalid(report, e),
        },
    )
}

fn decode_hash(flag: &str, value: &str) -> Result<Hash, UsageError> {
    BASE64
        .decode(value)
        .ok()
        .and_then(|bytes| Hash::try_from(bytes).ok())
        .ok_or_else(|| UsageError(format!("{flag}: {value:?} is not base64 of 32 bytes")))
}

/// An absent or empty `--proof` is the empty proof.
fn decode_proof(value: Option<&str>) -> Result<Vec<Hash>, UsageError> {
    match value {
        None | Some("") => Ok(Vec::new()),
        Some(list) => list.split(',').map(|h| decode_hash("--proof", h)).collect(),
    }
}
