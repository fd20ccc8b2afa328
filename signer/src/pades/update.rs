//! An incremental update (ISO 32000-1 §7.5.6): new and replaced objects appended after the
//! original bytes, a cross-reference section for them, and a trailer whose `/Prev` points at
//! the previous section. The original bytes are never rewritten, so earlier signatures stay
//! valid.

use std::io::Write as _;

use lopdf::{Object, ObjectId, Writer};

use super::PadesError;

/// How the previous revision wrote its cross-reference data; the update writes its own the
/// same way (a reader that understands the one understands the other).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum XrefForm {
    /// A classic `xref` table and `trailer` dictionary (§7.5.4, §7.5.5).
    Table,
    /// A cross-reference stream (§7.5.8).
    Stream,
}

/// What the trailer of the update carries over from the previous one.
#[derive(Clone, Debug)]
pub(crate) struct TrailerBase {
    /// `/Size` of the previous trailer: the first free object number.
    pub(crate) size: u32,
    /// Offset of the previous cross-reference section (`startxref`).
    pub(crate) prev: u64,
    /// `/Root`.
    pub(crate) root: ObjectId,
    /// `/Info`, if any.
    pub(crate) info: Option<ObjectId>,
    /// `/ID`'s first element, kept (§14.4: the permanent identifier).
    pub(crate) id0: Option<Vec<u8>>,
    /// The previous section's form.
    pub(crate) form: XrefForm,
}

/// Objects written raw (already serialised, e.g. a signature dictionary whose placeholders
/// must stay where they were written) or as `lopdf` objects.
pub(crate) enum Body {
    Object(Object),
    Raw(Vec<u8>),
    /// A dictionary of the document with entries changed.
    Rewritten(super::rewrite::Rewritten),
}

/// An update being assembled.
pub(crate) struct Update {
    base: TrailerBase,
    /// Length of the file the update is appended to.
    base_len: usize,
    next_id: u32,
    objects: Vec<(ObjectId, Body)>,
}

/// The bytes of a written update, and where each object's body starts in them.
pub(crate) struct Written {
    pub(crate) bytes: Vec<u8>,
    /// Offset (relative to the update) of the first byte of each object's body, after
    /// `N G obj\n`.
    pub(crate) body_offsets: Vec<(ObjectId, usize)>,
}

impl Update {
    /// An update to a file of `base_len` bytes whose last trailer is `base`.
    pub(crate) fn new(base: TrailerBase, base_len: usize) -> Self {
        Self {
            next_id: base.size,
            base,
            base_len,
            objects: Vec::new(),
        }
    }

    /// A fresh object number.
    pub(crate) fn allocate(&mut self) -> ObjectId {
        let id = (self.next_id, 0);
        self.next_id += 1;
        id
    }

    /// Adds or replaces object `id`.
    pub(crate) fn put(&mut self, id: ObjectId, body: Body) {
        self.objects.retain(|(existing, _)| *existing != id);
        self.objects.push((id, body));
    }

    /// The dictionary `id` as this update rewrites it so far.
    pub(crate) fn rewritten(&self, id: ObjectId) -> Option<&super::rewrite::Rewritten> {
        self.objects.iter().find_map(|(i, body)| match body {
            Body::Rewritten(r) if *i == id => Some(r),
            _ => None,
        })
    }

    /// Adds or replaces the rewritten dictionary `id`.
    pub(crate) fn put_rewritten(&mut self, id: ObjectId, dict: super::rewrite::Rewritten) {
        self.put(id, Body::Rewritten(dict));
    }

    /// Serialises the objects, the cross-reference section and the trailer.
    pub(crate) fn write(&self) -> Result<Written, PadesError> {
        let mut out = Vec::new();
        // A revision starts on a new line even if the previous one ended without one.
        out.push(b'\n');
        let mut offsets = Vec::new();
        let mut body_offsets = Vec::new();
        for (id, body) in &self.objects {
            offsets.push((*id, self.base_len + out.len()));
            writeln!(out, "{} {} obj", id.0, id.1).map_err(PadesError::write)?;
            body_offsets.push((*id, out.len()));
            match body {
                Body::Object(object) => {
                    Writer::write_object(&mut out, object).map_err(PadesError::write)?;
                }
                Body::Raw(bytes) => out.extend_from_slice(bytes),
                Body::Rewritten(dict) => out.extend_from_slice(&dict.to_bytes()?),
            }
            out.extend_from_slice(b"\nendobj\n");
        }
        let size = self.next_id;
        match self.base.form {
            XrefForm::Table => self.write_table(&mut out, &mut offsets, size)?,
            XrefForm::Stream => self.write_stream(&mut out, &mut offsets, size)?,
        }
        Ok(Written {
            bytes: out,
            body_offsets,
        })
    }

    fn trailer_entries(&self, size: u32) -> Vec<(&'static str, Object)> {
        let mut entries = vec![
            ("Size", Object::Integer(i64::from(size))),
            ("Root", Object::Reference(self.base.root)),
            ("Prev", Object::Integer(self.base.prev as i64)),
        ];
        if let Some(info) = self.base.info {
            entries.push(("Info", Object::Reference(info)));
        }
        // §14.4: the first identifier stays, the second changes with each version.
        let id0 = self.base.id0.clone().unwrap_or_else(|| vec![0; 16]);
        let id1 = revision_id(&self.objects, self.base_len);
        entries.push((
            "ID",
            Object::Array(vec![
                Object::String(id0, lopdf::StringFormat::Hexadecimal),
                Object::String(id1, lopdf::StringFormat::Hexadecimal),
            ]),
        ));
        entries
    }

    fn write_table(
        &self,
        out: &mut Vec<u8>,
        offsets: &mut [(ObjectId, usize)],
        size: u32,
    ) -> Result<(), PadesError> {
        let xref_offset = self.base_len + out.len();
        offsets.sort_by_key(|(id, _)| id.0);
        out.extend_from_slice(b"xref\n");
        for run in runs(offsets) {
            writeln!(out, "{} {}", run[0].0.0, run.len()).map_err(PadesError::write)?;
            for (id, offset) in run {
                // §7.5.4: exactly 20 bytes per entry.
                write!(out, "{offset:010} {:05} n\r\n", id.1).map_err(PadesError::write)?;
            }
        }
        let trailer: lopdf::Dictionary = self
            .trailer_entries(size)
            .into_iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v))
            .collect();
        out.extend_from_slice(b"trailer\n");
        Writer::write_object(out, &Object::Dictionary(trailer)).map_err(PadesError::write)?;
        write!(out, "\nstartxref\n{xref_offset}\n%%EOF\n").map_err(PadesError::write)?;
        Ok(())
    }

    fn write_stream(
        &self,
        out: &mut Vec<u8>,
        offsets: &mut Vec<(ObjectId, usize)>,
        size: u32,
    ) -> Result<(), PadesError> {
        // The stream lists itself: it takes the next number.
        let stream_id = (size, 0);
        let size = size + 1;
        let xref_offset = self.base_len + out.len();
        offsets.push((stream_id, xref_offset));
        offsets.sort_by_key(|(id, _)| id.0);
        let mut index = Vec::new();
        let mut rows = Vec::new();
        for run in runs(offsets) {
            index.push(Object::Integer(i64::from(run[0].0.0)));
            index.push(Object::Integer(run.len() as i64));
            for (id, offset) in run {
                // §7.5.8.3 Table 18: type 1 (in use), offset, generation; /W [1 8 2].
                rows.push(1u8);
                rows.extend_from_slice(&(*offset as u64).to_be_bytes());
                rows.extend_from_slice(&id.1.to_be_bytes());
            }
        }
        let mut dict: lopdf::Dictionary = self
            .trailer_entries(size)
            .into_iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v))
            .collect();
        dict.set("Type", Object::Name(b"XRef".to_vec()));
        dict.set(
            "W",
            Object::Array(vec![
                Object::Integer(1),
                Object::Integer(8),
                Object::Integer(2),
            ]),
        );
        dict.set("Index", Object::Array(index));
        let stream = Object::Stream(lopdf::Stream::new(dict, rows));
        writeln!(out, "{} 0 obj", stream_id.0).map_err(PadesError::write)?;
        Writer::write_object(out, &stream).map_err(PadesError::write)?;
        write!(out, "\nendobj\nstartxref\n{xref_offset}\n%%EOF\n").map_err(PadesError::write)?;
        Ok(())
    }
}

/// Consecutive object numbers, as cross-reference subsections group them.
fn runs(sorted: &[(ObjectId, usize)]) -> Vec<&[(ObjectId, usize)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        if i == sorted.len() || sorted[i].0.0 != sorted[i - 1].0.0 + 1 {
            out.push(&sorted[start..i]);
            start = i;
        }
    }
    out
}

/// A second file identifier for this revision: a digest of what it changes and where.
fn revision_id(objects: &[(ObjectId, Body)], base_len: usize) -> Vec<u8> {
    use sha2::{Digest as _, Sha256};
    let mut hasher = Sha256::new();
    hasher.update((base_len as u64).to_be_bytes());
    for (id, _) in objects {
        hasher.update(id.0.to_be_bytes());
    }
    hasher.finalize()[..16].to_vec()
}
