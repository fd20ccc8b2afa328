//! `dalel sign ...` and `dalel tsa ...`: argument handling over `signer::cades` and
//! `signer::tsa`, with the keys and authorities of the station's configuration.

use std::fs::{self, File};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use der::DateTime;
use sha2::{Digest as _, Sha256};
use signer::cades::{CmsRequest, Content, Level, LevelServices, sign_cms};
use signer::config::Config;
use signer::keys::SignatureKey;
use signer::keys::piv::PIV_PREFIX;
use signer::keys::secret::Secret;
use signer::station::{PKI_DIR, Station};
use signer::tsa::{Timestamper as _, TsaClient, TsaSource, Upstream};
use verifier::path::{TrustAnchor, parse_certificates};
use verifier::validation::ValidationPolicy;

#[derive(Debug, Subcommand)]
pub(crate) enum SignCommand {
    /// Sign a file as CMS/CAdES (RFC 5652, ETSI EN 319 122-1) and write the DER SignedData.
    Cms(CmsArgs),
    /// Sign a PDF (PAdES, ETSI EN 319 142-1), visibly or not, as an incremental update.
    Pdf(crate::sign_pdf::PdfArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CmsArgs {
    /// The file to sign.
    file: PathBuf,
    /// Leave the content out of the signature (it is hashed as it streams, so any size works).
    #[arg(long)]
    detached: bool,
    /// B-B (signature), B-T (plus a signature time-stamp), B-LT (plus certificates and
    /// revocation values).
    #[arg(long, default_value = "B-B", value_name = "LEVEL")]
    level: Level,
    /// Which configured key signs, or a token key `piv:<reader>/<slot>` (its PIN is read
    /// from the terminal, or from standard input when that is not a terminal)
    /// [default: [signing] default_key]
    #[arg(long, value_name = "NAME")]
    key: Option<String>,
    /// Output file [default: FILE.p7s when detached, FILE.p7m otherwise]
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TsaCommand {
    /// Time-stamp a file (SHA-256) and write the verified DER TimeStampToken.
    Request(RequestArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// The file to time-stamp.
    file: PathBuf,
    /// An RFC 3161 authority over HTTP (e.g. another station's `/v1/tsp`) [default: the
    /// configured [tsa] sources: upstream authorities, then this station's own]
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// File holding the bearer token sent with --url [default: $DALEL_TOKEN, else the data
    /// directory's auth/initial-token if present]
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Output file [default: FILE.tst]
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

/// Runs `dalel sign ...`.
pub(crate) fn run_sign(data: &Path, config: &Config, command: SignCommand) -> anyhow::Result<()> {
    let args = match command {
        SignCommand::Cms(args) => args,
        SignCommand::Pdf(args) => {
            let station = Station::open(data, config)?;
            return crate::sign_pdf::run(data, &station, args);
        }
    };
    let station = Station::open(data, config)?;
    let name = args.key.as_deref().unwrap_or(&station.default_key);
    let key: Arc<dyn SignatureKey> = if name.starts_with(PIV_PREFIX) {
        Arc::new(crate::token_key::open_piv_key(name)?)
    } else if let Some(key) = station.keys.get(name) {
        Arc::clone(key)
    } else {
        bail!(
            "no key `{name}`; configured: {}",
            station.keys.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    };
    let data_bytes;
    let content = if args.detached {
        Content::Sha256(sha256_of(&args.file)?)
    } else {
        data_bytes = read_bounded(&args.file, config.signing.max_body_bytes)?;
        Content::Data(&data_bytes)
    };
    let signing_time =
        DateTime::from_system_time(SystemTime::now()).context("the clock is out of range")?;
    let extra = station.tsa_issuers();
    let services = LevelServices {
        timestamper: station.timestamper.as_deref(),
        revocation: Some(station.revocation.as_ref()),
        extra_certificates: &extra,
    };
    let request = CmsRequest {
        content,
        detached: args.detached,
        level: args.level,
        signing_time,
    };
    let der = sign_cms(&request, key.as_ref(), &services)?;
    let output = args
        .output
        .unwrap_or_else(|| with_suffix(&args.file, if args.detached { "p7s" } else { "p7m" }));
    write_new_atomically(&output, &der)?;
    println!(
        "{}",
        serde_json::json!({
            "output": output,
            "key": name,
            "level": args.level.to_string(),
            "detached": args.detached,
            "bytes": der.len(),
        })
    );
    Ok(())
}

/// Runs `dalel tsa ...`.
pub(crate) fn run_tsa(data: &Path, config: &Config, command: TsaCommand) -> anyhow::Result<()> {
    let TsaCommand::Request(args) = command;
    let digest = sha256_of(&args.file)?;
    let (token, source) = match &args.url {
        Some(url) => {
            let mut upstream = Upstream::new(url.clone());
            upstream.timeout = config.tsa.upstream_timeout;
            upstream.retries = config.tsa.upstream_retries;
            upstream.bearer_token = bearer_token(data, args.token_file.as_deref())?.map(Arc::new);
            let client = TsaClient::new(vec![TsaSource::Upstream(upstream)], trust(data, config)?);
            (client.timestamp(&digest)?, url.clone())
        }
        None => {
            let station = Station::open(data, config)?;
            let Some(timestamper) = &station.timestamper else {
                bail!("no time-stamp source: [tsa] is disabled and names no upstream");
            };
            (timestamper.timestamp(&digest)?, "configured".to_owned())
        }
    };
    let output = args
        .output
        .unwrap_or_else(|| with_suffix(&args.file, "tst"));
    write_new_atomically(&output, &token)?;
    println!(
        "{}",
        serde_json::json!({
            "output": output,
            "source": source,
            "sha256": hex::encode(digest),
            "bytes": token.len(),
        })
    );
    Ok(())
}

/// Upstream tokens are validated against [tsa] upstream_trust and this station's
/// development root, if it has one.
fn trust(data: &Path, config: &Config) -> anyhow::Result<ValidationPolicy> {
    let mut policy = ValidationPolicy::default();
    let dev_root = data.join(PKI_DIR).join(signer::dev_pki::ROOT_CERT);
    let mut files = config.tsa.upstream_trust.clone();
    if dev_root.exists() {
        files.push(dev_root);
    }
    for path in files {
        let bytes = fs::read(&path)
            .with_context(|| format!("cannot read trust anchor {}", path.display()))?;
        let certs = parse_certificates(&bytes)
            .with_context(|| format!("trust anchor {}", path.display()))?;
        policy
            .anchors
            .extend(certs.into_iter().map(TrustAnchor::from_certificate));
    }
    Ok(policy)
}

pub(crate) fn bearer_token(data: &Path, file: Option<&Path>) -> anyhow::Result<Option<Secret>> {
    if let Some(file) = file {
        return Ok(Some(Secret::from_file(file, "API token")?));
    }
    if std::env::var_os("DALEL_TOKEN").is_some() {
        return Ok(Some(Secret::from_env("DALEL_TOKEN", "API token")?));
    }
    let initial = data.join("auth").join("initial-token");
    Ok(initial
        .exists()
        .then(|| Secret::from_file(&initial, "API token"))
        .transpose()?)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// SHA-256 of the file, read in chunks: bounded memory whatever its size.
fn sha256_of(path: &Path) -> anyhow::Result<[u8; 32]> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
    Ok(hasher.finalize().into())
}

/// The whole file, refused if over `limit` bytes (an attached signature holds it all).
fn read_bounded(path: &Path, limit: usize) -> anyhow::Result<Vec<u8>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() > limit {
        bail!(
            "{} is over [signing] max_body_bytes ({limit} bytes) for an attached signature; use --detached",
            path.display()
        );
    }
    Ok(bytes)
}

/// Writes `bytes` to a temporary sibling, fsyncs it and renames it over nothing: an existing
/// `path` is never replaced, and no partial file is ever visible.
pub(crate) fn write_new_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.exists() {
        bail!("{} exists; not overwriting it", path.display());
    }
    let temp = with_suffix(path, "partial");
    let result = File::create(&temp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::hard_link(&temp, path));
    let _ = fs::remove_file(&temp);
    result.with_context(|| format!("cannot write {}", path.display()))
}
