//! Comparisons between a signed revision and a later one (after pyHanko's
//! `diff_analysis.commons`, written anew).

use std::collections::HashSet;

use super::super::rev::{Rev, name_text};
use super::Suspicious;
use crate::pdf::{Object, ObjectId};

/// Compares two dictionaries entry by entry, but for the `ignored` keys. With `strict`, a
/// difference is [`Suspicious`]; otherwise it is `Ok(false)`.
pub(crate) fn compare_dicts(
    old: &Object,
    new: &Object,
    ignored: &[&[u8]],
    strict: bool,
) -> Result<bool, Suspicious> {
    let (Object::Dictionary(old), Object::Dictionary(new)) = (old, new) else {
        return Err(Suspicious(format!(
            "a dictionary was replaced by a {} (or was not a dictionary)",
            new.kind()
        )));
    };
    let keys = |d: &crate::pdf::Dictionary| -> Vec<Vec<u8>> {
        let mut k: Vec<Vec<u8>> = d
            .keys()
            .into_iter()
            .filter(|k| !ignored.contains(k))
            .map(<[u8]>::to_vec)
            .collect();
        k.sort();
        k
    };
    let (old_keys, new_keys) = (keys(old), keys(new));
    if old_keys != new_keys {
        if strict {
            let show = |k: &[Vec<u8>]| k.iter().map(|k| name_text(k)).collect::<Vec<_>>().join(" ");
            return Err(Suspicious(format!(
                "dictionary keys changed from [{}] to [{}]",
                show(&old_keys),
                show(&new_keys)
            )));
        }
        return Ok(false);
    }
    for key in &new_keys {
        if !same_value(old.get(key), new.get(key)) {
            if strict {
                return Err(Suspicious(format!(
                    "the value of {} changed",
                    name_text(key)
                )));
            }
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether two direct values are equal as PDF values: a literal and a hexadecimal string
/// with the same bytes are the same string (ISO 32000-1 §7.3.4).
fn same_value(a: Option<&Object>, b: Option<&Object>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => match (a, b) {
            (
                Object::String(x) | Object::HexString(x),
                Object::String(y) | Object::HexString(y),
            ) => x == y,
            (Object::Array(x), Object::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(Some(p), Some(q)))
            }
            (Object::Dictionary(x), Object::Dictionary(y)) => {
                let (mut kx, mut ky) = (x.keys(), y.keys());
                kx.sort();
                ky.sort();
                kx == ky && kx.iter().all(|k| same_value(x.get(k), y.get(k)))
            }
            (x, y) => x == y,
        },
        (None, None) => true,
        _ => false,
    }
}

/// Checks that `new_ref`, which replaces `old_ref` in some structure, clobbers nothing:
/// neither is a stream if they are the same object, and a different one is a new object
/// (pyHanko's `safe_whitelist`).
pub(crate) fn safe_replacement(
    old: Rev<'_, '_>,
    new: Rev<'_, '_>,
    old_ref: Option<ObjectId>,
    new_ref: ObjectId,
) -> Result<ObjectId, Suspicious> {
    if let Some(old_ref) = old_ref
        && matches!(old.get(old_ref)?, Some(Object::Stream(_)))
    {
        return Err(Suspicious(format!(
            "{} is a stream and may not be replaced",
            crate::pdf::id_text(old_ref)
        )));
    }
    if old_ref == Some(new_ref) {
        if matches!(new.get(new_ref)?, Some(Object::Stream(_))) {
            return Err(Suspicious(format!(
                "{} became a stream",
                crate::pdf::id_text(new_ref)
            )));
        }
        return Ok(new_ref);
    }
    if old.in_use(new_ref) {
        return Err(Suspicious(format!(
            "the update reuses {}, an object of the signed revision, in an unexpected way",
            crate::pdf::id_text(new_ref)
        )));
    }
    Ok(new_ref)
}

/// The old and new values of a key, resolved, and the new reference if accepted.
pub(crate) type KeyValues = (Option<Object>, Option<Object>, Option<ObjectId>);

/// The old and new values of `key` in two versions of a dictionary, resolved, with the new
/// reference if the new value is one (checked with [`safe_replacement`]). Deleting the key
/// is [`Suspicious`] (pyHanko's `compare_key_refs`).
pub(crate) fn compare_key(
    old: Rev<'_, '_>,
    new: Rev<'_, '_>,
    old_dict: &crate::pdf::Dictionary,
    new_dict: &crate::pdf::Dictionary,
    key: &[u8],
) -> Result<KeyValues, Suspicious> {
    let old_raw = old_dict.get(key);
    let old_value = old_raw.map(|v| old.resolve(v)).transpose()?;
    let Some(new_raw) = new_dict.get(key) else {
        if old_value.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(Suspicious(format!("{} was deleted", name_text(key))));
        }
        return Ok((None, None, None));
    };
    let new_value = new.resolve(new_raw)?;
    let approved = match new_raw.as_reference() {
        Some(new_ref) => Some(safe_replacement(
            old,
            new,
            old_raw.and_then(Object::as_reference),
            new_ref,
        )?),
        None => None,
    };
    Ok((old_value, Some(new_value), approved))
}

/// The objects reachable from `object` through objects that are new since `old` (not in
/// use then), as of `new` (pyHanko's `collect_dependencies`).
pub(crate) fn new_dependencies(
    old: Rev<'_, '_>,
    new: Rev<'_, '_>,
    object: &Object,
) -> Result<Vec<ObjectId>, Suspicious> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<Object> = vec![object.clone()];
    let limit = new.file.limits().max_objects;
    while let Some(object) = stack.pop() {
        let mut refs = Vec::new();
        references(&object, &mut refs);
        for id in refs {
            if old.in_use(id) || !new.in_use(id) || !seen.insert(id) {
                continue;
            }
            if seen.len() > limit {
                return Err(Suspicious("too many new objects".into()));
            }
            found.push(id);
            if let Some(target) = new.get(id)? {
                stack.push(target);
            }
        }
    }
    Ok(found)
}

/// Every reference written in `object` (not following them).
pub(crate) fn references(object: &Object, out: &mut Vec<ObjectId>) {
    match object {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|i| references(i, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, v)| references(v, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, v)| references(v, out)),
        _ => {}
    }
}

/// Whether two versions of an object are the same: equal values, streams with the same
/// raw data, strings with the same bytes whether literal or hexadecimal.
pub(crate) fn identical(file: &crate::pdf::PdfFile<'_>, old: &Object, new: &Object) -> bool {
    match (old, new) {
        (Object::String(a) | Object::HexString(a), Object::String(b) | Object::HexString(b)) => {
            a == b
        }
        (Object::Array(a), Object::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| identical(file, x, y))
        }
        (Object::Dictionary(a), Object::Dictionary(b)) => dicts_identical(file, a, b),
        (Object::Stream(a), Object::Stream(b)) => {
            a.raw(file) == b.raw(file) && dicts_identical(file, &a.dict, &b.dict)
        }
        (a, b) => a == b,
    }
}

fn dicts_identical(
    file: &crate::pdf::PdfFile<'_>,
    a: &crate::pdf::Dictionary,
    b: &crate::pdf::Dictionary,
) -> bool {
    let (mut ka, mut kb) = (a.keys(), b.keys());
    ka.sort();
    kb.sort();
    ka == kb
        && ka.iter().all(|k| match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => identical(file, x, y),
            _ => false,
        })
}
