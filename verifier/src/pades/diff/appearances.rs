//! Appearance streams of form fields (ISO 32000-1 §12.5.5): when filling in or signing a
//! field may give it new ones, or update its own in place (after pyHanko's
//! `_allow_appearance_update` and `_allow_in_place_appearance_update`).

use super::compare::compare_key;
use super::usage::{Holder, Step, Usage};
use super::{Approval, Ctx, Suspicious, Update};
use crate::pades::report::ModificationLevel::FormFilling;
use crate::pdf::{Dictionary, Object, ObjectId};

/// A field's `/AP` may point to new appearance streams; an indirect appearance dictionary
/// may be updated only if nothing else uses it.
pub(super) fn appearance_update(
    ctx: &mut Ctx<'_, '_>,
    old_field: &Dictionary,
    new_field: &Dictionary,
    name: &str,
) -> Result<(), Suspicious> {
    let (old_ap, new_ap, approved) = compare_key(ctx.old, ctx.new, old_field, new_field, b"AP")?;
    if let Some(id) = approved {
        ctx.push(Update::new(FormFilling, id, Approval::Everywhere).field(name));
    }
    let Some(new_ap) = new_ap else { return Ok(()) };
    let Object::Dictionary(new_ap) = new_ap else {
        return Err(Suspicious(format!(
            "field {name:?}: /AP is not a dictionary"
        )));
    };
    let mut checked = false;
    for key in [&b"N"[..], b"R", b"D"] {
        let Some(raw) = new_ap.get(key).cloned() else {
            continue;
        };
        ctx.approve_deps(FormFilling, &raw, Some(name))?;
        if matches!(old_ap, Some(Object::Dictionary(_))) && !checked {
            if let Some(ap_ref) = old_field.get(b"AP").and_then(Object::as_reference) {
                let usages = ctx.usages(ap_ref);
                if usages.len() > 1 {
                    return Err(Suspicious(format!(
                        "field {name:?}: its appearance dictionary {} is also used at {}",
                        crate::pdf::id_text(ap_ref),
                        usages
                            .iter()
                            .map(Usage::text)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
            checked = true;
        }
    }
    Ok(())
}

/// An appearance stream may be replaced in place, but only along the field's own `/AP`:
/// if the signed revision uses it anywhere else, that use stays unexplained.
pub(super) fn appearance_in_place(
    ctx: &mut Ctx<'_, '_>,
    old_field_ref: ObjectId,
    old_field: &Dictionary,
    new_field: &Dictionary,
    name: &str,
) -> Result<(), Suspicious> {
    if old_field.contains_key(b"AS") {
        return Ok(());
    }
    let (Some(old_raw), Some(new_raw)) = (old_field.get(b"AP"), new_field.get(b"AP")) else {
        return Ok(());
    };
    let (Object::Dictionary(old_ap), Object::Dictionary(new_ap)) =
        (ctx.old.resolve(old_raw)?, ctx.new.resolve(new_raw)?)
    else {
        return Ok(());
    };
    for key in [&b"N"[..], b"R", b"D"] {
        let old_stream = old_ap.get(key).and_then(Object::as_reference);
        let new_stream = new_ap.get(key).and_then(Object::as_reference);
        let Some(stream) = old_stream.filter(|s| Some(*s) == new_stream) else {
            continue;
        };
        let changed = (ctx.old.index + 1..=ctx.new.index)
            .any(|r| ctx.new.file.revisions()[r].entries.contains_key(&stream.0));
        if !changed {
            continue;
        }
        let usage = match old_raw.as_reference() {
            Some(ap) => Usage::new(Holder::Object(ap), vec![Step::key(key)]),
            None => Usage::new(
                Holder::Object(old_field_ref),
                vec![Step::key(b"AP"), Step::key(key)],
            ),
        };
        ctx.push(Update::new(FormFilling, stream, Approval::Along(usage)).field(name));
        if let Some(object) = ctx.new.get(stream)? {
            ctx.approve_deps(FormFilling, &object, Some(name))?;
        }
    }
    Ok(())
}
