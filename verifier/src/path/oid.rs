//! Object identifiers read by path validation: the RFC 5280 §4.2.1 certificate extensions,
//! the key purposes of §4.2.1.12 and a few document-signing purposes defined elsewhere.

use const_oid::ObjectIdentifier;

/// `id-ce-subjectKeyIdentifier` (RFC 5280 §4.2.1.2).
pub(crate) const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = oid("2.5.29.14");
/// `id-ce-keyUsage` (RFC 5280 §4.2.1.3).
pub(crate) const KEY_USAGE: ObjectIdentifier = oid("2.5.29.15");
/// `id-ce-subjectAltName` (RFC 5280 §4.2.1.6).
pub(crate) const SUBJECT_ALT_NAME: ObjectIdentifier = oid("2.5.29.17");
/// `id-ce-basicConstraints` (RFC 5280 §4.2.1.9).
pub(crate) const BASIC_CONSTRAINTS: ObjectIdentifier = oid("2.5.29.19");
/// `id-ce-nameConstraints` (RFC 5280 §4.2.1.10).
pub(crate) const NAME_CONSTRAINTS: ObjectIdentifier = oid("2.5.29.30");
/// `id-ce-certificatePolicies` (RFC 5280 §4.2.1.4).
pub(crate) const CERTIFICATE_POLICIES: ObjectIdentifier = oid("2.5.29.32");
/// `id-ce-policyMappings` (RFC 5280 §4.2.1.5).
pub(crate) const POLICY_MAPPINGS: ObjectIdentifier = oid("2.5.29.33");
/// `id-ce-authorityKeyIdentifier` (RFC 5280 §4.2.1.1).
pub(crate) const AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = oid("2.5.29.35");
/// `id-ce-policyConstraints` (RFC 5280 §4.2.1.11).
pub(crate) const POLICY_CONSTRAINTS: ObjectIdentifier = oid("2.5.29.36");
/// `id-ce-extKeyUsage` (RFC 5280 §4.2.1.12).
pub(crate) const EXT_KEY_USAGE: ObjectIdentifier = oid("2.5.29.37");
/// `id-ce-inhibitAnyPolicy` (RFC 5280 §4.2.1.14).
pub(crate) const INHIBIT_ANY_POLICY: ObjectIdentifier = oid("2.5.29.54");

/// `anyPolicy` (RFC 5280 §4.2.1.4): the special policy that stands for every policy. Put it
/// in [`PolicyInputs::user_initial_policy_set`](super::PolicyInputs) to accept any policy.
pub const ANY_POLICY: ObjectIdentifier = oid("2.5.29.32.0");

/// `anyExtendedKeyUsage` (RFC 5280 §4.2.1.12).
pub const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = oid("2.5.29.37.0");
/// `id-kp-serverAuth` (RFC 5280 §4.2.1.12).
pub const ID_KP_SERVER_AUTH: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.1");
/// `id-kp-clientAuth` (RFC 5280 §4.2.1.12).
pub const ID_KP_CLIENT_AUTH: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.2");
/// `id-kp-codeSigning` (RFC 5280 §4.2.1.12).
pub const ID_KP_CODE_SIGNING: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.3");
/// `id-kp-emailProtection` (RFC 5280 §4.2.1.12): what NCA signing certificates carry.
pub const ID_KP_EMAIL_PROTECTION: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.4");
/// `id-kp-timeStamping` (RFC 5280 §4.2.1.12, RFC 3161 §2.3).
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.8");
/// `id-kp-OCSPSigning` (RFC 5280 §4.2.1.12).
pub const ID_KP_OCSP_SIGNING: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.9");
/// `id-kp-documentSigning` (RFC 9336 §3).
pub const ID_KP_DOCUMENT_SIGNING: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.36");
/// Microsoft's document-signing purpose (`szOID_KP_DOCUMENT_SIGNING`).
pub const MS_DOCUMENT_SIGNING: ObjectIdentifier = oid("1.3.6.1.4.1.311.10.3.12");
/// Adobe's Authentic Documents Trust purpose, used for PDF signing certificates.
pub const ADOBE_AUTHENTIC_DOCUMENTS_TRUST: ObjectIdentifier = oid("1.2.840.113583.1.1.5");

/// PKCS #9 `emailAddress` (RFC 2985 §5.2.1), which RFC 5280 §4.2.1.10 subjects to rfc822Name
/// constraints.
pub(crate) const EMAIL_ADDRESS: ObjectIdentifier = oid("1.2.840.113549.1.9.1");

/// The name a report shows for a key purpose: its RFC name, or the dotted OID.
pub(crate) fn key_purpose_name(purpose: &ObjectIdentifier) -> String {
    let name = match *purpose {
        ANY_EXTENDED_KEY_USAGE => "anyExtendedKeyUsage",
        ID_KP_SERVER_AUTH => "serverAuth",
        ID_KP_CLIENT_AUTH => "clientAuth",
        ID_KP_CODE_SIGNING => "codeSigning",
        ID_KP_EMAIL_PROTECTION => "emailProtection",
        ID_KP_TIME_STAMPING => "timeStamping",
        ID_KP_OCSP_SIGNING => "OCSPSigning",
        ID_KP_DOCUMENT_SIGNING => "documentSigning",
        MS_DOCUMENT_SIGNING => "msDocumentSigning",
        ADOBE_AUTHENTIC_DOCUMENTS_TRUST => "adobeAuthenticDocumentsTrust",
        _ => return purpose.to_string(),
    };
    name.to_owned()
}

/// An identifier from a dotted literal, evaluated when compiling: a malformed literal is a
/// build error, never a panic at run time.
const fn oid(dotted: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(dotted)
}
