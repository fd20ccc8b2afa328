//! The local authority's files, certificate profile, errors and concurrency.

use std::{collections::BTreeSet, fs, sync::Arc, thread};

use archive::timestamp::{
    CERTIFICATE_FILE, KEY_FILE, LocalAuthority, SERIAL_FILE, TimestampError, TimestampSource,
};
use cms::{content_info::ContentInfo, signed_data::SignedData};
use der::{Decode, DecodePem, asn1::OctetString};
use verifier::tsp::{ID_KP_TIME_STAMPING, TstInfo};
use x509_cert::{
    Certificate,
    ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, name::DirectoryString},
};

const DIGEST: [u8; 32] = [0x5a; 32];

fn serial(token: &[u8]) -> u64 {
    let content_info = ContentInfo::from_der(token).expect("ContentInfo");
    let signed_data: SignedData = content_info.content.decode_as().expect("SignedData");
    let octets: OctetString = signed_data
        .encap_content_info
        .econtent
        .expect("eContent")
        .decode_as()
        .expect("eContent OCTET STRING");
    let tst = TstInfo::parse(octets.as_bytes()).expect("TSTInfo");
    tst.serial_number
        .as_bytes()
        .iter()
        .fold(0, |n, &b| (n << 8) | u64::from(b))
}

#[test]
fn local_authority_is_a_shareable_source() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LocalAuthority>();

    let tmp = tempfile::tempdir().unwrap();
    let source: Arc<dyn TimestampSource> = Arc::new(LocalAuthority::generate(tmp.path()).unwrap());
    assert!(!source.timestamp(&DIGEST).unwrap().is_empty());
}

#[test]
fn generate_writes_private_key_certificate_and_counter() {
    let tmp = tempfile::tempdir().unwrap();
    let authority = LocalAuthority::generate(tmp.path()).unwrap();

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(tmp.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "key mode {mode:o}");
    }
    let key = fs::read_to_string(tmp.path().join(KEY_FILE)).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert_eq!(
        fs::read_to_string(tmp.path().join(SERIAL_FILE)).unwrap(),
        "0\n"
    );

    let pem = fs::read(tmp.path().join(CERTIFICATE_FILE)).unwrap();
    let from_file = Certificate::from_pem(&pem).unwrap();
    assert_eq!(&from_file, authority.certificate());
    assert_eq!(
        authority.certificates(),
        [authority.certificate_der().to_vec()]
    );

    // The key never appears in debug output.
    let debug = format!("{authority:?}");
    assert!(debug.contains("LocalAuthority"));
    assert!(!debug.contains("key"), "{debug}");
}

#[test]
fn certificate_follows_the_tsa_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let authority = LocalAuthority::generate(tmp.path()).unwrap();
    let tbs = authority.certificate().tbs_certificate();

    assert_eq!(tbs.subject(), tbs.issuer(), "self-issued");
    // UTF8String, as RFC 5280 §4.1.2.4 asks of new certificates.
    assert_eq!(
        tbs.subject().common_name().unwrap(),
        Some(DirectoryString::Utf8String(
            "Dälel local time-stamp authority — DEVELOPMENT, NOT FOR EVIDENCE".into()
        ))
    );
    assert_eq!(
        tbs.subject().organization().unwrap(),
        Some(DirectoryString::Utf8String("Dälel".into()))
    );

    let (critical, eku) = tbs.get_extension::<ExtendedKeyUsage>().unwrap().unwrap();
    assert!(critical);
    assert_eq!(eku.0, [ID_KP_TIME_STAMPING]);
    let (critical, key_usage) = tbs.get_extension::<KeyUsage>().unwrap().unwrap();
    assert!(critical);
    assert!(key_usage.digital_signature());
    assert_eq!(key_usage.0.bits(), 1, "digitalSignature only");
    assert!(tbs.get_extension::<BasicConstraints>().unwrap().is_none());

    let serial = tbs.serial_number().as_bytes();
    assert_eq!(serial.len(), 16);
    assert_eq!(serial[0] & 0x80, 0, "positive");

    let validity = tbs.validity();
    let not_before = validity.not_before.to_date_time();
    let not_after = validity.not_after.to_date_time();
    assert_eq!(not_after.year(), not_before.year() + 10);
    assert_eq!(
        (not_after.month(), not_after.hour(), not_after.minutes()),
        (not_before.month(), not_before.hour(), not_before.minutes())
    );
}

#[test]
fn open_reports_missing_files_and_open_or_generate_creates_them() {
    let tmp = tempfile::tempdir().unwrap();
    match LocalAuthority::open(tmp.path()) {
        Err(TimestampError::Missing { path }) => assert_eq!(path, tmp.path().join(KEY_FILE)),
        other => panic!("expected Missing, got {other:?}"),
    }

    let created = LocalAuthority::open_or_generate(tmp.path()).unwrap();
    let certificate = created.certificate().clone();
    drop(created);
    let reopened = LocalAuthority::open_or_generate(tmp.path()).unwrap();
    assert_eq!(reopened.certificate(), &certificate, "same authority");
    drop(reopened);

    fs::remove_file(tmp.path().join(SERIAL_FILE)).unwrap();
    match LocalAuthority::open(tmp.path()) {
        Err(TimestampError::Missing { path }) => assert_eq!(path, tmp.path().join(SERIAL_FILE)),
        other => panic!("expected Missing, got {other:?}"),
    }
}

#[test]
fn generate_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let first = LocalAuthority::generate(tmp.path()).unwrap();
    let certificate = first.certificate().clone();
    drop(first);
    match LocalAuthority::generate(tmp.path()) {
        Err(TimestampError::AlreadyExists { path }) => {
            assert_eq!(path, tmp.path().join(KEY_FILE));
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    let reopened = LocalAuthority::open(tmp.path()).unwrap();
    assert_eq!(reopened.certificate(), &certificate);
}

#[test]
fn a_second_instance_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let _first = LocalAuthority::generate(tmp.path()).unwrap();
    match LocalAuthority::open(tmp.path()) {
        Err(TimestampError::InUse { dir }) => assert_eq!(dir, tmp.path()),
        other => panic!("expected InUse, got {other:?}"),
    }
}

#[test]
fn mismatched_certificate_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    drop(LocalAuthority::generate(&a).unwrap());
    drop(LocalAuthority::generate(&b).unwrap());
    fs::copy(b.join(CERTIFICATE_FILE), a.join(CERTIFICATE_FILE)).unwrap();
    assert!(matches!(
        LocalAuthority::open(&a),
        Err(TimestampError::KeyMismatch { .. })
    ));
}

#[test]
fn damaged_files_are_precise_errors() {
    let tmp = tempfile::tempdir().unwrap();
    drop(LocalAuthority::generate(tmp.path()).unwrap());

    fs::write(tmp.path().join(SERIAL_FILE), "twelve\n").unwrap();
    assert!(matches!(
        LocalAuthority::open(tmp.path()),
        Err(TimestampError::CorruptCounter { .. })
    ));
    fs::write(tmp.path().join(SERIAL_FILE), "12\n").unwrap();

    let certificate = fs::read(tmp.path().join(CERTIFICATE_FILE)).unwrap();
    fs::write(
        tmp.path().join(CERTIFICATE_FILE),
        &certificate[..certificate.len() / 2],
    )
    .unwrap();
    assert!(matches!(
        LocalAuthority::open(tmp.path()),
        Err(TimestampError::Certificate { .. })
    ));
    fs::write(tmp.path().join(CERTIFICATE_FILE), &certificate).unwrap();

    let key = fs::read(tmp.path().join(KEY_FILE)).unwrap();
    fs::write(tmp.path().join(KEY_FILE), b"\xff not a key").unwrap();
    assert!(matches!(
        LocalAuthority::open(tmp.path()),
        Err(TimestampError::Key { .. })
    ));
    fs::write(tmp.path().join(KEY_FILE), &key).unwrap();

    // Repaired, the authority continues from the counter.
    let authority = LocalAuthority::open(tmp.path()).unwrap();
    assert_eq!(serial(&authority.timestamp(&DIGEST).unwrap()), 13);
}

#[test]
fn concurrent_tokens_get_unique_serials_and_the_counter_keeps_the_last() {
    let tmp = tempfile::tempdir().unwrap();
    let authority = Arc::new(LocalAuthority::generate(tmp.path()).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let authority = Arc::clone(&authority);
            thread::spawn(move || {
                (0..5)
                    .map(|_| serial(&authority.timestamp(&DIGEST).unwrap()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let serials: BTreeSet<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(serials, (1..=20).collect());
    assert_eq!(
        fs::read_to_string(tmp.path().join(SERIAL_FILE)).unwrap(),
        "20\n"
    );
}
