//! `dalel-verify cert LEAF --trust PEM... [--intermediate PEM]... [--at TIME]
//! [--purpose signing|timestamping|client-auth|any] [--policy OID]... [--explicit-policy]
//! [--inhibit-policy-mapping] [--inhibit-any-policy]`: X.509 path validation
//! (RFC 5280 §6) of one certificate.
//!
//! Exit status, unlike the other subcommands: 0 valid, 1 invalid (ETSI TOTAL-FAILED, or
//! LEAF is not a certificate), 2 indeterminate (ETSI INDETERMINATE: no path, a constraint or
//! the purpose not met, an unsupported algorithm such as GOST), 64 usage error (EX_USAGE:
//! bad arguments, unreadable files, trust or intermediate files without certificates).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr as _;
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use const_oid::ObjectIdentifier;
use der::DateTime;
use serde_json::{Value, json};
use verifier::crypto::PublicKey;
use verifier::path::{
    ANY_POLICY, ParsedCertificate, PathError, PathInputs, PolicyInputs, Purpose, TrustAnchor,
    ValidatedPath, parse_certificates,
};
use verifier::report::Indication;

/// Exit status for a `cert` usage error (`EX_USAGE` of BSD `sysexits.h`).
pub(crate) const EXIT_USAGE: u8 = 64;

/// Validate an X.509 certification path (RFC 5280 §6) from a certificate to a trust anchor.
///
/// Builds every path from LEAF through the --intermediate certificates to a --trust
/// anchor and reports the first that validates, or the most informative failure with the
/// certificate and the RFC 5280 rule concerned. Files are DER or PEM; a PEM file may hold
/// several certificates (a bundle). When LEAF is a bundle its first certificate is the end
/// entity and the others are used as intermediates. Only --trust certificates are trusted:
/// a self-signed certificate elsewhere in the input is not.
///
/// Exit status: 0 valid, 1 invalid (ETSI TOTAL-FAILED: expired, not yet valid, bad
/// signature; or LEAF not a certificate), 2 indeterminate (ETSI INDETERMINATE: no path to a
/// trust anchor, a chain constraint or the purpose not met, an unsupported algorithm such
/// as GOST), 64 usage error (bad arguments, unreadable files).
#[derive(Debug, Args)]
pub(crate) struct CertArgs {
    /// The end-entity certificate (DER or PEM).
    #[arg(value_name = "LEAF")]
    pub(crate) leaf: PathBuf,
    /// Candidate intermediate certificates, DER or PEM bundle; repeatable.
    #[arg(long = "intermediate", value_name = "PEM")]
    pub(crate) intermediates: Vec<PathBuf>,
    /// Trust anchor certificates, DER or PEM bundle; repeatable, at least one.
    #[arg(long = "trust", value_name = "PEM", required = true)]
    pub(crate) trust: Vec<PathBuf>,
    /// Validation time, as YYYY-MM-DDTHH:MM:SSZ (default: now).
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<String>,
    /// What the certificate is to be used for.
    #[arg(long, value_enum, default_value_t = PurposeArg::Signing)]
    pub(crate) purpose: PurposeArg,
    /// An acceptable certificate policy (user-initial-policy-set); repeatable. Default: any.
    #[arg(long = "policy", value_name = "OID")]
    pub(crate) policies: Vec<String>,
    /// Require a valid policy from the --policy set (initial-explicit-policy).
    #[arg(long)]
    pub(crate) explicit_policy: bool,
    /// Refuse policy mapping (initial-policy-mapping-inhibit).
    #[arg(long)]
    pub(crate) inhibit_policy_mapping: bool,
    /// Do not let anyPolicy stand for other policies (initial-any-policy-inhibit).
    #[arg(long)]
    pub(crate) inhibit_any_policy: bool,
}

/// The purposes `--purpose` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PurposeArg {
    /// Document signing: key usage nonRepudiation; extended key usage absent, any, or a
    /// signing purpose (emailProtection, documentSigning, …).
    Signing,
    /// RFC 3161 time-stamping: a critical extended key usage of exactly timeStamping.
    Timestamping,
    /// Client authentication: digitalSignature, clientAuth.
    ClientAuth,
    /// No requirement on key usage.
    Any,
}

impl PurposeArg {
    fn purpose(self) -> Purpose {
        match self {
            Self::Signing => Purpose::document_signing(),
            Self::Timestamping => Purpose::TimeStamping,
            Self::ClientAuth => Purpose::ClientAuth,
            Self::Any => Purpose::Any,
        }
    }
}

/// A `cert` usage problem: exit status 64.
pub(crate) struct Usage(pub(crate) String);

/// Answers a command line clap refused: exit 64 with one `error:` line when the subcommand
/// is `cert`, clap's own answer (help, version, or exit 2) otherwise.
pub(crate) fn parse_error(error: &clap::Error, args: &[OsString]) -> ExitCode {
    let is_cert = args
        .iter()
        .skip(1)
        .find(|arg| !arg.to_string_lossy().starts_with('-'))
        .is_none_or(|arg| !matches!(arg.to_str(), Some("merkle" | "receipt" | "help")));
    let help = error.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand;
    if !is_cert || help || !error.use_stderr() {
        error.exit();
    }
    // clap's message up to its usage section, on one line.
    let rendered = error.to_string();
    let message: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let message = message.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    usage_exit(&Usage(format!("{message} (see dalel-verify --help)")))
}

pub(crate) fn usage_exit(Usage(message): &Usage) -> ExitCode {
    let message = message.replace(['\n', '\r'], " ");
    let _ignored = writeln!(io::stderr().lock(), "error: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// Runs `cert` and prints the verdict; returns the exit status.
pub(crate) fn run(args: &CertArgs, json: bool) -> ExitCode {
    match prepare(args) {
        Ok(Prepared::Ready(request)) => request.validate_and_print(json),
        Ok(Prepared::NotACertificate(reason)) => {
            print(&not_a_certificate(args, &reason, json));
            ExitCode::from(1)
        }
        Err(usage) => usage_exit(&usage),
    }
}

struct Request {
    leaf: ParsedCertificate,
    intermediates: Vec<ParsedCertificate>,
    anchors: Vec<TrustAnchor>,
    at: DateTime,
    purpose: Purpose,
    policy: PolicyInputs,
}

enum Prepared {
    Ready(Box<Request>),
    NotACertificate(String),
}

/// Checks every argument before any verdict, so a bad flag never reads as "invalid".
fn prepare(args: &CertArgs) -> Result<Prepared, Usage> {
    let at = match &args.at {
        Some(text) => DateTime::from_str(text).map_err(|_| {
            Usage(format!(
                "--at {text:?}: expected a UTC time as YYYY-MM-DDTHH:MM:SSZ"
            ))
        })?,
        None => DateTime::from_system_time(SystemTime::now())
            .map_err(|e| Usage(format!("the system clock cannot be read as a date: {e}")))?,
    };
    let mut policy = PolicyInputs::default();
    if !args.policies.is_empty() {
        let mut set = BTreeSet::new();
        for text in &args.policies {
            let oid = ObjectIdentifier::new(text)
                .map_err(|e| Usage(format!("--policy {text:?}: not an OID: {e}")))?;
            set.insert(oid);
        }
        policy.user_initial_policy_set = set;
    }
    policy.initial_explicit_policy = args.explicit_policy;
    policy.initial_policy_mapping_inhibit = args.inhibit_policy_mapping;
    policy.initial_any_policy_inhibit = args.inhibit_any_policy;

    let mut anchors = Vec::new();
    for path in &args.trust {
        anchors.extend(
            certificates(path, "--trust")?
                .into_iter()
                .map(TrustAnchor::from_certificate),
        );
    }
    let mut intermediates = Vec::new();
    for path in &args.intermediates {
        intermediates.extend(certificates(path, "--intermediate")?);
    }
    let bytes = read(&args.leaf, "LEAF")?;
    let mut leaf_bundle = match parse_certificates(&bytes) {
        Ok(certs) => certs.into_iter(),
        Err(e) => return Ok(Prepared::NotACertificate(e.to_string())),
    };
    let Some(leaf) = leaf_bundle.next() else {
        return Ok(Prepared::NotACertificate("no certificate".to_owned()));
    };
    intermediates.extend(leaf_bundle);
    Ok(Prepared::Ready(Box::new(Request {
        leaf,
        intermediates,
        anchors,
        at,
        purpose: args.purpose.purpose(),
        policy,
    })))
}

pub(crate) fn read(path: &Path, what: &str) -> Result<Vec<u8>, Usage> {
    fs::read(path).map_err(|e| Usage(format!("reading {what} {}: {e}", path.display())))
}

pub(crate) fn certificates(path: &Path, what: &str) -> Result<Vec<ParsedCertificate>, Usage> {
    let bytes = read(path, what)?;
    parse_certificates(&bytes).map_err(|e| Usage(format!("{what} {}: {e}", path.display())))
}

impl Request {
    fn validate_and_print(&self, json: bool) -> ExitCode {
        let mut inputs = PathInputs::new(&self.leaf, &self.anchors, self.at);
        inputs.intermediates = &self.intermediates;
        inputs.purpose = self.purpose.clone();
        inputs.policy = self.policy.clone();
        match inputs.validate() {
            Ok(path) => {
                print(&if json {
                    format!("{}\n", self.valid_json(&path))
                } else {
                    self.valid_text(&path)
                });
                ExitCode::SUCCESS
            }
            Err(error) => {
                print(&if json {
                    format!("{}\n", self.failure_json(&error))
                } else {
                    self.failure_text(&error)
                });
                ExitCode::from(match error.indication() {
                    Indication::TotalFailed => 1,
                    _ => 2,
                })
            }
        }
    }

    fn valid_text(&self, path: &ValidatedPath) -> String {
        let mut text = format!(
            "VALID certificate path: {} certificate(s) to trust anchor \u{201c}{}\u{201d}\n",
            path.certificates().len(),
            path.anchor().subject()
        );
        for (position, cert) in path.certificates().iter().enumerate() {
            describe_text(&mut text, &format!("#{position}{}", role(position)), cert);
        }
        describe_text(&mut text, "trust anchor", path.anchor().certificate());
        let policies = path.policies();
        text.push_str(&format!("  purpose: {}\n", self.purpose.name()));
        text.push_str(&format!("  checked at: {}\n", self.at));
        text.push_str(&format!(
            "  valid policies (authorities-constrained): {}\n",
            oids_text(policies.authorities_constrained())
        ));
        text.push_str(&format!(
            "  valid policies (user-constrained): {}\n",
            oids_text(policies.user_constrained())
        ));
        text.push_str(&format!(
            "  explicit policy required: {}\n",
            if policies.explicit_policy_required() {
                "yes"
            } else {
                "no"
            }
        ));
        text
    }

    fn failure_text(&self, error: &PathError) -> String {
        let sub = error
            .sub_indication()
            .map_or("unsupported algorithm", |sub| sub.as_str());
        let mut text = match error.indication() {
            Indication::TotalFailed => format!("INVALID (TOTAL-FAILED / {sub}): {error}\n"),
            _ => format!("INDETERMINATE ({sub}): {error}\n"),
        };
        let cert = error.cert();
        text.push_str(&format!(
            "  certificate: #{}{} \u{201c}{}\u{201d}, serial {}\n",
            cert.position(),
            role(cert.position()),
            cert.subject(),
            cert.serial()
        ));
        text.push_str(&format!("  rule: {}\n", error.rule()));
        text.push_str(&format!("  purpose: {}\n", self.purpose.name()));
        text.push_str(&format!("  checked at: {}\n", self.at));
        describe_text(&mut text, "end entity", &self.leaf);
        text
    }

    fn valid_json(&self, path: &ValidatedPath) -> Value {
        let policies = path.policies();
        json!({
            "command": "cert",
            "valid": true,
            "indication": Indication::TotalPassed.as_str(),
            "checked_at": self.at.to_string(),
            "purpose": self.purpose.name(),
            "path": path.certificates().iter().enumerate()
                .map(|(position, cert)| describe_json(Some(position), cert))
                .collect::<Vec<_>>(),
            "anchor": describe_json(None, path.anchor().certificate()),
            "policies": {
                "authorities_constrained": oids_json(policies.authorities_constrained()),
                "user_constrained": oids_json(policies.user_constrained()),
                "explicit_policy_required": policies.explicit_policy_required(),
            },
        })
    }

    fn failure_json(&self, error: &PathError) -> Value {
        let cert = error.cert();
        json!({
            "command": "cert",
            "valid": false,
            "indication": error.indication().as_str(),
            "sub_indication": error.sub_indication().map(|sub| sub.as_str()),
            "checked_at": self.at.to_string(),
            "purpose": self.purpose.name(),
            "end_entity": describe_json(Some(0), &self.leaf),
            "error": {
                "kind": error.kind(),
                "rule": error.rule(),
                "certificate": {
                    "position": cert.position(),
                    "subject": cert.subject(),
                    "serial": cert.serial(),
                },
                "message": error.to_string(),
            },
        })
    }
}

fn not_a_certificate(args: &CertArgs, reason: &str, json: bool) -> String {
    let message = format!(
        "LEAF {} is not a certificate: {reason}",
        args.leaf.display()
    );
    if json {
        let value = json!({
            "command": "cert",
            "valid": false,
            "indication": Indication::TotalFailed.as_str(),
            "sub_indication": "FORMAT_FAILURE",
            "error": { "kind": "not_a_certificate", "rule": "RFC 5280 §4.1", "message": message },
        });
        format!("{value}\n")
    } else {
        format!("INVALID (TOTAL-FAILED / FORMAT_FAILURE): {message}\n")
    }
}

fn role(position: usize) -> &'static str {
    if position == 0 { " end entity" } else { "" }
}

fn key_description(cert: &ParsedCertificate) -> String {
    let spki = cert
        .certificate()
        .tbs_certificate()
        .subject_public_key_info();
    match PublicKey::from_spki(spki) {
        Ok(key) => key.kind().to_string(),
        Err(e) => e.to_string(),
    }
}

fn describe_text(text: &mut String, heading: &str, cert: &ParsedCertificate) {
    let validity = cert.certificate().tbs_certificate().validity();
    text.push_str(&format!("  {heading}\n"));
    text.push_str(&format!("    subject:  {}\n", cert.subject()));
    text.push_str(&format!("    issuer:   {}\n", cert.issuer()));
    text.push_str(&format!("    serial:   {}\n", cert.serial_hex()));
    text.push_str(&format!(
        "    validity: {} to {}\n",
        validity.not_before.to_date_time(),
        validity.not_after.to_date_time()
    ));
    text.push_str(&format!("    key:      {}\n", key_description(cert)));
}

fn describe_json(position: Option<usize>, cert: &ParsedCertificate) -> Value {
    let validity = cert.certificate().tbs_certificate().validity();
    let mut value = json!({
        "subject": cert.subject().to_string(),
        "issuer": cert.issuer().to_string(),
        "serial": cert.serial_hex(),
        "not_before": validity.not_before.to_date_time().to_string(),
        "not_after": validity.not_after.to_date_time().to_string(),
        "key": key_description(cert),
    });
    if let (Some(position), Value::Object(map)) = (position, &mut value) {
        map.insert("position".to_owned(), position.into());
    }
    value
}

fn oids_text(oids: &BTreeSet<ObjectIdentifier>) -> String {
    if oids.is_empty() {
        return "none".to_owned();
    }
    oids.iter()
        .map(|oid| {
            if *oid == ANY_POLICY {
                "anyPolicy".to_owned()
            } else {
                oid.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn oids_json(oids: &BTreeSet<ObjectIdentifier>) -> Value {
    oids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .into()
}

fn print(text: &str) {
    // A closed stdout (a pipe to `head`) does not change the verdict's status.
    let _ignored = io::stdout().lock().write_all(text.as_bytes());
}
