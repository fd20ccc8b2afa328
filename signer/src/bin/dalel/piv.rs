//! `dalel piv ...`: PIV tokens on the station's readers — list them, and provision a slot
//! (generate a key, import its certificate) behind the card's management key.
//!
//! The management key is read from a file (hex; `--management-key-file`), never from an
//! argument; the well-known default key of a new card is used only when asked for by name
//! (`--default-management-key`), so that a production card is never tried with it by
//! accident. Argument parsing only: the work is `devices::piv`'s.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use devices::pcsc_transport::{PcscContext, PcscTransport};
use devices::piv::{KeyAlgorithm, ManagementAlgorithm, ManagementKey, PinStatus, PivCard, Slot};
use serde_json::{Value, json};
use signer::keys::secret::Secret;
use verifier::path::parse_certificates;

#[derive(Debug, Subcommand)]
pub(crate) enum PivCommand {
    /// List readers, whether a card is in each, and for PIV cards their slots and PIN tries.
    List,
    /// Generate a key pair in a slot (on the card; the private key never leaves it) and print
    /// its public key (PEM), for a certificate request to the CA.
    Generate(GenerateArgs),
    /// Store the slot's certificate (PEM or DER) on the card.
    ImportCertificate(ImportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CardArgs {
    /// The reader, or a part of its name only one reader has.
    #[arg(long)]
    reader: String,
    /// The slot: 9a, 9c, 9d or 9e.
    #[arg(long, value_parser = parse_slot)]
    slot: Slot,
    /// File holding the management key, hex.
    #[arg(long, value_name = "FILE", conflicts_with = "default_management_key")]
    management_key_file: Option<PathBuf>,
    /// The management key's algorithm.
    #[arg(long, value_enum, default_value_t = MgmtAlgorithm::Tdes)]
    management_key_algorithm: MgmtAlgorithm,
    /// Use the well-known default management key of a new card (development cards only).
    #[arg(long)]
    default_management_key: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    #[command(flatten)]
    card: CardArgs,
    /// The key's algorithm.
    #[arg(long, value_enum, default_value_t = Algorithm::P256)]
    algorithm: Algorithm,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    #[command(flatten)]
    card: CardArgs,
    /// The certificate file (PEM or DER).
    certificate: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Algorithm {
    /// ECC P-256.
    P256,
    /// RSA-2048.
    Rsa2048,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MgmtAlgorithm {
    /// Three-key Triple DES (the default of most cards).
    Tdes,
    /// AES-128.
    Aes128,
    /// AES-192.
    Aes192,
    /// AES-256.
    Aes256,
}

fn parse_slot(s: &str) -> Result<Slot, String> {
    Slot::parse(s).ok_or_else(|| format!("{s:?} is not a key slot: use 9a, 9c, 9d or 9e"))
}

/// Runs `dalel piv ...`.
pub(crate) fn run(command: PivCommand) -> anyhow::Result<()> {
    match command {
        PivCommand::List => list(),
        PivCommand::Generate(args) => {
            let mut card = admin_card(&args.card)?;
            let algorithm = match args.algorithm {
                Algorithm::P256 => KeyAlgorithm::EccP256,
                Algorithm::Rsa2048 => KeyAlgorithm::Rsa2048,
            };
            let public = card.generate_key(args.card.slot, algorithm)?;
            print!("{}", pem("PUBLIC KEY", &public.to_spki_der()));
            Ok(())
        }
        PivCommand::ImportCertificate(args) => {
            let bytes = std::fs::read(&args.certificate)
                .with_context(|| format!("cannot read {}", args.certificate.display()))?;
            let certificates = parse_certificates(&bytes)
                .with_context(|| format!("{} is not a certificate", args.certificate.display()))?;
            let [certificate] = certificates.as_slice() else {
                bail!(
                    "{} must hold exactly one certificate",
                    args.certificate.display()
                );
            };
            let mut card = admin_card(&args.card)?;
            card.put_certificate(args.card.slot, certificate.der())?;
            println!(
                "{}",
                json!({"slot": args.card.slot.to_string(), "subject": certificate.subject_text()})
            );
            Ok(())
        }
    }
}

fn list() -> anyhow::Result<()> {
    let context = PcscContext::establish()?;
    let mut readers = Vec::new();
    for reader in context.readers()? {
        let mut entry = json!({"reader": reader.name, "card": reader.card_present});
        if reader.card_present {
            entry["piv"] = match context
                .connect(&reader.name)
                .map_err(Into::into)
                .and_then(PivCard::open)
            {
                Ok(card) => describe(card),
                Err(e) => json!({"error": e.to_string()}),
            };
        }
        readers.push(entry);
    }
    println!("{}", serde_json::to_string_pretty(&readers)?);
    Ok(())
}

/// Serial, version, PIN state and each slot's certificate subject.
fn describe(mut card: PivCard<PcscTransport>) -> Value {
    let mut slots = serde_json::Map::new();
    for slot in Slot::ALL {
        if let Ok(der) = card.read_certificate(slot) {
            let subject = parse_certificates(&der)
                .ok()
                .and_then(|c| c.first().map(|c| c.subject_text().to_owned()));
            slots.insert(slot.to_string(), json!({ "certificate": subject }));
        }
    }
    let pin = match card.pin_status() {
        Ok(PinStatus::NotVerified { tries_left }) => json!({"tries_left": tries_left}),
        Ok(PinStatus::Verified) => json!("verified"),
        Ok(PinStatus::Blocked) => json!("blocked"),
        Err(e) => json!({"error": e.to_string()}),
    };
    json!({
        "serial": card.serial().ok().flatten(),
        "version": card.version().ok().flatten().map(|v| v.to_string()),
        "pin": pin,
        "slots": slots,
    })
}

/// The card in `args.reader`, with the management key authenticated.
fn admin_card(args: &CardArgs) -> anyhow::Result<PivCard<PcscTransport>> {
    let key = if args.default_management_key {
        ManagementKey::default_tdes()
    } else {
        let Some(file) = &args.management_key_file else {
            bail!(
                "give --management-key-file FILE, or --default-management-key for a development card"
            );
        };
        let secret = Secret::from_file(file, "management key")?;
        let hex = std::str::from_utf8(secret.expose())
            .context("the management key file is not hex text")?
            .trim();
        let algorithm = match args.management_key_algorithm {
            MgmtAlgorithm::Tdes => ManagementAlgorithm::Tdes,
            MgmtAlgorithm::Aes128 => ManagementAlgorithm::Aes128,
            MgmtAlgorithm::Aes192 => ManagementAlgorithm::Aes192,
            MgmtAlgorithm::Aes256 => ManagementAlgorithm::Aes256,
        };
        ManagementKey::from_hex(algorithm, hex)?
    };
    let transport = PcscContext::establish()?.connect(&args.reader)?;
    let mut card = PivCard::open(transport)?;
    card.authenticate_management_key(&key)?;
    Ok(card)
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
