//! The embedded font: loading a TrueType file, mapping characters to glyphs, and writing the
//! subset as a Type 0 font (ISO 32000-1 §9.7) with a CIDFontType2 descendant.
//!
//! The objects written for one appearance:
//!
//! ```text
//! Type0 font          /Subtype /Type0 /Encoding /Identity-H /DescendantFonts [CIDFont]
//!                     /ToUnicode (CMap stream)                         (§9.7.6, §9.10.3)
//!   CIDFontType2      /CIDSystemInfo Adobe-Identity-0 /W [0 [w0 w1 …]] /CIDToGIDMap /Identity
//!     FontDescriptor  /FontName /ABCDEF+PostScriptName … /FontFile2 (stream)  (§9.8)
//!       FontFile2     the subset TrueType program, FlateDecode, /Length1
//! ```
//!
//! The subsetter (typst's `subsetter`) renumbers glyphs contiguously from 0 (`.notdef`), in
//! the order of the original glyph ids. The content stream's character codes are those new
//! glyph ids, so CID = new GID and `/CIDToGIDMap /Identity` holds.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use lopdf::{Dictionary, Object, ObjectId};
use sha2::{Digest as _, Sha256};
use ttf_parser::{Face, GlyphId, name_id};

use super::AppearanceError;
use super::pdf::{LocalIds, flate_stream, name, real};

/// A TrueType font file loaded into memory, checked to be usable for embedding.
#[derive(Clone)]
pub struct FontFile {
    data: Vec<u8>,
    source: String,
    postscript_name: String,
}

impl std::fmt::Debug for FontFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontFile")
            .field("source", &self.source)
            .field("postscript_name", &self.postscript_name)
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl FontFile {
    /// Where Debian's `fonts-dejavu-core` installs DejaVu Sans, the default appearance font
    /// (it covers Kazakh and Russian Cyrillic).
    pub const DEJAVU_SANS: &'static str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// Reads and checks a TrueType font file.
    ///
    /// # Errors
    /// [`AppearanceError::FontMissing`] if the file does not exist, [`AppearanceError::FontRead`]
    /// if it cannot be read, [`AppearanceError::FontInvalid`] as for [`FontFile::from_bytes`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, AppearanceError> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                AppearanceError::FontMissing {
                    path: path.to_owned(),
                }
            } else {
                AppearanceError::FontRead {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        Self::from_bytes(data, path.display().to_string())
    }

    /// Checks a TrueType font held in memory; `source` names it in errors.
    ///
    /// # Errors
    /// [`AppearanceError::FontInvalid`] if the data is not a single TrueType font with `glyf`
    /// outlines, or its licence bits forbid embedding or subsetting.
    pub fn from_bytes(data: Vec<u8>, source: impl Into<String>) -> Result<Self, AppearanceError> {
        let source = source.into();
        let invalid = |reason: &str| AppearanceError::FontInvalid {
            source_name: source.clone(),
            reason: reason.to_owned(),
        };
        let face = Face::parse(&data, 0).map_err(|e| invalid(&e.to_string()))?;
        if face.tables().glyf.is_none() {
            return Err(invalid(
                "no glyf table: only TrueType outlines can be embedded as CIDFontType2",
            ));
        }
        if face.units_per_em() == 0 {
            return Err(invalid("units per em is 0"));
        }
        if matches!(
            face.permissions(),
            Some(ttf_parser::Permissions::Restricted)
        ) || !face.is_subsetting_allowed()
            || !face.is_outline_embedding_allowed()
        {
            return Err(invalid("the font's licence bits forbid embedding a subset"));
        }
        let postscript_name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .map(|n| {
                n.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect::<String>()
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Font".to_owned());
        Ok(Self {
            data,
            source,
            postscript_name,
        })
    }

    /// The font's PostScript name (restricted to characters valid in a PDF name).
    pub fn postscript_name(&self) -> &str {
        &self.postscript_name
    }

    /// The size of the whole font file in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the font file is empty (never true for a loaded font).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Parses the font (checked at load, so this fails only on a bug).
    pub(super) fn face(&self) -> Result<Face<'_>, AppearanceError> {
        Face::parse(&self.data, 0).map_err(|e| AppearanceError::FontInvalid {
            source_name: self.source.clone(),
            reason: e.to_string(),
        })
    }
}

/// A glyph of the original font: its id and advance width in PDF glyph space (1/1000 em).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Glyph {
    /// Glyph id in the original font.
    pub(super) gid: u16,
    /// Advance width in thousandths of an em, as written to `/W`.
    pub(super) width: u16,
}

/// Advance width of `gid` in thousandths of an em.
fn pdf_width(face: &Face<'_>, gid: u16) -> u16 {
    let advance = face.glyph_hor_advance(GlyphId(gid)).unwrap_or(0);
    let scaled = (f64::from(advance) * 1000.0 / f64::from(face.units_per_em())).round();
    scaled.clamp(0.0, f64::from(u16::MAX)) as u16
}

/// Looks up the glyph of every character in `lines` (no shaping: each character is one
/// glyph, which is right for Cyrillic and Latin text).
///
/// # Errors
/// [`AppearanceError::MissingGlyph`] for a character the font cannot show.
pub(super) fn glyphs_for(
    face: &Face<'_>,
    lines: &[String],
) -> Result<BTreeMap<char, Glyph>, AppearanceError> {
    let mut glyphs = BTreeMap::new();
    for (line, text) in lines.iter().enumerate() {
        for ch in text.chars() {
            if glyphs.contains_key(&ch) {
                continue;
            }
            let gid = face
                .glyph_index(ch)
                .map(|g| g.0)
                .filter(|g| *g != 0)
                .ok_or(AppearanceError::MissingGlyph { ch, line })?;
            glyphs.insert(
                ch,
                Glyph {
                    gid,
                    width: pdf_width(face, gid),
                },
            );
        }
    }
    Ok(glyphs)
}

/// The subset font written into the appearance.
#[derive(Debug)]
pub(super) struct EmbeddedFont {
    /// Local id of the Type 0 font dictionary (what `/Resources /Font` refers to).
    pub(super) font_id: ObjectId,
    /// The font's objects: Type 0 font, CIDFont, descriptor, font program, ToUnicode.
    pub(super) objects: Vec<(ObjectId, Object)>,
    /// Original glyph id → character code (= CID = glyph id in the subset).
    codes: BTreeMap<u16, u16>,
    /// Character → original glyph, for encoding.
    glyphs: BTreeMap<char, Glyph>,
}

impl EmbeddedFont {
    /// Encodes `text` as a hexadecimal string operand (`<…>`) of two-byte character codes.
    /// Characters outside the subset are skipped; [`embed`] includes every drawn character.
    pub(super) fn hex_string(&self, text: &str) -> String {
        let mut out = String::with_capacity(2 + text.len() * 4);
        out.push('<');
        for ch in text.chars() {
            let code = self.glyphs.get(&ch).and_then(|g| self.codes.get(&g.gid));
            if let Some(code) = code {
                let _ = write!(out, "{code:04X}");
            }
        }
        out.push('>');
        out
    }
}

/// Subsets `font` to the glyphs of the characters in `used` and builds its PDF objects, with
/// ids from `ids`.
///
/// # Errors
/// [`AppearanceError::Subset`] if the subsetter fails; [`AppearanceError::Compression`].
pub(super) fn embed(
    font: &FontFile,
    face: &Face<'_>,
    used: &BTreeMap<char, Glyph>,
    ids: &mut LocalIds,
) -> Result<EmbeddedFont, AppearanceError> {
    let old_gids: BTreeSet<u16> = used.values().map(|g| g.gid).collect();
    let old_gids: Vec<u16> = old_gids.into_iter().collect();
    let remapper = subsetter::GlyphRemapper::new_from_glyphs_sorted(&old_gids);
    let program =
        subsetter::subset(&font.data, 0, &remapper).map_err(|e| AppearanceError::Subset {
            reason: e.to_string(),
        })?;

    // CID (= new glyph id) of each used glyph, and its width; .notdef is CID 0.
    let mut codes = BTreeMap::new();
    let mut widths = BTreeMap::from([(0u16, pdf_width(face, 0))]);
    for glyph in used.values() {
        let code = remapper
            .get(glyph.gid)
            .ok_or_else(|| AppearanceError::Subset {
                reason: format!("glyph {} missing from the remapping", glyph.gid),
            })?;
        codes.insert(glyph.gid, code);
        widths.insert(code, glyph.width);
    }

    let base_font = format!(
        "{}+{}",
        subset_tag(&font.postscript_name, &old_gids),
        font.postscript_name
    );
    let upem = f32::from(face.units_per_em());
    let em = |v: i16| Object::Integer((f32::from(v) * 1000.0 / upem).round() as i64);

    let font_id = ids.next();
    let cid_font_id = ids.next();
    let descriptor_id = ids.next();
    let program_id = ids.next();
    let to_unicode_id = ids.next();

    let mut program_dict = Dictionary::new();
    program_dict.set("Length1", Object::Integer(program.len() as i64));
    let program_stream = flate_stream(program_dict, &program)?;

    let bbox = face.global_bounding_box();
    let cap_height = face.capital_height().unwrap_or_else(|| face.ascender());
    let mut flags = 4; // Symbolic: Cyrillic lies outside the standard Latin set.
    if face.is_monospaced() {
        flags |= 1;
    }
    if face.is_italic() {
        flags |= 64;
    }
    let descriptor = Dictionary::from_iter(vec![
        ("Type", name("FontDescriptor")),
        ("FontName", name(&base_font)),
        ("Flags", Object::Integer(flags)),
        (
            "FontBBox",
            Object::Array(vec![
                em(bbox.x_min),
                em(bbox.y_min),
                em(bbox.x_max),
                em(bbox.y_max),
            ]),
        ),
        ("ItalicAngle", real(face.italic_angle())),
        ("Ascent", em(face.ascender())),
        ("Descent", em(face.descender())),
        ("CapHeight", em(cap_height)),
        ("StemV", Object::Integer(80)),
        ("FontFile2", Object::Reference(program_id)),
    ]);

    // /W [0 [w0 w1 …]]: the CIDs of the subset are contiguous from 0.
    let width_array: Vec<Object> = widths
        .values()
        .map(|w| Object::Integer(i64::from(*w)))
        .collect();
    let cid_font = Dictionary::from_iter(vec![
        ("Type", name("Font")),
        ("Subtype", name("CIDFontType2")),
        ("BaseFont", name(&base_font)),
        (
            "CIDSystemInfo",
            Object::Dictionary(Dictionary::from_iter(vec![
                ("Registry", Object::string_literal("Adobe")),
                ("Ordering", Object::string_literal("Identity")),
                ("Supplement", Object::Integer(0)),
            ])),
        ),
        ("FontDescriptor", Object::Reference(descriptor_id)),
        ("DW", Object::Integer(1000)),
        (
            "W",
            Object::Array(vec![Object::Integer(0), Object::Array(width_array)]),
        ),
        ("CIDToGIDMap", name("Identity")),
    ]);

    let type0 = Dictionary::from_iter(vec![
        ("Type", name("Font")),
        ("Subtype", name("Type0")),
        ("BaseFont", name(&base_font)),
        ("Encoding", name("Identity-H")),
        (
            "DescendantFonts",
            Object::Array(vec![Object::Reference(cid_font_id)]),
        ),
        ("ToUnicode", Object::Reference(to_unicode_id)),
    ]);

    let cmap = to_unicode_cmap(used, &codes);
    let to_unicode = flate_stream(Dictionary::new(), cmap.as_bytes())?;

    Ok(EmbeddedFont {
        font_id,
        objects: vec![
            (font_id, Object::Dictionary(type0)),
            (cid_font_id, Object::Dictionary(cid_font)),
            (descriptor_id, Object::Dictionary(descriptor)),
            (program_id, Object::Stream(program_stream)),
            (to_unicode_id, Object::Stream(to_unicode)),
        ],
        codes,
        glyphs: used.clone(),
    })
}

/// The six-letter subset tag (ISO 32000-1 §9.6.4): derived from the font name and the glyph
/// set, so equal subsets get equal tags and the output stays deterministic.
fn subset_tag(postscript_name: &str, gids: &[u16]) -> String {
    let mut hash = Sha256::new();
    hash.update(postscript_name.as_bytes());
    for gid in gids {
        hash.update(gid.to_be_bytes());
    }
    hash.finalize()
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

/// The `/ToUnicode` CMap (ISO 32000-1 §9.10.3): each character code to the UTF-16BE of the
/// character it was made from. When two characters share a glyph, the first one wins.
fn to_unicode_cmap(used: &BTreeMap<char, Glyph>, codes: &BTreeMap<u16, u16>) -> String {
    let mut by_code: BTreeMap<u16, char> = BTreeMap::new();
    for (ch, glyph) in used {
        if let Some(code) = codes.get(&glyph.gid) {
            by_code.entry(*code).or_insert(*ch);
        }
    }
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(u16, char)> = by_code.into_iter().collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
        for (code, ch) in chunk {
            let _ = write!(cmap, "<{code:04X}> <");
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                let _ = write!(cmap, "{unit:04X}");
            }
            cmap.push_str(">\n");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_tags_are_six_capitals_and_stable() {
        let tag = subset_tag("DejaVuSans", &[3, 4, 5]);
        assert_eq!(tag.len(), 6);
        assert!(tag.chars().all(|c| c.is_ascii_uppercase()));
        assert_eq!(tag, subset_tag("DejaVuSans", &[3, 4, 5]));
        assert_ne!(tag, subset_tag("DejaVuSans", &[3, 4, 6]));
    }

    #[test]
    fn to_unicode_maps_codes_to_utf16() {
        let used = BTreeMap::from([
            (
                'Ә',
                Glyph {
                    gid: 700,
                    width: 600,
                },
            ),
            (
                'a',
                Glyph {
                    gid: 68,
                    width: 500,
                },
            ),
            (
                '😀',
                Glyph {
                    gid: 900,
                    width: 1000,
                },
            ),
        ]);
        let codes = BTreeMap::from([(68, 1), (700, 2), (900, 3)]);
        let cmap = to_unicode_cmap(&used, &codes);
        assert!(cmap.contains("3 beginbfchar\n<0001> <0061>\n<0002> <04D8>\n<0003> <D83DDE00>\n"));
    }

    #[test]
    fn missing_font_names_the_package() {
        let err = FontFile::load("/nonexistent/DejaVuSans.ttf")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("fonts-dejavu-core"), "{err}");
    }

    #[test]
    fn garbage_is_not_a_font() {
        let err = FontFile::from_bytes(b"not a font at all".to_vec(), "garbage");
        assert!(matches!(err, Err(AppearanceError::FontInvalid { .. })));
    }
}
