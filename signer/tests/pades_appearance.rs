//! The visible signature appearance against real PDF tools: each test wraps an appearance in a
//! one-page PDF (the page draws it with `/Sig Do`) and checks what poppler makes of it —
//! `pdftotext` extracts the Kazakh and Russian lines, `pdffonts` sees an embedded Identity-H
//! subset with a ToUnicode map, `pdftoppm` draws the handwriting where it belongs over a white
//! page — and that `qpdf --check` finds the file sound.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use image::imageops::FilterType;
use image::{Rgb, RgbImage};
use lopdf::{Dictionary, Document, Object, Stream};
use signer::pades::appearance::{
    self, AppearanceError, AppearanceObjects, AppearanceSpec, FontFile, INK, PenData, PenDataError,
    PenPoint,
};

const PAGE_W: f32 = 400.0;
const PAGE_H: f32 = 300.0;
/// Where the page puts the appearance's lower left corner.
const AT: (f32, f32) = (60.0, 50.0);

const NAME: &str = "Әбілқасым Ұлықбек Ғабитұлы";
const ROLE: &str = "тергеуші";
const IIN: &str = "ЖСН 900101300123";
const LETTERS: &str = "ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І";
const RUSSIAN: &str = "Следователь: Иванов Пётр Сергеевич";

fn font() -> FontFile {
    FontFile::load(FontFile::DEJAVU_SANS).unwrap()
}

/// A cross: a horizontal stroke through the middle of the ink box and a vertical one through
/// its centre, so the ink's centre lands in the centre of the handwriting area.
fn cross() -> PenData {
    let line = |from: (f32, f32), to: (f32, f32)| -> Vec<PenPoint> {
        (0..=40)
            .map(|i| {
                let t = i as f32 / 40.0;
                PenPoint {
                    x: from.0 + (to.0 - from.0) * t,
                    y: from.1 + (to.1 - from.1) * t,
                    pressure: 0.8,
                }
            })
            .collect()
    };
    PenData {
        width: 640,
        height: 200,
        strokes: vec![
            line((50.0, 100.0), (590.0, 100.0)),
            line((320.0, 20.0), (320.0, 180.0)),
        ],
    }
}

fn spec(lines: &[&str], handwriting: Option<PenData>) -> AppearanceSpec {
    AppearanceSpec {
        width: 280.0,
        height: 140.0,
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        handwriting,
    }
}

/// A one-page PDF whose page draws the appearance at [`AT`], written with lopdf.
fn one_page_pdf(appearance: AppearanceObjects) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let (form_id, objects) = appearance.into_objects(|| doc.new_object_id());
    doc.objects.extend(objects);

    let content = format!("q 1 0 0 1 {} {} cm /Sig Do Q\n", AT.0, AT.1);
    let content_id = doc.add_object(Stream::new(Dictionary::new(), content.into_bytes()));
    let mut xobjects = Dictionary::new();
    xobjects.set("Sig", Object::Reference(form_id));
    let mut resources = Dictionary::new();
    resources.set("XObject", Object::Dictionary(xobjects));
    let page_id = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Page".to_vec())),
        ("Parent", Object::Reference(pages_id)),
        (
            "MediaBox",
            Object::Array(vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()]),
        ),
        ("Resources", Object::Dictionary(resources)),
        ("Contents", Object::Reference(content_id)),
    ]));
    doc.objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Kids", Object::Array(vec![Object::Reference(page_id)])),
            ("Count", Object::Integer(1)),
        ])),
    );
    let catalog_id = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Catalog".to_vec())),
        ("Pages", Object::Reference(pages_id)),
    ]));
    doc.trailer.set("Root", Object::Reference(catalog_id));
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

/// Runs a poppler/qpdf tool on `pdf` (written into `dir`) and returns its standard output.
fn tool(dir: &Path, pdf: &[u8], program: &str, args: &[&str]) -> String {
    let path = dir.join("appearance.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(program)
        .args(args)
        .arg(&path)
        .args(if program == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{program} not runnable (scripts/setup installs it): {e}"));
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn kazakh_and_russian_text_extracts_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [NAME, ROLE, IIN, LETTERS, RUSSIAN];
    let appearance = appearance::build(&spec(&lines, None), &font()).unwrap();
    assert_eq!(
        appearance.layout.lines, lines,
        "no line should need wrapping"
    );
    let text = tool(dir.path(), &one_page_pdf(appearance), "pdftotext", &[]);
    for line in lines {
        assert!(text.contains(line), "{line:?} not in {text:?}");
    }
}

#[test]
fn the_to_unicode_map_alone_extracts_the_text() {
    // Without the /ActualText spans, extraction rests on /ToUnicode alone.
    let dir = tempfile::tempdir().unwrap();
    let lines = [NAME, ROLE, IIN, LETTERS, RUSSIAN];
    let mut appearance = appearance::build(&spec(&lines, None), &font()).unwrap();
    let content = String::from_utf8(appearance.form.decompressed_content().unwrap()).unwrap();
    assert_eq!(content.matches("/ActualText").count(), lines.len());
    let stripped: String = content
        .lines()
        .filter(|l| !l.starts_with("/Span") && *l != "EMC")
        .map(|l| format!("{l}\n"))
        .collect();
    appearance.form.set_plain_content(stripped.into_bytes());
    let text = tool(dir.path(), &one_page_pdf(appearance), "pdftotext", &[]);
    for line in [NAME, ROLE, IIN, RUSSIAN] {
        assert!(text.contains(line), "{line:?} not in {text:?}");
    }
    // poppler takes evenly spaced single letters for letter-spaced text and drops the spaces.
    let squeezed: String = text.split_whitespace().collect();
    assert!(squeezed.contains(&LETTERS.replace(' ', "")), "{text:?}");
}

#[test]
fn pdffonts_sees_an_embedded_identity_h_subset_with_to_unicode() {
    let dir = tempfile::tempdir().unwrap();
    let appearance = appearance::build(&spec(&[NAME, IIN], Some(cross())), &font()).unwrap();
    let listing = tool(dir.path(), &one_page_pdf(appearance), "pdffonts", &[]);
    // name type encoding emb sub uni object ID
    let rows: Vec<Vec<&str>> = listing
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 1, "{listing}");
    let row = &rows[0];
    let (name, rest) = row.split_first().unwrap();
    let (tag, base) = name.split_once('+').unwrap();
    assert_eq!(base, "DejaVuSans", "{listing}");
    assert!(
        tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
        "{listing}"
    );
    assert_eq!(
        &rest[..6],
        ["CID", "TrueType", "Identity-H", "yes", "yes", "yes"],
        "{listing}"
    );
}

#[test]
fn the_font_subset_is_small() {
    let font = font();
    let appearance =
        appearance::build(&spec(&[NAME, ROLE, IIN, LETTERS, RUSSIAN], None), &font).unwrap();
    let program = appearance
        .others
        .iter()
        .find_map(|(_, o)| match o {
            Object::Stream(s) if s.dict.has(b"Length1") => Some(s),
            _ => None,
        })
        .unwrap();
    let plain = program.decompressed_content().unwrap();
    let compressed = program.content.len();
    // DejaVu Sans is about 750 kB; ~50 glyphs of it should be a few tens of kB at most.
    assert!(
        plain.len() * 20 < font.len(),
        "subset {} bytes of {}",
        plain.len(),
        font.len()
    );
    assert!(compressed < plain.len());
    // The subset is itself a TrueType font with just .notdef and the glyphs used.
    let distinct = [NAME, ROLE, IIN, LETTERS, RUSSIAN]
        .concat()
        .chars()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    // .notdef, one glyph per character, and the components of composite glyphs (DejaVu
    // builds several Kazakh letters from others).
    let glyphs = glyph_count(&plain);
    assert!(
        glyphs > distinct && glyphs < 2 * distinct,
        "{glyphs} glyphs for {distinct} chars"
    );
}

/// The number of glyphs of a TrueType font, from its `maxp` table.
fn glyph_count(font: &[u8]) -> usize {
    let tables = u16::from_be_bytes([font[4], font[5]]) as usize;
    for i in 0..tables {
        let record = &font[12 + 16 * i..12 + 16 * (i + 1)];
        if &record[..4] == b"maxp" {
            let offset =
                u32::from_be_bytes([record[8], record[9], record[10], record[11]]) as usize;
            return u16::from_be_bytes([font[offset + 4], font[offset + 5]]) as usize;
        }
    }
    panic!("no maxp table");
}

#[test]
fn handwriting_renders_over_a_white_page_where_expected() {
    let dir = tempfile::tempdir().unwrap();
    let appearance = appearance::build(&spec(&[NAME, ROLE, IIN], Some(cross())), &font()).unwrap();
    let rect = appearance.layout.handwriting.unwrap();
    let expected = expected_raster(&appearance);
    let pdf = one_page_pdf(appearance);
    assert!(
        tool(dir.path(), &pdf, "qpdf", &["--check"])
            .contains("No syntax or stream encoding errors")
    );

    let prefix = dir.path().join("page");
    let path = dir.path().join("appearance.pdf");
    let status = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-singlefile"])
        .arg(&path)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let page = image::open(dir.path().join("page.png")).unwrap().to_rgb8();
    let scale = 150.0 / 72.0;
    assert_eq!(page.width(), (PAGE_W * scale).ceil() as u32);

    // The handwriting's area on the page, in pixels from the top left.
    let left = ((AT.0 + rect.x) * scale).round() as u32;
    let top = ((PAGE_H - AT.1 - rect.y - rect.height) * scale).round() as u32;
    let (w, h) = (
        (rect.width * scale).round() as u32,
        (rect.height * scale).round() as u32,
    );
    let crop = image::imageops::crop_imm(&page, left, top, w, h).to_image();
    let _ = crop.save(dir.path().join("crop.png"));

    let dark = |p: &Rgb<u8>| p.0.iter().map(|c| u32::from(*c)).sum::<u32>() < 3 * 128;
    let white = |p: &Rgb<u8>| p.0 == [255, 255, 255];
    // Ink at the centre of the cross and along its arms; white paper in the quadrants.
    assert!(dark(crop.get_pixel(w / 2, h / 2)));
    assert!(dark(crop.get_pixel(w / 5, h / 2)) && dark(crop.get_pixel(4 * w / 5, h / 2)));
    assert!(dark(crop.get_pixel(w / 2, h / 6)) && dark(crop.get_pixel(w / 2, 5 * h / 6)));
    for (x, y) in [
        (w / 4, h / 4),
        (3 * w / 4, h / 4),
        (w / 4, 3 * h / 4),
        (3 * w / 4, 3 * h / 4),
    ] {
        assert!(
            white(crop.get_pixel(x, y)),
            "paper at ({x}, {y}) is {:?}",
            crop.get_pixel(x, y)
        );
    }
    // The ink is the ink colour, not black from a missing soft mask.
    let centre = crop.get_pixel(w / 2, h / 2).0;
    for (got, want) in centre.iter().zip(INK) {
        assert!(got.abs_diff(want) <= 24, "centre {centre:?} vs ink {INK:?}");
    }
    // The whole crop matches the embedded raster composited over white and scaled down.
    let expected = image::imageops::resize(&expected, w, h, FilterType::Triangle);
    let diff: u64 = crop
        .pixels()
        .zip(expected.pixels())
        .map(|(a, b)| {
            a.0.iter()
                .zip(b.0)
                .map(|(x, y)| u64::from(x.abs_diff(y)))
                .sum::<u64>()
        })
        .sum();
    let mean = diff as f64 / f64::from(w * h * 3);
    assert!(mean < 6.0, "mean difference {mean} per channel");
    // Outside the appearance box the page is untouched.
    assert!(white(page.get_pixel(5, 5)));
}

/// The handwriting image of `appearance` (RGB with its SMask) composited over white.
fn expected_raster(appearance: &AppearanceObjects) -> RgbImage {
    let image = |subtype_space: &[u8]| {
        appearance
            .others
            .iter()
            .find_map(|(_, o)| match o {
                Object::Stream(s)
                    if s.dict.get(b"ColorSpace").ok()
                        == Some(&Object::Name(subtype_space.to_vec())) =>
                {
                    Some(s)
                }
                _ => None,
            })
            .unwrap()
    };
    let rgb = image(b"DeviceRGB");
    let alpha = image(b"DeviceGray").decompressed_content().unwrap();
    let width = rgb.dict.get(b"Width").unwrap().as_i64().unwrap() as u32;
    let height = rgb.dict.get(b"Height").unwrap().as_i64().unwrap() as u32;
    let colour = rgb.decompressed_content().unwrap();
    let mut out = RgbImage::new(width, height);
    for (i, pixel) in out.pixels_mut().enumerate() {
        let a = u32::from(alpha[i]);
        let blend = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        *pixel = Rgb([
            blend(colour[3 * i]),
            blend(colour[3 * i + 1]),
            blend(colour[3 * i + 2]),
        ]);
    }
    out
}

#[test]
fn bad_pen_data_is_refused_with_a_clear_error() {
    let font = font();
    let with = |pen: PenData| appearance::build(&spec(&[NAME], Some(pen)), &font);

    let mut nan = cross();
    nan.strokes[1][7].y = f32::NAN;
    let err = with(nan).unwrap_err();
    assert!(matches!(
        err,
        AppearanceError::PenData(PenDataError::NotFinite {
            stroke: 1,
            point: 7
        })
    ));
    assert_eq!(
        err.to_string(),
        "invalid pen data: stroke 1 point 7: coordinate or pressure is not a finite number"
    );

    let outside: PenData = serde_json::from_str(
        r#"{"width": 100, "height": 50, "strokes": [[{"x": 10, "y": 10, "pressure": 0.5},
            {"x": 120, "y": 10, "pressure": 0.5}]]}"#,
    )
    .unwrap();
    assert_eq!(
        with(outside).unwrap_err().to_string(),
        "invalid pen data: stroke 0 point 1: (120, 10) lies outside the tablet space 0..=100 x 0..=50"
    );

    let mut heavy = cross();
    heavy.strokes[0][0].pressure = 1.2;
    assert!(
        with(heavy)
            .unwrap_err()
            .to_string()
            .contains("pressure 1.2 is outside 0..=1")
    );

    let mut long = cross();
    long.strokes[0] = vec![long.strokes[0][0]; appearance::MAX_POINTS];
    assert_eq!(
        with(long).unwrap_err().to_string(),
        format!(
            "invalid pen data: {} points, at most {} allowed",
            appearance::MAX_POINTS + 41,
            appearance::MAX_POINTS
        )
    );

    // NaN cannot even be spelled in JSON; unknown fields are refused too.
    assert!(
        serde_json::from_str::<PenData>(
            r#"{"width": 1, "height": 1, "strokes": [[{"x": NaN, "y": 0, "pressure": 0}]]}"#
        )
        .is_err()
    );
}
