//! The entry points of the `verifier` fuzz targets, one function per target.
//!
//! Each `fuzz_targets/<name>.rs` calls the function of the same name, and
//! `verifier/tests/fuzz_regressions.rs` includes this very file (`#[path]`) to replay every
//! committed seed and regression input through the same code on stable Rust, so what the
//! fuzzer found stays found. A function returns normally for every input: any panic, hang
//! or runaway allocation is a bug in `verifier`.
//!
//! Only `verifier` and crates it already depends on (`base64`, `der`, `serde`, `serde_json`,
//! `x509-cert`) are used, so the file compiles in both places. Fixed certificates and keys come from
//! `../fixtures/` (see the README there).
//!
//! Several targets cut their input in two with [`split`]: the first two bytes (big-endian)
//! give the length of a trailing part (detached content, time-stamped data); what lies
//! between is the object under test.

use std::str::FromStr as _;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use der::asn1::{Int, ObjectIdentifier};
use der::{Decode as _, Encode as _};
use verifier::cms::timestamp::{Imprint, TimestampExpectations, verify_response, verify_token};
use verifier::cms::{ContentDigest, DetachedContent, SignedMessage, VerifyOptions};
use verifier::crypto::{DigestAlgorithm, PublicKey};
use verifier::kz::{KzProfile, check_purpose};
use verifier::note::{EcdsaP256NoteVerifier, NoteVerifier, SignedNote, verify_note};
use verifier::pades::{HashedPdf, render_pdf_text, validate_hashed_pdf, validate_pdf_with_limits};
use verifier::path::{
    ParsedCertificate, PathInputs, PolicyInputs, Purpose, TrustAnchor, parse_certificates,
};
use verifier::pdf::{Limits, PdfFile};
use verifier::receipt::{Receipt, verify_receipt};
use verifier::revocation::ocsp::{OcspNonce, OcspRequest};
use verifier::revocation::{
    Crl, ParsedOcspResponse, RevocationOptions, RevocationSources, SourceOrigin,
    check as check_revocation, check_ocsp_response,
};
use verifier::tsp::{TimeStampReq, TimeStampResp, TstInfo};
use verifier::validation::ValidationPolicy;
use x509_cert::Certificate;

/// A target's entry point.
pub type Entry = fn(&[u8]);

/// Every target, by the name of its directory under `seeds/` and `regressions/`.
pub const TARGETS: &[(&str, Entry)] = &[
    ("cms_signed_data", cms_signed_data),
    ("timestamp_token", timestamp_token),
    ("tsp_structures", tsp_structures),
    ("certificate", certificate),
    ("revocation", revocation),
    ("signed_note", signed_note),
    ("pades_verify", pades_verify),
];

/// The NCA test PKI's "ҰКО 3.0 (RSA TEST)" CA (`shared/vectors/nca/ca/nca_rsa_test.crt`).
const NCA_RSA_CA: &[u8] = include_bytes!("../fixtures/nca_rsa_ca.der");
/// An individual's signing certificate it issued (`certs/individual_valid_sign_2004_rsa.cer`).
const NCA_INDIVIDUAL: &[u8] = include_bytes!("../fixtures/nca_individual_rsa.der");
/// The P-256 CA that issued the certificates of the generated seeds (`openssl req -x509`).
const FUZZ_CA: &[u8] = include_bytes!("../fixtures/fuzz_ca.der");
/// Its P-256 document-signing certificate, serial 0x1001 (the CMS seeds' signer).
const FUZZ_EC: &[u8] = include_bytes!("../fixtures/fuzz_ec.der");
/// Its RSA-2048 document-signing certificate, serial 0x1002, revoked in the CRL seed.
const FUZZ_RSA: &[u8] = include_bytes!("../fixtures/fuzz_rsa.der");
/// Its P-256 time-stamping certificate, serial 0x1003 (the time-stamp seeds' TSA).
const FUZZ_TSA: &[u8] = include_bytes!("../fixtures/fuzz_tsa.der");
/// The P-256 note key that signed the note, checkpoint and receipt seeds.
const NOTE_KEY_PEM: &str = include_str!("../fixtures/note_key.pub.pem");
/// The name that key signs under, and the origin of the checkpoint seeds.
const NOTE_KEY_NAME: &str = "fuzz.example/log";
/// The policy of the generated time-stamp seeds.
const TSA_POLICY: &str = "1.2.3.4.1";
/// An NCA signing policy (`1.2.398.3.3.2.3`), for path validation with explicit policy.
const NCA_SIGNING_POLICY: &str = "1.2.398.3.3.2.3";

/// The fixed certificates, decoded once.
struct Fixtures {
    nca_ca: Certificate,
    nca_individual: Certificate,
    fuzz_ca: Certificate,
    fuzz_ec: Certificate,
    fuzz_rsa: Certificate,
    fuzz_tsa: Certificate,
    anchors: Vec<TrustAnchor>,
    fuzz_ec_parsed: ParsedCertificate,
    note_verifier: EcdsaP256NoteVerifier,
}

static FIXTURES: LazyLock<Fixtures> = LazyLock::new(|| {
    let cert = |der: &[u8]| Certificate::from_der(der).expect("fixture certificate");
    let parsed = |der: &[u8]| ParsedCertificate::from_der(der).expect("fixture certificate");
    Fixtures {
        nca_ca: cert(NCA_RSA_CA),
        nca_individual: cert(NCA_INDIVIDUAL),
        fuzz_ca: cert(FUZZ_CA),
        fuzz_ec: cert(FUZZ_EC),
        fuzz_rsa: cert(FUZZ_RSA),
        fuzz_tsa: cert(FUZZ_TSA),
        anchors: vec![
            TrustAnchor::from_certificate(parsed(NCA_RSA_CA)),
            TrustAnchor::from_certificate(parsed(FUZZ_CA)),
        ],
        fuzz_ec_parsed: parsed(FUZZ_EC),
        note_verifier: EcdsaP256NoteVerifier::from_public_key_pem(NOTE_KEY_NAME, NOTE_KEY_PEM)
            .expect("fixture note key"),
    }
});

/// A time inside the NCA test certificates' validity.
fn nca_time() -> der::DateTime {
    der::DateTime::new(2022, 6, 1, 0, 0, 0).expect("a valid date")
}

/// A time inside the generated seeds' validity (and their CRL's).
fn fuzz_time() -> der::DateTime {
    der::DateTime::new(2026, 12, 1, 0, 0, 0).expect("a valid date")
}

fn system_time(time: der::DateTime) -> SystemTime {
    SystemTime::UNIX_EPOCH + time.unix_duration()
}

fn oid(text: &str) -> ObjectIdentifier {
    ObjectIdentifier::from_str(text).expect("a valid OID")
}

/// Serialises a report the way `dalel-verify` prints it: serialisation must not panic either.
fn to_json<T: serde::Serialize>(value: &T) {
    let _ = serde_json::to_vec(value);
}

/// Splits `data` into the object under test and a trailing part whose length the first two
/// bytes give (big-endian, clamped to what is there).
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let Some(([hi, lo], rest)) = data.split_first_chunk::<2>() else {
        return (data, &[]);
    };
    let tail = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
    rest.split_at(rest.len() - tail)
}

/// CMS `SignedData`: [`SignedMessage::parse`] of the first part of [`split`], then
/// `verify` with no detached content (as attached), with the second part as detached
/// content, and with digests of it; the same with the fixed signer certificates supplied
/// as extra certificates (for `-nocerts` messages).
pub fn cms_signed_data(data: &[u8]) {
    let (message, content) = split(data);
    let Ok(parsed) = SignedMessage::parse(message) else {
        return;
    };
    let _ = (
        parsed.content_type(),
        parsed.encapsulated_content(),
        parsed.certificates(),
        parsed.revocation_data(),
        parsed.signer_count(),
    );
    let fixtures = &*FIXTURES;
    let extra = [fixtures.fuzz_ec.clone(), fixtures.fuzz_rsa.clone()];
    let digests: Vec<ContentDigest> = [DigestAlgorithm::Sha256, DigestAlgorithm::Sha1]
        .into_iter()
        .map(|algorithm| ContentDigest {
            algorithm,
            value: algorithm.digest(content),
        })
        .collect();
    for options in [
        VerifyOptions::default(),
        VerifyOptions {
            detached_content: Some(DetachedContent::Bytes(content)),
            extra_certificates: &extra,
        },
        VerifyOptions {
            detached_content: Some(DetachedContent::Digests(&digests)),
            extra_certificates: &[],
        },
    ] {
        let report = parsed.verify(&options);
        to_json(&report);
    }
}

/// RFC 3161 tokens: [`verify_token`] and [`verify_response`] of the first part of [`split`],
/// once expecting the second part as time-stamped data, once as a SHA-256 digest with a nonce
/// made of it, the generated seeds' policy and their TSA certificate supplied.
pub fn timestamp_token(data: &[u8]) {
    let (token, imprint) = split(data);
    let fixtures = &*FIXTURES;
    let extra = [fixtures.fuzz_tsa.clone()];
    let nonce = Int::new(imprint).ok();
    let expectations = [
        TimestampExpectations {
            imprint: Some(Imprint::Data(imprint)),
            ..TimestampExpectations::default()
        },
        TimestampExpectations {
            imprint: Some(Imprint::Digest {
                algorithm: DigestAlgorithm::Sha256,
                value: imprint,
            }),
            nonce: nonce.as_ref(),
            policy: Some(oid(TSA_POLICY)),
            extra_certificates: &extra,
        },
    ];
    for expected in &expectations {
        for report in [
            verify_token(token, expected),
            verify_response(token, expected),
        ]
        .into_iter()
        .flatten()
        {
            let _ = (report.tsa_certificate(), report.gen_time());
            to_json(&report);
        }
    }
}

/// `verifier::tsp`: [`TimeStampReq::parse`], [`TimeStampResp::parse`] and
/// [`TstInfo::parse`] of the whole input. What decodes must encode again to the very same
/// bytes: the types are strict DER, so anything else means a decoder accepted a
/// non-canonical encoding or an encoder lost information.
pub fn tsp_structures(data: &[u8]) {
    if let Ok(request) = TimeStampReq::parse(data) {
        let _ = request.message_imprint.check_length();
        assert_round_trip("TimeStampReq", data, request.to_der());
    }
    if let Ok(response) = TimeStampResp::parse(data) {
        if let Ok(token) = response.granted_token() {
            let _ = token.to_der();
        }
        assert_round_trip("TimeStampResp", data, response.to_der());
    }
    if let Ok(info) = TstInfo::parse(data) {
        let _ = (
            info.gen_time.to_system_time(),
            info.accuracy.map(|a| a.to_duration()),
        );
        assert_round_trip("TSTInfo", data, info.to_der());
    }
}

fn assert_round_trip(structure: &str, input: &[u8], encoded: der::Result<Vec<u8>>) {
    match encoded {
        Ok(bytes) => assert!(
            bytes == input,
            "{structure} decoded but re-encodes differently:\n input {}\noutput {}",
            hex(input),
            hex(&bytes)
        ),
        Err(e) => panic!("{structure} decoded but does not re-encode: {e}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// X.509: `x509-cert` decoding, [`KzProfile::from_certificate`] with both NCA purposes,
/// [`PublicKey::from_spki_der`] of the key and of the whole input, and path validation
/// ([`PathInputs::validate`]) of the input's certificates (DER, or a PEM bundle whose first
/// certificate is the end entity): against the NCA RSA CA and the seeds' CA, as a
/// self-signed anchor of itself, and as intermediates for the seeds' P-256 certificate.
pub fn certificate(data: &[u8]) {
    let _ = PublicKey::from_spki_der(data).map(|k| k.kind());
    if let Ok(cert) = Certificate::from_der(data) {
        let profile = KzProfile::from_certificate(&cert);
        let _ = (profile.iin(), profile.bin(), profile.purpose());
        let _ = check_purpose(&profile, verifier::kz::Purpose::Signing);
        let _ = check_purpose(&profile, verifier::kz::Purpose::Authentication);
        to_json(&profile);
        if let Ok(spki) = cert.tbs_certificate().subject_public_key_info().to_der() {
            let _ = PublicKey::from_spki_der(&spki).map(|k| k.kind());
        }
    }
    let Ok(certs) = parse_certificates(data) else {
        return;
    };
    let Some((leaf, intermediates)) = certs.split_first() else {
        return;
    };
    let _ = (
        leaf.subject().to_string(),
        leaf.serial_hex(),
        leaf.is_self_issued(),
    );
    let fixtures = &*FIXTURES;

    let mut inputs = PathInputs::new(leaf, &fixtures.anchors, nca_time());
    inputs.intermediates = intermediates;
    validate(&inputs);
    inputs.time = fuzz_time();
    inputs.purpose = Purpose::Any;
    inputs.policy = PolicyInputs {
        user_initial_policy_set: [oid(NCA_SIGNING_POLICY)].into(),
        initial_explicit_policy: true,
        initial_policy_mapping_inhibit: true,
        initial_any_policy_inhibit: true,
    };
    validate(&inputs);

    let own = [TrustAnchor::from_certificate(leaf.clone())];
    let mut inputs = PathInputs::new(leaf, &own, fuzz_time());
    inputs.purpose = Purpose::TimeStamping;
    validate(&inputs);

    let mut inputs = PathInputs::new(&fixtures.fuzz_ec_parsed, &fixtures.anchors, fuzz_time());
    inputs.intermediates = &certs;
    validate(&inputs);
}

fn validate(inputs: &PathInputs<'_>) {
    match inputs.validate() {
        Ok(path) => {
            let _ = (
                path.public_key(),
                path.policies(),
                path.certificates().len(),
            );
        }
        Err(e) => {
            let _ = (e.indication(), e.sub_indication(), e.rule(), e.to_string());
        }
    }
}

/// CRLs and OCSP: the input as CRL(s) and OCSP response(s) (DER or PEM) among the sources of
/// [`check_revocation`] (alone and beside the generated CRL seed), for the NCA individual
/// certificate and for the seeds' two certificates; [`check_ocsp_response`]; and the
/// accessors and signature checks of [`Crl`], [`ParsedOcspResponse`] and [`OcspRequest`].
pub fn revocation(data: &[u8]) {
    let fixtures = &*FIXTURES;
    let mut sources = RevocationSources::new();
    sources.add_crls(data, SourceOrigin::Supplied);
    sources.add_ocsp_responses(data, SourceOrigin::Embedded);
    let strict = RevocationOptions::default();
    let lenient = RevocationOptions {
        accept_issued_after_time: true,
        max_age_without_next_update: Duration::from_secs(10 * 365 * 24 * 60 * 60),
        clock_skew: Duration::from_secs(24 * 60 * 60),
        network: None,
    };
    let nonce = OcspNonce::new(&[0x42; 32]).ok();
    let subjects = [
        (&fixtures.nca_individual, &fixtures.nca_ca, nca_time()),
        (&fixtures.fuzz_ec, &fixtures.fuzz_ca, fuzz_time()),
        (&fixtures.fuzz_rsa, &fixtures.fuzz_ca, fuzz_time()),
    ];
    for (cert, issuer, time) in subjects {
        let time = system_time(time);
        for options in [&strict, &lenient] {
            let status = check_revocation(cert, issuer, time, &sources, options);
            let _ = (
                status.is_good(),
                status.is_revoked(),
                status.etsi_sub_indication(),
            );
            to_json(&status);
        }
        for sent in [None, nonce.as_ref()] {
            let status = check_ocsp_response(
                data,
                sent,
                SourceOrigin::Supplied,
                cert,
                issuer,
                time,
                &strict,
            );
            to_json(&status);
        }
    }
    if let Ok(crl) = Crl::from_der(data) {
        let _ = (
            crl.issuer().to_string(),
            crl.this_update(),
            crl.next_update(),
            crl.number(),
            crl.base_number(),
            crl.is_delta(),
            crl.issuing_distribution_point(),
            crl.len(),
            crl.is_empty(),
        );
        for (cert, issuer, _) in subjects {
            let _ = crl.entry(cert.tbs_certificate().serial_number());
            let _ = crl.verify_signature(issuer);
        }
        // As a delta CRL on top of the generated complete CRL of the seeds' CA.
        let mut both = RevocationSources::new();
        both.add_crls(
            include_bytes!("../fixtures/fuzz_ca.crl"),
            SourceOrigin::Supplied,
        );
        both.add_crl(crl, SourceOrigin::Embedded);
        let status = check_revocation(
            &fixtures.fuzz_rsa,
            &fixtures.fuzz_ca,
            system_time(fuzz_time()),
            &both,
            &strict,
        );
        to_json(&status);
    }
    if let Ok(response) = ParsedOcspResponse::parse(data) {
        let _ = (response.status(), response.basic(), response.produced_at());
        for (_, issuer, _) in subjects {
            let _ = response.verify_signature(issuer);
        }
    }
    if let Ok(request) = OcspRequest::parse(data) {
        let _ = request.nonce();
    }
}

/// A note verifier that accepts every signature under a given name and key ID, so that the
/// fuzzer reaches what is parsed only after a signature verifies: checkpoint bodies, the
/// Merkle proof and the entry JSON of receipts.
struct AcceptAll {
    name: String,
    id: u32,
}

impl NoteVerifier for AcceptAll {
    fn key_name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn verify(&self, _text: &[u8], _signature: &[u8]) -> bool {
        true
    }
}

/// Signed notes, checkpoints and tlog-proof receipts: [`SignedNote::parse`],
/// [`verifier::checkpoint::Checkpoint::parse`] and [`Receipt::parse`] of the input (and of
/// its UTF-8 text), then verification with the P-256 key of the seeds and with a verifier
/// accepting every signature; a receipt is also re-anchored (its checkpoint rebuilt over the
/// root its proof yields) so that the entry JSON in `extra` is reached with fuzzed contents.
pub fn signed_note(data: &[u8]) {
    let fixtures = &*FIXTURES;
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = verifier::checkpoint::Checkpoint::parse(text);
    }
    let _ = verify_note(data, &fixtures.note_verifier);
    let _ = verifier::checkpoint::verify_checkpoint(data, &fixtures.note_verifier, NOTE_KEY_NAME);
    let _ = verify_receipt(data, &fixtures.note_verifier);

    if let Ok(note) = SignedNote::parse(data) {
        let _ = verifier::checkpoint::Checkpoint::parse(note.text());
        if let Some(first) = note.signatures().first() {
            let accept = AcceptAll {
                name: first.key_name().to_owned(),
                id: first.key_id(),
            };
            let _ = note.clone().verify(&accept);
            let _ = verifier::checkpoint::verify_checkpoint(data, &accept, &accept.name);
        }
    }

    let Ok(receipt) = Receipt::parse(data) else {
        return;
    };
    let _ = (
        receipt.extra(),
        receipt.index(),
        receipt.proof(),
        receipt.claimed_origin(),
    );
    if let Ok(note) = SignedNote::parse(receipt.checkpoint_note())
        && let Some(first) = note.signatures().first()
    {
        let accept = AcceptAll {
            name: first.key_name().to_owned(),
            id: first.key_id(),
        };
        if let Ok(verified) = receipt.clone().verify(&accept) {
            let _ = verified.check_blob(data);
        }
    }
    reanchored_receipt(&receipt, data);
}

/// Rebuilds `receipt` around a checkpoint whose root is what its proof yields for its entry,
/// signed by an [`AcceptAll`] key, and verifies that: the entry is then parsed whatever it is.
fn reanchored_receipt(receipt: &Receipt, data: &[u8]) {
    use base64::Engine as _;
    let Some(extra) = receipt.extra() else {
        return;
    };
    let index = receipt.index();
    let size = index.saturating_add(1 + u64::from(data.len() as u8 % 4));
    let leaf = verifier::merkle::leaf_hash(extra);
    let Ok(root) = verifier::merkle::root_from_inclusion_proof(index, size, &leaf, receipt.proof())
    else {
        return;
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut text = format!(
        "{}\nextra {}\nindex {index}\n",
        verifier::receipt::HEADER,
        b64.encode(extra)
    );
    for hash in receipt.proof() {
        text.push_str(&b64.encode(hash));
        text.push('\n');
    }
    text.push_str(&format!(
        "\nfuzz\n{size}\n{}\n\n\u{2014} fuzz AAAAAQE=\n",
        b64.encode(root)
    ));
    let accept = AcceptAll {
        name: "fuzz".to_owned(),
        id: 1,
    };
    if let Ok(verified) = verify_receipt(text.as_bytes(), &accept) {
        let _ = (
            verified.index(),
            verified.entry().seq(),
            verified.leaf_hash(),
        );
        let _ = verified.check_blob(data);
    }
}

/// PDF: [`PdfFile::open`] within small limits, then (for at most 256 objects a revision)
/// every object of every revision read, its stream decoded and its references resolved;
/// then [`validate_pdf_with_limits`] trusting the fixed CAs, without revocation, at the
/// seeds' time, the report serialised and rendered as text.
pub fn pades_verify(data: &[u8]) {
    let limits = Limits {
        max_decoded_bytes: 1 << 20,
        max_objects: 100_000,
        max_revisions: 64,
        max_object_elements: 1 << 16,
        max_recovery_scan: 4 << 20,
        ..Limits::default()
    };
    if let Ok(file) = PdfFile::open(data, limits) {
        for (r, revision) in file.revisions().iter().enumerate() {
            for &num in revision.entries.keys().take(256) {
                if let Ok(Some(object)) = file.object_at_revision((num, 0), r) {
                    if let Some(stream) = object.as_stream() {
                        let _ = stream.decode(&file, &limits);
                    }
                    let _ = file.resolve_at(&object, r);
                }
                let _ = file.object_span((num, 0));
            }
        }
        let _ = (file.trailing_bytes(), file.header_version(), file.trailer());
    }
    let policy = ValidationPolicy {
        anchors: FIXTURES.anchors.clone(),
        time: Some(system_time(fuzz_time())),
        revocation: None,
        ..ValidationPolicy::default()
    };
    let plain = validate_pdf_with_limits(data, &policy, limits);
    if let Ok(report) = &plain {
        to_json(report);
        let _ = render_pdf_text(report);
    }
    // The prefix-digest path (dalel-verify's) must come to the same verdicts.
    let hashed = HashedPdf::from_bytes(data.to_vec());
    let from_prefixes = validate_hashed_pdf(&hashed, &policy, limits);
    match (&plain, &from_prefixes) {
        (Ok(a), Ok(b)) => {
            let verdicts = |r: &verifier::pades::PdfValidationReport| {
                r.signatures
                    .iter()
                    .map(|s| s.indication)
                    .collect::<Vec<_>>()
            };
            assert_eq!(verdicts(a), verdicts(b), "prefix digests changed a verdict");
        }
        (Err(_), Err(_)) => {}
        _ => panic!("prefix digests changed whether the file could be read"),
    }
}
