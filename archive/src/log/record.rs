//! The on-disk framing of log entries.
//!
//! ```text
//! record = payload_len: u32 LE || seq: u64 LE || crc32c(seq || payload): u32 LE || payload
//! ```
//!
//! The checksum only tells a torn write (a crash mid-append, never acknowledged) from a
//! complete record; tamper evidence comes from the Merkle tree and the signed checkpoints.

/// Bytes before the payload.
pub(crate) const HEADER: usize = 4 + 8 + 4;
/// Largest payload accepted; entries are bounded far below this by their description limits.
pub(crate) const MAX_PAYLOAD: usize = 1 << 20;

/// Appends the framed record for `payload` at `seq` to `out`.
pub(crate) fn encode(seq: u64, payload: &[u8], out: &mut Vec<u8>) {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&checksum(seq, payload).to_le_bytes());
    out.extend_from_slice(payload);
}

fn checksum(seq: u64, payload: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(&seq.to_le_bytes()), payload)
}

/// A record header as read from disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) len: usize,
    pub(crate) seq: u64,
    pub(crate) crc: u32,
}

/// Parses a header; `None` when the length is out of range.
pub(crate) fn header(bytes: &[u8; HEADER]) -> Option<Header> {
    let len = u32::from_le_bytes(bytes[0..4].try_into().ok()?) as usize;
    let seq = u64::from_le_bytes(bytes[4..12].try_into().ok()?);
    let crc = u32::from_le_bytes(bytes[12..16].try_into().ok()?);
    (len <= MAX_PAYLOAD).then_some(Header { len, seq, crc })
}

/// Whether `payload` is the intact payload announced by `header`.
pub(crate) fn intact(header: &Header, payload: &[u8]) -> bool {
    payload.len() == header.len && checksum(header.seq, payload) == header.crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let mut buf = Vec::new();
        encode(5, b"hello", &mut buf);
        let h = header(buf[..HEADER].try_into().unwrap()).unwrap();
        assert_eq!((h.len, h.seq), (5, 5));
        assert!(intact(&h, &buf[HEADER..]));
        buf[HEADER] ^= 1;
        assert!(!intact(&h, &buf[HEADER..]));
        let mut huge = [0u8; HEADER];
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(header(&huge), None);
    }
}
