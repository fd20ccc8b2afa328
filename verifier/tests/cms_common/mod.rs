//! A small PKI made with the `openssl` command line, and helpers to produce and tamper with CMS
//! messages and time-stamp tokens, for the `cms_*` tests.
//!
//! Generated once per test binary, in `CARGO_TARGET_TMPDIR/cms-pki/<test binary>`:
//!
//! ```text
//! openssl req -x509 -config pki.cnf -extensions ca_ext -newkey ec ... -out ca.pem
//! openssl req -new ... -keyout NAME.key -out NAME.csr
//! openssl x509 -req -in NAME.csr -CA ca.pem -CAkey ca.key -set_serial SERIAL \
//!     -extfile pki.cnf -extensions EXT -out NAME.pem
//! ```
//!
//! for `ec` (P-256, serial 0x1001), `rsa` (RSA-2048, 0x1002), `tsa` (P-256, 0x1003, critical
//! `extendedKeyUsage = timeStamping`) and two impostors that reuse the issuer and serial number
//! of `ec` and `tsa` with fresh keys.

#![allow(dead_code)] // each test binary uses a different part
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

/// The data most tests sign.
pub(crate) const DATA: &[u8] = b"D\xc3\xa4lel protocol of interrogation No. 42\n";
/// The TSA's default policy.
pub(crate) const DEFAULT_POLICY: &str = "1.2.3.4.1";
/// The other policy the TSA accepts.
pub(crate) const OTHER_POLICY: &str = "1.2.3.4.5";

const PKI_CNF: &str = r#"[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[signer_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[tsa_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[tsa]
default_tsa = tsa_v1

[tsa_v1]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha1, sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha1

[tsa_v2]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha1, sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"#;

const EC: &str = "ec -pkeyopt ec_paramgen_curve:P-256";

/// The generated PKI.
pub(crate) struct Pki {
    dir: PathBuf,
}

/// The PKI of this test binary, generated on first use.
pub(crate) fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(Pki::generate)
}

#[path = "../openssl_cli/mod.rs"]
mod openssl_cli;
pub(crate) use openssl_cli::openssl;

impl Pki {
    fn generate() -> Self {
        // One directory per test binary under Cargo's scratch space, replaced on each run.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("cms-pki")
            .join(env!("CARGO_CRATE_NAME"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Self { dir };
        pki.write("pki.cnf", PKI_CNF.as_bytes());
        pki.write("data.txt", DATA);
        pki.write("tsaserial", b"01\n");
        let ec: Vec<&str> = EC.split(' ').collect();
        let mut args = vec![
            "req",
            "-x509",
            "-config",
            "pki.cnf",
            "-extensions",
            "ca_ext",
        ];
        args.extend(["-newkey"]);
        args.extend(&ec);
        args.extend([
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "30",
            "-subj",
            "/CN=Dalel Test CA/O=Dalel tests",
        ]);
        pki.run(&args);
        pki.leaf("ec", EC, "ec", "0x1001", "signer_ext");
        pki.leaf("rsa", "rsa:2048", "rsa", "0x1002", "signer_ext");
        pki.leaf("tsa", EC, "tsa", "0x1003", "tsa_ext");
        // Same issuer and serial number as `ec` / `tsa`, and the same subject, other keys.
        pki.leaf("ec_impostor", EC, "ec", "0x1001", "signer_ext");
        pki.leaf("tsa_impostor", EC, "tsa", "0x1003", "tsa_ext");
        pki
    }

    fn leaf(&self, name: &str, key: &str, cn: &str, serial: &str, ext: &str) {
        let mut args = vec!["req", "-new", "-config", "pki.cnf", "-newkey"];
        args.extend(key.split(' '));
        let key_file = format!("{name}.key");
        let csr = format!("{name}.csr");
        let subject = format!("/CN={cn}/O=Dalel tests");
        args.extend([
            "-nodes", "-keyout", &key_file, "-out", &csr, "-subj", &subject,
        ]);
        self.run(&args);
        let pem = format!("{name}.pem");
        self.run(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            serial,
            "-days",
            "30",
            "-extfile",
            "pki.cnf",
            "-extensions",
            ext,
            "-out",
            &pem,
        ]);
    }

    /// The working directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `openssl` in the working directory.
    pub(crate) fn run(&self, args: &[&str]) -> Vec<u8> {
        openssl(&self.dir, args)
    }

    /// Writes a file in the working directory.
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.join(name), bytes).unwrap();
    }

    /// Reads a file of the working directory.
    pub(crate) fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(name)).unwrap()
    }

    /// A file name unique within this process, with `ext`.
    pub(crate) fn fresh(&self, ext: &str) -> String {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        format!("f{}.{ext}", N.fetch_add(1, Ordering::Relaxed))
    }

    /// The certificate `name` (`ca`, `ec`, `rsa`, `tsa`, `ec_impostor`, `tsa_impostor`).
    pub(crate) fn cert(&self, name: &str) -> Certificate {
        Certificate::from_der(&self.cert_der(name)).unwrap()
    }

    /// The DER of certificate `name`.
    pub(crate) fn cert_der(&self, name: &str) -> Vec<u8> {
        der::pem::decode_vec(&self.read(&format!("{name}.pem")))
            .unwrap()
            .1
    }

    /// `openssl cms -sign -binary -outform DER` over `data` by `signers` (certificate names),
    /// with `extra` arguments (`-nodetach`, `-noattr`, `-cades`, `-keyid`, `-nocerts`, …).
    pub(crate) fn cms_sign(&self, data: &[u8], signers: &[&str], extra: &[&str]) -> Vec<u8> {
        let input = self.fresh("bin");
        let output = self.fresh("p7");
        self.write(&input, data);
        let mut args = vec!["cms", "-sign", "-binary", "-in", &input, "-outform", "DER"];
        let files: Vec<(String, String)> = signers
            .iter()
            .map(|s| (format!("{s}.pem"), format!("{s}.key")))
            .collect();
        for (pem, key) in &files {
            args.extend(["-signer", pem, "-inkey", key]);
        }
        args.extend(extra);
        args.extend(["-out", &output]);
        self.run(&args);
        self.read(&output)
    }

    /// `openssl ts -query` over `data` with `query_args` and `openssl ts -reply` from config
    /// section `section` (`tsa_v1`: ESSCertID, `tsa_v2`: ESSCertIDv2). Returns the request and
    /// the response.
    pub(crate) fn ts_exchange(
        &self,
        data: &[u8],
        query_args: &[&str],
        section: &str,
    ) -> (Vec<u8>, Vec<u8>) {
        let input = self.fresh("dat");
        let tsq = self.fresh("tsq");
        let tsr = self.fresh("tsr");
        self.write(&input, data);
        let mut args = vec!["ts", "-query", "-data", &input, "-out", &tsq];
        args.extend(query_args);
        self.run(&args);
        // `ts -reply` reads and rewrites the serial file: one at a time.
        static REPLY: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = REPLY
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.run(&[
            "ts",
            "-reply",
            "-config",
            "pki.cnf",
            "-section",
            section,
            "-queryfile",
            &tsq,
            "-out",
            &tsr,
        ]);
        (self.read(&tsq), self.read(&tsr))
    }

    /// A bare token over `data` (`ts -reply -token_out`), SHA-256 imprint, certificate
    /// included.
    pub(crate) fn ts_token(&self, data: &[u8], section: &str) -> Vec<u8> {
        let (_, resp) = self.ts_exchange(data, &["-sha256", "-cert"], section);
        token_of_response(&resp)
    }
}

/// The DER `TimeStampToken` inside a DER `TimeStampResp`.
pub(crate) fn token_of_response(resp: &[u8]) -> Vec<u8> {
    let resp = verifier::tsp::TimeStampResp::parse(resp).unwrap();
    resp.granted_token().unwrap().to_der().unwrap()
}

/// Decodes the `SignedData` of a DER `ContentInfo`, lets `f` change it, and re-encodes it.
pub(crate) fn modify(der: &[u8], f: impl FnOnce(&mut SignedData)) -> Vec<u8> {
    let mut info = ContentInfo::from_der(der).unwrap();
    let mut sd: SignedData = info.content.decode_as().unwrap();
    f(&mut sd);
    info.content = Any::encode_from(&sd).unwrap();
    info.to_der().unwrap()
}

/// Lets `f` change the signer infos of `sd` (in their DER order).
pub(crate) fn modify_signers(sd: &mut SignedData, f: impl FnOnce(&mut Vec<SignerInfo>)) {
    let mut signers: Vec<SignerInfo> = sd.signer_infos.0.iter().cloned().collect();
    f(&mut signers);
    sd.signer_infos.0 = SetOfVec::try_from(signers).unwrap();
}

/// Replaces the embedded certificates of `sd` with `certs`.
pub(crate) fn set_certificates(sd: &mut SignedData, certs: &[Certificate]) {
    let choices: Vec<_> = certs
        .iter()
        .cloned()
        .map(cms::cert::CertificateChoices::Certificate)
        .collect();
    sd.certificates = Some(cms::signed_data::CertificateSet::try_from(choices).unwrap());
}

/// Adds `certs` to the embedded certificates of `sd`.
pub(crate) fn add_certificates(sd: &mut SignedData, certs: &[Certificate]) {
    let mut all: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            cms::cert::CertificateChoices::Other(_) => None,
        })
        .collect();
    all.extend(certs.iter().cloned());
    set_certificates(sd, &all);
}

/// An attribute with one DER value.
pub(crate) fn attribute(oid: &str, value_der: &[u8]) -> Attribute {
    Attribute {
        oid: ObjectIdentifier::new_unwrap(oid),
        values: SetOfVec::try_from(vec![Any::from_der(value_der).unwrap()]).unwrap(),
    }
}

/// Adds `attr` to the unsigned attributes of `si`.
pub(crate) fn add_unsigned(si: &mut SignerInfo, attr: Attribute) {
    let mut all: Vec<Attribute> = si
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter().cloned())
        .collect();
    all.push(attr);
    si.unsigned_attrs = Some(SetOfVec::try_from(all).unwrap());
}

/// Lets `f` change the value of signed attribute `oid` of `si` (its one value's DER).
pub(crate) fn modify_signed_attr(si: &mut SignerInfo, oid: &str, f: impl FnOnce(&mut Vec<u8>)) {
    let oid = ObjectIdentifier::new_unwrap(oid);
    let mut all: Vec<Attribute> = si
        .signed_attrs
        .iter()
        .flat_map(|a| a.iter().cloned())
        .collect();
    let attr = all
        .iter_mut()
        .find(|a| a.oid == oid)
        .expect("attribute present");
    let mut der = attr.values.iter().next().unwrap().to_der().unwrap();
    f(&mut der);
    attr.values = SetOfVec::try_from(vec![Any::from_der(&der).unwrap()]).unwrap();
    si.signed_attrs = Some(SetOfVec::try_from(all).unwrap());
}

/// The signature value of the first signer of a DER `ContentInfo`.
pub(crate) fn signature_value(der: &[u8]) -> Vec<u8> {
    let info = ContentInfo::from_der(der).unwrap();
    let sd: SignedData = info.content.decode_as().unwrap();
    sd.signer_infos
        .0
        .iter()
        .next()
        .unwrap()
        .signature
        .as_bytes()
        .to_vec()
}

/// The first signer info of a DER `ContentInfo`.
pub(crate) fn first_signer(der: &[u8]) -> SignerInfo {
    let info = ContentInfo::from_der(der).unwrap();
    let sd: SignedData = info.content.decode_as().unwrap();
    sd.signer_infos.0.iter().next().unwrap().clone()
}

/// The encapsulated content of a DER `ContentInfo` holding `SignedData`.
pub(crate) fn econtent(der: &[u8]) -> Vec<u8> {
    let info = ContentInfo::from_der(der).unwrap();
    let sd: SignedData = info.content.decode_as().unwrap();
    let any = sd.encap_content_info.econtent.unwrap();
    any.decode_as::<OctetString>().unwrap().as_bytes().to_vec()
}

/// Flips the lowest bit of byte `index` of an octet string's value.
pub(crate) fn flip(bytes: &mut [u8], index: usize) {
    bytes[index] ^= 0x01;
}
