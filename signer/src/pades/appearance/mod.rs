//! The visible appearance of a PAdES signature: the normal appearance (`/AP /N`) of the
//! signature widget, as a form XObject (ISO 32000-1 §8.10) with its resources.
//!
//! [`build`] takes a box size, text lines (name, role, IIN, time, …) and optional handwriting
//! from a signature tablet, and returns [`AppearanceObjects`]: the form XObject and the objects
//! its resources refer to, numbered with *local* ids that the caller replaces with real ones.
//!
//! # Layout (form space, origin bottom left, units of points)
//!
//! ```text
//! ┌──────────────────────────────┐  a padding of 5 % of the shorter side (1..4 pt) all round
//! │        ~~ handwriting ~~     │  the handwriting: everything above the text, scaled to its
//! │                              │  ink's bounding box, centred, aspect ratio kept
//! │ Әбілқасым Ұлықбек Ғабитұлы   │  the text: left-aligned, at most 55 % of the inner height,
//! │ тергеуші                     │  black, the largest size from 12 pt down to 4 pt (quarter
//! │ ЖСН 900101300123             │  points) at which all lines fit, long lines word-wrapped
//! └──────────────────────────────┘
//! ```
//!
//! Without handwriting the text starts at the top of the box; without text the handwriting
//! fills it. The handwriting is rendered at [`DPI`] for its box and embedded as an RGB image
//! with a soft mask, so the page shows through where there is no ink.
//!
//! Text is drawn with a subset of the given TrueType font (DejaVu Sans by default, see
//! [`FontFile::DEJAVU_SANS`]) embedded as a Type 0 font with Identity-H encoding and a
//! `/ToUnicode` CMap, so Kazakh and Russian text renders, extracts and searches correctly.
//! Each character is one glyph: there is no shaping or kerning (none is needed for Cyrillic),
//! and white space runs collapse to one space. Each drawn line is also marked with its
//! `/ActualText`, so text extraction returns it exactly, spaces included.
//!
//! # Integration
//!
//! The form's `/Resources` name the font `/F1` and the image `/Im1`, as references to the
//! local ids `(1, 0)`, `(2, 0)`, … of [`AppearanceObjects::others`]. Local ids are **not**
//! valid in any document: call [`AppearanceObjects::into_objects`] with the document's id
//! allocator, write every returned object, and put the returned form id into the widget
//! annotation as `/AP << /N form_id 0 R >>`. Nothing else is needed in the document's
//! resources: the form carries its own.
//!
//! The output is deterministic: equal input gives equal objects (the subset tag is a hash of
//! the glyph set; nothing depends on time or randomness).

mod error;
mod font;
mod pdf;
mod pen;
mod text;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use lopdf::{Dictionary, Object, ObjectId, Stream};

pub use error::{AppearanceError, PenDataError};
pub use font::FontFile;
pub use pen::{INK, MAX_POINTS, MAX_STROKES, PenData, PenPoint};

use pdf::{LocalIds, flate_stream, name, num, real, renumber_dictionary, renumber_object};
use text::VerticalMetrics;

/// Resolution the handwriting is rendered at, in dots per inch of its box on paper.
pub const DPI: f32 = 300.0;
/// The smallest accepted side of the box, in points.
pub const MIN_SIDE: f32 = 10.0;
/// The largest accepted side of the box, in points (about 21 cm).
pub const MAX_SIDE: f32 = 600.0;
/// At most this many text lines.
pub const MAX_LINES: usize = 16;
/// At most this many characters in one text line.
pub const MAX_LINE_CHARS: usize = 200;
/// Resource name of the font in the form's `/Resources /Font`.
pub const FONT_RESOURCE: &str = "F1";
/// Resource name of the handwriting image in the form's `/Resources /XObject`.
pub const IMAGE_RESOURCE: &str = "Im1";

/// Share of the inner height that the text may take when there is handwriting above it.
const TEXT_SHARE: f32 = 0.55;

/// What the appearance shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AppearanceSpec {
    /// Width of the widget's rectangle, in points.
    pub width: f32,
    /// Height of the widget's rectangle, in points.
    pub height: f32,
    /// Text lines, top to bottom: e.g. name, role, IIN, signing time. Empty strings give
    /// empty lines; control characters (line breaks too) are refused.
    pub lines: Vec<String>,
    /// Handwriting from a signature tablet, drawn above the text.
    pub handwriting: Option<PenData>,
}

/// A rectangle in form space (points, origin bottom left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f32,
    /// Bottom edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// Where things ended up, for logs and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Font size of the text, if there is text.
    pub font_size: Option<f32>,
    /// The lines as drawn, after wrapping and white-space collapsing.
    pub lines: Vec<String>,
    /// Where the handwriting image is drawn, if there is handwriting.
    pub handwriting: Option<Rect>,
    /// Pixel size of the handwriting raster (width, height).
    pub raster: Option<(u32, u32)>,
}

/// The objects of one appearance, numbered with local ids.
#[derive(Debug, Clone)]
pub struct AppearanceObjects {
    /// The form XObject (`/BBox [0 0 width height]`). Its `/Resources` refer to objects of
    /// [`others`](Self::others) by their local ids.
    pub form: Stream,
    /// The font and image objects, with local ids `(1, 0)`, `(2, 0)`, … in this order. They
    /// refer to each other by these ids.
    pub others: Vec<(ObjectId, Object)>,
    /// Where text and handwriting were placed.
    pub layout: Layout,
}

impl AppearanceObjects {
    /// Gives every object of [`others`](Self::others) the id that `alloc` returns (called
    /// once per object, in order) and rewrites all references, the form's included.
    pub fn renumber(mut self, mut alloc: impl FnMut() -> ObjectId) -> Self {
        let map: HashMap<ObjectId, ObjectId> =
            self.others.iter().map(|(id, _)| (*id, alloc())).collect();
        for (id, object) in &mut self.others {
            if let Some(new) = map.get(id) {
                *id = *new;
            }
            renumber_object(object, &map);
        }
        renumber_dictionary(&mut self.form.dict, &map);
        self
    }

    /// Renumbers with ids from `alloc` (the form's first, then one per object of
    /// [`others`](Self::others)) and returns the form's id, for `/AP /N`, with all objects
    /// to write, the form first.
    pub fn into_objects(
        self,
        mut alloc: impl FnMut() -> ObjectId,
    ) -> (ObjectId, Vec<(ObjectId, Object)>) {
        let form_id = alloc();
        let renumbered = self.renumber(alloc);
        let mut objects = Vec::with_capacity(renumbered.others.len() + 1);
        objects.push((form_id, Object::Stream(renumbered.form)));
        objects.extend(renumbered.others);
        (form_id, objects)
    }
}

/// Builds the appearance for `spec`, with text in `font`.
///
/// # Errors
/// [`AppearanceError::InvalidBox`], [`AppearanceError::Empty`],
/// [`AppearanceError::TextTooLong`], [`AppearanceError::ControlCharacter`],
/// [`AppearanceError::MissingGlyph`], [`AppearanceError::TextDoesNotFit`],
/// [`AppearanceError::PenData`]; [`AppearanceError::Subset`] and
/// [`AppearanceError::Compression`] only on internal failures.
pub fn build(spec: &AppearanceSpec, font: &FontFile) -> Result<AppearanceObjects, AppearanceError> {
    validate_spec(spec)?;
    if let Some(pen) = &spec.handwriting {
        pen.validate()?;
    }
    let has_text = spec.lines.iter().any(|l| !l.trim().is_empty());
    if !has_text && spec.handwriting.is_none() {
        return Err(AppearanceError::Empty);
    }

    let padding = (spec.width.min(spec.height) * 0.05).clamp(1.0, 4.0);
    let inner = Rect {
        x: padding,
        y: padding,
        width: spec.width - 2.0 * padding,
        height: spec.height - 2.0 * padding,
    };
    let gap = padding / 2.0;

    let face = font.face()?;
    let upem = f32::from(face.units_per_em());
    let metrics = VerticalMetrics {
        ascent: f32::from(face.ascender()) / upem,
        descent: -f32::from(face.descender()) / upem,
    };

    // Text first: it takes the height it needs, up to its share; the handwriting the rest.
    let mut ids = LocalIds::default();
    let mut others = Vec::new();
    let mut resources = Dictionary::new();
    let mut content = String::new();
    let mut layout = Layout {
        font_size: None,
        lines: Vec::new(),
        handwriting: None,
        raster: None,
    };
    let mut text_height = 0.0;
    let mut text_ops = String::new();
    if has_text {
        let glyphs = font::glyphs_for(&face, &spec.lines)?;
        let measure = |s: &str| -> f32 {
            s.chars()
                .map(|c| glyphs.get(&c).map_or(0.0, |g| f32::from(g.width)))
                .sum()
        };
        let available = if spec.handwriting.is_some() {
            inner.height * TEXT_SHARE - gap
        } else {
            inner.height
        };
        let fitted = text::fit(&spec.lines, &measure, inner.width, available, metrics).ok_or(
            AppearanceError::TextDoesNotFit {
                width: inner.width,
                height: available,
                min_size: text::MIN_FONT_SIZE,
            },
        )?;
        text_height = fitted.height(metrics);

        // Subset exactly the glyphs drawn.
        let drawn: BTreeMap<char, font::Glyph> = fitted
            .lines
            .iter()
            .flat_map(|l| l.chars())
            .filter_map(|c| glyphs.get(&c).map(|g| (c, *g)))
            .collect();
        let embedded = font::embed(font, &face, &drawn, &mut ids)?;
        let mut fonts = Dictionary::new();
        fonts.set(FONT_RESOURCE, Object::Reference(embedded.font_id));
        resources.set("Font", Object::Dictionary(fonts));

        let top = if spec.handwriting.is_some() {
            inner.y + text_height
        } else {
            inner.y + inner.height
        };
        let first_baseline = top - fitted.size * metrics.ascent;
        let _ = writeln!(
            text_ops,
            "BT\n/{FONT_RESOURCE} {} Tf\n0 g\n{} {} Td",
            num(fitted.size),
            num(inner.x),
            num(first_baseline)
        );
        for (i, line) in fitted.lines.iter().enumerate() {
            if i > 0 {
                let _ = writeln!(text_ops, "0 {} Td", num(-fitted.size * text::LEADING));
            }
            if !line.is_empty() {
                let _ = writeln!(
                    text_ops,
                    "/Span << /ActualText {} >> BDC\n{} Tj\nEMC",
                    actual_text(line),
                    embedded.hex_string(line)
                );
            }
        }
        text_ops.push_str("ET\n");
        others.extend(embedded.objects);
        layout.font_size = Some(fitted.size);
        layout.lines = fitted.lines;
    }

    if let Some(pen) = &spec.handwriting {
        let rect = if has_text {
            let bottom = inner.y + text_height + gap;
            Rect {
                y: bottom,
                height: inner.y + inner.height - bottom,
                ..inner
            }
        } else {
            inner
        };
        let px = |pt: f32| ((pt * DPI / 72.0).ceil() as u32).max(1);
        let (width_px, height_px) = (px(rect.width), px(rect.height));
        let pen_width_pt = (rect.height * 0.06).clamp(0.6, 2.0);
        let raster = pen.render(width_px, height_px, pen_width_pt * DPI / 72.0)?;
        let (image_id, objects) = pen::image_objects(&raster, &mut ids)?;
        others.extend(objects);
        let mut xobjects = Dictionary::new();
        xobjects.set(IMAGE_RESOURCE, Object::Reference(image_id));
        resources.set("XObject", Object::Dictionary(xobjects));
        let _ = writeln!(
            content,
            "q\n{} 0 0 {} {} {} cm\n/{IMAGE_RESOURCE} Do\nQ",
            num(rect.width),
            num(rect.height),
            num(rect.x),
            num(rect.y)
        );
        layout.handwriting = Some(rect);
        layout.raster = Some((width_px, height_px));
    }
    content.push_str(&text_ops);

    let form_dict = Dictionary::from_iter(vec![
        ("Type", name("XObject")),
        ("Subtype", name("Form")),
        ("FormType", Object::Integer(1)),
        (
            "BBox",
            Object::Array(vec![
                Object::Integer(0),
                Object::Integer(0),
                real(spec.width),
                real(spec.height),
            ]),
        ),
        ("Resources", Object::Dictionary(resources)),
    ]);
    Ok(AppearanceObjects {
        form: flate_stream(form_dict, content.as_bytes())?,
        others,
        layout,
    })
}

/// A line as a `/ActualText` value (ISO 32000-1 §14.9.4): a hexadecimal UTF-16BE text string
/// with its byte order mark. Extractors then return the line exactly as given, instead of
/// guessing word breaks from glyph gaps (poppler, for one, drops the spaces of evenly spaced
/// single letters such as "ә ғ қ").
fn actual_text(line: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in line.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

/// Checks the box size and the text limits.
fn validate_spec(spec: &AppearanceSpec) -> Result<(), AppearanceError> {
    let side_ok = |v: f32| v.is_finite() && (MIN_SIDE..=MAX_SIDE).contains(&v);
    if !side_ok(spec.width) || !side_ok(spec.height) {
        return Err(AppearanceError::InvalidBox {
            width: spec.width,
            height: spec.height,
            min: MIN_SIDE,
            max: MAX_SIDE,
        });
    }
    if spec.lines.len() > MAX_LINES {
        return Err(AppearanceError::TextTooLong {
            what: "the number of lines".to_owned(),
            actual: spec.lines.len(),
            max: MAX_LINES,
        });
    }
    for (line, text) in spec.lines.iter().enumerate() {
        let chars = text.chars().count();
        if chars > MAX_LINE_CHARS {
            return Err(AppearanceError::TextTooLong {
                what: format!("the number of characters in line {line}"),
                actual: chars,
                max: MAX_LINE_CHARS,
            });
        }
        if let Some(ch) = text.chars().find(|c| c.is_control()) {
            return Err(AppearanceError::ControlCharacter { ch, line });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
