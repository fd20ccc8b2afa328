//! Small PDF helpers shared by the appearance modules: number formatting for content streams,
//! Flate-compressed streams, local object ids and their renumbering.

use std::collections::HashMap;
use std::io::Write as _;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::AppearanceError;

/// Formats a number for a content stream: at most three decimals, no trailing zeros, no
/// exponent, and never `-0` (PDF readers do not all accept exponents).
pub(super) fn num(v: f32) -> String {
    let rounded = (f64::from(v) * 1000.0).round() / 1000.0;
    if rounded == 0.0 {
        return "0".to_owned();
    }
    let s = format!("{rounded:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// Compresses `data` with zlib (FlateDecode) at the best level; deterministic for equal input.
pub(super) fn deflate(data: &[u8]) -> Result<Vec<u8>, AppearanceError> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(data)
        .map_err(AppearanceError::Compression)?;
    encoder.finish().map_err(AppearanceError::Compression)
}

/// A stream whose content is `data` compressed with FlateDecode. The stream is marked as not
/// to be compressed again by lopdf.
pub(super) fn flate_stream(mut dict: Dictionary, data: &[u8]) -> Result<Stream, AppearanceError> {
    dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    Ok(Stream::new(dict, deflate(data)?).with_compression(false))
}

/// Hands out the local object ids `(1, 0)`, `(2, 0)`, … of one appearance.
#[derive(Debug, Default)]
pub(super) struct LocalIds {
    last: u32,
}

impl LocalIds {
    /// The next unused local id.
    pub(super) fn next(&mut self) -> ObjectId {
        self.last += 1;
        (self.last, 0)
    }
}

/// Rewrites every indirect reference in `object` that `map` knows; others stay as they are.
pub(super) fn renumber_object(object: &mut Object, map: &HashMap<ObjectId, ObjectId>) {
    match object {
        Object::Reference(id) => {
            if let Some(new) = map.get(id) {
                *id = *new;
            }
        }
        Object::Array(items) => items.iter_mut().for_each(|o| renumber_object(o, map)),
        Object::Dictionary(dict) => renumber_dictionary(dict, map),
        Object::Stream(stream) => renumber_dictionary(&mut stream.dict, map),
        _ => {}
    }
}

/// [`renumber_object`] for the values of a dictionary.
pub(super) fn renumber_dictionary(dict: &mut Dictionary, map: &HashMap<ObjectId, ObjectId>) {
    dict.iter_mut()
        .for_each(|(_, value)| renumber_object(value, map));
}

/// A PDF name object.
pub(super) fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}

/// A PDF real number, rounded like [`num`].
pub(super) fn real(v: f32) -> Object {
    Object::Real(((f64::from(v) * 1000.0).round() / 1000.0) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(-1.23456), "-1.235");
        assert_eq!(num(1e-7), "0");
        assert_eq!(num(123456.0), "123456");
    }

    #[test]
    fn renumbering_reaches_nested_references() {
        let mut dict = Dictionary::new();
        dict.set("A", Object::Reference((1, 0)));
        dict.set(
            "B",
            Object::Array(vec![Object::Reference((2, 0)), Object::Reference((9, 0))]),
        );
        let mut object = Object::Dictionary(dict);
        let map = HashMap::from([((1, 0), (41, 0)), ((2, 0), (42, 0))]);
        renumber_object(&mut object, &map);
        let Object::Dictionary(dict) = object else {
            panic!("not a dictionary");
        };
        assert_eq!(dict.get(b"A").ok(), Some(&Object::Reference((41, 0))));
        assert_eq!(
            dict.get(b"B").ok(),
            Some(&Object::Array(vec![
                Object::Reference((42, 0)),
                Object::Reference((9, 0))
            ]))
        );
    }

    #[test]
    fn local_ids_count_from_one() {
        let mut ids = LocalIds::default();
        assert_eq!(ids.next(), (1, 0));
        assert_eq!(ids.next(), (2, 0));
    }
}
