//! The whole validation (`verifier::validation::validate_cms`, and `validate_timestamp` for
//! a bare token) against a test PKI made with OpenSSL at test time: a root CA (the only
//! trust anchor), an intermediate CA issuing NCA-shaped signing certificates (IIN, BIN,
//! roles) whose AIA names an `openssl ocsp` responder on loopback, and CAs with a
//! pathLenConstraint or name constraints. Every case asserts the ETSI EN 319 102-1
//! indication and sub-indication of the report, and the check that decided.
//!
//! Each test has its own directory, ports and responder (stopped on drop), so the tests run
//! in parallel; nothing leaves the loopback interface.

#![allow(clippy::unwrap_used)]

mod revocation_common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use cms::content_info::ContentInfo;
use cms::revocation::{RevocationInfoChoice, RevocationInfoChoices};
use cms::signed_data::{SignedData, SignerInfo};
use der::asn1::SetOfVec;
use der::{Any, Decode as _, Encode as _};
use revocation_common::{Ca, Issued, Profile, Responder, openssl, url, with_responder};
use verifier::kz::NcaRole;
use verifier::path::{ParsedCertificate, TrustAnchor, parse_certificates};
use verifier::report::Indication::{self, Indeterminate, TotalFailed, TotalPassed};
use verifier::report::SubIndication::{
    self, ChainConstraintsFailure, HashFailure, NotYetValid, OutOfBoundsNoPoe, RevokedCaNoPoe,
    RevokedNoPoe, TryLater,
};
use verifier::revocation::{
    Evidence, RevocationOptions, RevocationReason, RevocationSources, RevocationStatus, SourceKind,
    SourceOrigin, SourceProblem,
};
use verifier::validation::{
    CheckStatus, SignatureValidation, ValidationPolicy, ValidationReport, render_text,
    validate_cms, validate_timestamp,
};
use x509_cert::attr::Attribute;
use x509_cert::crl::CertificateList;

const IIN: &str = "900101300126";
const BIN: &str = "070240001235";
const CA_EXT: &str = "basicConstraints = critical,CA:TRUE\n\
                      keyUsage = critical,keyCertSign,cRLSign\n\
                      subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n";
/// `id-aa-signatureTimeStampToken` (RFC 3161 Appendix A).
const SIGNATURE_TIME_STAMP: &str = "1.2.840.113549.1.9.16.2.14";

/// An NCA signing certificate profile for `subject`: nonRepudiation, legal entity, first
/// head; with an AIA naming the responder on `ocsp_port`, if any.
fn signing(subject: String, ocsp_port: Option<u16>) -> Profile {
    Profile {
        key_usage: Some("critical,digitalSignature,nonRepudiation"),
        eku: Some("emailProtection,1.2.398.3.3.4.1.2,1.2.398.3.3.4.1.2.1"),
        subject: Some(subject),
        ocsp_url: ocsp_port.map(|port| url(port, "")),
        ..Profile::default()
    }
}

/// An NCA-shaped signer of TEST LLP named `CN=<NAME>` (dashes as spaces) issued by `ca`,
/// valid from now plus `days.0` to now plus `days.1` days if given.
fn nca(ca: &Ca, name: &str, ocsp_port: Option<u16>, days: Option<(i64, i64)>) -> Issued {
    let cn = name.replace('-', " ").to_uppercase();
    let subject = format!("/CN={cn}/serialNumber=IIN{IIN}/O=TEST LLP/OU=BIN{BIN}/C=KZ");
    let dates = days.map(|(from, to)| [date(from), date(to)]);
    let extra = match &dates {
        Some([from, to]) => vec!["-startdate", from, "-enddate", to],
        None => Vec::new(),
    };
    ca.issue_with(name, &signing(subject, ocsp_port), &extra)
}

/// A TSA certificate (critical EKU timeStamping only) issued by `ca`.
fn tsa(ca: &Ca) -> Issued {
    let profile = Profile {
        key_usage: Some("critical,digitalSignature"),
        eku: Some("critical,timeStamping"),
        subject: Some("/CN=Test TSA/O=TEST NCA/C=KZ".into()),
        ..Profile::default()
    };
    ca.issue("tsa", &profile)
}

/// Now plus `days`, as `openssl ca -startdate/-enddate` take it.
fn date(days: i64) -> String {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH);
    let secs = now.unwrap().as_secs().saturating_add_signed(days * 86_400);
    let time = der::DateTime::from_unix_duration(Duration::from_secs(secs)).unwrap();
    time.to_string().replace(['-', ':', 'T'], "")
}

fn parsed(path: &Path) -> ParsedCertificate {
    parse_certificates(&std::fs::read(path).unwrap())
        .unwrap()
        .remove(0)
}

/// Root CA → intermediate CA, and a document to sign, in a temporary directory.
struct Pki {
    dir: tempfile::TempDir,
    root: Ca,
    intermediate: Ca,
    document: PathBuf,
}

impl Pki {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = Ca::new(dir.path(), "root", "Test Root CA", "keyCertSign,cRLSign");
        let subject = "/CN=Test Intermediate CA/O=TEST NCA/C=KZ";
        let intermediate = root.subordinate(dir.path(), "intermediate", subject, CA_EXT);
        let document = dir.path().join("protocol.txt");
        std::fs::write(&document, "Interrogation protocol No. 1\n").unwrap();
        Self {
            dir,
            root,
            intermediate,
            document,
        }
    }

    /// A CA named `CN=<name>` under `issuer`, with `ext` added to the usual CA extensions.
    fn ca(&self, issuer: &Ca, name: &str, ext: &str) -> Ca {
        let ext = format!("{CA_EXT}{ext}");
        issuer.subordinate(self.dir.path(), name, &format!("/CN={name}"), &ext)
    }

    /// The document's detached CMS signature (DER) by `signer`, embedding `chain` if given.
    fn sign(&self, signer: &Issued, chain: Option<&Path>) -> Vec<u8> {
        let out = format!("{}.p7s", signer.name);
        let mut args: Vec<&str> =
            "cms -sign -binary -md sha256 -nosmimecap -outform DER -in protocol.txt"
                .split(' ')
                .collect();
        let (cert, key) = (&signer.cert_path, &signer.key_path);
        args.extend(["-out", &out, "-signer", cert.to_str().unwrap()]);
        args.extend(["-inkey", key.to_str().unwrap()]);
        if let Some(chain) = chain {
            args.extend(["-certfile", chain.to_str().unwrap()]);
        }
        openssl(self.dir.path(), &args);
        std::fs::read(self.dir.path().join(out)).unwrap()
    }

    /// Trusts the root only, offers `intermediates`, supplies a fresh CRL of each of
    /// `crl_issuers`, and lets revocation checking use the network if `network`.
    fn policy(
        &self,
        intermediates: &[&Ca],
        crl_issuers: &[&Ca],
        network: bool,
    ) -> ValidationPolicy {
        let mut sources = RevocationSources::new();
        for ca in crl_issuers {
            sources.add_crls(&ca.crl(24), SourceOrigin::Supplied);
        }
        let options = match network {
            true => revocation_common::networked(),
            false => RevocationOptions::default(),
        };
        ValidationPolicy {
            anchors: vec![TrustAnchor::from_certificate(parsed(&self.root.cert_path))],
            intermediates: intermediates
                .iter()
                .map(|ca| parsed(&ca.cert_path))
                .collect(),
            revocation: Some(options),
            revocation_sources: sources,
            ..ValidationPolicy::default()
        }
    }

    /// The policy of the tests that need no responder: both CAs' CRLs supplied, offline.
    fn offline(&self) -> ValidationPolicy {
        let cas = [&self.root, &self.intermediate];
        self.policy(&cas[1..], &cas, false)
    }

    fn validate(&self, cms: &[u8], policy: &ValidationPolicy) -> ValidationReport {
        let document = std::fs::read(&self.document).unwrap();
        validate_cms(cms, Some(&document), policy).unwrap()
    }

    /// `cms` made CAdES-LT by what OpenSSL cannot put in: `crls` in `SignedData.crls` and a
    /// token by `tsa` over the signature value as the signature-time-stamp attribute.
    /// Returns it, the token and the signature value.
    fn cades(&self, cms: &[u8], tsa: &Issued, crls: &[Vec<u8>]) -> [Vec<u8>; 3] {
        let mut info = ContentInfo::from_der(cms).unwrap();
        let mut sd: SignedData = info.content.decode_as().unwrap();
        let mut signers: Vec<SignerInfo> = sd.signer_infos.0.iter().cloned().collect();
        let signature_value = signers[0].signature.as_bytes().to_vec();
        let token = self.time_stamp(tsa, &signature_value);
        let choices: Vec<RevocationInfoChoice> = crls
            .iter()
            .map(|der| RevocationInfoChoice::Crl(CertificateList::from_der(der).unwrap()))
            .collect();
        sd.crls = Some(RevocationInfoChoices(SetOfVec::try_from(choices).unwrap()));
        let attribute = Attribute {
            oid: SIGNATURE_TIME_STAMP.parse().unwrap(),
            values: SetOfVec::try_from(vec![Any::from_der(&token).unwrap()]).unwrap(),
        };
        signers[0].unsigned_attrs = Some(SetOfVec::try_from(vec![attribute]).unwrap());
        sd.signer_infos.0 = SetOfVec::try_from(signers).unwrap();
        info.content = Any::encode_from(&sd).unwrap();
        [info.to_der().unwrap(), token, signature_value]
    }

    /// An RFC 3161 token (DER) from `openssl ts -reply` by `tsa` over `data` (SHA-256),
    /// with the TSA and intermediate certificates in it.
    fn time_stamp(&self, tsa: &Issued, data: &[u8]) -> Vec<u8> {
        let dir = self.dir.path().join("tsa");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("serial"), "01\n").unwrap();
        std::fs::write(dir.join("data.bin"), data).unwrap();
        let s = |p: &Path| p.to_str().unwrap().to_owned();
        let (cert, key, chain) = (
            s(&tsa.cert_path),
            s(&tsa.key_path),
            s(&self.intermediate.cert_path),
        );
        let cnf = format!(
            "[tsa]\ndefault_tsa = tsa_config\n[tsa_config]\ndir = .\nserial = $dir/serial\n\
         crypto_device = builtin\nsigner_cert = {cert}\ncerts = {chain}\nsigner_key = {key}\n\
         signer_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\n\
         accuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\n\
         ess_cert_id_alg = sha256\n"
        );
        std::fs::write(dir.join("tsa.cnf"), cnf).unwrap();
        for command in [
            "ts -query -data data.bin -sha256 -cert -out query.tsq",
            "ts -reply -config tsa.cnf -queryfile query.tsq -token_out -out token.der",
        ] {
            openssl(&dir, &command.split(' ').collect::<Vec<_>>());
        }
        std::fs::read(dir.join("token.der")).unwrap()
    }
}

type Outcome = (Indication, Option<SubIndication>);

/// Asserts the report's indication and sub-indication.
fn outcome_is(report: &ValidationReport, outcome: Outcome) {
    let actual = (report.indication, report.sub_indication);
    assert_eq!(actual, outcome, "{}", render_text(report));
}

/// Asserts that the report and its one signature conclude `indication` / `sub`.
fn concluded(
    report: &ValidationReport,
    indication: Indication,
    sub: Option<SubIndication>,
) -> &SignatureValidation {
    outcome_is(report, (indication, sub));
    let [s] = report.signatures.as_slice() else {
        panic!("{}", render_text(report));
    };
    assert_eq!((s.indication, s.sub_indication), (indication, sub));
    s
}

/// Asserts that `check` decided (the first failure, else the first undecided check), with
/// the signature's sub-indication, and that the reason names it and contains `fragment`.
fn decided_by(s: &SignatureValidation, check: &str, fragment: &str) {
    let first = |status| s.checks.iter().find(|c| c.status == status);
    let decided = first(CheckStatus::Failed)
        .or_else(|| first(CheckStatus::Indeterminate))
        .unwrap_or_else(|| panic!("no check decided: {:#?}", s.checks));
    assert_eq!(decided.check, check, "{decided:#?}");
    assert_eq!(decided.sub_indication, s.sub_indication, "{decided:#?}");
    let reason = s.reason.as_deref().unwrap();
    assert!(reason.starts_with(check), "{reason}");
    assert!(reason.contains(fragment), "{fragment:?} not in {reason:?}");
}

/// The kind and origin of the evidence that decided a certificate's status.
fn decided_from(status: &RevocationStatus) -> (&'static str, &SourceOrigin) {
    match status {
        RevocationStatus::Good { evidence, .. } | RevocationStatus::Revoked { evidence, .. } => {
            match evidence {
                Evidence::Ocsp(e) => ("ocsp", &e.origin),
                Evidence::Crl(e) => ("crl", &e.origin),
            }
        }
        RevocationStatus::Indeterminate { .. } => panic!("{status:#?}"),
    }
}

/// The PKI with a `good` and a `revoked` (keyCompromise) signer whose AIA names an
/// `openssl ocsp` responder for the intermediate, signing with a delegated responder
/// certificate (OCSPSigning) the intermediate issued.
struct Online {
    pki: Pki,
    good: Issued,
    revoked: Issued,
}

fn online() -> (Online, Responder) {
    with_responder(|port| {
        let pki = Pki::new();
        let ca = &pki.intermediate;
        let good = nca(ca, "akhmetov-asan", Some(port), None);
        let revoked = nca(ca, "revoked-signer", Some(port), None);
        ca.revoke(&revoked, "keyCompromise");
        let responder = Profile {
            eku: Some("OCSPSigning"),
            ..Profile::default()
        };
        let ocsp = ca.issue("ocsp", &responder);
        let dir = ca.dir.clone();
        let start = Box::new(move |port| {
            Responder::start(&dir, (&ocsp.cert_path, &ocsp.key_path), port, &[])
        });
        let start = start as Box<dyn Fn(u16) -> Option<Responder>>;
        (Online { pki, good, revoked }, start)
    })
}

impl Online {
    /// Network allowed; the intermediate offered by the policy; the root's CRL supplied
    /// (it covers the intermediate only: the signers have nothing but their OCSP responder).
    fn policy(&self) -> ValidationPolicy {
        let pki = &self.pki;
        pki.policy(&[&pki.intermediate], &[&pki.root], true)
    }
}

#[test]
fn good_signer_passes_with_ocsp_fetched_over_loopback() {
    let (online, responder) = online();
    let cms = online.pki.sign(&online.good, None);
    let mut policy = online.policy();
    policy.expect_iin = Some(IIN.into());
    policy.expect_bin = Some(BIN.into());
    let report = online.pki.validate(&cms, &policy);
    let s = concluded(&report, TotalPassed, None);
    assert_eq!(s.reason, None);
    assert!(report.trust.revocation_checked && report.trust.network);
    assert_eq!(report.trust.anchors, ["CN=Test Root CA"]);
    assert_eq!(s.validation_time_source, "current-time");
    let path: Vec<(&str, bool)> = (s.certificate_path.iter())
        .map(|c| (c.subject.as_str(), c.trust_anchor))
        .collect();
    assert_eq!(path.len(), 3, "{path:?}");
    assert!(path[0].0.ends_with("CN=AKHMETOV ASAN"), "{path:?}");
    assert_eq!(path[1], ("C=KZ,O=TEST NCA,CN=Test Intermediate CA", false));
    assert_eq!(path[2], ("CN=Test Root CA", true));

    // The signer's status: OCSP, fetched from the responder of its AIA, signed by the
    // delegated responder; the intermediate's: the root's CRL the caller supplied.
    let [signer, intermediate] = &s.revocation[..] else {
        panic!("{:#?}", s.revocation);
    };
    assert!(signer.status.is_good() && intermediate.status.is_good());
    let uri = responder.url();
    assert_eq!(
        decided_from(&signer.status),
        ("ocsp", &SourceOrigin::Fetched { uri })
    );
    let supplied = ("crl", &SourceOrigin::Supplied);
    assert_eq!(decided_from(&intermediate.status), supplied);
    let json = serde_json::to_value(&report).unwrap();
    let evidence = &json["signatures"][0]["revocation"][0]["status"]["evidence"];
    assert_eq!(evidence["kind"], "ocsp", "{evidence:#}");
    assert_eq!(evidence["signer"]["by"], "delegated", "{evidence:#}");
    assert_eq!(evidence["signer"]["subject"], "CN=ocsp", "{evidence:#}");

    // Who signed.
    let signer = s.signer.as_ref().unwrap();
    assert_eq!(signer.iin().unwrap().as_str(), IIN);
    assert!(signer.iin().unwrap().check_digit_valid());
    assert_eq!(signer.bin().unwrap().as_str(), BIN);
    assert_eq!(signer.roles(), [NcaRole::Organization, NcaRole::FirstHead]);
    let passed: Vec<&str> = (s.checks.iter())
        .filter(|c| c.status == CheckStatus::Passed)
        .map(|c| c.check.as_str())
        .collect();
    for needed in "CertificatePath Revocation ExpectedIin ExpectedBin".split(' ') {
        assert!(passed.contains(&needed), "{needed}: {:#?}", s.checks);
    }
}

/// The revoked signer, validated now, with no proof that the signature existed before the
/// revocation: never passed, decided by the responder's `revoked`. And a revoked
/// intermediate: INDETERMINATE/REVOKED_CA_NO_POE (EN 319 102-1 §5.2.6.4; Table 5 lists that
/// sub-indication under INDETERMINATE only).
#[test]
fn revoked_signer_or_ca_is_refused_on_the_revocation_status() {
    let (online, _responder) = online();
    let pki = &online.pki;
    let report = pki.validate(&pki.sign(&online.revoked, None), &online.policy());
    let s = &report.signatures[0];
    assert_eq!(
        (s.indication, s.sub_indication),
        (Indeterminate, Some(RevokedNoPoe)),
        "{}",
        render_text(&report)
    );
    decided_by(s, "Revocation", "revoked at");
    let status = &s.revocation[0].status;
    let RevocationStatus::Revoked {
        reason, on_hold, ..
    } = status
    else {
        panic!("{status:#?}");
    };
    assert_eq!(
        (reason, on_hold),
        (&Some(RevocationReason::KeyCompromise), &false)
    );
    assert!(matches!(
        decided_from(status),
        ("ocsp", SourceOrigin::Fetched { .. })
    ));

    let path = pki.intermediate.cert_path.to_str().unwrap();
    let revoke = format!("ca -config ca.cnf -crl_reason cACompromise -revoke {path}");
    openssl(&pki.root.dir, &revoke.split(' ').collect::<Vec<_>>());
    let report = pki.validate(&pki.sign(&online.good, None), &online.policy());
    let s = concluded(&report, Indeterminate, Some(RevokedCaNoPoe));
    decided_by(s, "Revocation", "Test Intermediate CA: revoked at");
    assert!(s.revocation[0].status.is_good() && s.revocation[1].status.is_revoked());
}

/// EN 319 102-1 §5.2.6.4 makes a revoked signing certificate INDETERMINATE/REVOKED_NO_POE;
/// §5.3.4 turns it into TOTAL-FAILED/REVOKED only when a content-time-stamp proves the
/// signature was made after the revocation, and §5.5.4 passes it only when
/// best-signature-time is before the revocation. Here the only time is "now".
#[test]
fn revoked_signer_without_poe_is_revoked_no_poe() {
    let (online, _responder) = online();
    let cms = online.pki.sign(&online.revoked, None);
    let report = online.pki.validate(&cms, &online.policy());
    let s = concluded(&report, Indeterminate, Some(RevokedNoPoe));
    decided_by(s, "Revocation", "revoked at");
}

#[test]
fn responder_down_is_try_later_never_passed() {
    let (Online { pki, good, .. }, responder) = online();
    let uri = responder.url();
    drop(responder);
    let policy = pki.policy(&[&pki.intermediate], &[&pki.root], true);
    let report = pki.validate(&pki.sign(&good, None), &policy);
    let s = concluded(&report, Indeterminate, Some(TryLater));
    decided_by(s, "Revocation", "AKHMETOV ASAN: status unknown");
    // The responder of the AIA was tried and unreachable; the root's CRL is set aside as
    // another issuer's; nothing else was there.
    let rejected = s.revocation[0].status.rejected();
    let ocsp: Vec<_> = (rejected.iter())
        .filter(|r| r.kind == SourceKind::Ocsp)
        .collect();
    assert_eq!(ocsp.len(), 1, "{rejected:#?}");
    assert_eq!(ocsp[0].origin, SourceOrigin::Fetched { uri });
    let refused =
        |p: &_| matches!(p, SourceProblem::Unreachable { detail } if detail.contains("refused"));
    assert!(refused(&ocsp[0].problem), "{rejected:#?}");
    let other_issuer = |p: &_| matches!(p, SourceProblem::OtherIssuer { .. });
    let crls = rejected.iter().filter(|r| r.kind == SourceKind::Crl);
    assert!(crls.map(|r| &r.problem).all(other_issuer), "{rejected:#?}");
    // The intermediate was still decided by the root's CRL.
    assert!(s.revocation[1].status.is_good());
}

/// A signer whose validity ended yesterday, validated now with no time-stamp: the signature
/// may have been made while the certificate was valid (EN 319 102-1 §5.2.6.4 and §5.5.4: no
/// proof of existence before notAfter → INDETERMINATE/OUT_OF_BOUNDS_NO_POE, not EXPIRED).
#[test]
fn expired_signer_without_poe_is_out_of_bounds_no_poe() {
    let pki = Pki::new();
    let signer = nca(&pki.intermediate, "expired-signer", None, Some((-10, -1)));
    let report = pki.validate(&pki.sign(&signer, None), &pki.offline());
    let s = concluded(&report, Indeterminate, Some(OutOfBoundsNoPoe));
    decided_by(s, "CertificatePath", "expired at");
    assert!(s.reason.as_ref().unwrap().contains("no time-stamp proves"));
    assert_eq!(s.validation_time_source, "current-time");
}

/// The same expired signer's signature time-stamped now: the token proves the signature
/// existed after notAfter, not that it was made then. §5.5.4 keeps
/// INDETERMINATE/OUT_OF_BOUNDS_NO_POE when best-signature-time is after notAfter; only a
/// content-time-stamp after the expiry makes it TOTAL-FAILED/EXPIRED (§5.3.4).
#[test]
fn expired_signer_time_stamped_after_expiry_is_out_of_bounds_no_poe() {
    let pki = Pki::new();
    let ca = &pki.intermediate;
    let signer = nca(ca, "expired-signer", None, Some((-10, -1)));
    let crls = [pki.root.crl(24), ca.crl(24)];
    let [cades, ..] = pki.cades(&pki.sign(&signer, Some(&ca.cert_path)), &tsa(ca), &crls);
    let report = pki.validate(&cades, &pki.offline());
    let s = concluded(&report, Indeterminate, Some(OutOfBoundsNoPoe));
    decided_by(s, "CertificatePath", "expired at");
}

/// A signer valid only from the day after tomorrow: the signature exists now, so it was
/// certainly made before notBefore (EN 319 102-1 §5.5.4: best-signature-time before the
/// issuance of the signing certificate → TOTAL-FAILED/NOT_YET_VALID; Table 5).
#[test]
fn not_yet_valid_signer_is_failed_not_yet_valid() {
    let pki = Pki::new();
    let signer = nca(&pki.intermediate, "future-signer", None, Some((2, 10)));
    let report = pki.validate(&pki.sign(&signer, None), &pki.offline());
    let s = concluded(&report, TotalFailed, Some(NotYetValid));
    decided_by(s, "CertificatePath", "is not valid before");
}

/// Key usage is a constraint on the signing certificate (EN 319 102-1 §5.2.6, X.509
/// validation constraints → INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE).
#[test]
fn wrong_key_usage_and_authentication_certificates_cannot_sign() {
    let pki = Pki::new();
    let ca = &pki.intermediate;
    let subject = format!("/CN=AKHMETOV ASAN/serialNumber=IIN{IIN}/O=TEST LLP/OU=BIN{BIN}/C=KZ");
    let mut profile = signing(subject.clone(), None);
    profile.key_usage = Some("critical,keyEncipherment");
    let encipherment = ca.issue("encipherment", &profile);
    let report = pki.validate(&pki.sign(&encipherment, None), &pki.offline());
    let s = concluded(&report, Indeterminate, Some(ChainConstraintsFailure));
    decided_by(s, "CertificatePath", "key usage lacks");

    profile.key_usage = Some("critical,digitalSignature,keyEncipherment");
    profile.eku = Some("clientAuth");
    let report = pki.validate(&pki.sign(&ca.issue("auth", &profile), None), &pki.offline());
    let s = concluded(&report, Indeterminate, Some(ChainConstraintsFailure));
    decided_by(s, "CertificatePath", "is an authentication certificate");
}

/// root → `capped` (pathLenConstraint 0) → `sub` CA → signer: RFC 5280 §6.1.4(l).
#[test]
fn path_length_violation_is_chain_constraints_failure() {
    let pki = Pki::new();
    let pathlen = "basicConstraints = critical,CA:TRUE,pathlen:0\n";
    let capped = pki.ca(&pki.root, "capped", pathlen);
    let sub = pki.ca(&capped, "sub", "");
    let policy = pki.policy(&[&capped, &sub], &[&pki.root, &capped, &sub], false);
    let deep = nca(&sub, "deep-signer", None, None);
    let report = pki.validate(&pki.sign(&deep, None), &policy);
    let s = concluded(&report, Indeterminate, Some(ChainConstraintsFailure));
    decided_by(s, "CertificatePath", "exceeds the pathLenConstraint of 0");

    // pathlen:0 still lets the capped CA certify end entities.
    let direct = nca(&capped, "direct-signer", None, None);
    let report = pki.validate(&pki.sign(&direct, None), &policy);
    concluded(&report, TotalPassed, None);
}

/// A CA whose critical nameConstraints permit only the directoryName subtree
/// `C=KZ, O=Allowed LLP` (RFC 5280 §4.2.1.10, §6.1.3(b)).
#[test]
fn name_constraints_admit_inside_and_refuse_outside() {
    let pki = Pki::new();
    let nc = "nameConstraints = critical,permitted;dirName:nc_permitted\n\
              [nc_permitted]\nC = KZ\nO = Allowed LLP\n";
    let constrained = pki.ca(&pki.root, "constrained", nc);
    let policy = pki.policy(&[&constrained], &[&pki.root, &constrained], false);
    // Subjects in X.500 order (country first, kept by `-preserveDN`), so that the subtree
    // can be their prefix.
    let signer = |name: &str, org: &str| {
        let subject = format!("/C=KZ/O={org}/OU=BIN{BIN}/CN=AKHMETOV ASAN/serialNumber=IIN{IIN}");
        constrained.issue_with(name, &signing(subject, None), &["-preserveDN"])
    };

    let report = pki.validate(&pki.sign(&signer("inside", "Allowed LLP"), None), &policy);
    let s = concluded(&report, TotalPassed, None);
    assert_eq!(s.signer.as_ref().unwrap().iin().unwrap().as_str(), IIN);

    let report = pki.validate(&pki.sign(&signer("outside", "Other LLP"), None), &policy);
    let s = concluded(&report, Indeterminate, Some(ChainConstraintsFailure));
    decided_by(s, "CertificatePath", "outside the permitted subtrees");
    assert!(s.reason.as_deref().unwrap().contains("O=Other LLP"));
}

/// CAdES-T/LT: the intermediate embedded by `-certfile`, the CRLs of both CAs in
/// `SignedData.crls`, and an `openssl ts -reply` token over the signature value (TSA issued
/// by the intermediate, critical EKU timeStamping) as the signature-time-stamp. Validated
/// with no network, nothing supplied and no intermediate offered.
#[test]
fn cades_lt_validates_offline_at_its_time_stamp() {
    let pki = Pki::new();
    let ca = &pki.intermediate;
    let cms = pki.sign(&nca(ca, "akhmetov-asan", None, None), Some(&ca.cert_path));
    // The CRLs before the token: revocation data must not be younger than genTime.
    let crls = [pki.root.crl(24), ca.crl(24)];
    let [cades, token, signature_value] = pki.cades(&cms, &tsa(ca), &crls);

    let mut policy = ValidationPolicy {
        anchors: vec![TrustAnchor::from_certificate(parsed(&pki.root.cert_path))],
        revocation: Some(RevocationOptions::default()),
        ..ValidationPolicy::default()
    };
    let report = pki.validate(&cades, &policy);
    let s = concluded(&report, TotalPassed, None);
    assert!(report.trust.revocation_checked && !report.trust.network);
    assert_eq!(s.validation_time_source, "signature-time-stamp");
    assert_eq!(s.certificate_path.len(), 3);
    let [ts] = s.signature_timestamps.as_slice() else {
        panic!("{:#?}", s.signature_timestamps);
    };
    assert_eq!(ts.indication, TotalPassed, "{ts:#?}");
    assert_eq!(ts.gen_time.as_ref(), Some(&s.validation_time));
    assert_eq!(ts.tsa_path.len(), 3, "TSA, intermediate, root");
    assert!(ts.tsa_path[0].subject.ends_with("CN=Test TSA"));
    assert_eq!(s.revocation.len(), 2);
    for r in &s.revocation {
        assert!(r.status.is_good(), "{r:#?}");
        assert_eq!(decided_from(&r.status), ("crl", &SourceOrigin::Embedded));
    }

    // The plain signature, offline: nothing decides revocation.
    let report = pki.validate(&cms, &policy);
    let s = concluded(&report, Indeterminate, Some(TryLater));
    assert_eq!(s.validation_time_source, "current-time");

    // The token alone, over the signature value, with the CRLs supplied; over other data,
    // its imprint does not match.
    for crl in &crls {
        policy
            .revocation_sources
            .add_crls(crl, SourceOrigin::Supplied);
    }
    let report = validate_timestamp(&token, Some(&signature_value), &policy).unwrap();
    outcome_is(&report, (TotalPassed, None));
    assert_eq!(report.input.kind, "timestamp-token");
    assert_eq!(report.timestamp.as_ref().unwrap().tsa_path.len(), 3);
    let report = validate_timestamp(&token, Some(b"other data"), &policy).unwrap();
    outcome_is(&report, (TotalFailed, Some(HashFailure)));
}
