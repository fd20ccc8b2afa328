//! Data objects: GET DATA and PUT DATA (SP 800-73-4 Part 2 §3.1.2, §3.3.1), and the X.509
//! certificate objects of the key slots (Part 1 Appendix A).

use crate::apdu::{Command, StatusWord};
use crate::piv::card::PivCard;
use crate::piv::error::{PivError, check_sw};
use crate::piv::wire::{Slot, ins, object_id_bytes, tag};
use crate::tlv;
use crate::transport::Transport;

/// Tag of the deprecated MSCUID inside a certificate object (Part 1 Appendix A; tolerated, not
/// used).
const MSCUID: u16 = 0x72;

impl<T: Transport> PivCard<T> {
    /// Reads data object `object` (GET DATA, P1-P2 `3F FF`, data `5C` tag list) and returns
    /// the value of its `53` wrapper.
    ///
    /// Errors: [`PivError::NotFound`] (`6A 82`), [`PivError::NotAuthenticated`] for objects
    /// that need the PIN (e.g. printed information).
    pub fn get_data(&mut self, object: u32) -> Result<Vec<u8>, PivError> {
        const CMD: &str = "GET DATA";
        let cmd = Command::new(0x00, ins::GET_DATA, 0x3F, 0xFF)
            .with_data(tlv::encode(tag::TAG_LIST, &object_id_bytes(object)))
            .with_le(256);
        let r = self.exchange(CMD, cmd)?;
        if r.sw == StatusWord::NOT_FOUND {
            return Err(PivError::NotFound(object));
        }
        check_sw(CMD, r.sw)?;
        let malformed = |what| PivError::MalformedResponse { command: CMD, what };
        let (obj, rest) =
            tlv::parse_one(&r.data).map_err(|_| malformed("not a BER-TLV data object"))?;
        if obj.tag != tag::DATA {
            return Err(malformed("data object not wrapped in tag 53"));
        }
        if !rest.is_empty() {
            return Err(malformed("bytes after the data object"));
        }
        Ok(obj.value.to_vec())
    }

    /// Writes data object `object` (PUT DATA, data `5C` tag list ‖ `53` value), chaining as
    /// needed. Needs the management key ([`PivCard::authenticate_management_key`]), else
    /// [`PivError::NotAuthenticated`].
    pub fn put_data(&mut self, object: u32, value: &[u8]) -> Result<(), PivError> {
        const CMD: &str = "PUT DATA";
        let mut data = tlv::encode(tag::TAG_LIST, &object_id_bytes(object));
        tlv::write(&mut data, tag::DATA, value);
        let r = self.exchange(
            CMD,
            Command::new(0x00, ins::PUT_DATA, 0x3F, 0xFF).with_data(data),
        )?;
        match r.sw {
            StatusWord::NOT_ENOUGH_MEMORY => {
                Err(PivError::Unsupported("object too large for the card"))
            }
            sw => check_sw(CMD, sw),
        }
    }

    /// The DER X.509 certificate in `slot`'s certificate object.
    ///
    /// Errors: [`PivError::NoCertificate`] when the object is absent,
    /// [`PivError::Unsupported`] for a gzip-compressed certificate (CertInfo `01`),
    /// [`PivError::MalformedResponse`] when the object or the certificate's outer DER is
    /// broken. The certificate itself is not validated: that is the verifier's job.
    pub fn read_certificate(&mut self, slot: Slot) -> Result<Vec<u8>, PivError> {
        let value = self
            .get_data(slot.certificate_object())
            .map_err(|e| match e {
                PivError::NotFound(_) => PivError::NoCertificate(slot),
                e => e,
            })?;
        parse_certificate_object(&value)
    }

    /// Stores `der` as `slot`'s certificate object: `53 { 70 cert, 71 00, FE 00 }`
    /// (uncompressed, no error detection code; Part 1 Appendix A). Needs the management key.
    pub fn put_certificate(&mut self, slot: Slot, der: &[u8]) -> Result<(), PivError> {
        if !is_der_sequence(der) {
            return Err(PivError::InvalidInput("certificate is not a DER SEQUENCE"));
        }
        let mut value = tlv::encode(tag::CERTIFICATE, der);
        tlv::write(&mut value, tag::CERT_INFO, &[0x00]);
        tlv::write(&mut value, tag::ERROR_DETECTION, &[]);
        self.put_data(slot.certificate_object(), &value)
    }
}

/// Whether `bytes` is exactly one BER-TLV with tag `30` (the outer SEQUENCE of a certificate).
fn is_der_sequence(bytes: &[u8]) -> bool {
    matches!(tlv::parse_one(bytes), Ok((t, rest)) if t.tag == 0x30 && rest.is_empty())
}

/// Extracts the certificate from the value of a certificate object (Part 1 Appendix A:
/// `70` certificate, `71` CertInfo, `72` MSCUID, `FE` error detection code).
pub(crate) fn parse_certificate_object(value: &[u8]) -> Result<Vec<u8>, PivError> {
    const CMD: &str = "GET DATA";
    let malformed = |what| PivError::MalformedResponse { command: CMD, what };
    let mut cert = None;
    let mut info = None;
    for item in tlv::iter(value) {
        let item = item.map_err(|_| malformed("certificate object is not BER-TLV"))?;
        let seen = match item.tag {
            tag::CERTIFICATE => cert.replace(item.value).is_some(),
            tag::CERT_INFO => info.replace(item.value).is_some(),
            MSCUID | tag::ERROR_DETECTION => false,
            _ => return Err(malformed("unknown tag in certificate object")),
        };
        if seen {
            return Err(malformed("repeated tag in certificate object"));
        }
    }
    // CertInfo bit 0 (Part 1 Appendix A): 1 = the certificate is gzip-compressed. The
    // driver does not decompress (a bounded inflater would be one more parser of untrusted
    // input); cards written by this system never compress.
    match info {
        None | Some([]) | Some([0x00]) => {}
        Some([0x01]) => {
            return Err(PivError::Unsupported(
                "compressed certificate (CertInfo 01)",
            ));
        }
        Some(_) => return Err(malformed("unknown CertInfo value")),
    }
    let cert = cert.ok_or(malformed("certificate object has no certificate (tag 70)"))?;
    if !is_der_sequence(cert) {
        return Err(malformed("certificate is not a DER SEQUENCE"));
    }
    Ok(cert.to_vec())
}
