//! What the signer reads of the document it extends, through the verifier's lazy reader:
//! the trailer, the catalog, the page the signature goes on and the form's fields — nothing
//! else, so signing a large file parses a handful of objects however many pages it has.

use lopdf::ObjectId;
use verifier::pdf::{Dictionary, Limits, Object, PdfFile, XrefKind};

use super::PadesError;
use super::update::{TrailerBase, XrefForm};

/// Most page-tree nodes visited while looking for a page (a loop or a bomb stops here).
const MAX_PAGE_NODES: usize = 1 << 20;
/// Most form fields visited.
const MAX_FIELDS: usize = 100_000;

/// The parts of an open document the writer needs.
pub(crate) struct Document<'a> {
    pub(crate) file: PdfFile<'a>,
    pub(crate) trailer: TrailerBase,
    pub(crate) catalog: Dictionary,
}

/// A signature field found in the form.
pub(crate) struct SigField {
    pub(crate) id: ObjectId,
    pub(crate) dict: Dictionary,
    /// Its full name (`/T` of it and its ancestors, joined by dots).
    pub(crate) name: String,
    pub(crate) signed: bool,
}

fn pdf_error(e: impl std::fmt::Display) -> PadesError {
    PadesError::Pdf(e.to_string())
}

impl<'a> Document<'a> {
    /// Opens `bytes`: the cross-reference chain and the catalog.
    pub(crate) fn open(bytes: &'a [u8]) -> Result<Self, PadesError> {
        let file = PdfFile::open(bytes, Limits::default()).map_err(pdf_error)?;
        let trailer = file.trailer();
        if trailer.contains_key(b"Encrypt") {
            return Err(PadesError::Pdf("encrypted documents are not signed".into()));
        }
        let root = trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .ok_or_else(|| PadesError::Pdf("the trailer has no /Root reference".into()))?;
        let size = trailer
            .get(b"Size")
            .and_then(Object::as_integer)
            .and_then(|s| u32::try_from(s).ok())
            .ok_or_else(|| PadesError::Pdf("the trailer has no usable /Size".into()))?;
        let id0 = trailer
            .get(b"ID")
            .and_then(Object::as_array)
            .and_then(|a| a.first())
            .and_then(Object::as_string)
            .map(<[u8]>::to_vec);
        let info = trailer.get(b"Info").and_then(Object::as_reference);
        let form = match file.revisions().last().map(|r| r.xref_kind) {
            Some(XrefKind::Stream) => XrefForm::Stream,
            _ => XrefForm::Table,
        };
        let catalog = file.object(root).map_err(pdf_error)?;
        let catalog = catalog
            .as_dict()
            .filter(|d| d.name_is(b"Type", b"Catalog") || d.contains_key(b"Pages"))
            .cloned()
            .ok_or_else(|| PadesError::Pdf("/Root is not a catalog".into()))?;
        let trailer = TrailerBase {
            size,
            prev: file.startxref(),
            root,
            info,
            id0,
            form,
        };
        Ok(Self {
            file,
            trailer,
            catalog,
        })
    }

    /// A dictionary value of `dict[key]`, following a reference; with the reference.
    pub(crate) fn dict_entry(
        &self,
        dict: &Dictionary,
        key: &[u8],
    ) -> Result<Option<(Option<ObjectId>, Dictionary)>, PadesError> {
        let Some(value) = dict.get(key) else {
            return Ok(None);
        };
        let reference = value.as_reference();
        let resolved = self.file.resolve(value).map_err(pdf_error)?;
        Ok(resolved.as_dict().map(|d| (reference, d.clone())))
    }

    /// The `index`-th page (0-based) and its dictionary.
    pub(crate) fn page(&self, index: usize) -> Result<(ObjectId, Dictionary), PadesError> {
        let root = self
            .catalog
            .get(b"Pages")
            .and_then(Object::as_reference)
            .ok_or_else(|| PadesError::Pdf("the catalog has no /Pages reference".into()))?;
        let mut remaining = index;
        let mut node = root;
        let mut visited = 0usize;
        'descend: loop {
            visited += 1;
            if visited > MAX_PAGE_NODES {
                return Err(PadesError::Pdf(
                    "the page tree is too large or loops".into(),
                ));
            }
            let object = self.file.object(node).map_err(pdf_error)?;
            let dict = object.as_dict().ok_or_else(|| {
                PadesError::Pdf(format!("page tree node {} is not a dictionary", node.0))
            })?;
            if dict.name_is(b"Type", b"Page") || !dict.contains_key(b"Kids") {
                if remaining == 0 {
                    return Ok((node, dict.clone()));
                }
                return Err(PadesError::Placement(format!(
                    "the document has no page {}",
                    index + 1
                )));
            }
            let kids = self
                .file
                .resolve(dict.get(b"Kids").unwrap_or(&Object::Null))
                .map_err(pdf_error)?;
            let kids = kids.as_array().unwrap_or(&[]);
            for kid in kids {
                let Some(kid) = kid.as_reference() else {
                    continue;
                };
                // A subtree's /Count says how many pages it holds, so whole subtrees are
                // skipped without being read.
                let kid_object = self.file.object(kid).map_err(pdf_error)?;
                let count = kid_object
                    .as_dict()
                    .map(|d| {
                        if d.name_is(b"Type", b"Pages") {
                            d.get(b"Count")
                                .and_then(Object::as_integer)
                                .unwrap_or(0)
                                .max(0) as usize
                        } else {
                            1
                        }
                    })
                    .unwrap_or(0);
                if remaining < count {
                    node = kid;
                    continue 'descend;
                }
                remaining -= count;
                visited += 1;
                if visited > MAX_PAGE_NODES {
                    return Err(PadesError::Pdf(
                        "the page tree is too large or loops".into(),
                    ));
                }
            }
            return Err(PadesError::Placement(format!(
                "the document has no page {}",
                index + 1
            )));
        }
    }

    /// The signature fields of the form, in order.
    pub(crate) fn signature_fields(&self) -> Result<Vec<SigField>, PadesError> {
        let Some((_, acroform)) = self.dict_entry(&self.catalog, b"AcroForm")? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut stack: Vec<(Object, String, Option<Vec<u8>>)> = acroform
            .get(b"Fields")
            .map(|f| self.file.resolve(f).map(|c| c.into_owned()))
            .transpose()
            .map_err(pdf_error)?
            .and_then(|f| f.as_array().map(<[Object]>::to_vec))
            .unwrap_or_default()
            .into_iter()
            .rev()
            .map(|f| (f, String::new(), None))
            .collect();
        let mut visited = 0usize;
        while let Some((field, prefix, inherited_ft)) = stack.pop() {
            visited += 1;
            if visited > MAX_FIELDS {
                return Err(PadesError::Pdf("too many form fields".into()));
            }
            let Some(id) = field.as_reference() else {
                continue;
            };
            let object = self.file.object(id).map_err(pdf_error)?;
            let Some(dict) = object.as_dict() else {
                continue;
            };
            let partial = dict
                .get(b"T")
                .and_then(Object::as_string)
                .map(|t| String::from_utf8_lossy(t).into_owned());
            let name = match (&partial, prefix.is_empty()) {
                (Some(t), true) => t.clone(),
                (Some(t), false) => format!("{prefix}.{t}"),
                (None, _) => prefix.clone(),
            };
            let ft = dict.get_name(b"FT").map(<[u8]>::to_vec).or(inherited_ft);
            if let Some(kids) = dict.get(b"Kids") {
                let kids = self.file.resolve(kids).map_err(pdf_error)?.into_owned();
                let kids = kids.as_array().map(<[Object]>::to_vec).unwrap_or_default();
                // Kids that are only widgets (no /T) belong to this field.
                let fields: Vec<Object> = kids
                    .into_iter()
                    .filter(|k| {
                        k.as_reference()
                            .and_then(|id| self.file.object(id).ok())
                            .is_some_and(|o| o.as_dict().is_some_and(|d| d.contains_key(b"T")))
                    })
                    .collect();
                if !fields.is_empty() {
                    for kid in fields.into_iter().rev() {
                        stack.push((kid, name.clone(), ft.clone()));
                    }
                    continue;
                }
            }
            if ft.as_deref() == Some(b"Sig") {
                out.push(SigField {
                    id,
                    signed: dict.get(b"V").is_some_and(|v| !v.is_null()),
                    dict: dict.clone(),
                    name,
                });
            }
        }
        Ok(out)
    }

    /// The `/P` of the certifying signature's DocMDP transform, if the document is certified
    /// (ISO 32000-1 §12.8.2.2).
    pub(crate) fn docmdp_permission(&self) -> Result<Option<i64>, PadesError> {
        let Some((_, perms)) = self.dict_entry(&self.catalog, b"Perms")? else {
            return Ok(None);
        };
        let Some((_, sig)) = self.dict_entry(&perms, b"DocMDP")? else {
            return Ok(None);
        };
        let references = sig
            .get(b"Reference")
            .map(|r| self.file.resolve(r).map(|c| c.into_owned()))
            .transpose()
            .map_err(pdf_error)?;
        for reference in references
            .as_ref()
            .and_then(Object::as_array)
            .unwrap_or(&[])
        {
            let reference = self.file.resolve(reference).map_err(pdf_error)?;
            let Some(reference) = reference.as_dict() else {
                continue;
            };
            if reference.name_is(b"TransformMethod", b"DocMDP") {
                let p = self
                    .dict_entry(reference, b"TransformParams")?
                    .and_then(|(_, d)| d.get(b"P").and_then(Object::as_integer))
                    .unwrap_or(2);
                return Ok(Some(p));
            }
        }
        Ok(Some(2))
    }
}
