//! Finding the signatures of a PDF: terminal signature fields with a value, in the
//! interactive form of every revision (ISO 32000-1 §12.7.4.5, §12.8).

use std::collections::{BTreeMap, HashSet};

use super::rev::{Rev, text};
use crate::pdf::{Dictionary, Object, ObjectId, PdfError, PdfFile};

/// Deepest field hierarchy followed.
const MAX_DEPTH: usize = 32;
/// Most fields looked at per revision.
const MAX_FIELDS: usize = 100_000;

/// A signature field with a value.
#[derive(Debug, Clone)]
pub(crate) struct SignatureField {
    /// Fully qualified field name.
    pub(crate) name: String,
    /// `/V` as written: a reference to the signature dictionary, or (wrongly) a direct one.
    pub(crate) value: Object,
}

/// A signature found in some revision.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) field: SignatureField,
    /// The last revision whose form has it.
    pub(crate) last_seen: usize,
}

/// Every signature of every revision, keyed by its signature dictionary's reference (direct
/// values are keyed by field name with a marker). Unreadable forms are skipped; what a
/// revision's form holds is then decided by the later ones.
pub(crate) fn signatures(file: &PdfFile<'_>) -> Vec<Found> {
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for index in 0..file.revisions().len() {
        let Ok(fields) = signature_fields(Rev::new(file, index)) else {
            continue;
        };
        for field in fields {
            let key = match field.value.as_reference() {
                Some(id) => format!("ref {:010} {:05}", id.0, id.1),
                None => format!("direct {}", field.name),
            };
            found
                .entry(key)
                .and_modify(|f| {
                    f.last_seen = index;
                    f.field.name.clone_from(&field.name);
                })
                .or_insert(Found {
                    field,
                    last_seen: index,
                });
        }
    }
    found.into_values().collect()
}

/// The terminal signature fields with a value of one revision's form.
pub(crate) fn signature_fields(rev: Rev<'_, '_>) -> Result<Vec<SignatureField>, PdfError> {
    let root = rev.root()?;
    let Some(Object::Dictionary(form)) = rev.value(&root, b"AcroForm")? else {
        return Ok(Vec::new());
    };
    let Some(fields) = rev.value(&form, b"Fields")? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    collect(rev, &fields, "", None, None, 0, &mut seen, &mut out)?;
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn collect(
    rev: Rev<'_, '_>,
    list: &Object,
    parent: &str,
    kind: Option<&[u8]>,
    value: Option<&Object>,
    depth: usize,
    seen: &mut HashSet<ObjectId>,
    out: &mut Vec<SignatureField>,
) -> Result<(), PdfError> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    for item in list.as_array().unwrap_or_default() {
        if seen.len() > MAX_FIELDS {
            return Ok(());
        }
        if let Some(id) = item.as_reference()
            && !seen.insert(id)
        {
            continue;
        }
        let Object::Dictionary(field) = rev.resolve(item)? else {
            continue;
        };
        let name = match field.get(b"T").and_then(Object::as_string) {
            Some(partial) if parent.is_empty() => text(partial),
            Some(partial) => format!("{parent}.{}", text(partial)),
            None => parent.to_owned(),
        };
        // /FT and /V are inheritable (ISO 32000-1 §12.7.3.1, Table 220).
        let kind = field.get_name(b"FT").or(kind);
        let value = field.get(b"V").or(value);
        let kids = rev.value(&field, b"Kids")?;
        let named_kids = kids
            .as_ref()
            .and_then(Object::as_array)
            .is_some_and(|k| k.iter().any(|k| has_name(rev, k)));
        if named_kids {
            if let Some(kids) = &kids {
                collect(rev, kids, &name, kind, value, depth + 1, seen, out)?;
            }
        } else if kind == Some(b"Sig")
            && let Some(value) = value
        {
            out.push(SignatureField {
                name,
                value: value.clone(),
            });
        }
    }
    Ok(())
}

fn has_name(rev: Rev<'_, '_>, kid: &Object) -> bool {
    matches!(rev.resolve(kid), Ok(Object::Dictionary(d)) if d.contains_key(b"T"))
}

/// A signature dictionary's text entry, decoded.
pub(crate) fn text_entry(dict: &Dictionary, key: &[u8]) -> Option<String> {
    dict.get(key).and_then(Object::as_string).map(text)
}
