//! Modification detection and prevention transforms of a signature dictionary's
//! `/Reference` (ISO 32000-1 §12.8.2): DocMDP for certification signatures (§12.8.2.2),
//! FieldMDP for field locks (§12.8.2.4).

use super::diff::FieldLocks;
use super::rev::{Rev, text};
use crate::pdf::{Dictionary, Object, ObjectId};

/// The signature references of `signature`, resolved.
fn references(rev: Rev<'_, '_>, signature: &Dictionary) -> Vec<Dictionary> {
    let Ok(Some(Object::Array(items))) = rev.value(signature, b"Reference") else {
        return Vec::new();
    };
    items
        .iter()
        .take(64)
        .filter_map(|i| match rev.resolve(i) {
            Ok(Object::Dictionary(d)) => Some(d),
            _ => None,
        })
        .collect()
}

fn params(rev: Rev<'_, '_>, reference: &Dictionary) -> Dictionary {
    match rev.value(reference, b"TransformParams") {
        Ok(Some(Object::Dictionary(d))) => d,
        _ => Dictionary::new(),
    }
}

/// The DocMDP permissions `/P` (1, 2 or 3; 2 when absent, ISO 32000-1 Table 254) if
/// `signature` is a certification signature.
pub(crate) fn doc_mdp(rev: Rev<'_, '_>, signature: &Dictionary) -> Option<u8> {
    references(rev, signature)
        .iter()
        .find(|r| r.name_is(b"TransformMethod", b"DocMDP"))
        .map(|r| {
            match params(rev, r).get(b"P").and_then(Object::as_integer) {
                Some(1) => 1,
                Some(3) => 3,
                // Absent or out of range: the default, 2 (an out-of-range value is not
                // allowed to loosen anything beyond it).
                _ => 2,
            }
        })
}

/// The signature dictionary the catalog's `/Perms /DocMDP` refers to in `rev`, if any. ISO
/// 32000-1 §12.8.2.2.1 and §12.8.4 (Table 258): a certification signature's dictionary
/// "shall be indirectly referenced from the DocMDP entry in the Perms dictionary".
pub(crate) fn perms_doc_mdp(rev: Rev<'_, '_>) -> Option<ObjectId> {
    let root = rev.root().ok()?;
    let Ok(Some(Object::Dictionary(perms))) = rev.value(&root, b"Perms") else {
        return None;
    };
    perms.get(b"DocMDP")?.as_reference()
}

/// The fields a FieldMDP transform of `signature` locks (ISO 32000-1 Table 256).
pub(crate) fn field_locks(rev: Rev<'_, '_>, signature: &Dictionary) -> FieldLocks {
    let Some(reference) = references(rev, signature)
        .into_iter()
        .find(|r| r.name_is(b"TransformMethod", b"FieldMDP"))
    else {
        return FieldLocks::None;
    };
    let params = params(rev, &reference);
    let fields: Vec<String> = match rev.value(&params, b"Fields") {
        Ok(Some(Object::Array(items))) => items
            .iter()
            .filter_map(|i| rev.resolve(i).ok())
            .filter_map(|i| i.as_string().map(text))
            .collect(),
        _ => Vec::new(),
    };
    match params.get_name(b"Action") {
        Some(b"Include") => FieldLocks::Include(fields),
        Some(b"Exclude") => FieldLocks::Exclude(fields),
        _ => FieldLocks::All,
    }
}
