//! `dalel-verify FILE [--data DETACHED] [--trust PEM|DIR]... [--intermediate PEM]...
//! [--at TIME] [--expect-iin N] [--expect-bin N] [--crl FILE]... [--ocsp FILE]...
//! [--no-revocation] [--online|--offline] [--json]`: the validation report of a CMS
//! signature, an RFC 3161 time-stamp, or a signed PDF (detected by its `%PDF-` header:
//! every signature and document time-stamp, with what changed after each).
//!
//! Exit status: 0 TOTAL-PASSED, 1 TOTAL-FAILED, 2 INDETERMINATE, 64 usage error.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr as _;
use std::time::Duration;

use clap::Args;
use der::DateTime;
use verifier::pades::{HashedPdf, is_pdf, render_pdf_text, validate_hashed_pdf};
use verifier::path::TrustAnchor;
use verifier::pdf::Limits;
use verifier::report::Indication;
use verifier::revocation::{NetworkOptions, RevocationOptions, SourceOrigin};
use verifier::validation::{ValidationPolicy, render_text, validate};

use crate::cert::{Usage, certificates, read, usage_exit};

/// Arguments of the validation form.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The signed object: CMS SignedData (DER or PEM), an RFC 3161 time-stamp token or
    /// response, or a signed PDF.
    #[arg(value_name = "FILE")]
    pub(crate) file: Option<PathBuf>,
    /// The detached content the signature or time-stamp is over.
    #[arg(long, value_name = "DETACHED")]
    pub(crate) data: Option<PathBuf>,
    /// A trust anchor: a PEM/DER certificate file, or a directory of them (.pem .crt .cer
    /// .der). Repeatable. Nothing is trusted otherwise.
    #[arg(long = "trust", value_name = "PEM|DIR")]
    pub(crate) trust: Vec<PathBuf>,
    /// Extra candidate intermediate certificates (never trusted for being given).
    #[arg(long = "intermediate", value_name = "PEM")]
    pub(crate) intermediates: Vec<PathBuf>,
    /// Validate at this time (YYYY-MM-DDTHH:MM:SSZ) instead of the proven signing time or now.
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<String>,
    /// The IIN the signer's certificate must name.
    #[arg(long, value_name = "IIN")]
    pub(crate) expect_iin: Option<String>,
    /// The BIN the signer's certificate must name.
    #[arg(long, value_name = "BIN")]
    pub(crate) expect_bin: Option<String>,
    /// A CRL to use for revocation checking (DER or PEM). Repeatable.
    #[arg(long = "crl", value_name = "FILE")]
    pub(crate) crls: Vec<PathBuf>,
    /// An OCSP response to use for revocation checking (DER or PEM). Repeatable.
    #[arg(long = "ocsp", value_name = "FILE")]
    pub(crate) ocsp: Vec<PathBuf>,
    /// Skip revocation checking (the report says so).
    #[arg(long)]
    pub(crate) no_revocation: bool,
    /// Allow fetching CRLs and OCSP responses over HTTP from the locations the certificates
    /// name.
    #[arg(long, conflicts_with = "offline")]
    pub(crate) online: bool,
    /// Never use the network (the default).
    #[arg(long)]
    pub(crate) offline: bool,
}

impl VerifyArgs {
    /// Whether any of these arguments was given.
    pub(crate) fn is_given(&self) -> bool {
        self.file.is_some()
            || self.data.is_some()
            || !self.trust.is_empty()
            || !self.intermediates.is_empty()
            || self.at.is_some()
            || self.expect_iin.is_some()
            || self.expect_bin.is_some()
            || !self.crls.is_empty()
            || !self.ocsp.is_empty()
            || self.no_revocation
            || self.online
            || self.offline
    }
}

/// Runs the validation and prints the report; returns the exit status.
pub(crate) fn run(args: &VerifyArgs, json: bool) -> ExitCode {
    let (input, data, policy) = match prepare(args) {
        Ok(prepared) => prepared,
        Err(usage) => return usage_exit(&usage),
    };
    let input = match input {
        Input::Pdf(_) if data.is_some() => {
            return usage_exit(&Usage(
                "--data does not apply to a PDF: its signatures cover the file itself".into(),
            ));
        }
        Input::Pdf(pdf) => return run_pdf(&pdf, &policy, json),
        Input::Other(bytes) => bytes,
    };
    let report = validate(&input, data.as_deref(), &policy);
    print_report(report, |r| r.indication, render_text, json)
}

/// The PDF form: every signature of the file.
fn run_pdf(input: &HashedPdf, policy: &ValidationPolicy, json: bool) -> ExitCode {
    let report = validate_hashed_pdf(input, policy, Limits::default());
    print_report(report, |r| r.indication, render_pdf_text, json)
}

/// Prints a report as JSON or text and exits by its indication; input that is not a
/// signature at all is as invalid as evidence gets.
fn print_report<R: serde::Serialize, E: std::fmt::Display>(
    report: Result<R, E>,
    indication: impl Fn(&R) -> Indication,
    text: impl Fn(&R) -> String,
    json: bool,
) -> ExitCode {
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            println!("TOTAL-FAILED / FORMAT_FAILURE\n{e}");
            return ExitCode::from(1);
        }
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => return usage_exit(&Usage(format!("cannot render the report: {e}"))),
        }
    } else {
        print!("{}", text(&report));
    }
    exit(indication(&report))
}

fn exit(indication: Indication) -> ExitCode {
    ExitCode::from(match indication {
        Indication::TotalPassed => 0,
        Indication::TotalFailed => 1,
        Indication::Indeterminate => 2,
    })
}

type Prepared = (Input, Option<Vec<u8>>, ValidationPolicy);

/// The file to verify: a PDF is hashed as it is read (see [`HashedPdf`]).
enum Input {
    Pdf(HashedPdf),
    Other(Vec<u8>),
}

/// Reads FILE, telling a PDF by its first kilobyte.
fn read_input(path: &Path) -> Result<Input, Usage> {
    let failed = |e: std::io::Error| Usage(format!("reading FILE {}: {e}", path.display()));
    let mut file = File::open(path).map_err(failed)?;
    let mut head = Vec::with_capacity(1024);
    Read::take(&mut file, 1024)
        .read_to_end(&mut head)
        .map_err(failed)?;
    if is_pdf(&head) {
        let expected = file.metadata().map_or(0, |m| m.len());
        let mut source = head.as_slice().chain(file);
        let pdf = HashedPdf::read(&mut source, expected, u64::MAX).map_err(failed)?;
        return Ok(Input::Pdf(pdf));
    }
    let mut bytes = head;
    file.read_to_end(&mut bytes).map_err(failed)?;
    // A header after more than a kilobyte of white space.
    Ok(if is_pdf(&bytes) {
        Input::Pdf(HashedPdf::from_bytes(bytes))
    } else {
        Input::Other(bytes)
    })
}

/// Reads every argument before any verdict, so a bad flag never reads as "invalid".
fn prepare(args: &VerifyArgs) -> Result<Prepared, Usage> {
    let Some(file) = &args.file else {
        return Err(Usage("FILE is required (see dalel-verify --help)".into()));
    };
    let mut policy = ValidationPolicy::default();
    if let Some(text) = &args.at {
        let at = DateTime::from_str(text).map_err(|_| {
            Usage(format!(
                "--at {text:?}: expected a UTC time as YYYY-MM-DDTHH:MM:SSZ"
            ))
        })?;
        policy.time = Some(at.to_system_time());
    }
    for path in &args.trust {
        for file in trust_files(path)? {
            policy.anchors.extend(
                certificates(&file, "--trust")?
                    .into_iter()
                    .map(TrustAnchor::from_certificate),
            );
        }
    }
    for path in &args.intermediates {
        policy
            .intermediates
            .extend(certificates(path, "--intermediate")?);
    }
    for path in &args.crls {
        let bytes = read(path, "--crl")?;
        if policy
            .revocation_sources
            .add_crls(&bytes, SourceOrigin::Supplied)
            == 0
        {
            return Err(Usage(format!("--crl {}: no CRL in it", path.display())));
        }
    }
    for path in &args.ocsp {
        let bytes = read(path, "--ocsp")?;
        if policy
            .revocation_sources
            .add_ocsp_responses(&bytes, SourceOrigin::Supplied)
            == 0
        {
            return Err(Usage(format!(
                "--ocsp {}: no OCSP response in it",
                path.display()
            )));
        }
    }
    if !args.no_revocation {
        let mut options = RevocationOptions::default();
        if args.online {
            options.network = Some(NetworkOptions {
                timeout: Duration::from_secs(10),
                ..NetworkOptions::default()
            });
        }
        policy.revocation = Some(options);
    }
    policy.expect_iin.clone_from(&args.expect_iin);
    policy.expect_bin.clone_from(&args.expect_bin);
    let input = read_input(file)?;
    let data = args
        .data
        .as_deref()
        .map(|path| read(path, "--data"))
        .transpose()?;
    Ok((input, data, policy))
}

/// The certificate files `--trust` names: the file itself, or a directory's certificate
/// files in name order.
fn trust_files(path: &Path) -> Result<Vec<PathBuf>, Usage> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| Usage(format!("--trust {}: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "pem" | "crt" | "cer" | "der"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Usage(format!(
            "--trust {}: no .pem, .crt, .cer or .der file in it",
            path.display()
        )));
    }
    Ok(files)
}
