//! The fixture of the verifier benches, made with the `openssl` command line at bench start
//! in a scratch directory under `target/bench-tmp` (removed when dropped): a root CA, an
//! intermediate CA, a signer and a TSA (all ECDSA P-256), a CRL from each CA, a 1 KiB
//! document, its detached CMS signature and an RFC 3161 token over that signature's value.

use std::path::{Path, PathBuf};
use std::process::Command;

use cms::content_info::ContentInfo;
use cms::revocation::{RevocationInfoChoice, RevocationInfoChoices};
use cms::signed_data::{SignedData, SignerInfo};
use der::asn1::SetOfVec;
use der::{Any, Decode as _, Encode as _};
use verifier::cms::SignedMessage;
use verifier::path::{ParsedCertificate, TrustAnchor, parse_certificates};
use verifier::revocation::{RevocationOptions, RevocationSources, SourceOrigin};
use verifier::validation::ValidationPolicy;
use x509_cert::attr::Attribute;
use x509_cert::crl::CertificateList;

/// `id-aa-signatureTimeStampToken` (RFC 3161 Appendix A).
const SIGNATURE_TIME_STAMP: &str = "1.2.840.113549.1.9.16.2.14";

/// Everything a verification of the document needs, as bytes.
pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    /// The root CA: the one trust anchor.
    pub(crate) root: ParsedCertificate,
    /// The signer's certificate (issued by the intermediate).
    pub(crate) signer: ParsedCertificate,
    /// The TSA's certificate (issued by the intermediate).
    pub(crate) tsa: ParsedCertificate,
    /// A CRL of the root and one of the intermediate, DER.
    pub(crate) crls: [Vec<u8>; 2],
    /// The signed document (1 KiB).
    pub(crate) document: Vec<u8>,
    /// Its detached CMS SignedData, DER, carrying the signer and intermediate certificates.
    pub(crate) cms: Vec<u8>,
    /// The signer's signature value (the time-stamped data).
    pub(crate) signature_value: Vec<u8>,
    /// A DER `TimeStampToken` over `signature_value` (SHA-256 imprint), carrying the TSA and
    /// intermediate certificates.
    pub(crate) token: Vec<u8>,
}

impl Fixture {
    pub(crate) fn new() -> Self {
        let dir = scratch_dir("verify-cms");
        let base = dir.path();
        let root = Ca::root(base, "root", "Bench Root CA");
        let intermediate = root.subordinate(base, "intermediate", "Bench Intermediate CA");
        let (signer_crt, signer_key) = intermediate.issue(
            "signer",
            "/CN=AKHMETOV ASAN/serialNumber=IIN900101300126/C=KZ",
            "basicConstraints = critical,CA:FALSE\n\
             keyUsage = critical,digitalSignature,nonRepudiation\n",
        );
        let (tsa_crt, tsa_key) = intermediate.issue(
            "tsa",
            "/CN=Bench TSA/C=KZ",
            "basicConstraints = critical,CA:FALSE\n\
             keyUsage = critical,digitalSignature\n\
             extendedKeyUsage = critical,timeStamping\n",
        );
        // The CRLs first: revocation data must not be younger than the validation time.
        let crls = [root.crl(), intermediate.crl()];

        let document: Vec<u8> = b"Interrogation protocol No. 1. "
            .iter()
            .copied()
            .cycle()
            .take(1024)
            .collect();
        let doc_path = base.join("document.txt");
        std::fs::write(&doc_path, &document).expect("cannot write the document");
        let cms_path = base.join("document.p7s");
        openssl(
            base,
            &[
                "cms",
                "-sign",
                "-binary",
                "-md",
                "sha256",
                "-in",
                s(&doc_path),
                "-signer",
                s(&signer_crt),
                "-inkey",
                s(&signer_key),
                "-certfile",
                s(&intermediate.cert),
                "-nosmimecap",
                "-outform",
                "DER",
                "-out",
                s(&cms_path),
            ],
        );
        let cms = read(&cms_path);
        let signature_value = first_signer(&cms).signature.as_bytes().to_vec();

        let tsa_dir = base.join("tsa");
        std::fs::create_dir_all(&tsa_dir).expect("cannot create the TSA directory");
        std::fs::write(tsa_dir.join("serial"), "01\n").expect("cannot write the TSA serial");
        std::fs::write(
            tsa_dir.join("tsa.cnf"),
            tsa_cnf(&tsa_dir, &tsa_crt, &tsa_key, &intermediate.cert),
        )
        .expect("cannot write the TSA configuration");
        let digest =
            hex::encode(verifier::crypto::DigestAlgorithm::Sha256.digest(&signature_value));
        openssl(
            &tsa_dir,
            &[
                "ts",
                "-query",
                "-digest",
                &digest,
                "-sha256",
                "-cert",
                "-out",
                "query.tsq",
            ],
        );
        openssl(
            &tsa_dir,
            &[
                "ts",
                "-reply",
                "-config",
                "tsa.cnf",
                "-queryfile",
                "query.tsq",
                "-token_out",
                "-out",
                "token.der",
            ],
        );
        let token = read(&tsa_dir.join("token.der"));

        Self {
            root: certificate(&root.cert),
            signer: certificate(&signer_crt),
            tsa: certificate(&tsa_crt),
            crls,
            document,
            cms,
            signature_value,
            token,
            _dir: dir,
        }
    }

    /// Trusts the root, checks revocation without the network, and with `supplied` hands the
    /// CRLs in as the caller's.
    pub(crate) fn policy(&self, supplied: bool) -> ValidationPolicy {
        let mut sources = RevocationSources::new();
        if supplied {
            for crl in &self.crls {
                sources.add_crls(crl, SourceOrigin::Supplied);
            }
        }
        ValidationPolicy {
            anchors: vec![TrustAnchor::from_certificate(self.root.clone())],
            revocation: Some(RevocationOptions::default()),
            revocation_sources: sources,
            ..ValidationPolicy::default()
        }
    }

    /// The CMS with what OpenSSL cannot put in: the token as the signer's
    /// `signature-time-stamp` unsigned attribute and both CRLs in `SignedData.crls`.
    pub(crate) fn cms_with_embedded_token_and_crls(&self) -> Vec<u8> {
        let mut info = ContentInfo::from_der(&self.cms).expect("the CMS is a ContentInfo");
        let mut sd: SignedData = info.content.decode_as().expect("the CMS is a SignedData");
        let crls: Vec<RevocationInfoChoice> = self
            .crls
            .iter()
            .map(|der| RevocationInfoChoice::Crl(CertificateList::from_der(der).expect("a CRL")))
            .collect();
        sd.crls = Some(RevocationInfoChoices(
            SetOfVec::try_from(crls).expect("distinct CRLs"),
        ));
        let mut signers: Vec<SignerInfo> = sd.signer_infos.0.iter().cloned().collect();
        let attribute = Attribute {
            oid: SIGNATURE_TIME_STAMP.parse().expect("an OID"),
            values: SetOfVec::try_from(vec![Any::from_der(&self.token).expect("a token")])
                .expect("one value"),
        };
        signers[0].unsigned_attrs = Some(SetOfVec::try_from(vec![attribute]).expect("one"));
        sd.signer_infos.0 = SetOfVec::try_from(signers).expect("one signer");
        info.content = Any::encode_from(&sd).expect("encodable SignedData");
        info.to_der().expect("encodable ContentInfo")
    }
}

/// The first `SignerInfo` of a DER CMS `ContentInfo`, read through `verifier::cms`.
pub(crate) fn first_signer(der: &[u8]) -> SignerInfo {
    let message = SignedMessage::parse(der).expect("a CMS SignedData");
    message
        .syntax()
        .signer_infos
        .iter()
        .next()
        .expect("one signer")
        .decode_as()
        .expect("a SignerInfo")
}

/// A CA run by `openssl ca` in its own directory.
struct Ca {
    dir: PathBuf,
    cert: PathBuf,
}

impl Ca {
    /// A self-signed root CA.
    fn root(base: &Path, name: &str, cn: &str) -> Self {
        let ca = Self::prepare(base, name);
        openssl(
            &ca.dir,
            &[
                "req",
                "-x509",
                "-config",
                "ca.cnf",
                "-extensions",
                "ca_ext",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-subj",
                &format!("/CN={cn}"),
                "-days",
                "30",
            ],
        );
        ca
    }

    /// A CA certified by this one.
    fn subordinate(&self, base: &Path, name: &str, cn: &str) -> Self {
        let ca = Self::prepare(base, name);
        let (crt, key) = self.issue(
            name,
            &format!("/CN={cn}"),
            "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n",
        );
        std::fs::copy(crt, &ca.cert).expect("cannot copy the CA certificate");
        std::fs::copy(key, ca.dir.join("ca.key")).expect("cannot copy the CA key");
        ca
    }

    fn prepare(base: &Path, name: &str) -> Self {
        let dir = base.join(name);
        std::fs::create_dir_all(dir.join("newcerts")).expect("cannot create a CA directory");
        for (file, text) in [
            ("index.txt", String::new()),
            ("serial", "1000\n".to_owned()),
            ("crlnumber", "01\n".to_owned()),
            ("ca.cnf", CA_CNF.to_owned()),
        ] {
            std::fs::write(dir.join(file), text).expect("cannot write a CA file");
        }
        Self {
            cert: dir.join("ca.crt"),
            dir,
        }
    }

    /// Issues a certificate for a new P-256 key with `subject` and the extensions in `ext`
    /// (plus key identifiers); returns the certificate's and the key's paths.
    fn issue(&self, name: &str, subject: &str, ext: &str) -> (PathBuf, PathBuf) {
        let ext_file = format!("{name}.ext");
        std::fs::write(
            self.dir.join(&ext_file),
            format!("[ext]\n{ext}subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"),
        )
        .expect("cannot write an extension file");
        let (csr, crt, key) = (
            format!("{name}.csr"),
            format!("{name}.crt"),
            format!("{name}.key"),
        );
        openssl(
            &self.dir,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                subject,
                "-utf8",
            ],
        );
        openssl(
            &self.dir,
            &[
                "ca",
                "-batch",
                "-notext",
                "-config",
                "ca.cnf",
                "-extfile",
                &ext_file,
                "-extensions",
                "ext",
                "-in",
                &csr,
                "-out",
                &crt,
            ],
        );
        (self.dir.join(crt), self.dir.join(key))
    }

    /// A complete CRL valid for a day, DER.
    fn crl(&self) -> Vec<u8> {
        openssl(
            &self.dir,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-gencrl",
                "-crlexts",
                "crl_ext",
                "-crlhours",
                "24",
                "-out",
                "ca.crl",
            ],
        );
        openssl(
            &self.dir,
            &[
                "crl",
                "-in",
                "ca.crl",
                "-outform",
                "DER",
                "-out",
                "ca.crl.der",
            ],
        );
        read(&self.dir.join("ca.crl.der"))
    }
}

const CA_CNF: &str = r#"[ca]
default_ca = ca_default

[ca_default]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
preserve = yes

[policy_any]
commonName = supplied
serialNumber = optional
countryName = optional

[crl_ext]
authorityKeyIdentifier = keyid

[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"#;

fn tsa_cnf(dir: &Path, cert: &Path, key: &Path, chain: &Path) -> String {
    format!(
        r#"[tsa]
default_tsa = tsa_config

[tsa_config]
dir = {}
serial = $dir/serial
crypto_device = builtin
signer_cert = {}
certs = {}
signer_key = {}
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"#,
        s(dir),
        s(cert),
        s(chain),
        s(key)
    )
}

/// Runs `openssl` in `dir`; panics with its stderr on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("cannot run openssl (is it installed?)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn certificate(path: &Path) -> ParsedCertificate {
    parse_certificates(&read(path))
        .expect("a PEM certificate")
        .remove(0)
}

/// The workspace's target directory.
fn target_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    dir.canonicalize().unwrap_or(dir)
}

/// A fresh directory under `target/bench-tmp`, removed when dropped.
fn scratch_dir(name: &str) -> tempfile::TempDir {
    let parent = target_dir().join("bench-tmp");
    std::fs::create_dir_all(&parent).expect("cannot create target/bench-tmp");
    tempfile::Builder::new()
        .prefix(name)
        .tempdir_in(parent)
        .expect("cannot create a scratch directory")
}
