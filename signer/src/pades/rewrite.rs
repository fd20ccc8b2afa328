//! Rewriting an existing dictionary in an update (a page gaining a widget in `/Annots`, the
//! catalog gaining `/AcroForm`, `/Perms` or `/DSS`): every entry not changed is written with
//! exactly the value it had — numbers keep their value to the last digit — so that a
//! validator comparing revisions sees only the entries that really changed.

use std::io::Write as _;

use lopdf::{Object as LoObject, Writer};
use verifier::pdf::{Dictionary, Object};

use super::PadesError;

/// A value of a rewritten dictionary: kept from the document, or new.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Kept(Object),
    New(LoObject),
    /// Already serialised.
    Raw(Vec<u8>),
}

/// A dictionary of the document with some entries replaced or added.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rewritten {
    entries: Vec<(Vec<u8>, Value)>,
}

impl Rewritten {
    /// Starts from `dict` as it is.
    pub(crate) fn from(dict: &Dictionary) -> Self {
        Self {
            entries: dict
                .iter()
                .map(|(k, v)| (k.to_vec(), Value::Kept(v.clone())))
                .collect(),
        }
    }

    /// Sets `key` to a new value.
    pub(crate) fn set(&mut self, key: &[u8], value: LoObject) {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = Value::New(value),
            None => self.entries.push((key.to_vec(), Value::New(value))),
        }
    }

    /// Sets `key` to a value already serialised.
    pub(crate) fn set_raw(&mut self, key: &[u8], bytes: Vec<u8>) {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = Value::Raw(bytes),
            None => self.entries.push((key.to_vec(), Value::Raw(bytes))),
        }
    }

    /// Serialises the dictionary.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, PadesError> {
        let mut out = b"<<".to_vec();
        for (key, value) in &self.entries {
            out.push(b'\n');
            write_name(&mut out, key);
            out.push(b' ');
            match value {
                Value::Kept(object) => write_object(&mut out, object)?,
                Value::New(object) => {
                    Writer::write_object(&mut out, object).map_err(PadesError::write)?;
                }
                Value::Raw(bytes) => out.extend_from_slice(bytes),
            }
        }
        out.extend_from_slice(b"\n>>");
        Ok(out)
    }
}

/// An array of reader objects, serialised.
pub(crate) fn array_bytes(items: Vec<Object>) -> Result<Vec<u8>, PadesError> {
    let mut bytes = Vec::new();
    write_object(&mut bytes, &Object::Array(items))?;
    Ok(bytes)
}

/// Writes a reader object with its exact value (ISO 32000-1 §7.3).
pub(crate) fn write_object(out: &mut Vec<u8>, object: &Object) -> Result<(), PadesError> {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => write!(out, "{i}").map_err(PadesError::write)?,
        // Rust's shortest round-trip formatting: the same value, never an exponent.
        Object::Real(r) if r.is_finite() => {
            let text = format!("{r}");
            out.extend_from_slice(text.as_bytes());
        }
        Object::Real(_) => out.extend_from_slice(b"0"),
        // Each string keeps its form, so that even a validator comparing forms sees no
        // change.
        Object::String(s) => {
            out.push(b'(');
            for &b in s {
                match b {
                    b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
                    0x20..=0x7E => out.push(b),
                    _ => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
                }
            }
            out.push(b')');
        }
        Object::HexString(s) => {
            out.push(b'<');
            out.extend_from_slice(hex::encode_upper(s).as_bytes());
            out.push(b'>');
        }
        Object::Name(n) => write_name(out, n),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item)?;
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => {
            out.extend_from_slice(b"<<");
            for (key, value) in dict.iter() {
                out.push(b' ');
                write_name(out, key);
                out.push(b' ');
                write_object(out, value)?;
            }
            out.extend_from_slice(b" >>");
        }
        Object::Reference((num, generation)) => {
            write!(out, "{num} {generation} R").map_err(PadesError::write)?;
        }
        Object::Stream(_) => {
            return Err(PadesError::Pdf(
                "a dictionary to rewrite holds a direct stream".into(),
            ));
        }
    }
    Ok(())
}

/// `/name`, with `#xx` escapes for delimiters, whitespace and bytes outside `!`..`~`
/// (§7.3.5).
fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if (b'!'..=b'~').contains(&b) && !b"#()<>[]{}/%".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn values_are_written_exactly() {
        let mut out = Vec::new();
        let object = Object::Array(vec![
            Object::Real(595.2756),
            Object::Integer(-3),
            Object::Name(b"A B#".to_vec()),
            Object::Reference((12, 0)),
            Object::String(b"(x)".to_vec()),
        ]);
        write_object(&mut out, &object).unwrap();
        assert_eq!(out, b"[595.2756 -3 /A#20B#23 12 0 R (\\(x\\))]".to_vec());
        let mut out = Vec::new();
        write_object(&mut out, &Object::HexString(b"\x01\xFF".to_vec())).unwrap();
        assert_eq!(out, b"<01FF>".to_vec());
        let mut out = Vec::new();
        write_object(&mut out, &Object::String("ә\n".as_bytes().to_vec())).unwrap();
        assert_eq!(out, b"(\\323\\231\\012)".to_vec());
    }
}
