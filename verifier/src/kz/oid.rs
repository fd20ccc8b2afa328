//! Object identifiers read by the Kazakh profile.
//!
//! The directory attribute types are those of X.520 as registered for LDAP in
//! [RFC 4519 §2](https://www.rfc-editor.org/rfc/rfc4519#section-2); `emailAddress` is PKCS #9's
//! ([RFC 2985 §5.2.1](https://www.rfc-editor.org/rfc/rfc2985#section-5.2.1)), which RFC 5280
//! §4.1.2.6 keeps for legacy use. NCA identifiers live under `1.2.398`, the ISO member-body
//! arc of Kazakhstan (398 is its ISO 3166 numeric country code); their meanings are cited in
//! [`super::role`] and [`super::policy`].

use const_oid::ObjectIdentifier;

/// `id-at-commonName` (CN).
pub(crate) const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// `id-at-surname` (SN).
pub(crate) const SURNAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.4");
/// `id-at-serialNumber` (SERIALNUMBER): NCA puts `IIN<12 digits>` here.
pub(crate) const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
/// `id-at-countryName` (C).
pub(crate) const COUNTRY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
/// `id-at-organizationName` (O).
pub(crate) const ORGANIZATION_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
/// `id-at-organizationalUnitName` (OU): NCA puts `BIN<12 digits>` here.
pub(crate) const ORGANIZATIONAL_UNIT_NAME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.5.4.11");
/// `id-at-givenName` (GN, G).
pub(crate) const GIVEN_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.42");
/// PKCS #9 `emailAddress` (E).
pub(crate) const EMAIL_ADDRESS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// `id-kp-clientAuth` ([RFC 5280 §4.2.1.12](https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.12)),
/// which NCA authentication certificates carry.
pub(crate) const ID_KP_CLIENT_AUTH: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// `{ iso(1) member-body(2) kz(398) }`: every identifier assigned in Kazakhstan's segment.
pub(crate) const KAZAKHSTAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398");

/// An identifier from a dotted literal, evaluated when compiling: a malformed literal is a
/// build error, never a panic at run time.
macro_rules! literal {
    ($dotted:literal) => {
        const { ::const_oid::ObjectIdentifier::new_unwrap($dotted) }
    };
}
pub(crate) use literal;

#[cfg(test)]
mod tests {
    use super::*;
    use const_oid::db::{rfc3280, rfc4519, rfc5280};

    #[test]
    fn constants_match_the_oid_database() {
        assert_eq!(COMMON_NAME, rfc4519::CN);
        assert_eq!(SURNAME, rfc4519::SN);
        assert_eq!(SERIAL_NUMBER, rfc4519::SERIAL_NUMBER);
        assert_eq!(COUNTRY_NAME, rfc4519::C);
        assert_eq!(ORGANIZATION_NAME, rfc4519::O);
        assert_eq!(ORGANIZATIONAL_UNIT_NAME, rfc4519::OU);
        assert_eq!(GIVEN_NAME, rfc4519::GIVEN_NAME);
        assert_eq!(EMAIL_ADDRESS, rfc3280::EMAIL_ADDRESS);
        assert_eq!(ID_KP_CLIENT_AUTH, rfc5280::ID_KP_CLIENT_AUTH);
    }

    #[test]
    fn kazakhstan_arc_is_an_arc_prefix() {
        // `starts_with` compares encodings; it is an arc test because every arc's last byte
        // has its high bit clear.
        assert!(ObjectIdentifier::new_unwrap("1.2.398.3.3.4.1.1").starts_with(KAZAKHSTAN));
        assert!(!ObjectIdentifier::new_unwrap("1.2.3981.1").starts_with(KAZAKHSTAN));
        assert!(!ObjectIdentifier::new_unwrap("1.2.39").starts_with(KAZAKHSTAN));
    }
}
