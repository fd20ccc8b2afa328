//! The document security store (ETSI EN 319 142-1 §5.4.2; ISO 32000-2 §12.8.4.3):
//! certificates, CRLs and OCSP responses kept for long-term validation.

use std::collections::BTreeSet;

use super::rev::Rev;
use crate::pdf::{Dictionary, Object, ObjectId};

/// The validation data of a DSS, as DER.
#[derive(Debug, Default)]
pub(crate) struct Dss {
    pub(crate) certificates: Vec<Vec<u8>>,
    pub(crate) crls: Vec<Vec<u8>>,
    pub(crate) ocsp_responses: Vec<Vec<u8>>,
}

const KEYS: [(&[u8], &[u8]); 3] = [(b"Certs", b"Cert"), (b"CRLs", b"CRL"), (b"OCSPs", b"OCSP")];

/// The DSS of revision `rev` (what cannot be read is left out).
pub(crate) fn read(rev: Rev<'_, '_>) -> Dss {
    let mut dss = Dss::default();
    for (i, streams) in streams(rev).iter().enumerate() {
        for &id in streams {
            let Ok(Some(Object::Stream(stream))) = rev.get(id) else {
                continue;
            };
            let Ok(der) = stream.decode(rev.file, rev.file.limits()) else {
                continue;
            };
            match i {
                0 => dss.certificates.push(der),
                1 => dss.crls.push(der),
                _ => dss.ocsp_responses.push(der),
            }
        }
    }
    dss
}

/// Whether revision `index` adds validation data to the DSS.
pub(crate) fn updated_in(rev: Rev<'_, '_>) -> bool {
    if rev.index == 0 {
        return streams(rev).iter().any(|s| !s.is_empty());
    }
    let before = streams(Rev::new(rev.file, rev.index - 1));
    streams(rev)
        .iter()
        .zip(&before)
        .any(|(now, then)| now.difference(then).next().is_some())
}

/// The stream references of `/Certs`, `/CRLs`, `/OCSPs` and of each VRI entry's `/Cert`,
/// `/CRL`, `/OCSP`.
fn streams(rev: Rev<'_, '_>) -> [BTreeSet<ObjectId>; 3] {
    let mut out: [BTreeSet<ObjectId>; 3] = Default::default();
    let Ok(root) = rev.root() else { return out };
    let Ok(Some(Object::Dictionary(dss))) = rev.value(&root, b"DSS") else {
        return out;
    };
    let mut add = |dict: &Dictionary, keys: [&[u8]; 3]| {
        for (set, key) in out.iter_mut().zip(keys) {
            if let Ok(Some(Object::Array(items))) = rev.value(dict, key) {
                set.extend(items.iter().filter_map(Object::as_reference));
            }
        }
    };
    add(&dss, KEYS.map(|k| k.0));
    if let Ok(Some(Object::Dictionary(vri))) = rev.value(&dss, b"VRI") {
        for (_, entry) in vri.iter().take(10_000) {
            if let Ok(Object::Dictionary(entry)) = rev.resolve(entry) {
                add(&entry, KEYS.map(|k| k.1));
            }
        }
    }
    out
}
