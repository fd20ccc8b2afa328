//! Modification detection: what an incremental update after a signed revision changes,
//! and how far that goes (ISO 32000-1 §12.8.2.2 DocMDP levels; the whitelisting model of
//! pyHanko's `diff_analysis`, written anew).
//!
//! Every object a later revision's cross-reference data adds, replaces or frees must be
//! explained by a rule; each rule explains it at a [`ModificationLevel`]. An object of the
//! signed revision that is replaced must moreover be justified along *every* place the
//! signed revision references it from (its usages, `usage`): an appearance stream that
//! the page content also uses cannot be swapped as "form filling". Whatever no rule
//! explains, and whatever a rule vetoes ([`Suspicious`]), makes the revision
//! [`ModificationLevel::Other`].
//!
//! Rules: the catalog may change only in `/AcroForm`, `/DSS`, `/Extensions`, `/Metadata`,
//! `/MarkInfo`, `/Version`; document information and XMP metadata may be updated; new
//! cross-reference and object streams are fine; the DSS may grow (`rules`); signature
//! fields may be added and signed, other fields filled in, their appearances updated
//! (`form`, `appearances`); widgets of new signature fields and annotations may be added to pages
//! (`pages`). Freeing objects of earlier revisions is never allowed.

mod appearances;
mod compare;
mod form;
mod pages;
mod rules;
pub(crate) mod usage;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use self::usage::{Holder, Step, Usage, UsageIndex};
use super::report::{ChangeKind, ModificationLevel, ObjectChange, RevisionChanges};
use super::rev::Rev;
use crate::pdf::{Object, ObjectId, ObjectLocation, PdfError, PdfFile, XrefEntry, id_text};

/// A change no rule may accept, with why.
#[derive(Debug, Clone)]
pub(crate) struct Suspicious(pub(crate) String);

impl From<PdfError> for Suspicious {
    fn from(e: PdfError) -> Self {
        Self(format!("an object cannot be read: {e}"))
    }
}

/// How a rule accepts a replaced object: everywhere, or along one usage.
#[derive(Debug, Clone)]
pub(crate) enum Approval {
    Everywhere,
    Along(Usage),
}

/// One object a rule accepts.
#[derive(Debug, Clone)]
pub(crate) struct Update {
    pub(crate) level: ModificationLevel,
    pub(crate) id: ObjectId,
    pub(crate) approval: Approval,
    /// The form field it belongs to.
    pub(crate) field: Option<String>,
    /// Whether it is fine even if a FieldMDP lock covers the field.
    pub(crate) valid_when_locked: bool,
    /// Whether it is fine after a certification signature.
    pub(crate) valid_when_certifying: bool,
}

impl Update {
    pub(crate) fn new(level: ModificationLevel, id: ObjectId, approval: Approval) -> Self {
        Self {
            level,
            id,
            approval,
            field: None,
            valid_when_locked: false,
            valid_when_certifying: true,
        }
    }

    pub(crate) fn field(mut self, name: &str) -> Self {
        self.field = Some(name.to_owned());
        self
    }

    pub(crate) fn locked_ok(mut self, ok: bool) -> Self {
        self.valid_when_locked = ok;
        self
    }

    pub(crate) fn certifying_ok(mut self, ok: bool) -> Self {
        self.valid_when_certifying = ok;
        self
    }
}

/// The fields a FieldMDP transform locks (ISO 32000-1 §12.8.2.4, Table 256).
#[derive(Debug, Clone, Default)]
pub(crate) enum FieldLocks {
    #[default]
    None,
    All,
    Include(Vec<String>),
    Exclude(Vec<String>),
}

impl FieldLocks {
    fn is_locked(&self, name: &str) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Include(names) => names.iter().any(|n| n == name),
            Self::Exclude(names) => !names.iter().any(|n| n == name),
        }
    }
}

/// What a signature allows after it.
#[derive(Debug, Clone, Default)]
pub(crate) struct DiffPolicy {
    /// DocMDP `/P` of the document's certification signature, if it applies.
    pub(crate) doc_mdp: Option<u8>,
    /// The fields this signature locks.
    pub(crate) locks: FieldLocks,
}

/// What the rules see: both revisions, the signed one's usages, and what they accepted.
pub(crate) struct Ctx<'f, 'a> {
    pub(crate) old: Rev<'f, 'a>,
    pub(crate) new: Rev<'f, 'a>,
    usages: &'f UsageIndex,
    pub(crate) updates: Vec<Update>,
    /// Widget annotations of new signature fields, by field name (for the page rules).
    pub(crate) new_widgets: HashMap<ObjectId, String>,
}

impl Ctx<'_, '_> {
    pub(crate) fn push(&mut self, update: Update) {
        self.updates.push(update);
    }

    pub(crate) fn approve(&mut self, level: ModificationLevel, id: ObjectId, approval: Approval) {
        self.push(Update::new(level, id, approval));
    }

    /// Where `id` is referenced from in the signed revision.
    pub(crate) fn usages(&self, id: ObjectId) -> BTreeSet<Usage> {
        self.usages.of(id)
    }

    /// The new objects `object` depends on ([`compare::new_dependencies`]).
    pub(crate) fn deps(&self, object: &Object) -> Result<Vec<ObjectId>, Suspicious> {
        compare::new_dependencies(self.old, self.new, object)
    }

    /// Accepts every new object `object` depends on.
    pub(crate) fn approve_deps(
        &mut self,
        level: ModificationLevel,
        object: &Object,
        field: Option<&str>,
    ) -> Result<(), Suspicious> {
        for id in self.deps(object)? {
            let mut update = Update::new(level, id, Approval::Everywhere);
            update.field = field.map(str::to_owned);
            self.push(update);
        }
        Ok(())
    }

    /// The usage that the absolute path `path` (from the trailer) ends in, in the signed
    /// revision: its last indirect holder and the steps after it.
    pub(crate) fn at_path(&self, path: &[Step]) -> Approval {
        let mut holder = Holder::Trailer;
        let mut steps = Vec::new();
        let mut current = Object::Dictionary(self.old.trailer().clone());
        for (i, step) in path.iter().enumerate() {
            let value = match step {
                Step::Key(k) => current.as_dict().and_then(|d| d.get(k)).cloned(),
                Step::Index(n) => current.as_array().and_then(|a| a.get(*n)).cloned(),
            };
            steps.push(step.clone());
            current = match value {
                Some(Object::Reference(id)) if i + 1 < path.len() => {
                    holder = Holder::Object(id);
                    steps.clear();
                    self.old.get(id).ok().flatten().unwrap_or(Object::Null)
                }
                Some(v) => v,
                None => Object::Null,
            };
        }
        Approval::Along(Usage::new(holder, steps))
    }
}

/// `[/Root, /AcroForm]` and the like.
pub(crate) fn path(keys: &[&[u8]]) -> Vec<Step> {
    keys.iter().map(|k| Step::key(k)).collect()
}

/// Compares revision `new` with the signed revision `old` (whose usages are `usages`).
pub(crate) fn review(
    file: &PdfFile<'_>,
    old: usize,
    new: usize,
    policy: &DiffPolicy,
    usages: &UsageIndex,
) -> RevisionChanges {
    let listing = listing(file, new);
    let mut ctx = Ctx {
        old: Rev::new(file, old),
        new: Rev::new(file, new),
        usages,
        updates: Vec::new(),
        new_widgets: HashMap::new(),
    };
    let mut explained = BTreeMap::new();
    let outcome = judge(&mut ctx, &listing, policy, &mut explained);
    let (level, explanation) = match outcome {
        Ok(level) => {
            let counts = |kind| listing.iter().filter(|(_, k)| *k == kind).count();
            (
                level,
                format!(
                    "{}: {} object(s) added, {} replaced",
                    level.describe(),
                    counts(ChangeKind::Added),
                    counts(ChangeKind::Replaced)
                ),
            )
        }
        Err(Suspicious(why)) => (ModificationLevel::Other, why),
    };
    let objects = listing
        .iter()
        .map(|&(id, change)| ObjectChange {
            object: id_text(id),
            change,
            what: describe(&ctx, id, change),
            allowed_as: explained.get(&id).copied(),
        })
        .collect();
    RevisionChanges {
        revision: new,
        level,
        explanation,
        objects,
    }
}

/// The objects revision `new` adds, replaces and frees (entries that repeat the previous
/// revision's are not changes).
pub(crate) fn listing(file: &PdfFile<'_>, new: usize) -> Vec<(ObjectId, ChangeKind)> {
    let previous = new.saturating_sub(1);
    let mut out = Vec::new();
    let Some(revision) = file.revisions().get(new) else {
        return out;
    };
    for (&num, entry) in &revision.entries {
        if num == 0 {
            continue;
        }
        let before = if new == 0 {
            ObjectLocation::Undefined
        } else {
            file.location(num, previous)
        };
        let in_use_before = |generation: u16| match before {
            ObjectLocation::InFile { generation: g, .. } => g == generation,
            ObjectLocation::InObjectStream { .. } => generation == 0,
            _ => false,
        };
        match *entry {
            XrefEntry::Free { .. } => {
                let generation = match before {
                    ObjectLocation::InFile { generation, .. } => generation,
                    ObjectLocation::InObjectStream { .. } => 0,
                    _ => continue,
                };
                out.push(((num, generation), ChangeKind::Freed));
            }
            XrefEntry::InUse { offset, generation } => {
                if matches!(before, ObjectLocation::InFile { offset: o, generation: g, .. }
                    if o as u64 == offset && g == generation)
                {
                    continue;
                }
                let kind = if in_use_before(generation) {
                    ChangeKind::Replaced
                } else {
                    ChangeKind::Added
                };
                // A new generation of a number in use deletes the object it had.
                match before {
                    ObjectLocation::InFile { generation: g, .. } if g != generation => {
                        out.push(((num, g), ChangeKind::Freed));
                    }
                    ObjectLocation::InObjectStream { .. } if generation != 0 => {
                        out.push(((num, 0), ChangeKind::Freed));
                    }
                    _ => {}
                }
                out.push(((num, generation), kind));
            }
            XrefEntry::Compressed { stream, index } => {
                if matches!(before, ObjectLocation::InObjectStream { stream: s, index: i, .. }
                    if s == stream && i == index)
                {
                    continue;
                }
                let kind = if in_use_before(0) {
                    ChangeKind::Replaced
                } else {
                    ChangeKind::Added
                };
                out.push(((num, 0), kind));
            }
        }
    }
    out
}

/// Runs the rules; fills `explained` with the level at which each object was explained.
fn judge(
    ctx: &mut Ctx<'_, '_>,
    listing: &[(ObjectId, ChangeKind)],
    policy: &DiffPolicy,
    explained: &mut BTreeMap<ObjectId, ModificationLevel>,
) -> Result<ModificationLevel, Suspicious> {
    let freed: Vec<String> = listing
        .iter()
        .filter(|(_, k)| *k == ChangeKind::Freed)
        .map(|(id, _)| id_text(*id))
        .collect();
    if !freed.is_empty() {
        return Err(Suspicious(format!(
            "the revision frees {}, which earlier revisions define",
            freed.join(", ")
        )));
    }
    let changed: BTreeSet<ObjectId> = listing.iter().map(|(id, _)| *id).collect();

    rules::catalog(ctx)?;
    rules::document_info(ctx)?;
    rules::file_structure(ctx);
    rules::dss(ctx)?;
    rules::metadata(ctx)?;
    form::form(ctx)?;
    pages::pages(ctx)?;

    for update in &ctx.updates {
        if let Some(field) = &update.field
            && !update.valid_when_locked
            && policy.locks.is_locked(field)
        {
            return Err(Suspicious(format!(
                "{} changes the form field {field:?}, which the signature locks (FieldMDP)",
                id_text(update.id)
            )));
        }
        if policy.doc_mdp.is_some() && !update.valid_when_certifying {
            return Err(Suspicious(format!(
                "{} adds a visible signature field, not allowed after a certification signature",
                id_text(update.id)
            )));
        }
    }

    // Replaced objects of the signed revision must be justified along every usage.
    let mut pending: HashMap<ObjectId, (ModificationLevel, BTreeSet<Usage>)> = changed
        .iter()
        .filter(|id| ctx.old.in_use(**id))
        .map(|&id| (id, (ModificationLevel::None, ctx.usages(id))))
        .filter(|(_, (_, usages))| !usages.is_empty())
        .collect();
    let mut explain = |id: ObjectId, level: ModificationLevel| {
        let entry = explained.entry(id).or_insert(level);
        *entry = (*entry).min(level);
    };
    for id in orphans(ctx, &changed)? {
        explain(id, ModificationLevel::ValidationData);
    }
    for update in &ctx.updates {
        let mut level = update.level;
        if let Some((highest, usages)) = pending.get_mut(&update.id) {
            match &update.approval {
                Approval::Everywhere => usages.clear(),
                Approval::Along(usage) => {
                    usages.remove(usage);
                }
            }
            *highest = (*highest).max(level);
            level = *highest;
            if !usages.is_empty() {
                continue;
            }
        }
        explain(update.id, level);
    }
    // Objects replaced by identical copies change nothing.
    for &id in &changed {
        if explained.contains_key(&id) || !ctx.old.in_use(id) {
            continue;
        }
        if let (Some(a), Some(b)) = (ctx.old.get(id)?, ctx.new.get(id)?)
            && compare::identical(ctx.old.file, &a, &b)
        {
            explained.insert(id, ModificationLevel::None);
        }
    }
    let unexplained: Vec<ObjectId> = changed
        .iter()
        .filter(|id| !explained.contains_key(id))
        .copied()
        .collect();
    if !unexplained.is_empty() {
        let mut message = format!(
            "not permitted: {}",
            unexplained
                .iter()
                .map(|&id| format!(
                    "{} ({})",
                    id_text(id),
                    describe(ctx, id, ChangeKind::Replaced)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let leftover: Vec<String> = pending
            .iter()
            .filter(|(id, (_, usages))| !usages.is_empty() && unexplained.contains(id))
            .map(|(id, (_, usages))| {
                format!(
                    "{} is also used at {}",
                    id_text(*id),
                    usages
                        .iter()
                        .map(Usage::text)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        if !leftover.is_empty() {
            message.push_str(&format!(
                "; replaced without justification for every use: {}",
                leftover.join("; ")
            ));
        }
        return Err(Suspicious(message));
    }
    let level = explained
        .values()
        .copied()
        .max()
        .unwrap_or(ModificationLevel::None)
        .max(ModificationLevel::ValidationData);
    Ok(level)
}

/// New objects of this revision that nothing reaches: from the trailer, or from objects of
/// earlier revisions it replaces, through objects new in this revision (pyHanko ignores
/// them too: they cannot affect what is shown).
fn orphans(ctx: &Ctx<'_, '_>, changed: &BTreeSet<ObjectId>) -> Result<Vec<ObjectId>, Suspicious> {
    let previous = Rev::new(ctx.new.file, ctx.new.index.saturating_sub(1));
    let mut candidates: BTreeSet<ObjectId> = changed
        .iter()
        .filter(|id| !previous.in_use(**id))
        .copied()
        .collect();
    let mut roots = vec![Object::Dictionary(ctx.new.trailer().clone())];
    for &id in changed {
        if previous.in_use(id)
            && let Some(o) = ctx.new.get(id)?
        {
            roots.push(o);
        }
    }
    for root in roots {
        if candidates.is_empty() {
            break;
        }
        for id in compare::new_dependencies(previous, ctx.new, &root)? {
            candidates.remove(&id);
        }
    }
    Ok(candidates.into_iter().collect())
}

/// What an object is, for a report line.
fn describe(ctx: &Ctx<'_, '_>, id: ObjectId, change: ChangeKind) -> String {
    let rev = if change == ChangeKind::Freed {
        Rev::new(ctx.new.file, ctx.new.index.saturating_sub(1))
    } else {
        ctx.new
    };
    let object = match rev.get(id) {
        Ok(Some(o)) => o,
        Ok(None) => return "undefined".into(),
        Err(e) => return format!("unreadable: {e}"),
    };
    let usages = ctx.usages(id);
    let content = usages
        .iter()
        .any(|u| matches!(u.path.first(), Some(Step::Key(k)) if k == b"Contents"));
    let info = usages
        .iter()
        .any(|u| u.holder == Holder::Trailer && u.path == [Step::key(b"Info")])
        || ctx.new.trailer().get(b"Info") == Some(&Object::Reference(id));
    let Some(dict) = object.as_dict() else {
        return object.kind().to_owned();
    };
    let name = |key: &[u8]| dict.get_name(key).map(super::rev::name_text);
    let what = match (dict.get_name(b"Type"), dict.get_name(b"Subtype")) {
        (Some(b"Catalog"), _) => "document catalog".to_owned(),
        (Some(b"Pages"), _) => "page tree node".to_owned(),
        (Some(b"Page"), _) => "page".to_owned(),
        (_, Some(b"Widget")) => "widget annotation".to_owned(),
        (Some(b"Annot"), _) => format!("annotation {}", name(b"Subtype").unwrap_or_default()),
        (Some(b"Sig"), _) => "signature dictionary".to_owned(),
        (Some(b"DocTimeStamp"), _) => "document time-stamp dictionary".to_owned(),
        (Some(b"XObject"), _) => format!("XObject {}", name(b"Subtype").unwrap_or_default()),
        (Some(b"ObjStm"), _) => "object stream".to_owned(),
        (Some(b"XRef"), _) => "cross-reference stream".to_owned(),
        (Some(b"Metadata"), _) => "XMP metadata".to_owned(),
        (Some(b"DSS"), _) => "document security store".to_owned(),
        (Some(t), _) => super::rev::name_text(t),
        (None, Some(_)) if dict.contains_key(b"Rect") => {
            format!("annotation {}", name(b"Subtype").unwrap_or_default())
        }
        (None, _) if dict.contains_key(b"FT") || dict.contains_key(b"T") => "form field".to_owned(),
        (None, _) if dict.contains_key(b"Fields") => "interactive form dictionary".to_owned(),
        (None, _) if dict.contains_key(b"ByteRange") => "signature dictionary".to_owned(),
        (None, _) if content => "page content stream".to_owned(),
        (None, _) if info => "document information".to_owned(),
        (None, _) => object.kind().to_owned(),
    };
    if content && !what.contains("content") {
        format!("{what}, used as page content")
    } else {
        what
    }
}
