//! `dalel archive ...`: argument handling over the `archive` library.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use archive::{Archive, Description, Reference};
use clap::{Args, Subcommand};
use signer::station::{self, DeferredStamps, Station};

#[derive(Debug, Subcommand)]
pub(crate) enum ArchiveCommand {
    /// Archive a file and print its receipt as JSON.
    Put(PutArgs),
    /// Write an archived item's bytes, re-hashed on the way out, to a file or stdout.
    Get {
        /// Entry index, or BLAKE3 / SHA-256 of the content (64 hex digits).
        reference: String,
        /// Output file (written completely and renamed into place only if intact).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the offline receipt (C2SP tlog-proof) of an archived item.
    Proof {
        /// Entry index, or BLAKE3 / SHA-256 of the content.
        reference: String,
        /// Prove inclusion in the stored checkpoint of this tree size [default: the latest]
        #[arg(long, value_name = "SIZE")]
        checkpoint: Option<u64>,
    },
    /// Sign a checkpoint of the current tree now and print it.
    Checkpoint,
    /// Print the checkpoint public key (PEM), for `dalel-verify receipt --key`.
    PublicKey,
    /// Audit the whole archive: every blob, leaf, tree hash and checkpoint.
    Verify,
}

#[derive(Debug, Args)]
pub(crate) struct PutArgs {
    /// The file to archive.
    file: PathBuf,
    /// Case number the item belongs to.
    #[arg(long, value_name = "N")]
    case: Option<String>,
    /// Kind of item (protocol, video, scan, ...).
    #[arg(long, value_name = "K")]
    kind: Option<String>,
    /// Media type (default application/octet-stream).
    #[arg(long, value_name = "TYPE")]
    media_type: Option<String>,
    /// Metadata, repeatable.
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = parse_meta)]
    meta: Vec<(String, String)>,
}

fn parse_meta(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

/// Runs one archive command on the archive under `data`.
pub(crate) fn run(
    data: &Path,
    config: &signer::config::Config,
    command: ArchiveCommand,
) -> anyhow::Result<bool> {
    let dir = data.join("archive");
    let mut station = None;
    let archive = match command {
        // Opened for the audit only: damage that stops a normal open is reported instead.
        ArchiveCommand::Verify => return Ok(verify(&Archive::open_for_audit(&dir)?)),
        // New checkpoints are time-stamped by the station's authority, as under `dalel serve`.
        ArchiveCommand::Checkpoint => Station::open(data, config)?.open_archive(&dir)?,
        // The station opens (decrypting its keys) while the blob streams in.
        ArchiveCommand::Put(_) if station::stamps_with(config) => {
            let (data, config) = (data.to_owned(), config.clone());
            let stamps =
                DeferredStamps::spawn(move || Station::open_archive_stamps(&data, &config));
            station = Some(Arc::clone(&stamps));
            Archive::open_with(&dir, Some(stamps.source()))?
        }
        _ => Archive::open_with(&dir, None)?,
    };
    match command {
        ArchiveCommand::Put(args) => {
            put(&archive, args)?;
            if let Some(why) = station.and_then(|s| s.failure()) {
                anyhow::bail!(
                    "the item is archived, but its checkpoint is not time-stamped: {why}"
                );
            }
        }
        ArchiveCommand::Get { reference, output } => get(&archive, &reference, output)?,
        ArchiveCommand::Proof {
            reference,
            checkpoint,
        } => {
            let index = archive.resolve(reference.parse::<Reference>()?)?;
            let receipt = match checkpoint {
                Some(size) => archive.receipt_at(index, size)?,
                None => archive.receipt(index)?,
            };
            print!("{}", receipt.to_tlog_proof());
        }
        ArchiveCommand::Checkpoint => print!("{}", archive.checkpoint()?.note),
        ArchiveCommand::PublicKey => print!("{}", archive.public_key_pem()),
        ArchiveCommand::Verify => return Ok(verify(&archive)),
    }
    Ok(true)
}

fn put(archive: &Archive, args: PutArgs) -> anyhow::Result<()> {
    let file =
        File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let description = Description {
        case: args.case,
        kind: args.kind,
        media_type: args.media_type,
        meta: args.meta.into_iter().collect(),
    };
    let bar = (std::io::stderr().is_terminal() && len > 64 << 20)
        .then(|| indicatif::ProgressBar::new(len));
    let receipt = archive.put_file(&file, &description, &|done| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let receipt = receipt?;
    let json = receipt.to_json();
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

fn get(archive: &Archive, reference: &str, output: Option<PathBuf>) -> anyhow::Result<()> {
    let index = archive.resolve(reference.parse::<Reference>()?)?;
    match output {
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            archive.copy_to(index, &mut out)?;
            out.flush()?;
        }
        Some(path) if !is_regular_or_absent(&path) => {
            // A device or pipe (`-o /dev/stdout`) is written in place: it cannot be renamed.
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            archive.copy_to(index, &mut out)?;
        }
        Some(path) => {
            // Damaged bytes never appear under the requested name: they go to a private
            // temporary beside it, renamed into place only once intact and synced.
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let partial = path.with_file_name(format!(
                ".{}.{}.partial",
                name.unwrap_or_default(),
                std::process::id()
            ));
            let mut file = File::create(&partial)
                .with_context(|| format!("cannot create {}", partial.display()))?;
            let result = archive
                .copy_to(index, &mut file)
                .map_err(anyhow::Error::from)
                .and_then(|_| {
                    file.sync_all()
                        .with_context(|| format!("cannot sync {}", partial.display()))
                });
            if let Err(e) = result {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
            std::fs::rename(&partial, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

/// Whether `path` names a regular file or nothing yet (so it can be replaced by a rename).
fn is_regular_or_absent(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) => meta.is_file(),
        Err(_) => true,
    }
}

fn verify(archive: &Archive) -> bool {
    let report = archive.audit(|_| {});
    for d in &report.discrepancies {
        println!("DISCREPANCY {d}");
    }
    println!(
        "{}: {} entries, {} blobs ({} bytes) re-hashed, {} checkpoints checked, {} unreferenced blobs, {} discrepancies",
        if report.is_clean() { "OK" } else { "FAILED" },
        report.entries,
        report.blobs,
        report.bytes,
        report.checkpoints,
        report.unreferenced_blobs,
        report.discrepancies.len()
    );
    report.is_clean()
}
