//! Rules for pages: the widgets of new signature fields may be added to a page's
//! `/Annots` (signature additions); other annotations may be added, changed or deleted
//! (annotations, ISO 32000-1 §12.8.2.2 `/P` 3). Nothing else about a page may change.

use std::collections::{BTreeSet, HashSet};

use super::compare::compare_dicts;
use super::form::references_in;
use super::usage::{Holder, Step, Usage};
use super::{Approval, Ctx, Suspicious, Update};
use crate::pades::report::ModificationLevel::{self, Annotations, ValidationData};
use crate::pdf::{Dictionary, Object, ObjectId, id_text};

/// Deepest page tree followed.
const MAX_PAGE_DEPTH: usize = 64;

/// One page in both revisions.
struct PagePair {
    id: ObjectId,
    old: Dictionary,
    new: Dictionary,
}

pub(crate) fn pages(ctx: &mut Ctx<'_, '_>) -> Result<(), Suspicious> {
    let old_root = ctx.old.root()?;
    let new_root = ctx.new.root()?;
    let (Some(old_tree), Some(new_tree)) = (old_root.get(b"Pages"), new_root.get(b"Pages")) else {
        return Ok(());
    };
    if old_tree != new_tree {
        return Err(Suspicious("the page tree root changed".into()));
    }
    let (Object::Dictionary(old_tree), Object::Dictionary(new_tree)) =
        (ctx.old.resolve(old_tree)?, ctx.new.resolve(new_tree)?)
    else {
        return Err(Suspicious("the page tree root is not a dictionary".into()));
    };
    let mut pairs = Vec::new();
    walk(
        ctx,
        &old_tree,
        &new_tree,
        &mut HashSet::new(),
        0,
        &mut pairs,
    )?;
    for pair in pairs {
        page(ctx, &pair)?;
    }
    Ok(())
}

fn walk(
    ctx: &Ctx<'_, '_>,
    old_node: &Dictionary,
    new_node: &Dictionary,
    seen: &mut HashSet<ObjectId>,
    depth: usize,
    out: &mut Vec<PagePair>,
) -> Result<(), Suspicious> {
    if depth > MAX_PAGE_DEPTH {
        return Err(Suspicious("the page tree is too deep".into()));
    }
    let kids = |rev: crate::pades::rev::Rev<'_, '_>,
                node: &Dictionary|
     -> Result<Vec<ObjectId>, Suspicious> {
        references_in(&rev.value(node, b"Kids")?.unwrap_or(Object::Null)).map_err(|_| {
            Suspicious("a page tree node's /Kids is not an array of references".into())
        })
    };
    let old_kids = kids(ctx.old, old_node)?;
    if old_kids != kids(ctx.new, new_node)? {
        return Err(Suspicious(
            "the page tree changed (pages added, removed or reordered)".into(),
        ));
    }
    for id in old_kids {
        if !seen.insert(id) {
            return Err(Suspicious(format!(
                "the page tree loops at {}",
                id_text(id)
            )));
        }
        let (Some(Object::Dictionary(old)), Some(Object::Dictionary(new))) =
            (ctx.old.get(id)?, ctx.new.get(id)?)
        else {
            return Err(Suspicious(format!(
                "page tree node {} is not a dictionary",
                id_text(id)
            )));
        };
        if old.name_is(b"Type", b"Pages") {
            walk(ctx, &old, &new, seen, depth + 1, out)?;
        } else {
            out.push(PagePair { id, old, new });
        }
    }
    Ok(())
}

/// A page's annotations as a set of references, and the array's own reference.
fn annotations(
    rev: crate::pades::rev::Rev<'_, '_>,
    page: &Dictionary,
) -> Result<(BTreeSet<ObjectId>, Option<ObjectId>), Suspicious> {
    let Some(raw) = page.get(b"Annots") else {
        return Ok((BTreeSet::new(), None));
    };
    let refs = references_in(&rev.resolve(raw)?)
        .map_err(|_| Suspicious("a page's /Annots is not an array of references".into()))?;
    Ok((refs.into_iter().collect(), raw.as_reference()))
}

fn is_widget(rev: crate::pades::rev::Rev<'_, '_>, id: ObjectId) -> bool {
    match rev.get(id) {
        Ok(Some(Object::Dictionary(d))) => d.name_is(b"Subtype", b"Widget"),
        // What cannot be read is treated as a form widget: never as a mere annotation.
        _ => true,
    }
}

fn page(ctx: &mut Ctx<'_, '_>, pair: &PagePair) -> Result<(), Suspicious> {
    let (old_annots, old_array) = annotations(ctx.old, &pair.old)?;
    if !pair.new.contains_key(b"Annots") {
        return Ok(());
    }
    let (new_annots, new_array) = annotations(ctx.new, &pair.new)?;
    let kept: Vec<ObjectId> = old_annots.intersection(&new_annots).copied().collect();
    let changed_annotations = annotation_changes(ctx, &kept)?;
    if old_annots == new_annots && !changed_annotations {
        return Ok(());
    }
    let deleted: Vec<ObjectId> = old_annots.difference(&new_annots).copied().collect();
    let added: Vec<ObjectId> = new_annots.difference(&old_annots).copied().collect();
    if let Some(widget) = deleted.iter().find(|id| is_widget(ctx.old, **id)) {
        return Err(Suspicious(format!(
            "the widget annotation {} was removed from its page",
            id_text(*widget)
        )));
    }
    let (signature_widgets, others): (Vec<ObjectId>, Vec<ObjectId>) = added
        .iter()
        .partition(|id| ctx.new_widgets.contains_key(id));
    if let Some(widget) = others.iter().find(|id| is_widget(ctx.new, **id)) {
        return Err(Suspicious(format!(
            "the widget annotation {} added to page {} belongs to no new signature field",
            id_text(*widget),
            id_text(pair.id)
        )));
    }
    compare_dicts(
        &Object::Dictionary(pair.old.clone()),
        &Object::Dictionary(pair.new.clone()),
        &[b"Annots"],
        true,
    )
    .map_err(|Suspicious(why)| Suspicious(format!("page {}: {why}", id_text(pair.id))))?;
    let level: ModificationLevel =
        if deleted.is_empty() && others.is_empty() && !changed_annotations {
            ValidationData
        } else {
            Annotations
        };
    let field = match signature_widgets.as_slice() {
        [one] => ctx.new_widgets.get(one).cloned(),
        _ => None,
    };
    // Pages are referenced from many places (/P of annotations, outlines, ...); having
    // compared the whole dictionary, accept it everywhere.
    let mut update = Update::new(level, pair.id, Approval::Everywhere).locked_ok(field.is_some());
    update.field = field.clone();
    ctx.push(update);
    if let Some(array) = new_array
        && (old_array == Some(array) || !ctx.old.in_use(array))
    {
        let usage = Usage::new(Holder::Object(pair.id), vec![Step::key(b"Annots")]);
        let mut update =
            Update::new(level, array, Approval::Along(usage)).locked_ok(field.is_some());
        update.field = field;
        ctx.push(update);
    }
    for id in others {
        if !ctx.old.in_use(id) {
            ctx.approve(Annotations, id, Approval::Everywhere);
            if let Some(object) = ctx.new.get(id)? {
                ctx.approve_deps(Annotations, &object, None)?;
            }
        }
    }
    Ok(())
}

/// Accepts changes to annotations a page keeps (not widgets: those are form fields) as
/// annotation changes; whether any changed.
fn annotation_changes(ctx: &mut Ctx<'_, '_>, kept: &[ObjectId]) -> Result<bool, Suspicious> {
    let mut any = false;
    for &id in kept {
        let changed = (ctx.old.index + 1..=ctx.new.index)
            .any(|r| ctx.new.file.revisions()[r].entries.contains_key(&id.0));
        if !changed || is_widget(ctx.old, id) || is_widget(ctx.new, id) {
            continue;
        }
        let (Some(Object::Dictionary(old)), Some(Object::Dictionary(new))) =
            (ctx.old.get(id)?, ctx.new.get(id)?)
        else {
            continue;
        };
        if old.get(b"Subtype") != new.get(b"Subtype") {
            return Err(Suspicious(format!(
                "annotation {} changed its type",
                id_text(id)
            )));
        }
        any = true;
        ctx.approve(Annotations, id, Approval::Everywhere);
        ctx.approve_deps(Annotations, &Object::Dictionary(new), None)?;
    }
    Ok(any)
}
