//! Unit tests of the appearance builder (the PDF-level checks against poppler are in
//! `signer/tests/pades_appearance.rs`).

use super::*;

fn dejavu() -> FontFile {
    FontFile::load(FontFile::DEJAVU_SANS).unwrap()
}

fn spec(lines: &[&str]) -> AppearanceSpec {
    AppearanceSpec {
        width: 200.0,
        height: 80.0,
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        handwriting: None,
    }
}

fn pen() -> PenData {
    let stroke = (0..50)
        .map(|i| PenPoint {
            x: 10.0 + i as f32 * 10.0,
            y: 100.0 + (i as f32 / 4.0).sin() * 40.0,
            pressure: 0.3 + (i % 5) as f32 / 10.0,
        })
        .collect();
    PenData {
        width: 640,
        height: 200,
        strokes: vec![stroke],
    }
}

fn dict(object: &Object) -> &Dictionary {
    match object {
        Object::Dictionary(d) => d,
        Object::Stream(s) => &s.dict,
        other => panic!("not a dictionary: {other:?}"),
    }
}

#[test]
fn output_is_deterministic() {
    let font = dejavu();
    let mut s = spec(&["Әбілқасым Ұлықбек Ғабитұлы", "тергеуші"]);
    s.handwriting = Some(pen());
    let a = build(&s, &font).unwrap();
    let b = build(&s, &font).unwrap();
    assert_eq!(a.form, b.form);
    assert_eq!(a.others, b.others);
    assert_eq!(a.layout, b.layout);
}

#[test]
fn font_objects_have_the_required_entries() {
    let font = dejavu();
    let out = build(&spec(&["ЖСН 900101300123"]), &font).unwrap();
    assert_eq!(out.others.len(), 5);
    let ids: Vec<ObjectId> = out.others.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [(1, 0), (2, 0), (3, 0), (4, 0), (5, 0)]);

    let type0 = dict(&out.others[0].1);
    assert_eq!(type0.get(b"Subtype").unwrap(), &name("Type0"));
    assert_eq!(type0.get(b"Encoding").unwrap(), &name("Identity-H"));
    assert_eq!(type0.get(b"ToUnicode").unwrap(), &Object::Reference((5, 0)));
    let base = type0.get(b"BaseFont").unwrap().as_name().unwrap();
    assert_eq!(&base[6..], b"+DejaVuSans");
    assert!(base[..6].iter().all(u8::is_ascii_uppercase));

    let cid = dict(&out.others[1].1);
    assert_eq!(cid.get(b"Subtype").unwrap(), &name("CIDFontType2"));
    assert_eq!(cid.get(b"CIDToGIDMap").unwrap(), &name("Identity"));
    // /W [0 [notdef Ж С Н space 0 1 2 3 9]]: .notdef and the 9 distinct characters.
    let w = cid.get(b"W").unwrap().as_array().unwrap();
    assert_eq!(w[1].as_array().unwrap().len(), 10);

    let descriptor = dict(&out.others[2].1);
    assert_eq!(
        descriptor.get(b"FontFile2").unwrap(),
        &Object::Reference((4, 0))
    );
    let Object::Stream(program) = &out.others[3].1 else {
        panic!("FontFile2 is not a stream");
    };
    let plain = program.decompressed_content().unwrap();
    assert_eq!(
        program.dict.get(b"Length1").unwrap(),
        &Object::Integer(plain.len() as i64)
    );
    assert!(
        plain.len() < font.len() / 10,
        "subset is {} bytes",
        plain.len()
    );
}

#[test]
fn content_draws_each_line_with_its_codes() {
    let font = dejavu();
    let out = build(&spec(&["аб", "ба"]), &font).unwrap();
    let content = String::from_utf8(out.form.decompressed_content().unwrap()).unwrap();
    // Codes are the subset's glyph ids in original order: а then б.
    assert!(content.contains("<00010002> Tj"), "{content}");
    assert!(content.contains("<00020001> Tj"), "{content}");
    assert!(content.contains("/F1 12 Tf"), "{content}");
    assert!(!content.contains("Do"), "no image without handwriting");
}

#[test]
fn renumbering_replaces_every_local_id() {
    let font = dejavu();
    let mut s = spec(&["Қ"]);
    s.handwriting = Some(pen());
    let out = build(&s, &font).unwrap();
    assert_eq!(out.others.len(), 7);
    let mut next = 100;
    let (form_id, objects) = out.into_objects(|| {
        next += 1;
        (next, 0)
    });
    assert_eq!(form_id, (101, 0));
    let ids: Vec<ObjectId> = objects.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, (101..=108).map(|n| (n, 0)).collect::<Vec<_>>());
    // Every reference now points at one of the new objects.
    let mut bytes = Vec::new();
    for (_, object) in &objects {
        lopdf::Writer::write_object(&mut bytes, object).unwrap();
    }
    let text = String::from_utf8_lossy(&bytes);
    for n in 1..=7 {
        assert!(
            !text.contains(&format!(" {n} 0 R")),
            "local id {n} left in {text}"
        );
    }
    let resources = dict(&objects[0].1)
        .get(b"Resources")
        .unwrap()
        .as_dict()
        .unwrap();
    let image = resources
        .get(b"XObject")
        .unwrap()
        .as_dict()
        .unwrap()
        .get(b"Im1")
        .unwrap();
    assert_eq!(image, &Object::Reference((107, 0)));
    let smask = dict(&objects[6].1).get(b"SMask").unwrap();
    assert_eq!(smask, &Object::Reference((108, 0)));
}

#[test]
fn handwriting_sits_above_the_text_at_300_dpi() {
    let font = dejavu();
    let mut s = spec(&["Әбілқасым Ұлықбек Ғабитұлы", "тергеуші", "ЖСН 900101300123"]);
    s.handwriting = Some(pen());
    let out = build(&s, &font).unwrap();
    let rect = out.layout.handwriting.unwrap();
    let (w, h) = out.layout.raster.unwrap();
    assert!(w as f32 >= rect.width / 72.0 * 300.0 && h as f32 >= rect.height / 72.0 * 300.0);
    assert!(rect.y > 20.0 && rect.y + rect.height <= 80.0, "{rect:?}");
    assert_eq!(out.layout.lines.len(), 3);

    // Handwriting alone fills the inner box.
    let alone = AppearanceSpec {
        lines: vec![],
        handwriting: Some(pen()),
        ..spec(&[])
    };
    let out = build(&alone, &font).unwrap();
    assert_eq!(out.others.len(), 2);
    assert_eq!(out.layout.font_size, None);
    assert!(out.layout.handwriting.unwrap().height > 70.0);
}

#[test]
fn long_lines_wrap_and_shrink() {
    let font = dejavu();
    let long = "Қазақстан Республикасы Бас прокуратурасының құқықтық статистика және арнайы есепке алу жөніндегі комитеті";
    let out = build(&spec(&[long, "тергеуші"]), &font).unwrap();
    assert!(out.layout.lines.len() > 2, "{:?}", out.layout.lines);
    assert_eq!(out.layout.lines.join(" "), format!("{long} тергеуші"));
    assert!(out.layout.font_size.unwrap() < 12.0);
}

#[test]
fn refuses_what_it_cannot_show() {
    let font = dejavu();
    let err = |s: &AppearanceSpec| {
        build(s, &font)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };

    assert!(matches!(
        build(&spec(&["a\nb"]), &font),
        Err(AppearanceError::ControlCharacter { ch: '\n', line: 0 })
    ));
    // CJK is not in DejaVu Sans.
    assert!(matches!(
        build(&spec(&["ok", "中"]), &font),
        Err(AppearanceError::MissingGlyph { ch: '中', line: 1 })
    ));
    assert!(matches!(
        build(&spec(&["", " "]), &font),
        Err(AppearanceError::Empty)
    ));
    let mut tiny = spec(&["x"]);
    tiny.width = 5.0;
    assert!(err(&tiny).contains("between 10 and 600 pt"));
    tiny.width = f32::NAN;
    assert!(matches!(
        build(&tiny, &font),
        Err(AppearanceError::InvalidBox { .. })
    ));
    let crowded = spec(&["Әбілқасым Ұлықбек Ғабитұлы"; 16]);
    assert!(matches!(
        build(&crowded, &font),
        Err(AppearanceError::TextDoesNotFit { .. })
    ));
    assert!(matches!(
        build(&spec(&["x"; 17]), &font),
        Err(AppearanceError::TextTooLong { .. })
    ));
    let mut bad_pen = spec(&["x"]);
    let mut data = pen();
    data.strokes[0][3].x = f32::INFINITY;
    bad_pen.handwriting = Some(data);
    assert!(
        err(&bad_pen).contains("stroke 0 point 3: coordinate or pressure is not a finite number")
    );
}
