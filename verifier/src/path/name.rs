//! Distinguished-name comparison (RFC 5280 §7.1), for issuer/subject chaining and for
//! directoryName constraints.
//!
//! Two names match when they have the same number of RDNs and each RDN matches the one in
//! the same place: the same number of attributes, each attribute of one matching an attribute
//! of the other (an RDN is a SET). Attributes match when their types are equal and their
//! values are the same DER, or both are character strings that are equal once prepared:
//!
//! * `PrintableString`, `UTF8String`, `IA5String`, `VisibleString`, `NumericString` and
//!   `BMPString` are decoded to Unicode, so the same text matches across these types
//!   (RFC 5280 §7.1 bases comparison on the LDAP StringPrep profile, RFC 4518, which works
//!   on the characters, not their encoding);
//! * leading and trailing white space is removed and each internal run of white space becomes
//!   one space (RFC 4518 §2.6.1, insignificant space handling; RFC 5280 §7.1 rule 4);
//! * case is folded with Unicode lower-casing (RFC 4518 §2.4 case folding, as for the
//!   caseIgnoreMatch rule of nearly every naming attribute; RFC 5280 §7.1 rule 3).
//!
//! Not done: Unicode normalisation (RFC 4518 §2.3, NFKC) and the mapping of §2.2, which would
//! need Unicode tables this crate does not carry. Names that differ only that way do not
//! match, which errs toward refusing a path, never toward accepting one. `TeletexString`
//! values match only byte for byte, its character set being ambiguous.

use der::asn1::Any;
use der::{Tag, Tagged as _};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RelativeDistinguishedName};

/// Whether two distinguished names are the same name under the RFC 5280 §7.1 comparison
/// rules.
///
/// Identical DER always matches. Otherwise the names need the same number of RDNs, each
/// matching the one in the same place: the same attributes in any order, with equal types and
/// values that are either the same DER or character strings (PrintableString, UTF8String,
/// IA5String, VisibleString, NumericString, BMPString) equal once white space is trimmed and
/// collapsed and case folded. Unicode normalisation (RFC 4518 §2.3) is not applied, which
/// can only make names differ, never match.
///
/// Use it wherever one name must equal another: an issuer against a subject, a CRL issuer
/// against a certificate's, a CMS `issuerAndSerialNumber` against a certificate.
#[must_use]
pub fn names_match(a: &Name, b: &Name) -> bool {
    // Identical DER always matches; the decoded types compare their encodings exactly.
    if a == b {
        return true;
    }
    a.len() == b.len()
        && a.iter_rdn()
            .zip(b.iter_rdn())
            .all(|(x, y)| rdns_match(x, y))
}

/// Whether `name` lies within the subtree rooted at `base`: `base`'s RDNs, compared as in
/// [`names_match`], are the first RDNs of `name` (RFC 5280 §4.2.1.10, directoryName). An
/// empty `base` contains every name.
pub(crate) fn is_within(base: &Name, name: &Name) -> bool {
    base.len() <= name.len()
        && base
            .iter_rdn()
            .zip(name.iter_rdn())
            .all(|(x, y)| rdns_match(x, y))
}

fn rdns_match(a: &RelativeDistinguishedName, b: &RelativeDistinguishedName) -> bool {
    a.len() == b.len()
        && a.iter().all(|x| b.iter().any(|y| attributes_match(x, y)))
        && b.iter().all(|y| a.iter().any(|x| attributes_match(x, y)))
}

fn attributes_match(a: &AttributeTypeAndValue, b: &AttributeTypeAndValue) -> bool {
    a.oid == b.oid && values_match(&a.value, &b.value)
}

fn values_match(a: &Any, b: &Any) -> bool {
    if a == b {
        return true;
    }
    match (prepare(a), prepare(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The text of a character-string value, prepared for comparison; `None` for values that
/// are not (well-formed) strings of a type decoded here.
pub(crate) fn prepare(value: &Any) -> Option<String> {
    let text = decode_text(value)?;
    let mut prepared = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !prepared.is_empty() {
            prepared.push(' ');
        }
        prepared.extend(word.chars().flat_map(char::to_lowercase));
    }
    Some(prepared)
}

/// The Unicode text of a string value, whatever its ASN.1 string type.
pub(crate) fn decode_text(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::PrintableString
        | Tag::Utf8String
        | Tag::Ia5String
        | Tag::VisibleString
        | Tag::NumericString => core::str::from_utf8(bytes).ok().map(str::to_owned),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use core::str::FromStr as _;

    use const_oid::ObjectIdentifier;
    use der::{Decode as _, Encode as _};
    use x509_cert::name::RdnSequence;

    use super::*;

    const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    const O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

    fn atv(oid: ObjectIdentifier, tag: Tag, value: &[u8]) -> AttributeTypeAndValue {
        AttributeTypeAndValue {
            oid,
            value: Any::new(tag, value).unwrap(),
        }
    }

    fn name(rdns: Vec<Vec<AttributeTypeAndValue>>) -> Name {
        let mut sequence = RdnSequence::default();
        for rdn in rdns {
            sequence.push(RelativeDistinguishedName::try_from(rdn).unwrap());
        }
        Name::from_der(&sequence.to_der().unwrap()).unwrap()
    }

    fn bmp(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn exact_and_prepared_matches() {
        let a = name(vec![vec![atv(
            CN,
            Tag::PrintableString,
            b"Dalel  Root CA ",
        )]]);
        let b = name(vec![vec![atv(CN, Tag::PrintableString, b"dalel root ca")]]);
        let c = name(vec![vec![atv(CN, Tag::Utf8String, b"DALEL ROOT CA")]]);
        let d = name(vec![vec![atv(CN, Tag::Utf8String, b"DALEL ROOT CB")]]);
        assert!(names_match(&a, &a));
        assert!(names_match(&a, &b));
        assert!(
            names_match(&b, &c),
            "PrintableString and UTF8String of the same text"
        );
        assert!(!names_match(&c, &d));
    }

    #[test]
    fn cyrillic_case_folding_and_bmp() {
        let upper = "ҰКО 3.0 (RSA TEST)";
        let lower = "ұко 3.0 (rsa test)";
        let a = name(vec![vec![atv(CN, Tag::Utf8String, upper.as_bytes())]]);
        let b = name(vec![vec![atv(CN, Tag::Utf8String, lower.as_bytes())]]);
        let c = name(vec![vec![atv(CN, Tag::BmpString, &bmp(upper))]]);
        assert!(names_match(&a, &b));
        assert!(names_match(&a, &c));
    }

    #[test]
    fn rdn_order_matters_but_set_order_does_not() {
        let cn = atv(CN, Tag::Utf8String, b"x");
        let o = atv(O, Tag::Utf8String, b"y");
        let ab = name(vec![vec![cn.clone()], vec![o.clone()]]);
        let ba = name(vec![vec![o.clone()], vec![cn.clone()]]);
        assert!(!names_match(&ab, &ba));
        let multi1 = name(vec![vec![cn.clone(), o.clone()]]);
        let multi2 = name(vec![vec![o, cn]]);
        assert!(names_match(&multi1, &multi2));
    }

    #[test]
    fn teletex_and_different_types_match_only_exactly() {
        let a = name(vec![vec![atv(CN, Tag::TeletexString, b"abc")]]);
        let b = name(vec![vec![atv(CN, Tag::TeletexString, b"ABC")]]);
        assert!(!names_match(&a, &b));
        let c = name(vec![vec![atv(CN, Tag::OctetString, b"abc")]]);
        let d = name(vec![vec![atv(CN, Tag::Utf8String, b"abc")]]);
        assert!(!names_match(&c, &d));
    }

    #[test]
    fn subtrees() {
        let base = Name::from_str("O=Dalel,C=KZ").unwrap();
        let inside = Name::from_str("CN=Ivan,O=dalel,C=KZ").unwrap();
        let outside = Name::from_str("CN=Ivan,O=Other,C=KZ").unwrap();
        assert!(is_within(&base, &inside));
        assert!(!is_within(&base, &outside));
        assert!(is_within(&Name::default(), &outside));
        assert!(!is_within(&inside, &base));
    }
}
