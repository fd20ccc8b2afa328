//! Rules for the interactive form (ISO 32000-1 §12.7): signature fields may be created and
//! signed, other fields filled in, appearances updated (after pyHanko's
//! `FormUpdatingRule`, `SigFieldCreationRule`, `SigFieldModificationRule` and
//! `GenericFieldModificationRule`).

use std::collections::{BTreeMap, HashSet};

use super::appearances::{appearance_in_place, appearance_update};
use super::compare::{compare_dicts, compare_key};
use super::usage::{Holder, Step, Usage};
use super::{Approval, Ctx, Suspicious, Update, path};
use crate::pades::report::ModificationLevel::{self, FormFilling, ValidationData};
use crate::pades::rev::{Rev, text};
use crate::pdf::{Dictionary, Object, ObjectId};

/// `/AcroForm` keys that may change (each checked elsewhere, or harmless).
const ACROFORM_MAY_CHANGE: &[&[u8]] = &[b"Fields", b"DR", b"DA", b"Q", b"NeedAppearances"];
/// Field keys that may always change: flags and type.
const ALWAYS_MODIFIABLE: &[&[u8]] = &[b"Ff", b"Type"];
/// Field keys filling in a field changes: value, appearance, flags, default appearance.
const VALUE_UPDATE: &[&[u8]] = &[b"Ff", b"Type", b"AP", b"AS", b"V", b"F", b"DA", b"Q"];
/// Deepest field hierarchy followed.
const MAX_FIELD_DEPTH: usize = 32;

/// One field name in either revision.
#[derive(Debug, Clone)]
struct FieldSpec {
    name: String,
    kind: Option<Vec<u8>>,
    old_ref: Option<ObjectId>,
    new_ref: Option<ObjectId>,
    /// The path from the trailer to the field in the signed revision.
    old_path: Option<Vec<Step>>,
}

/// The whole form rule.
pub(crate) fn form(ctx: &mut Ctx<'_, '_>) -> Result<(), Suspicious> {
    let old_root = ctx.old.root()?;
    let new_root = ctx.new.root()?;
    let (old_form, new_form, approved) =
        compare_key(ctx.old, ctx.new, &old_root, &new_root, b"AcroForm")?;
    if let Some(id) = approved {
        let approval = ctx.at_path(&path(&[b"Root", b"AcroForm"]));
        ctx.approve(ValidationData, id, approval);
    }
    let Some(Object::Dictionary(new_form)) = new_form else {
        return match new_form {
            None => Ok(()),
            Some(_) => Err(Suspicious("/AcroForm is not a dictionary".into())),
        };
    };
    let old_form = match old_form {
        Some(Object::Dictionary(d)) => d,
        _ => Dictionary::new(),
    };
    let mut may_change = ACROFORM_MAY_CHANGE.to_vec();
    if old_form.is_empty() {
        may_change.push(b"SigFlags");
    }
    compare_dicts(
        &Object::Dictionary(old_form.clone()),
        &Object::Dictionary(new_form.clone()),
        &may_change,
        true,
    )
    .map_err(|Suspicious(why)| Suspicious(format!("/AcroForm: {why}")))?;
    let (old_fields, new_fields, approved) =
        compare_key(ctx.old, ctx.new, &old_form, &new_form, b"Fields")?;
    let fields_path = path(&[b"Root", b"AcroForm", b"Fields"]);
    if let Some(id) = approved {
        let approval = ctx.at_path(&fields_path);
        ctx.approve(ValidationData, id, approval);
    }
    let (_, new_dr, approved) = compare_key(ctx.old, ctx.new, &old_form, &new_form, b"DR")?;
    if let Some(id) = approved {
        let approval = ctx.at_path(&path(&[b"Root", b"AcroForm", b"DR"]));
        ctx.approve(FormFilling, id, approval);
    }
    if new_dr.is_some()
        && let Some(raw) = new_form.get(b"DR").cloned()
    {
        ctx.approve_deps(FormFilling, &raw, None)?;
    }
    let mut specs = BTreeMap::new();
    list_fields(
        ctx,
        old_fields.as_ref(),
        new_fields.as_ref(),
        Some(fields_path),
        "",
        None,
        0,
        &mut specs,
    )?;
    let specs: Vec<FieldSpec> = specs.into_values().collect();
    signature_field_creation(ctx, &specs)?;
    for spec in &specs {
        signature_field_modification(ctx, spec)?;
        other_field_modification(ctx, spec)?;
    }
    Ok(())
}

type Listed = (String, Option<Vec<u8>>, ObjectId, Option<Object>, usize);

/// The named fields of one `/Fields` or `/Kids` array.
fn named_fields(
    rev: Rev<'_, '_>,
    list: Option<&Object>,
    parent: &str,
    inherited: Option<&[u8]>,
) -> Result<Vec<Listed>, Suspicious> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let items = list
        .as_array()
        .ok_or_else(|| Suspicious("a field list is not an array".into()))?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let id = item
            .as_reference()
            .ok_or_else(|| Suspicious("form fields must be indirect objects".into()))?;
        let Some(Object::Dictionary(field)) = rev.get(id)? else {
            return Err(Suspicious(format!(
                "form field {} is not a dictionary",
                crate::pdf::id_text(id)
            )));
        };
        let Some(partial) = field.get(b"T") else {
            continue;
        };
        let partial = partial
            .as_string()
            .map(text)
            .ok_or_else(|| Suspicious("field names must be strings".into()))?;
        if partial.contains('.') {
            return Err(Suspicious(format!(
                "field name {partial:?} contains a period"
            )));
        }
        if !seen.insert(partial.clone()) {
            return Err(Suspicious(format!("field name {partial:?} is used twice")));
        }
        let name = if parent.is_empty() {
            partial
        } else {
            format!("{parent}.{partial}")
        };
        let kind = field
            .get_name(b"FT")
            .map(<[u8]>::to_vec)
            .or_else(|| inherited.map(<[u8]>::to_vec));
        let kids = rev.value(&field, b"Kids")?;
        if kids.is_none() && kind.is_none() {
            return Err(Suspicious(format!(
                "the type of field {name:?} cannot be determined"
            )));
        }
        out.push((name, kind, id, kids, index));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn list_fields(
    ctx: &Ctx<'_, '_>,
    old_list: Option<&Object>,
    new_list: Option<&Object>,
    old_path: Option<Vec<Step>>,
    parent: &str,
    inherited: Option<&[u8]>,
    depth: usize,
    out: &mut BTreeMap<String, FieldSpec>,
) -> Result<(), Suspicious> {
    if depth > MAX_FIELD_DEPTH {
        return Err(Suspicious(
            "the form field hierarchy is too deep (or loops)".into(),
        ));
    }
    let old = named_fields(ctx.old, old_list, parent, inherited)?;
    let new = named_fields(ctx.new, new_list, parent, inherited)?;
    let mut names: Vec<&String> = old
        .iter()
        .map(|f| &f.0)
        .chain(new.iter().map(|f| &f.0))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let o = old.iter().find(|f| &f.0 == name);
        let n = new.iter().find(|f| &f.0 == name);
        if let (Some(o), Some(n)) = (o, n)
            && o.1 != n.1
        {
            return Err(Suspicious(format!("the type of field {name:?} changed")));
        }
        let kind = o
            .and_then(|f| f.1.clone())
            .or_else(|| n.and_then(|f| f.1.clone()));
        let field_path = match (&old_path, o) {
            (Some(p), Some(o)) => {
                let mut p = p.clone();
                p.push(Step::Index(o.4));
                Some(p)
            }
            _ => None,
        };
        out.insert(
            name.clone(),
            FieldSpec {
                name: name.clone(),
                kind: kind.clone(),
                old_ref: o.map(|f| f.2),
                new_ref: n.map(|f| f.2),
                old_path: field_path.clone(),
            },
        );
        let old_kids = o.and_then(|f| f.3.as_ref());
        let new_kids = n.and_then(|f| f.3.as_ref());
        if old_kids.is_some() || new_kids.is_some() {
            let kids_path = field_path.map(|mut p| {
                p.push(Step::key(b"Kids"));
                p
            });
            list_fields(
                ctx,
                old_kids,
                new_kids,
                kids_path,
                name,
                kind.as_deref(),
                depth + 1,
                out,
            )?;
        }
    }
    Ok(())
}

fn is_signature(spec: &FieldSpec) -> bool {
    spec.kind.as_deref() == Some(b"Sig")
}

/// New signature fields may be created (no other fields), with their widgets, appearance,
/// lock and seed-value dictionaries; no field may be deleted.
fn signature_field_creation(ctx: &mut Ctx<'_, '_>, specs: &[FieldSpec]) -> Result<(), Suspicious> {
    let deleted: Vec<&str> = specs
        .iter()
        .filter(|s| s.old_ref.is_some() && s.new_ref.is_none())
        .map(|s| s.name.as_str())
        .collect();
    if !deleted.is_empty() {
        return Err(Suspicious(format!(
            "form fields {deleted:?} were deleted after signing"
        )));
    }
    let added: Vec<&FieldSpec> = specs.iter().filter(|s| s.old_ref.is_none()).collect();
    if let Some(other) = added.iter().find(|s| !is_signature(s)) {
        return Err(Suspicious(format!(
            "a form field other than a signature field was added: {:?}",
            other.name
        )));
    }
    for spec in added {
        let Some(id) = spec.new_ref else { continue };
        let Some(Object::Dictionary(field)) = ctx.new.get(id)? else {
            return Err(Suspicious(format!(
                "field {:?} is not a dictionary",
                spec.name
            )));
        };
        let visible = field_visible(ctx.new, &field)?;
        let level = if visible { FormFilling } else { ValidationData };
        let name = spec.name.as_str();
        if !ctx.old.in_use(id) {
            ctx.push(
                Update::new(level, id, Approval::Everywhere)
                    .field(name)
                    .locked_ok(!visible)
                    .certifying_ok(!visible),
            );
        }
        for key in [&b"AP"[..], b"Lock", b"SV"] {
            if let Some(raw) = field.get(key).cloned() {
                ctx.approve_deps(FormFilling, &raw, Some(name))?;
            }
        }
        let Some(kids_raw) = field.get(b"Kids").cloned() else {
            ctx.new_widgets.insert(id, name.to_owned());
            continue;
        };
        if let Some(kids_id) = kids_raw.as_reference()
            && !ctx.old.in_use(kids_id)
        {
            ctx.push(
                Update::new(level, kids_id, Approval::Everywhere)
                    .field(name)
                    .locked_ok(!visible),
            );
        }
        for kid in references_in(&ctx.new.resolve(&kids_raw)?)? {
            let Some(Object::Dictionary(widget)) = ctx.new.get(kid)? else {
                continue;
            };
            if widget.contains_key(b"T") {
                continue;
            }
            ctx.new_widgets.insert(kid, name.to_owned());
            if !ctx.old.in_use(kid) {
                ctx.push(
                    Update::new(level, kid, Approval::Everywhere)
                        .field(name)
                        .locked_ok(!visible),
                );
            }
            if let Some(raw) = widget.get(b"AP").cloned() {
                ctx.approve_deps(FormFilling, &raw, Some(name))?;
            }
        }
    }
    Ok(())
}

/// The elements of an array that must hold references only.
pub(crate) fn references_in(array: &Object) -> Result<Vec<ObjectId>, Suspicious> {
    array
        .as_array()
        .ok_or_else(|| Suspicious("expected an array".into()))?
        .iter()
        .map(|o| {
            o.as_reference()
                .ok_or_else(|| Suspicious("expected an array of indirect references".into()))
        })
        .collect()
}

/// Whether an annotation has a non-empty `/Rect`.
pub(crate) fn annotation_visible(
    rev: Rev<'_, '_>,
    annotation: &Dictionary,
) -> Result<bool, Suspicious> {
    let Some(rect) = rev.value(annotation, b"Rect")? else {
        return Ok(false);
    };
    let numbers: Vec<f64> = rect
        .as_array()
        .map(|a| a.iter().filter_map(Object::as_number).collect())
        .unwrap_or_default();
    Ok(numbers.len() == 4 && ((numbers[0] - numbers[2]) * (numbers[1] - numbers[3])).abs() > 0.0)
}

fn field_visible(rev: Rev<'_, '_>, field: &Dictionary) -> Result<bool, Suspicious> {
    if annotation_visible(rev, field)? {
        return Ok(true);
    }
    let Some(kids) = rev.value(field, b"Kids")? else {
        return Ok(false);
    };
    for kid in kids.as_array().unwrap_or_default() {
        if let Object::Dictionary(kid) = rev.resolve(kid)?
            && annotation_visible(rev, &kid)?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Checks that a field changed only in [`VALUE_UPDATE`] keys (and `/Type` only by being
/// added as `/Annot`); returns whether it changed only in [`ALWAYS_MODIFIABLE`] ones.
fn compare_fields(old: &Dictionary, new: &Dictionary, name: &str) -> Result<bool, Suspicious> {
    let (old_o, new_o) = (
        Object::Dictionary(old.clone()),
        Object::Dictionary(new.clone()),
    );
    compare_dicts(&old_o, &new_o, VALUE_UPDATE, true)
        .map_err(|Suspicious(why)| Suspicious(format!("field {name:?}: {why}")))?;
    match (old.get(b"Type"), new.get(b"Type")) {
        (None, Some(t)) if t.as_name() != Some(b"Annot") => {
            return Err(Suspicious(format!(
                "field {name:?}: /Type set to something other than /Annot"
            )));
        }
        (Some(a), Some(b)) if a != b => {
            return Err(Suspicious(format!("field {name:?}: /Type changed")));
        }
        (Some(_), None) => return Err(Suspicious(format!("field {name:?}: /Type deleted"))),
        _ => {}
    }
    compare_dicts(&old_o, &new_o, ALWAYS_MODIFIABLE, false)
}

/// The usages through which a field of the signed revision is expected to be referenced:
/// its place in the field hierarchy, the `/Annots` of its page, the structure tree.
fn expected_usages(ctx: &Ctx<'_, '_>, spec: &FieldSpec) -> Vec<Usage> {
    let Some(id) = spec.old_ref else {
        return Vec::new();
    };
    let structure = ctx
        .old
        .root()
        .is_ok_and(|r| r.contains_key(b"StructTreeRoot"));
    let is_page = |holder: Holder| match holder {
        Holder::Object(p) => {
            matches!(ctx.old.get(p), Ok(Some(Object::Dictionary(d))) if d.name_is(b"Type", b"Page"))
        }
        Holder::Trailer => false,
    };
    let mut out: Vec<Usage> = ctx
        .usages(id)
        .into_iter()
        .filter(|u| match u.path.as_slice() {
            [Step::Key(k), Step::Index(_)] if k == b"Annots" => is_page(u.holder),
            [Step::Index(_)] => match u.holder {
                Holder::Object(array) => ctx.usages(array).iter().any(|a| {
                    matches!(a.path.as_slice(), [Step::Key(k)] if k == b"Annots")
                        && is_page(a.holder)
                }),
                Holder::Trailer => false,
            },
            [.., Step::Key(k)] if k == b"Obj" => structure,
            _ => false,
        })
        .collect();
    if let Some(path) = &spec.old_path
        && let Approval::Along(usage) = ctx.at_path(path)
    {
        out.push(usage);
    }
    out
}

/// Signature fields may be signed (given a `/V`) once, with an appearance; signed ones must
/// not change (but for flags).
fn signature_field_modification(ctx: &mut Ctx<'_, '_>, spec: &FieldSpec) -> Result<(), Suspicious> {
    let (true, Some(new_ref)) = (is_signature(spec), spec.new_ref) else {
        return Ok(());
    };
    let name = spec.name.as_str();
    let Some(Object::Dictionary(new_field)) = ctx.new.get(new_ref)? else {
        return Err(Suspicious(format!("field {name:?} is not a dictionary")));
    };
    let now_signed = new_field.contains_key(b"V");
    if let Some(old_ref) = spec.old_ref {
        let Some(Object::Dictionary(old_field)) = ctx.old.get(old_ref)? else {
            return Err(Suspicious(format!(
                "field {name:?} of the signed revision is not a dictionary"
            )));
        };
        let previously_signed = old_field.contains_key(b"V");
        let locked_ok = compare_fields(&old_field, &new_field, name)?;
        let usages = expected_usages(ctx, spec);
        if !previously_signed && now_signed {
            for usage in usages {
                ctx.push(
                    Update::new(ValidationData, new_ref, Approval::Along(usage))
                        .field(name)
                        .locked_ok(locked_ok),
                );
            }
            appearance_update(ctx, &old_field, &new_field, name)?;
            appearance_in_place(ctx, old_ref, &old_field, &new_field, name)?;
        } else {
            if locked_ok {
                for usage in usages {
                    ctx.push(
                        Update::new(ValidationData, new_ref, Approval::Along(usage))
                            .field(name)
                            .locked_ok(true),
                    );
                }
            }
            return Ok(());
        }
    }
    if !now_signed {
        return Ok(());
    }
    let value = new_field
        .get(b"V")
        .and_then(Object::as_reference)
        .ok_or_else(|| {
            Suspicious(format!(
                "the value of signature field {name:?} is not an indirect reference"
            ))
        })?;
    let Some(Object::Dictionary(signature)) = ctx.new.get(value)? else {
        return Err(Suspicious(format!(
            "the value of signature field {name:?} is not a dictionary"
        )));
    };
    let visible = field_visible(ctx.new, &new_field)?;
    // Invisible document time-stamps are validation data (ISO 32000-2 §12.8.5).
    let (level, locked_ok): (ModificationLevel, bool) =
        if signature.name_is(b"Type", b"DocTimeStamp") && !visible {
            (ValidationData, true)
        } else if !visible {
            (ModificationLevel::SignatureAdditions, false)
        } else {
            (FormFilling, false)
        };
    if !ctx.old.in_use(value) {
        ctx.push(
            Update::new(level, value, Approval::Everywhere)
                .field(name)
                .locked_ok(locked_ok),
        );
        ctx.approve_deps(level, &Object::Dictionary(signature), Some(name))?;
    }
    Ok(())
}

/// Other fields may be filled in: value, appearance, flags.
fn other_field_modification(ctx: &mut Ctx<'_, '_>, spec: &FieldSpec) -> Result<(), Suspicious> {
    let (false, Some(new_ref), Some(old_ref)) = (is_signature(spec), spec.new_ref, spec.old_ref)
    else {
        return Ok(());
    };
    let name = spec.name.as_str();
    let (Some(Object::Dictionary(old_field)), Some(Object::Dictionary(new_field))) =
        (ctx.old.get(old_ref)?, ctx.new.get(new_ref)?)
    else {
        return Err(Suspicious(format!("field {name:?} is not a dictionary")));
    };
    let locked_ok = compare_fields(&old_field, &new_field, name)?;
    for usage in expected_usages(ctx, spec) {
        ctx.push(
            Update::new(FormFilling, new_ref, Approval::Along(usage))
                .field(name)
                .locked_ok(locked_ok),
        );
    }
    appearance_update(ctx, &old_field, &new_field, name)?;
    appearance_in_place(ctx, old_ref, &old_field, &new_field, name)?;
    if let Some(value) = new_field.get(b"V").cloned()
        && old_field.get(b"V") != Some(&value)
    {
        ctx.approve_deps(FormFilling, &value, Some(name))?;
    }
    Ok(())
}
