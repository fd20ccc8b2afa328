//! Rules for the document catalog, document information, file structure, the DSS and XMP
//! metadata (after pyHanko's `CatalogModificationRule`, `DocInfoRule`, `XrefStreamRule`,
//! `ObjectStreamRule`, `DSSCompareRule` and `MetadataUpdateRule`).

use std::collections::BTreeSet;

use super::compare::{compare_dicts, compare_key, safe_replacement};
use super::usage::{Holder, Step, Usage};
use super::{Approval, Ctx, Suspicious, path};
use crate::pades::report::ModificationLevel::ValidationData;
use crate::pades::rev::name_text;
use crate::pdf::{Dictionary, Object, XrefEntry};

/// Catalog keys that may change; each is then checked by its own rule.
const CATALOG_MAY_CHANGE: &[&[u8]] = &[
    b"AcroForm",
    b"DSS",
    b"Extensions",
    b"Metadata",
    b"MarkInfo",
    b"Version",
];

/// The catalog may change only in [`CATALOG_MAY_CHANGE`]; `/Extensions` and `/MarkInfo`
/// may become new objects or be updated in place (if nothing else uses them).
pub(crate) fn catalog(ctx: &mut Ctx<'_, '_>) -> Result<(), Suspicious> {
    let old_root = ctx.old.root()?;
    let new_root = ctx.new.root()?;
    compare_dicts(
        &Object::Dictionary(old_root.clone()),
        &Object::Dictionary(new_root.clone()),
        CATALOG_MAY_CHANGE,
        true,
    )
    .map_err(|Suspicious(why)| Suspicious(format!("document catalog: {why}")))?;
    for key in [&b"Extensions"[..], b"MarkInfo"] {
        let (_, _, approved) = compare_key(ctx.old, ctx.new, &old_root, &new_root, key)?;
        if let Some(id) = approved {
            let approval = ctx.at_path(&path(&[b"Root", key]));
            ctx.approve(ValidationData, id, approval);
        }
    }
    // The catalog itself was just compared key by key: accept it wherever it is used.
    if let Some(id) = ctx
        .new
        .trailer()
        .get(b"Root")
        .and_then(Object::as_reference)
    {
        ctx.approve(ValidationData, id, Approval::Everywhere);
    }
    Ok(())
}

/// The document information dictionary may be updated or replaced.
pub(crate) fn document_info(ctx: &mut Ctx<'_, '_>) -> Result<(), Suspicious> {
    let Some(new_info) = ctx
        .new
        .trailer()
        .get(b"Info")
        .and_then(Object::as_reference)
    else {
        return Ok(());
    };
    let old_info = ctx
        .old
        .trailer()
        .get(b"Info")
        .and_then(Object::as_reference);
    let id = safe_replacement(ctx.old, ctx.new, old_info, new_info)?;
    let usage = Usage::new(Holder::Trailer, vec![Step::key(b"Info")]);
    ctx.approve(ValidationData, id, Approval::Along(usage));
    Ok(())
}

/// New cross-reference streams and object streams are fine (not the objects in them).
pub(crate) fn file_structure(ctx: &mut Ctx<'_, '_>) {
    let Some(revision) = ctx.new.file.revisions().get(ctx.new.index) else {
        return;
    };
    let mut streams: BTreeSet<(u32, u16)> = revision.xref_streams.iter().copied().collect();
    for entry in revision.entries.values() {
        if let XrefEntry::Compressed { stream, .. } = entry {
            streams.insert((*stream, 0));
        }
    }
    for id in streams {
        if !ctx.old.in_use(id) {
            ctx.approve(ValidationData, id, Approval::Everywhere);
        }
    }
}

/// The DSS (ETSI EN 319 142-1 §5.4.2) may be added or grow: only its known keys, arrays of
/// stream references, VRI entries added but never changed.
pub(crate) fn dss(ctx: &mut Ctx<'_, '_>) -> Result<(), Suspicious> {
    let old_root = ctx.old.root()?;
    let new_root = ctx.new.root()?;
    let (old_dss, new_dss, approved) = compare_key(ctx.old, ctx.new, &old_root, &new_root, b"DSS")?;
    let base = path(&[b"Root", b"DSS"]);
    if let Some(id) = approved {
        let approval = ctx.at_path(&base);
        ctx.approve(ValidationData, id, approval);
    }
    let Some(new_dss) = new_dss else {
        return Ok(());
    };
    let Object::Dictionary(new_dss) = new_dss else {
        return Err(Suspicious("/DSS is not a dictionary".into()));
    };
    let old_dss = match old_dss {
        Some(Object::Dictionary(d)) => d,
        None => Dictionary::new(),
        Some(_) => {
            return Err(Suspicious(
                "/DSS of the signed revision is not a dictionary".into(),
            ));
        }
    };
    let allowed: &[&[u8]] = &[b"Type", b"VRI", b"Certs", b"CRLs", b"OCSPs"];
    if let Some(key) = new_dss.keys().into_iter().find(|k| !allowed.contains(k)) {
        return Err(Suspicious(format!(
            "unexpected key {} in the DSS",
            name_text(key)
        )));
    }
    validation_data(
        ctx,
        &old_dss,
        &new_dss,
        &[b"Certs", b"CRLs", b"OCSPs"],
        &base,
    )?;
    let (old_vri, new_vri, approved) = compare_key(ctx.old, ctx.new, &old_dss, &new_dss, b"VRI")?;
    let vri_path = path(&[b"Root", b"DSS", b"VRI"]);
    if let Some(id) = approved {
        let approval = ctx.at_path(&vri_path);
        ctx.approve(ValidationData, id, approval);
    }
    let Some(new_vri) = new_vri else {
        return Ok(());
    };
    let Object::Dictionary(new_vri) = new_vri else {
        return Err(Suspicious("/VRI is not a dictionary".into()));
    };
    let old_vri = match old_vri {
        Some(Object::Dictionary(d)) => d,
        _ => Dictionary::new(),
    };
    for key in old_vri.keys() {
        if old_vri.get(key) != new_vri.get(key) {
            return Err(Suspicious(format!(
                "VRI entry {} was changed or deleted",
                name_text(key)
            )));
        }
    }
    for key in new_vri.keys() {
        if old_vri.contains_key(key) {
            continue;
        }
        // VRI keys are the uppercase hex SHA-1 of a signature value (ETSI EN 319 142-1 §5.4.2.3).
        if key.len() != 40
            || !key
                .iter()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return Err(Suspicious(format!(
                "VRI key {} is malformed",
                name_text(key)
            )));
        }
        let raw = new_vri.get(key).cloned().unwrap_or(Object::Null);
        if let Some(id) = raw.as_reference()
            && !ctx.old.in_use(id)
        {
            ctx.approve(ValidationData, id, Approval::Everywhere);
        }
        let Object::Dictionary(entry) = ctx.new.resolve(&raw)? else {
            return Err(Suspicious("VRI entries must be dictionaries".into()));
        };
        let allowed: &[&[u8]] = &[b"Type", b"TU", b"TS", b"Cert", b"CRL", b"OCSP"];
        if let Some(k) = entry.keys().into_iter().find(|k| !allowed.contains(k)) {
            return Err(Suspicious(format!(
                "unexpected key {} in a VRI entry",
                name_text(k)
            )));
        }
        let mut entry_path = vri_path.clone();
        entry_path.push(Step::key(key));
        validation_data(
            ctx,
            &Dictionary::new(),
            &entry,
            &[b"Cert", b"CRL", b"OCSP"],
            &entry_path,
        )?;
        if let Some(ts) = entry.get(b"TS").and_then(Object::as_reference)
            && !ctx.old.in_use(ts)
        {
            ctx.approve(ValidationData, ts, Approval::Everywhere);
        }
    }
    Ok(())
}

/// `/Certs`, `/CRLs`, `/OCSPs` (or a VRI entry's `/Cert`, ...): arrays of references to
/// streams; the arrays may be updated in place, new streams are accepted.
fn validation_data(
    ctx: &mut Ctx<'_, '_>,
    old_dict: &Dictionary,
    new_dict: &Dictionary,
    keys: &[&[u8]],
    base: &[Step],
) -> Result<(), Suspicious> {
    for &key in keys {
        let Some(value) = new_dict.get(key).cloned() else {
            continue;
        };
        let array = ctx.new.resolve(&value)?;
        let items = array
            .as_array()
            .ok_or_else(|| Suspicious(format!("DSS {} is not an array", name_text(key))))?;
        for item in items {
            let is_stream_ref = match item.as_reference() {
                Some(id) => matches!(ctx.new.get(id)?, Some(Object::Stream(_))),
                None => false,
            };
            if !is_stream_ref {
                return Err(Suspicious(format!(
                    "DSS {} must hold references to streams only",
                    name_text(key)
                )));
            }
        }
        let mut key_path = base.to_vec();
        key_path.push(Step::key(key));
        if let Some(new_ref) = value.as_reference() {
            let old_ref = old_dict.get(key).and_then(Object::as_reference);
            if old_ref.is_some() || !ctx.old.in_use(new_ref) {
                let id = safe_replacement(ctx.old, ctx.new, old_ref, new_ref)?;
                let approval = ctx.at_path(&key_path);
                ctx.approve(ValidationData, id, approval);
            }
        }
        ctx.approve_deps(ValidationData, &value, None)?;
    }
    Ok(())
}

/// XMP metadata (ISO 32000-1 §14.3.2) may be replaced by another metadata stream. Its
/// content is only checked to look like XMP without DTDs or entities.
pub(crate) fn metadata(ctx: &mut Ctx<'_, '_>) -> Result<(), Suspicious> {
    let new_root = ctx.new.root()?;
    let Some(raw) = new_root.get(b"Metadata") else {
        return Ok(());
    };
    let new_ref = raw
        .as_reference()
        .ok_or_else(|| Suspicious("/Metadata must be an indirect reference".into()))?;
    check_xmp(ctx, ctx.new, new_ref)?;
    let old_ref = match ctx.old.root()?.get(b"Metadata") {
        None => None,
        Some(Object::Reference(id)) => Some(*id),
        Some(_) => return Err(Suspicious("/Metadata must be an indirect reference".into())),
    };
    if let Some(old_ref) = old_ref {
        check_xmp(ctx, ctx.old, old_ref)?;
    }
    if old_ref == Some(new_ref) || !ctx.old.in_use(new_ref) {
        let approval = ctx.at_path(&path(&[b"Root", b"Metadata"]));
        ctx.approve(ValidationData, new_ref, approval);
    }
    Ok(())
}

fn check_xmp(
    ctx: &Ctx<'_, '_>,
    rev: crate::pades::rev::Rev<'_, '_>,
    id: crate::pdf::ObjectId,
) -> Result<(), Suspicious> {
    let Some(Object::Stream(stream)) = rev.get(id)? else {
        return Err(Suspicious("/Metadata is not a stream".into()));
    };
    let data = stream.decode(ctx.new.file, ctx.new.file.limits())?;
    let finder = |needle: &[u8]| memchr::memmem::find(&data, needle).is_some();
    if !finder(b"xmpmeta") {
        return Err(Suspicious("/Metadata does not look like XMP".into()));
    }
    if finder(b"<!ENTITY") || finder(b"<!DOCTYPE") {
        return Err(Suspicious("XMP metadata with a DTD or entities".into()));
    }
    Ok(())
}
