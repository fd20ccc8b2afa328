//! A certification authority for token tests, run with the `openssl` command line: it
//! certifies public keys generated on a (virtual) card, in the shapes of the NCA's
//! authentication and signing certificates, and revokes them in a CRL.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a certificate is for, as the NCA tells them apart (key usage and extended key usage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// digitalSignature + keyEncipherment, clientAuth: logging in.
    Authentication,
    /// digitalSignature + nonRepudiation, emailProtection: signing documents.
    Signing,
}

/// A CA in a directory: `ca.pem`, `ca.key`, the `openssl ca` database and `ca.crl`.
pub struct TestCa {
    dir: PathBuf,
    serial: u32,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestCa {
    /// A new P-256 CA named `name` in `dir` (created), with an empty CRL.
    pub fn new(dir: &Path, name: &str) -> Self {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join("index.txt"), "").unwrap();
        fs::write(dir.join("crlnumber"), "01\n").unwrap();
        fs::write(
            dir.join("ca.cnf"),
            "[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
             default_md = sha256\ndefault_crl_days = 30\ncrl_extensions = crl_ext\n\
             [crl_ext]\nauthorityKeyIdentifier = keyid:always\n\
             [v3_ca]\nbasicConstraints = critical,CA:true\nkeyUsage = critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier = hash\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                "ca.key",
            ],
        );
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-x509",
                "-key",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "365",
                "-subj",
                &format!("/C=KZ/O=Dalel test/CN={name}"),
                "-config",
                "ca.cnf",
                "-extensions",
                "v3_ca",
            ],
        );
        let ca = Self {
            dir: dir.to_owned(),
            serial: 0x1000,
        };
        ca.update_crl();
        ca
    }

    /// The CA certificate (PEM).
    pub fn certificate_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The current CRL (PEM).
    pub fn crl_path(&self) -> PathBuf {
        self.dir.join("ca.crl")
    }

    /// Certifies the public key `spki_der` for a person with `iin` and `common_name` (ASCII:
    /// `openssl x509 -new` takes no UTF-8 subject);
    /// returns the certificate's DER.
    pub fn issue(
        &mut self,
        spki_der: &[u8],
        common_name: &str,
        iin: &str,
        profile: Profile,
    ) -> Vec<u8> {
        self.serial += 1;
        let stem = format!("cert-{:x}", self.serial);
        let public = self.dir.join(format!("{stem}.pub.pem"));
        fs::write(&public, pem("PUBLIC KEY", spki_der)).unwrap();
        let (usage, eku) = match profile {
            Profile::Authentication => ("digitalSignature,keyEncipherment", "clientAuth"),
            Profile::Signing => ("digitalSignature,nonRepudiation", "emailProtection"),
        };
        fs::write(
            self.dir.join(format!("{stem}.ext")),
            format!(
                "basicConstraints = critical,CA:false\nkeyUsage = critical,{usage}\n\
                 extendedKeyUsage = {eku}\nauthorityKeyIdentifier = keyid:always\n\
                 subjectKeyIdentifier = hash\n"
            ),
        )
        .unwrap();
        let pem = format!("{stem}.pem");
        openssl(
            &self.dir,
            &[
                "x509",
                "-new",
                "-force_pubkey",
                &format!("{stem}.pub.pem"),
                "-subj",
                &format!("/C=KZ/CN={common_name}/serialNumber=IIN{iin}"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                &self.serial.to_string(),
                "-days",
                "30",
                "-extfile",
                &format!("{stem}.ext"),
                "-out",
                &pem,
            ],
        );
        // Record it in the database so that `openssl ca -revoke` knows it.
        let der = format!("{stem}.der");
        openssl(
            &self.dir,
            &["x509", "-in", &pem, "-outform", "DER", "-out", &der],
        );
        fs::read(self.dir.join(der)).unwrap()
    }

    /// Revokes the certificate issued as DER `cert` and writes a new CRL.
    pub fn revoke(&self, cert: &[u8]) {
        let path = self.dir.join("revoke.der");
        fs::write(&path, cert).unwrap();
        openssl(
            &self.dir,
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                "revoke.der",
                "-out",
                "revoke.pem",
            ],
        );
        openssl(
            &self.dir,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-keyfile",
                "ca.key",
                "-cert",
                "ca.pem",
                "-revoke",
                "revoke.pem",
            ],
        );
        self.update_crl();
    }

    fn update_crl(&self) {
        openssl(
            &self.dir,
            &[
                "ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem",
                "-out", "ca.crl",
            ],
        );
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// A PIV certificate object (SP 800-73-4 Part 1 Table 10): `70{cert} 71{00} FE{}`, the value
/// inside the `53` wrapper.
pub fn certificate_object(der: &[u8]) -> Vec<u8> {
    let mut value = devices::tlv::encode(0x70, der);
    devices::tlv::write(&mut value, 0x71, &[0]);
    devices::tlv::write(&mut value, 0xFE, &[]);
    value
}
