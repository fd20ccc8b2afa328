//! Distinguished names as RFC 4514 text, exactly as `x509-cert`'s `Display` writes them, at a
//! fraction of the cost.
//!
//! `x509-cert` finds the short name of each attribute type (`CN`, `O`, ...) by scanning the
//! whole `const-oid` database, several times per attribute; a report names the certificates
//! of two paths a few dozen times, so that scan was most of a document's validation time.
//! Here each attribute type is looked up once and remembered (a bounded table: a name full of
//! unknown OIDs cannot make it grow without end); the text is otherwise produced by the same
//! rules, which the tests compare with `x509-cert`'s own.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::{OnceLock, PoisonError, RwLock};

use const_oid::ObjectIdentifier;
use const_oid::db::{DB, rfc3280, rfc4519};
use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Encode as _, Tag, Tagged as _};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RelativeDistinguishedName};

/// The RFC 4514 text of `name`, as `name.to_string()` gives it.
pub(crate) fn name_text(name: &Name) -> String {
    let mut text = String::new();
    // Writing to a String fails only if an attribute value cannot be encoded again, which a
    // decoded name never causes; the text so far is then kept rather than panicking.
    let _ = write!(text, "{}", NameText(name));
    text
}

/// `name` as RFC 4514 text, for `format!`: the same text as `name`'s own `Display`.
pub(crate) struct NameText<'a>(pub(crate) &'a Name);

impl fmt::Display for NameText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // RFC 4514 §2.1: the RDNs in reverse order, separated by commas.
        let rdns: Vec<&RelativeDistinguishedName> = self.0.iter_rdn().collect();
        for (i, rdn) in rdns.into_iter().rev().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            write_rdn(f, rdn)?;
        }
        Ok(())
    }
}

fn write_rdn(f: &mut fmt::Formatter<'_>, rdn: &RelativeDistinguishedName) -> fmt::Result {
    for (i, atv) in rdn.iter().enumerate() {
        if i > 0 {
            f.write_char('+')?;
        }
        write_atv(f, atv)?;
    }
    Ok(())
}

/// One `type=value`, by the rules of `x509-cert`'s `AttributeTypeAndValue` `Display`: the
/// short name in capitals and the string escaped when the type has a name and the value is
/// a PrintableString, UTF8String, IA5String or TeletexString; otherwise the dotted OID and
/// `#` with the value's DER in hex.
fn write_atv(f: &mut fmt::Formatter<'_>, atv: &AttributeTypeAndValue) -> fmt::Result {
    let value = &atv.value;
    let text = match value.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(value).ok().map(|s| s.as_str()),
        Tag::Utf8String => Utf8StringRef::try_from(value).ok().map(|s| s.as_str()),
        Tag::Ia5String => Ia5StringRef::try_from(value).ok().map(|s| s.as_str()),
        Tag::TeletexString => TeletexStringRef::try_from(value).ok().map(|s| s.as_str()),
        _ => None,
    };
    let key = match text {
        Some(_) => short_name(&atv.oid),
        None => None,
    };
    if let (Some(key), Some(text)) = (key, text) {
        f.write_str(&key)?;
        f.write_char('=')?;
        write_escaped(f, text)?;
    } else {
        let der = value.to_der().map_err(|_| fmt::Error)?;
        write!(f, "{}=#", atv.oid)?;
        for byte in der {
            write!(f, "{byte:02x}")?;
        }
    }
    Ok(())
}

/// `text` escaped as `x509-cert` escapes a value: `#` first and a space first or last with a
/// backslash, `"+,;<>\` with a backslash, control characters as `\` and two hex digits.
/// Runs of ordinary characters are written whole.
fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let last = text.char_indices().last().map(|(i, _)| i);
    let mut plain_from = 0;
    for (i, c) in text.char_indices() {
        let escaped = match c {
            '#' if i == 0 => true,
            ' ' if i == 0 || Some(i) == last => true,
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => true,
            '\x00'..='\x1f' | '\x7f' => true,
            _ => false,
        };
        if !escaped {
            continue;
        }
        f.write_str(&text[plain_from..i])?;
        match c {
            '\x00'..='\x1f' | '\x7f' => write!(f, "\\{:02x}", c as u8)?,
            _ => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
        }
        plain_from = i + c.len_utf8();
    }
    f.write_str(&text[plain_from..])
}

/// The attribute types of nearly every name, whose short names are kept ready in capitals.
const COMMON: [ObjectIdentifier; 14] = [
    rfc4519::CN,
    rfc4519::C,
    rfc4519::O,
    rfc4519::OU,
    rfc4519::L,
    rfc4519::ST,
    rfc4519::SERIAL_NUMBER,
    rfc4519::STREET,
    rfc4519::SN,
    rfc4519::GIVEN_NAME,
    rfc4519::DC,
    rfc4519::UID,
    rfc4519::TITLE,
    rfc3280::EMAIL_ADDRESS,
];

/// The short name of an attribute type in capitals, as `x509-cert` writes it.
fn short_name(oid: &ObjectIdentifier) -> Option<Cow<'static, str>> {
    static READY: OnceLock<Vec<(ObjectIdentifier, Option<String>)>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        COMMON
            .iter()
            .map(|oid| (*oid, scan(oid).map(str::to_ascii_uppercase)))
            .collect()
    });
    if let Some((_, name)) = ready.iter().find(|(common, _)| common == oid) {
        return name.as_deref().map(Cow::Borrowed);
    }
    shortest_name(oid).map(|name| Cow::Owned(name.to_ascii_uppercase()))
}

/// The most attribute types remembered; others are looked up each time.
const REMEMBERED: usize = 512;

/// The shortest of the names `const-oid`'s database gives `oid` (the first of equal
/// length), as `x509-cert` picks it; remembered.
fn shortest_name(oid: &ObjectIdentifier) -> Option<&'static str> {
    static TABLE: OnceLock<RwLock<HashMap<ObjectIdentifier, Option<&'static str>>>> =
        OnceLock::new();
    let table = TABLE.get_or_init(RwLock::default);
    if let Some(found) = table
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(oid)
    {
        return *found;
    }
    let found = scan(oid);
    let mut table = table.write().unwrap_or_else(PoisonError::into_inner);
    if table.len() < REMEMBERED {
        table.insert(*oid, found);
    }
    found
}

/// The database scan `x509-cert` makes for every attribute it writes.
fn scan(oid: &ObjectIdentifier) -> Option<&'static str> {
    let mut best: Option<&'static str> = None;
    for name in DB.find_names_for_oid(*oid) {
        if best.is_none_or(|b| name.len() < b.len()) {
            best = Some(name);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::str::FromStr as _;

    use der::Decode as _;
    use der::asn1::{Any, SetOfVec};
    use x509_cert::name::RdnSequence;

    use super::*;

    fn atv(oid: &str, tag: Tag, value: &[u8]) -> AttributeTypeAndValue {
        AttributeTypeAndValue {
            oid: ObjectIdentifier::new_unwrap(oid),
            value: Any::new(tag, value).unwrap(),
        }
    }

    fn name(rdns: Vec<Vec<AttributeTypeAndValue>>) -> Name {
        let rdns: Vec<RelativeDistinguishedName> = rdns
            .into_iter()
            .map(|atvs| RelativeDistinguishedName::from(SetOfVec::try_from(atvs).unwrap()))
            .collect();
        // Through DER, as names arrive in certificates.
        let der = RdnSequence::from(rdns).to_der().unwrap();
        Name::from_der(&der).unwrap()
    }

    fn same_as_x509_cert(name: &Name) {
        assert_eq!(name_text(name), name.to_string());
        assert_eq!(format!("{}", NameText(name)), name.to_string());
        // Twice: the second time from the remembered table.
        assert_eq!(name_text(name), name.to_string());
    }

    #[test]
    fn common_names_as_x509_cert_writes_them() {
        for text in [
            "CN=Test Signer,O=Dalel,C=KZ",
            "CN=НЕСТЕРОВ ИВАН,serialNumber=IIN123456789012,C=KZ,givenName=ИВАН,SN=НЕСТЕРОВ",
            "CN=a+UID=b,OU=x\\,y,L=Astana,ST=Astana,STREET=Main 1,DC=example,DC=kz",
        ] {
            let parsed = Name::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            same_as_x509_cert(&parsed);
        }
        same_as_x509_cert(&name(Vec::new()));
    }

    #[test]
    fn escaping_and_string_types() {
        let cn = "2.5.4.3";
        for value in [
            "#leading hash",
            " leading and trailing ",
            "quote\" plus+ comma, semi; angle<> backslash\\",
            "control\x01\x1f\x7f",
            "",
            " ",
        ] {
            for tag in [
                Tag::PrintableString,
                Tag::Utf8String,
                Tag::Ia5String,
                Tag::TeletexString,
            ] {
                same_as_x509_cert(&name(vec![vec![atv(cn, tag, value.as_bytes())]]));
            }
        }
    }

    #[test]
    fn hex_for_unknown_types_and_other_strings() {
        let bmp: Vec<u8> = "Ω".encode_utf16().flat_map(u16::to_be_bytes).collect();
        same_as_x509_cert(&name(vec![
            vec![atv("2.5.4.3", Tag::BmpString, &bmp)],
            vec![atv("1.2.398.3.3.4.1.1", Tag::PrintableString, b"kz")],
            vec![atv("1.2.3.4.5.6", Tag::Utf8String, b"unknown")],
            // Not valid UTF-8 in a UTF8String: the hex form.
            vec![atv("2.5.4.10", Tag::Utf8String, &[0xff, 0xfe])],
            vec![
                atv("2.5.4.11", Tag::Utf8String, b"one"),
                atv("0.9.2342.19200300.100.1.1", Tag::Utf8String, b"two"),
                atv("1.2.840.113549.1.9.1", Tag::Ia5String, b"a@b.kz"),
            ],
        ]));
    }

    #[test]
    fn short_names_are_x509_certs_choice() {
        for oid in COMMON {
            assert_eq!(
                short_name(&oid).as_deref(),
                scan(&oid).map(str::to_ascii_uppercase).as_deref()
            );
            assert!(short_name(&oid).is_some(), "{oid}");
        }
    }

    #[test]
    fn shortest_name_is_x509_certs_choice() {
        // emailAddress has several names in the database; CN one.
        for oid in ["1.2.840.113549.1.9.1", "2.5.4.3", "2.5.4.5", "2.5.4.42"] {
            let oid = ObjectIdentifier::new_unwrap(oid);
            assert_eq!(shortest_name(&oid), scan(&oid));
            assert!(shortest_name(&oid).is_some(), "{oid}");
        }
        assert_eq!(
            shortest_name(&ObjectIdentifier::new_unwrap("1.2.3.4.5.6")),
            None
        );
    }
}
