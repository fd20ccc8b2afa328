//! Where each object of a revision is referenced from: the "usages" that a change to the
//! object must all be justified along (pyHanko's reference-count idea, relative form).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::super::rev::Rev;
use crate::pdf::{Dictionary, Object, ObjectId};

/// One step of a path inside an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Step {
    /// A dictionary key.
    Key(Vec<u8>),
    /// An array index.
    Index(usize),
}

impl Step {
    pub(crate) fn key(key: &[u8]) -> Self {
        Self::Key(key.to_vec())
    }
}

/// What holds a reference: the trailer or an indirect object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Holder {
    Trailer,
    Object(ObjectId),
}

/// A place a reference is written: its holder and the path inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Usage {
    pub(crate) holder: Holder,
    pub(crate) path: Vec<Step>,
}

impl Usage {
    pub(crate) fn new(holder: Holder, path: Vec<Step>) -> Self {
        Self { holder, path }
    }

    /// `12 0 R /AP /N`, `trailer /Info`.
    pub(crate) fn text(&self) -> String {
        let mut out = match self.holder {
            Holder::Trailer => "trailer".to_owned(),
            Holder::Object(id) => crate::pdf::id_text(id),
        };
        for step in &self.path {
            match step {
                Step::Key(k) => {
                    out.push(' ');
                    out.push_str(&super::super::rev::name_text(k));
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

/// Every usage of every object reachable from a revision's trailer. `/Parent` links are
/// left out (they point back up trees whose parents already reference their children), as
/// is `/P` of structure elements.
#[derive(Debug, Default)]
pub(crate) struct UsageIndex {
    usages: HashMap<ObjectId, BTreeSet<Usage>>,
    /// Objects that could not be read while indexing.
    pub(crate) unreadable: Vec<ObjectId>,
}

impl UsageIndex {
    pub(crate) fn build(rev: Rev<'_, '_>) -> Self {
        let mut index = Self::default();
        let mut seen = HashSet::new();
        let mut queue: VecDeque<(Holder, Object)> = VecDeque::new();
        queue.push_back((Holder::Trailer, Object::Dictionary(rev.trailer().clone())));
        let limit = rev.file.limits().max_objects;
        while let Some((holder, object)) = queue.pop_front() {
            let mut found = Vec::new();
            walk(&object, &mut Vec::new(), &mut found);
            for (id, path) in found {
                index
                    .usages
                    .entry(id)
                    .or_default()
                    .insert(Usage::new(holder, path));
                if seen.len() < limit && seen.insert(id) {
                    match rev.get(id) {
                        Ok(Some(target)) => queue.push_back((Holder::Object(id), target)),
                        Ok(None) => {}
                        Err(_) => index.unreadable.push(id),
                    }
                }
            }
        }
        index
    }

    /// The usages of `id` (empty if it is not reachable).
    pub(crate) fn of(&self, id: ObjectId) -> BTreeSet<Usage> {
        self.usages.get(&id).cloned().unwrap_or_default()
    }
}

fn is_struct_element(dict: &Dictionary) -> bool {
    dict.contains_key(b"S")
        && dict.contains_key(b"P")
        && dict.get_name(b"Type").is_none_or(|t| t == b"StructElem")
}

fn walk(object: &Object, path: &mut Vec<Step>, found: &mut Vec<(ObjectId, Vec<Step>)>) {
    match object {
        Object::Reference(id) => found.push((*id, path.clone())),
        Object::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                walk(item, path, found);
                path.pop();
            }
        }
        Object::Dictionary(_) | Object::Stream(_) => {
            let Some(dict) = object.as_dict() else { return };
            let structure = is_struct_element(dict);
            for (key, value) in dict.iter() {
                if key == b"Parent" || (structure && key == b"P") {
                    continue;
                }
                path.push(Step::key(key));
                walk(value, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}
