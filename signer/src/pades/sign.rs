//! Adding one signature (or document time-stamp) to a PDF as an incremental update, and the
//! B-LT and B-LTA updates after it.

use lopdf::{Dictionary as LoDict, Object as LoObject, ObjectId, StringFormat};
use verifier::pdf::Object;

use super::appearance::{self, AppearanceSpec, FontFile};
use super::document::{Document, SigField};
use super::request::{PadesLevel, PdfSignRequest, Placement};
use super::rewrite::Rewritten;
use super::signature::SignatureDict;
use super::update::{Body, Update};
use super::{PadesError, dss};
use crate::cades::{self, Level, LevelServices};
use crate::keys::SignatureKey;

/// Space reserved for the CMS of a signature without a time-stamp, beyond its certificates.
const CMS_BASE: usize = 8 * 1024;
/// Space reserved for a time-stamp token.
const TOKEN_RESERVE: usize = 12 * 1024;

/// What was added.
#[derive(Clone, Debug)]
pub struct Signed {
    /// The signature field's full name.
    pub field: String,
    /// The `/ByteRange` of the signature.
    pub byte_range: [usize; 4],
    /// Incremental updates appended (1 for B-B/B-T, 2 for B-LT, 3 for B-LTA).
    pub updates: usize,
}

/// Signs `pdf` in place: appends the signature's incremental update (and, for B-LT and
/// B-LTA, the DSS and document time-stamp updates) to it. The bytes already in `pdf` are
/// never changed.
///
/// Only the trailer, the cross-reference data, the catalog, the target page and the form's
/// fields are read; the signed ranges are hashed once.
///
/// # Errors
/// [`PadesError`] saying what was wrong; `pdf` is left as it was.
pub fn sign_pdf(
    pdf: &mut Vec<u8>,
    request: &PdfSignRequest,
    key: &dyn SignatureKey,
    services: &LevelServices<'_>,
    font: Option<&FontFile>,
) -> Result<Signed, PadesError> {
    let original_len = pdf.len();
    let result = sign_in_place(pdf, request, key, services, font);
    if result.is_err() {
        pdf.truncate(original_len);
    }
    result
}

fn sign_in_place(
    pdf: &mut Vec<u8>,
    request: &PdfSignRequest,
    key: &dyn SignatureKey,
    services: &LevelServices<'_>,
    font: Option<&FontFile>,
) -> Result<Signed, PadesError> {
    let cms_level = cms_level(request.level);
    let digest_input = finish_layout(pdf, prepare_signature(pdf, request, key, services, font)?)?;
    let cms = cades::sign_pades_cms(&digest_input.digest, key, cms_level, services)?;
    let signed = digest_input.commit(pdf, &cms)?;
    let mut updates = 1;
    if request.level >= PadesLevel::BLT {
        dss::add_dss(pdf, &cms, key, services)?;
        updates += 1;
    }
    if request.level == PadesLevel::BLTA {
        add_document_timestamp(pdf, services)?;
        updates += 1;
    }
    Ok(Signed {
        field: signed.0,
        byte_range: signed.1,
        updates,
    })
}

/// The level of the CMS inside a PAdES signature of `level`.
pub(crate) fn cms_level(level: PadesLevel) -> Level {
    match level {
        PadesLevel::BB => Level::BB,
        _ => Level::BT,
    }
}

/// Lays out the signature's update for `pdf` (its `/ByteRange` not yet filled): the
/// signature dictionary with room for the CMS the key and level make.
pub(crate) fn prepare_signature(
    pdf: &[u8],
    request: &PdfSignRequest,
    key: &dyn SignatureKey,
    services: &LevelServices<'_>,
    font: Option<&FontFile>,
) -> Result<Prepared, PadesError> {
    let cms_level = cms_level(request.level);
    if cms_level == Level::BT && services.timestamper.is_none() {
        return Err(cades::CadesError::NoTimestamper(cms_level).into());
    }
    let chain_len: usize = key
        .certificate_chain()
        .iter()
        .map(|c| der::Encode::encoded_len(c).map_or(4096, |l| u32::from(l) as usize))
        .sum();
    let capacity = CMS_BASE
        + chain_len
        + if cms_level == Level::BT {
            TOKEN_RESERVE
        } else {
            0
        };
    let mut entries = LoDict::new();
    entries.set("Type", LoObject::Name(b"Sig".to_vec()));
    entries.set("Filter", LoObject::Name(b"Adobe.PPKLite".to_vec()));
    entries.set("SubFilter", LoObject::Name(b"ETSI.CAdES.detached".to_vec()));
    entries.set("M", text(&pdf_date(request.signing_time)));
    if let Some(reason) = &request.reason {
        entries.set("Reason", text(reason));
    }
    if let Some(location) = &request.location {
        entries.set("Location", text(location));
    }
    prepare(pdf, request, entries, capacity, font)
}

/// Appends a document time-stamp (ETSI EN 319 142-1 §5.5: `/Type /DocTimeStamp`,
/// `/SubFilter /ETSI.RFC3161`) in an invisible field.
pub(crate) fn add_document_timestamp(
    pdf: &mut Vec<u8>,
    services: &LevelServices<'_>,
) -> Result<(), PadesError> {
    let timestamper = services
        .timestamper
        .ok_or(cades::CadesError::NoTimestamper(Level::BT))?;
    let mut entries = LoDict::new();
    entries.set("Type", LoObject::Name(b"DocTimeStamp".to_vec()));
    entries.set("Filter", LoObject::Name(b"Adobe.PPKLite".to_vec()));
    entries.set("SubFilter", LoObject::Name(b"ETSI.RFC3161".to_vec()));
    let request = PdfSignRequest {
        level: PadesLevel::BB,
        placement: Placement::Invisible,
        field_name: None,
        lines: Vec::new(),
        handwriting: None,
        certify: None,
        reason: None,
        location: None,
        signing_time: std::time::SystemTime::now(),
    };
    let prepared = prepare(pdf, &request, entries, TOKEN_RESERVE, None)?;
    let digest_input = finish_layout(pdf, prepared)?;
    let token = timestamper
        .timestamp(&digest_input.digest)
        .map_err(cades::CadesError::from)?;
    digest_input.commit(pdf, &token)?;
    Ok(())
}

/// An update laid out, waiting for its signature.
pub(crate) struct Prepared {
    update: Vec<u8>,
    placeholders: super::signature::Placeholders,
    field: String,
}

pub(crate) struct DigestInput {
    pub(crate) digest: [u8; 32],
    pub(crate) update: Vec<u8>,
    pub(crate) placeholders: super::signature::Placeholders,
    field: String,
    byte_range: [usize; 4],
}

impl DigestInput {
    /// The field's name and the `/ByteRange`.
    pub(crate) fn outcome(&self) -> (String, [usize; 4]) {
        (self.field.clone(), self.byte_range)
    }

    fn commit(
        mut self,
        pdf: &mut Vec<u8>,
        signature: &[u8],
    ) -> Result<(String, [usize; 4]), PadesError> {
        self.placeholders
            .fill_contents(&mut self.update, pdf.len(), signature)?;
        pdf.extend_from_slice(&self.update);
        Ok((self.field, self.byte_range))
    }
}

fn finish_layout(pdf: &[u8], prepared: Prepared) -> Result<DigestInput, PadesError> {
    let mut laid = lay_out(pdf.len(), prepared)?;
    laid.digest = laid.placeholders.digest(pdf, &laid.update);
    Ok(laid)
}

/// Fills the `/ByteRange` of an update appended to `base` bytes; the digest is left zero.
pub(crate) fn lay_out(base: usize, mut prepared: Prepared) -> Result<DigestInput, PadesError> {
    let total = base + prepared.update.len();
    let byte_range = prepared
        .placeholders
        .fill_byte_range(&mut prepared.update, base, total)?;
    let digest = [0; 32];
    Ok(DigestInput {
        digest,
        update: prepared.update,
        placeholders: prepared.placeholders,
        field: prepared.field,
        byte_range,
    })
}

/// Lays out the update: the signature dictionary, the field and widget with its
/// appearance, the page's `/Annots`, the form, and DocMDP when certifying.
fn prepare(
    pdf: &[u8],
    request: &PdfSignRequest,
    mut entries: LoDict,
    capacity: usize,
    font: Option<&FontFile>,
) -> Result<Prepared, PadesError> {
    let doc = Document::open(pdf)?;
    let certified = doc.docmdp_permission()?;
    if certified == Some(1) {
        return Err(PadesError::Locked(
            "DocMDP P=1 allows no further signature".into(),
        ));
    }
    let fields = doc.signature_fields()?;
    if request.certify.is_some() && fields.iter().any(|f| f.signed) {
        return Err(PadesError::Placement(
            "only the first signature of a document may certify it".into(),
        ));
    }
    let mut update = Update::new(doc.trailer.clone(), pdf.len());
    let sig_id = update.allocate();
    if let Some(certification) = request.certify {
        // ISO 32000-1 §12.8.2.2: the signature references its DocMDP transform.
        let mut params = LoDict::new();
        params.set("Type", LoObject::Name(b"TransformParams".to_vec()));
        params.set("P", LoObject::Integer(certification.p()));
        params.set("V", LoObject::Name(b"1.2".to_vec()));
        let mut reference = LoDict::new();
        reference.set("Type", LoObject::Name(b"SigRef".to_vec()));
        reference.set("TransformMethod", LoObject::Name(b"DocMDP".to_vec()));
        reference.set("TransformParams", LoObject::Dictionary(params));
        entries.set(
            "Reference",
            LoObject::Array(vec![LoObject::Dictionary(reference)]),
        );
    }
    let signature = SignatureDict::new(entries, capacity)?;

    let existing = match &request.placement {
        Placement::Field(name) => {
            Some(fields.iter().find(|f| &f.name == name).ok_or_else(|| {
                PadesError::Placement(format!("no signature field named {name:?}"))
            })?)
        }
        Placement::NextFree => Some(fields.iter().find(|f| !f.signed).ok_or_else(|| {
            PadesError::Placement(
                "the document has no free signature box; give a page and a rectangle".into(),
            )
        })?),
        Placement::Rect { .. } | Placement::Invisible => None,
    };
    if existing.is_some_and(|f| f.signed) {
        return Err(PadesError::Placement(
            "that signature field is already signed".into(),
        ));
    }

    let field_name;
    match existing {
        Some(field) => {
            field_name = field.name.clone();
            fill_existing(&doc, &mut update, field, sig_id, request, font)?;
        }
        None => {
            let taken: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            field_name = match &request.field_name {
                Some(name) if taken.contains(&name.as_str()) => {
                    return Err(PadesError::Placement(format!(
                        "a field named {name:?} exists"
                    )));
                }
                Some(name) => name.clone(),
                None => (1..)
                    .map(|i| format!("Signature{i}"))
                    .find(|n| !taken.contains(&n.as_str()))
                    .unwrap_or_else(|| "Signature".into()),
            };
            add_new_field(&doc, &mut update, &field_name, sig_id, request, font)?;
        }
    }
    if request.certify.is_some() {
        let mut catalog = catalog_rewrite(&doc, &update);
        let mut perms = LoDict::new();
        perms.set("DocMDP", LoObject::Reference(sig_id));
        catalog.set(b"Perms", LoObject::Dictionary(perms));
        update.put_rewritten(doc.trailer.root, catalog);
    }
    update.put(sig_id, Body::Raw(signature.bytes.clone()));
    let written = update.write()?;
    let body = written
        .body_offsets
        .iter()
        .find(|(id, _)| *id == sig_id)
        .map(|(_, offset)| *offset)
        .ok_or_else(|| PadesError::Internal("the signature dictionary was not written".into()))?;
    Ok(Prepared {
        placeholders: signature.located(pdf.len() + body),
        update: written.bytes,
        field: field_name,
    })
}

/// The catalog as the update has it so far (it may already have been rewritten).
fn catalog_rewrite(doc: &Document<'_>, update: &Update) -> Rewritten {
    update
        .rewritten(doc.trailer.root)
        .cloned()
        .unwrap_or_else(|| Rewritten::from(&doc.catalog))
}

/// The widget's appearance objects, added to the update; the `/AP` dictionary.
fn appearance(
    update: &mut Update,
    width: f32,
    height: f32,
    request: &PdfSignRequest,
    font: Option<&FontFile>,
) -> Result<LoObject, PadesError> {
    let visible =
        width > 0.0 && height > 0.0 && (!request.lines.is_empty() || request.handwriting.is_some());
    let form_id = if visible {
        let font =
            font.ok_or_else(|| PadesError::Appearance("no font for the signature text".into()))?;
        let spec = AppearanceSpec {
            width,
            height,
            lines: request.lines.clone(),
            handwriting: request.handwriting.clone(),
        };
        let objects =
            appearance::build(&spec, font).map_err(|e| PadesError::Appearance(e.to_string()))?;
        let (form_id, objects) = objects.into_objects(|| update.allocate());
        for (id, object) in objects {
            update.put(id, Body::Object(object));
        }
        form_id
    } else {
        // An empty appearance: the widget is drawn as nothing (ISO 32000-1 §12.7.4.5).
        let mut dict = LoDict::new();
        dict.set("Type", LoObject::Name(b"XObject".to_vec()));
        dict.set("Subtype", LoObject::Name(b"Form".to_vec()));
        dict.set(
            "BBox",
            LoObject::Array(vec![
                0.into(),
                0.into(),
                LoObject::Real(width.max(0.0)),
                LoObject::Real(height.max(0.0)),
            ]),
        );
        let id = update.allocate();
        update.put(
            id,
            Body::Object(LoObject::Stream(lopdf::Stream::new(dict, Vec::new()))),
        );
        id
    };
    let mut ap = LoDict::new();
    ap.set("N", LoObject::Reference(form_id));
    Ok(LoObject::Dictionary(ap))
}

fn add_new_field(
    doc: &Document<'_>,
    update: &mut Update,
    name: &str,
    sig_id: ObjectId,
    request: &PdfSignRequest,
    font: Option<&FontFile>,
) -> Result<(), PadesError> {
    let (page_index, rect) = match request.placement {
        Placement::Rect { page, rect } => {
            if page == 0 {
                return Err(PadesError::Placement("pages are numbered from 1".into()));
            }
            if rect.iter().any(|v| !v.is_finite()) || rect[2] <= rect[0] || rect[3] <= rect[1] {
                return Err(PadesError::Placement(format!(
                    "the rectangle {rect:?} must be [x1 y1 x2 y2] with x1 < x2 and y1 < y2"
                )));
            }
            (page - 1, rect)
        }
        _ => (0, [0.0; 4]),
    };
    let (page_id, page) = doc.page(page_index)?;
    let widget_id = update.allocate();
    let ap = appearance(update, rect[2] - rect[0], rect[3] - rect[1], request, font)?;
    let mut widget = LoDict::new();
    widget.set("Type", LoObject::Name(b"Annot".to_vec()));
    widget.set("Subtype", LoObject::Name(b"Widget".to_vec()));
    widget.set("FT", LoObject::Name(b"Sig".to_vec()));
    widget.set("T", text(name));
    widget.set("V", LoObject::Reference(sig_id));
    widget.set(
        "Rect",
        LoObject::Array(rect.iter().map(|v| LoObject::Real(*v)).collect()),
    );
    // Print + Locked (Table 165): printed with the page, not movable.
    widget.set("F", LoObject::Integer(132));
    widget.set("P", LoObject::Reference(page_id));
    widget.set("AP", ap);
    update.put(widget_id, Body::Object(LoObject::Dictionary(widget)));

    // The page's /Annots: rewrite the array object if it is one, else the page.
    match page.get(b"Annots") {
        Some(Object::Reference(array_id)) => {
            let array = doc
                .file
                .object(*array_id)
                .map_err(|e| PadesError::Pdf(e.to_string()))?;
            let mut items = array.as_array().map(<[Object]>::to_vec).unwrap_or_default();
            items.push(Object::Reference(widget_id));
            let bytes = super::rewrite::array_bytes(items)?;
            update.put(*array_id, Body::Raw(bytes));
        }
        other => {
            let mut items = other
                .and_then(Object::as_array)
                .map(<[Object]>::to_vec)
                .unwrap_or_default();
            items.push(Object::Reference(widget_id));
            let mut rewritten = Rewritten::from(&page);
            let bytes = super::rewrite::array_bytes(items)?;
            rewritten.set_raw(b"Annots", bytes);
            update.put_rewritten(page_id, rewritten);
        }
    }
    add_to_form(doc, update, Some(widget_id))
}

fn fill_existing(
    doc: &Document<'_>,
    update: &mut Update,
    field: &SigField,
    sig_id: ObjectId,
    request: &PdfSignRequest,
    font: Option<&FontFile>,
) -> Result<(), PadesError> {
    if !field.dict.name_is(b"Subtype", b"Widget") {
        return Err(PadesError::Placement(format!(
            "field {:?} keeps its widgets apart; only fields merged with their widget are filled",
            field.name
        )));
    }
    let rect: Vec<f32> = field
        .dict
        .get(b"Rect")
        .and_then(Object::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Object::as_number)
                .map(|v| v as f32)
                .collect()
        })
        .unwrap_or_default();
    let (width, height) = match rect.as_slice() {
        [x1, y1, x2, y2] => ((x2 - x1).abs(), (y2 - y1).abs()),
        _ => (0.0, 0.0),
    };
    let ap = appearance(update, width, height, request, font)?;
    let mut rewritten = Rewritten::from(&field.dict);
    rewritten.set(b"V", LoObject::Reference(sig_id));
    rewritten.set(b"AP", ap);
    update.put_rewritten(field.id, rewritten);
    add_to_form(doc, update, None)
}

/// Makes sure the form lists `new_field` and says it holds signatures (`/SigFlags 3`,
/// ISO 32000-1 §12.7.2 Table 219).
fn add_to_form(
    doc: &Document<'_>,
    update: &mut Update,
    new_field: Option<ObjectId>,
) -> Result<(), PadesError> {
    let acroform = doc.catalog.get(b"AcroForm");
    let (form_id, form_dict) = match acroform {
        Some(Object::Reference(id)) => {
            let object = doc
                .file
                .object(*id)
                .map_err(|e| PadesError::Pdf(e.to_string()))?;
            (Some(*id), object.as_dict().cloned().unwrap_or_default())
        }
        Some(Object::Dictionary(d)) => (None, d.clone()),
        _ => (None, verifier::pdf::Dictionary::new()),
    };
    let mut form = Rewritten::from(&form_dict);
    if let Some(field) = new_field {
        let fields = match form_dict.get(b"Fields") {
            Some(value) => doc
                .file
                .resolve(value)
                .map_err(|e| PadesError::Pdf(e.to_string()))?
                .into_owned(),
            None => Object::Array(Vec::new()),
        };
        let mut items = fields
            .as_array()
            .map(<[Object]>::to_vec)
            .unwrap_or_default();
        items.push(Object::Reference(field));
        let bytes = super::rewrite::array_bytes(items)?;
        form.set_raw(b"Fields", bytes);
    }
    form.set(b"SigFlags", LoObject::Integer(3));
    match form_id {
        Some(id) => update.put_rewritten(id, form),
        None => {
            let id = update.allocate();
            update.put_rewritten(id, form);
            let mut catalog = catalog_rewrite(doc, update);
            catalog.set(b"AcroForm", LoObject::Reference(id));
            update.put_rewritten(doc.trailer.root, catalog);
        }
    }
    Ok(())
}

/// A text string (ISO 32000-1 §7.9.2.2): PDFDocEncoding-compatible ASCII as is, anything
/// else as UTF-16BE with a byte order mark.
pub(crate) fn text(s: &str) -> LoObject {
    if s.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        LoObject::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        LoObject::String(bytes, StringFormat::Hexadecimal)
    }
}

/// `D:YYYYMMDDHHmmSSZ` (ISO 32000-1 §7.9.4), UTC.
pub(crate) fn pdf_date(time: std::time::SystemTime) -> String {
    let formatted = humantime::format_rfc3339_seconds(time).to_string();
    // 2026-11-23T18:10:13Z
    let digits: String = formatted.chars().filter(char::is_ascii_digit).collect();
    format!("D:{}Z", &digits[..digits.len().min(14)])
}
