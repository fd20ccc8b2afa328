//! Round trips of the RFC 3161 types against requests and responses made by OpenSSL.
//!
//! The fixtures are generated at test time in a temporary directory, so nothing binary is
//! checked in. The commands are the ones in [`Fixtures::generate`]:
//!
//! ```text
//! openssl req -x509 -config openssl.cnf -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
//!     -nodes -keyout tsa.key -out tsa.pem -days 2
//! openssl ts -query -data data.txt -sha256 -cert -out req.tsq
//! openssl ts -reply -config openssl.cnf -queryfile req.tsq -out resp.tsr
//! ```
//!
//! with the `[tsa]` section of `openssl.cnf` written by [`openssl_cnf`]. Every decoded value
//! is re-encoded and compared byte for byte: DER has one encoding per value, and signatures
//! over these bytes depend on it.

use std::{
    fs,
    path::{Path, PathBuf},
};

use cms::signed_data::SignedData;
use const_oid::ObjectIdentifier;
use der::{
    Decode, Encode, ErrorKind, Tag,
    asn1::{Int, OctetString},
};
use sha2::{Digest, Sha256};
use verifier::tsp::{
    Accuracy, ID_AA_SIGNING_CERTIFICATE_V2, ID_CT_TST_INFO, ID_SHA256, PkiFailureInfo, PkiStatus,
    SigningCertificateV2, SubSecond, TimeStampReq, TimeStampResp, TspError, TspVersion, TstInfo,
};
use x509_cert::ext::pkix::name::GeneralName;

const DATA: &[u8] = b"D\xc3\xa4lel evidence to be time-stamped\n";
const DEFAULT_POLICY: &str = "1.2.3.4.1";
const OTHER_POLICY: &str = "1.2.3.4.5";

mod openssl_cli;
use openssl_cli::openssl;

/// An OpenSSL configuration for a self-signed TSA certificate and its `[tsa]` section.
/// `precision` is `clock_precision_digits`: with it non-zero, `genTime` carries fractions.
fn openssl_cnf(dir: &Path, precision: u8) -> String {
    format!(
        r#"[req]
distinguished_name = req_dn
x509_extensions = tsa_ext
prompt = no

[req_dn]
CN = Test TSA
O = Dalel tests

[tsa_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash

[tsa]
default_tsa = tsa_config

[tsa_config]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = {DEFAULT_POLICY}
other_policies = {OTHER_POLICY}
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = {precision}
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"#,
        dir = dir.display()
    )
}

struct Fixtures {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fixtures {
    fn generate(precision: u8) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        fs::write(dir.join("openssl.cnf"), openssl_cnf(&dir, precision))
            .expect("write openssl.cnf");
        fs::write(dir.join("data.txt"), DATA).expect("write data");
        // The last serial used, in hex: the first token gets 2.
        fs::write(dir.join("serial"), "01\n").expect("write serial");
        openssl(
            &dir,
            &[
                "req",
                "-x509",
                "-config",
                "openssl.cnf",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "tsa.key",
                "-out",
                "tsa.pem",
                "-days",
                "2",
            ],
        );
        openssl(
            &dir,
            &[
                "x509", "-in", "tsa.pem", "-outform", "DER", "-out", "tsa.der",
            ],
        );
        Self { _tmp: tmp, dir }
    }

    /// Writes a request with the extra `query_args` and OpenSSL's reply to it; returns both.
    fn exchange(&self, name: &str, query_args: &[&str]) -> (Vec<u8>, Vec<u8>) {
        let tsq = format!("{name}.tsq");
        let tsr = format!("{name}.tsr");
        let mut args = vec!["ts", "-query", "-data", "data.txt", "-out", &tsq];
        args.extend_from_slice(query_args);
        openssl(&self.dir, &args);
        openssl(
            &self.dir,
            &[
                "ts",
                "-reply",
                "-config",
                "openssl.cnf",
                "-queryfile",
                &tsq,
                "-out",
                &tsr,
            ],
        );
        (self.read(&tsq), self.read(&tsr))
    }

    fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.dir.join(name)).expect("read fixture")
    }
}

fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

/// Asserts that `T` decodes `der` and re-encodes it to the same bytes.
fn round_trip<'a, T>(der: &'a [u8]) -> T
where
    T: Decode<'a> + Encode,
    <T as Decode<'a>>::Error: core::fmt::Debug,
{
    let value = T::from_der(der).expect("decode");
    assert_eq!(value.to_der().expect("encode"), der, "re-encoding differs");
    value
}

/// The `SignedData` of a token and the DER `TSTInfo` it encapsulates.
fn open_token(resp: &TimeStampResp) -> (SignedData, Vec<u8>) {
    let token = resp.granted_token().expect("granted");
    assert_eq!(token.content_type, const_oid::db::rfc5911::ID_SIGNED_DATA);
    let signed_data: SignedData = round_trip(&token.content.to_der().expect("encode content"));
    let encap = &signed_data.encap_content_info;
    assert_eq!(encap.econtent_type, ID_CT_TST_INFO);
    let econtent = encap.econtent.as_ref().expect("eContent");
    let octets = econtent
        .decode_as::<OctetString>()
        .expect("eContent OCTET STRING");
    let tst_der = octets.as_bytes().to_vec();
    (signed_data, tst_der)
}

#[test]
fn request_with_nonce_and_cert_req_round_trips() {
    let fx = Fixtures::generate(0);
    let (tsq, _) = fx.exchange("req", &["-sha256", "-cert"]);

    let req: TimeStampReq = round_trip(&tsq);
    assert_eq!(TimeStampReq::parse(&tsq).unwrap(), req);
    assert_eq!(req.version, TspVersion::V1);
    assert_eq!(req.message_imprint.hash_algorithm.oid, ID_SHA256);
    assert_eq!(
        req.message_imprint.hashed_message.as_bytes(),
        Sha256::digest(DATA).as_slice()
    );
    assert!(req.cert_req.get());
    assert!(req.nonce.is_some(), "openssl adds a nonce by default");
    assert_eq!(req.req_policy, None);
    assert_eq!(req.extensions, None);
}

#[test]
fn request_with_policy_and_without_nonce_round_trips() {
    let fx = Fixtures::generate(0);
    let (tsq, tsr) = fx.exchange(
        "policy",
        &["-sha512", "-no_nonce", "-tspolicy", OTHER_POLICY],
    );

    let req: TimeStampReq = round_trip(&tsq);
    assert_eq!(req.req_policy, Some(oid(OTHER_POLICY)));
    assert_eq!(req.nonce, None);
    assert!(!req.cert_req.get());
    assert_eq!(req.message_imprint.hashed_message.as_bytes().len(), 64);

    let resp: TimeStampResp = round_trip(&tsr);
    let (signed_data, tst_der) = open_token(&resp);
    // Without certReq, OpenSSL leaves the certificate out of the token.
    assert!(signed_data.certificates.is_none());
    let tst: TstInfo = round_trip(&tst_der);
    assert_eq!(tst.policy, oid(OTHER_POLICY));
    assert_eq!(tst.nonce, None);
    assert_eq!(tst.message_imprint, req.message_imprint);
}

#[test]
fn granted_response_round_trips_with_all_tst_info_fields() {
    let fx = Fixtures::generate(0);
    let (tsq, tsr) = fx.exchange("granted", &["-sha256", "-cert"]);
    let req = TimeStampReq::parse(&tsq).unwrap();

    let resp: TimeStampResp = round_trip(&tsr);
    assert_eq!(TimeStampResp::parse(&tsr).unwrap(), resp);
    assert_eq!(resp.status.status, PkiStatus::Granted);
    assert_eq!(resp.status.fail_info, None);

    let (signed_data, tst_der) = open_token(&resp);
    let tst: TstInfo = round_trip(&tst_der);
    assert_eq!(TstInfo::parse(&tst_der).unwrap(), tst);
    assert_eq!(tst.version, TspVersion::V1);
    assert_eq!(tst.policy, oid(DEFAULT_POLICY));
    assert_eq!(tst.message_imprint, req.message_imprint);
    assert_eq!(tst.nonce, req.nonce);
    assert_eq!(tst.serial_number, Int::new(&[2]).unwrap());
    assert_eq!(
        tst.accuracy,
        Some(Accuracy {
            seconds: Some(1),
            millis: SubSecond::new(500),
            micros: SubSecond::new(100),
        })
    );
    assert!(tst.ordering.get());
    assert_eq!(tst.gen_time.subsec_nanos(), 0);
    let tsa = tst.tsa.as_ref().expect("tsa_name = yes");
    let GeneralName::DirectoryName(name) = tsa else {
        panic!("tsa is not a directoryName: {tsa:?}");
    };
    assert_eq!(name.to_string(), "O=Dalel tests,CN=Test TSA");

    // The signer info binds the TSA certificate through ESS signingCertificateV2.
    let cert_der = fx.read("tsa.der");
    let signer = signed_data
        .signer_infos
        .0
        .iter()
        .next()
        .expect("one signer");
    let attrs = signer.signed_attrs.as_ref().expect("signed attributes");
    let attr = attrs
        .iter()
        .find(|a| a.oid == ID_AA_SIGNING_CERTIFICATE_V2)
        .expect("signingCertificateV2");
    let value = attr.values.iter().next().unwrap().to_der().unwrap();
    let signing_cert: SigningCertificateV2 = round_trip(&value);
    let first = &signing_cert.certs[0];
    assert_eq!(first.hash_algorithm, None, "SHA-256 is the omitted default");
    assert_eq!(first.effective_hash_algorithm().oid, ID_SHA256);
    assert_eq!(
        first.cert_hash.as_bytes(),
        Sha256::digest(&cert_der).as_slice()
    );
}

#[test]
fn fractional_gen_time_round_trips() {
    let fx = Fixtures::generate(3);
    // A whole-second genTime has a 1-in-1000 chance per token; a few tokens make a fraction
    // all but certain.
    let mut saw_fraction = false;
    for i in 0..5 {
        let (_, tsr) = fx.exchange(&format!("fraction{i}"), &["-sha256"]);
        let resp: TimeStampResp = round_trip(&tsr);
        let (_, tst_der) = open_token(&resp);
        let tst: TstInfo = round_trip(&tst_der);
        // OpenSSL writes up to three digits and drops trailing zeros, as RFC 3161 requires.
        let nanos = tst.gen_time.subsec_nanos();
        assert_eq!(nanos % 1_000_000, 0);
        saw_fraction |= nanos != 0;
    }
    assert!(saw_fraction);
}

#[test]
fn rejected_response_round_trips_with_failure_info() {
    let fx = Fixtures::generate(0);
    // SHA-1 is not in the TSA's `digests`, so OpenSSL rejects the request.
    let (_, tsr) = fx.exchange("rejected", &["-sha1"]);

    let resp: TimeStampResp = round_trip(&tsr);
    let resp2 = TimeStampResp::parse(&tsr).unwrap();
    assert_eq!(resp2, resp);
    assert_eq!(resp.status.status, PkiStatus::Rejection);
    assert_eq!(resp.status.fail_info, Some(PkiFailureInfo::BAD_ALG));
    assert!(resp.time_stamp_token.is_none());
    match resp.granted_token() {
        Err(TspError::NotGranted {
            status: PkiStatus::Rejection,
            fail_info: Some(info),
            text: Some(text),
        }) => {
            assert_eq!(info, PkiFailureInfo::BAD_ALG);
            assert_eq!(text, ["Message digest algorithm is not supported."]);
        }
        other => panic!("expected NotGranted, got {other:?}"),
    }
}

#[test]
fn token_only_output_is_a_content_info() {
    let fx = Fixtures::generate(0);
    fx.exchange("tok", &["-sha256", "-cert"]);
    openssl(
        &fx.dir,
        &[
            "ts",
            "-reply",
            "-in",
            "tok.tsr",
            "-token_out",
            "-out",
            "tok.der",
        ],
    );
    let token_der = fx.read("tok.der");
    let token: verifier::tsp::TimeStampToken = round_trip(&token_der);
    let resp = TimeStampResp::parse(&fx.read("tok.tsr")).unwrap();
    assert_eq!(resp.time_stamp_token.as_ref(), Some(&token));
}

// ----- malformed input: precise errors, never a panic -----

fn malformed_kind(result: Result<impl core::fmt::Debug, TspError>, structure: &str) -> ErrorKind {
    match result {
        Err(TspError::Malformed {
            structure: s,
            source,
        }) => {
            assert_eq!(s, structure);
            source.kind()
        }
        other => panic!("expected Malformed {structure}, got {other:?}"),
    }
}

#[test]
fn every_truncation_is_an_error() {
    let fx = Fixtures::generate(0);
    let (tsq, tsr) = fx.exchange("trunc", &["-sha256", "-cert"]);
    let resp = TimeStampResp::parse(&tsr).unwrap();
    let (_, tst_der) = open_token(&resp);

    for cut in 0..tsq.len() {
        malformed_kind(TimeStampReq::parse(&tsq[..cut]), "TimeStampReq");
    }
    for cut in 0..tsr.len() {
        malformed_kind(TimeStampResp::parse(&tsr[..cut]), "TimeStampResp");
    }
    for cut in 0..tst_der.len() {
        malformed_kind(TstInfo::parse(&tst_der[..cut]), "TSTInfo");
    }

    // Cutting the last byte leaves the outer length promising more than there is.
    let kind = malformed_kind(TimeStampResp::parse(&tsr[..tsr.len() - 1]), "TimeStampResp");
    assert!(matches!(kind, ErrorKind::Incomplete { .. }), "{kind:?}");
}

#[test]
fn garbage_and_trailing_bytes_are_precise_errors() {
    let fx = Fixtures::generate(0);
    let (tsq, tsr) = fx.exchange("junk", &["-sha256"]);

    // An OCTET STRING where a SEQUENCE belongs.
    let kind = malformed_kind(
        TimeStampResp::parse(&[0x04, 0x02, 0xde, 0xad]),
        "TimeStampResp",
    );
    assert_eq!(
        kind,
        ErrorKind::TagUnexpected {
            expected: Some(Tag::Sequence),
            actual: Tag::OctetString
        }
    );

    // A valid response followed by one more byte.
    let mut long = tsr.clone();
    long.push(0);
    let kind = malformed_kind(TimeStampResp::parse(&long), "TimeStampResp");
    assert!(matches!(kind, ErrorKind::TrailingData { .. }), "{kind:?}");

    // Version 2: the byte after `30 len 02 01` is the version.
    let mut v2 = tsq.clone();
    assert_eq!(&v2[2..5], &[0x02, 0x01, 0x01]);
    v2[4] = 2;
    let kind = malformed_kind(TimeStampReq::parse(&v2), "TimeStampReq");
    assert_eq!(kind, Tag::Integer.value_error());

    // Deterministic pseudo-random garbage of many lengths: errors, not panics.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for len in 0..512 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        assert!(TimeStampReq::parse(&bytes).is_err());
        assert!(TimeStampResp::parse(&bytes).is_err());
        assert!(TstInfo::parse(&bytes).is_err());
        assert!(SigningCertificateV2::from_der(&bytes).is_err());
    }
}

#[test]
fn wrong_imprint_length_is_rejected() {
    let fx = Fixtures::generate(0);
    let (tsq, _) = fx.exchange("imprint", &["-sha256", "-no_nonce"]);
    let mut req = TimeStampReq::parse(&tsq).unwrap();
    // Claim SHA-512 for a 32-byte hash.
    req.message_imprint.hash_algorithm.oid = const_oid::db::rfc5912::ID_SHA_512;
    let der = req.to_der().unwrap();
    match TimeStampReq::parse(&der) {
        Err(TspError::ImprintLength {
            algorithm,
            expected: 64,
            actual: 32,
        }) => assert_eq!(algorithm, const_oid::db::rfc5912::ID_SHA_512),
        other => panic!("expected ImprintLength, got {other:?}"),
    }
}
