//! Stream filters (ISO 32000-1 §7.4): `FlateDecode` with predictors, and `ASCIIHexDecode`.
//! Every output is bounded by [`Limits::max_decoded_bytes`].

use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_zlib_with_limit};

use super::Limits;
use super::error::PdfError;
use super::lexer::{hex_value, is_whitespace};
use super::object::{Dictionary, Object};

/// Applies the filter named by `filter` with its `/DecodeParms` to `data`; `offset` is
/// where the stream's data starts, for messages.
pub(crate) fn apply(
    filter: &Object,
    params: Option<&Dictionary>,
    data: &[u8],
    offset: usize,
    limits: &Limits,
) -> Result<Vec<u8>, PdfError> {
    let name = filter.as_name().unwrap_or_default();
    match name {
        b"FlateDecode" | b"Fl" => {
            let inflated = inflate(data, offset, limits)?;
            predict(inflated, params, offset)
        }
        b"ASCIIHexDecode" | b"AHx" => ascii_hex(data, offset),
        _ => Err(PdfError::UnsupportedFilter {
            offset,
            filter: String::from_utf8_lossy(name).into_owned(),
        }),
    }
}

fn decode_error(offset: usize, filter: &str, message: impl Into<String>) -> PdfError {
    PdfError::Decode {
        offset,
        filter: filter.to_owned(),
        message: message.into(),
    }
}

/// zlib (RFC 1950) inflation. A missing or wrong Adler-32 trailer, or data cut short after a
/// complete block, is tolerated (common in the wild; the data is still bounded).
fn inflate(data: &[u8], offset: usize, limits: &Limits) -> Result<Vec<u8>, PdfError> {
    match decompress_to_vec_zlib_with_limit(data, limits.max_decoded_bytes) {
        Ok(out) => Ok(out),
        Err(e) => match e.status {
            TINFLStatus::HasMoreOutput => Err(PdfError::DecodeLimit {
                offset,
                limit: limits.max_decoded_bytes,
            }),
            TINFLStatus::Adler32Mismatch | TINFLStatus::FailedCannotMakeProgress
                if !e.output.is_empty() =>
            {
                Ok(e.output)
            }
            status => Err(decode_error(offset, "FlateDecode", format!("{status:?}"))),
        },
    }
}

fn param(params: Option<&Dictionary>, key: &[u8], default: i64) -> i64 {
    params
        .and_then(|p| p.get(key))
        .and_then(Object::as_integer)
        .unwrap_or(default)
}

/// Undoes a TIFF (2) or PNG (10–15) predictor (ISO 32000-1 §7.4.4.4, Table 9).
fn predict(data: Vec<u8>, params: Option<&Dictionary>, offset: usize) -> Result<Vec<u8>, PdfError> {
    let predictor = param(params, b"Predictor", 1);
    if predictor == 1 {
        return Ok(data);
    }
    let colors = param(params, b"Colors", 1);
    let bits = param(params, b"BitsPerComponent", 8);
    let columns = param(params, b"Columns", 1);
    if !(1..=32).contains(&colors)
        || ![1, 2, 4, 8, 16].contains(&bits)
        || !(1..=1 << 24).contains(&columns)
    {
        return Err(decode_error(
            offset,
            "predictor",
            format!(
                "unusable parameters Colors {colors} BitsPerComponent {bits} Columns {columns}"
            ),
        ));
    }
    // In range by the checks above.
    let (colors, bits, columns) = (colors as usize, bits as usize, columns as usize);
    let bpp = (colors * bits).div_ceil(8).max(1);
    let row = (colors * bits * columns).div_ceil(8);
    match predictor {
        2 if bits == 8 => Ok(tiff(data, row, colors)),
        2 => Err(decode_error(
            offset,
            "predictor",
            "TIFF predictor with other than 8 bits per component",
        )),
        10..=15 => png(&data, row, bpp, offset),
        other => Err(decode_error(
            offset,
            "predictor",
            format!("unknown predictor {other}"),
        )),
    }
}

fn tiff(mut data: Vec<u8>, row: usize, colors: usize) -> Vec<u8> {
    for line in data.chunks_mut(row) {
        for i in colors..line.len() {
            line[i] = line[i].wrapping_add(line[i - colors]);
        }
    }
    data
}

/// PNG row filters (RFC 2083 §6): each row starts with its filter type.
fn png(data: &[u8], row: usize, bpp: usize, offset: usize) -> Result<Vec<u8>, PdfError> {
    let mut out: Vec<u8> = Vec::with_capacity(data.len());
    let mut previous = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let Some((&kind, line)) = chunk.split_first() else {
            break;
        };
        let mut current = line.to_vec();
        current.resize(row, 0);
        for i in 0..row {
            let left = if i >= bpp { current[i - bpp] } else { 0 };
            let up = previous[i];
            let up_left = if i >= bpp { previous[i - bpp] } else { 0 };
            let predicted = match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                other => {
                    return Err(decode_error(
                        offset,
                        "PNG predictor",
                        format!("unknown row filter {other}"),
                    ));
                }
            };
            current[i] = current[i].wrapping_add(predicted);
        }
        out.extend_from_slice(&current[..line.len().min(row)]);
        previous = current;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

fn ascii_hex(data: &[u8], offset: usize) -> Result<Vec<u8>, PdfError> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut high = None;
    for &b in data {
        if b == b'>' {
            break;
        }
        if is_whitespace(b) {
            continue;
        }
        let v = hex_value(b)
            .ok_or_else(|| decode_error(offset, "ASCIIHexDecode", "not a hex digit"))?;
        match high.take() {
            Some(h) => out.push(h << 4 | v),
            None => high = Some(v),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn png_up() {
        // Two rows of 3 bytes with the Up filter.
        let data = [2, 1, 2, 3, 2, 1, 1, 1];
        assert_eq!(png(&data, 3, 1, 0).unwrap(), vec![1, 2, 3, 2, 3, 4]);
    }

    #[test]
    fn bomb_stops() {
        let limits = Limits {
            max_decoded_bytes: 1000,
            ..Limits::default()
        };
        let zeros = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 100_000], 9);
        let name = Object::Name(b"FlateDecode".to_vec());
        assert!(matches!(
            apply(&name, None, &zeros, 7, &limits),
            Err(PdfError::DecodeLimit { offset: 7, .. })
        ));
    }
}
