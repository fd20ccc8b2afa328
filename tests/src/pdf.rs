//! Small PDFs for signing tests, written byte by byte: one A4 page with a line of text,
//! optionally with empty signature boxes, and a classic cross-reference table.

/// A one-page PDF (A4) with a line of text and a classic cross-reference table.
pub fn minimal_pdf() -> Vec<u8> {
    pdf_with_boxes(0)
}

/// As [`minimal_pdf`], with `boxes` empty signature fields along the bottom of the page
/// (a protocol's boxes for its investigator, participant, interpreter, ...).
pub fn pdf_with_boxes(boxes: usize) -> Vec<u8> {
    let content = b"BT /F1 24 Tf 72 720 Td (Protocol of interrogation) Tj ET";
    let first_box = 6;
    let box_refs: Vec<String> = (0..boxes)
        .map(|i| format!("{} 0 R", first_box + i))
        .collect();
    let catalog = if boxes == 0 {
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned()
    } else {
        format!(
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{}] >> >>",
            box_refs.join(" ")
        )
    };
    let annots = if boxes == 0 {
        String::new()
    } else {
        format!(" /Annots [{}]", box_refs.join(" "))
    };
    let mut objects: Vec<Vec<u8>> = vec![
        catalog.into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.2756 841.8898] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >>{annots} >>").into_bytes(),
        [format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(), content, b"\nendstream"].concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    for i in 0..boxes {
        let x = 40.0 + 180.0 * i as f32;
        objects.push(
            format!(
                "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Box{}) /Rect [{x} 60 {} 140] /F 4 /P 3 0 R >>",
                i + 1,
                x + 170.0
            )
            .into_bytes(),
        );
    }
    assemble(&objects)
}

/// A PDF of `pages` pages of `page_bytes` bytes of content stream each (lines of text), for
/// speed measurements: `pages × page_bytes` bytes of page content in all.
pub fn large_pdf(pages: usize, page_bytes: usize) -> Vec<u8> {
    // 1 catalog, 2 pages, 3 font, then per page: the page and its content stream.
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let line =
        b"BT /F1 10 Tf 40 800 Td (Protocol text, line of a long interrogation record.) Tj ET\n";
    for i in 0..pages {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R /Resources << /Font << /F1 3 0 R >> >> >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        let mut content = Vec::with_capacity(page_bytes + line.len());
        while content.len() < page_bytes {
            content.extend_from_slice(line);
        }
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(&content);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    assemble(&objects)
}

/// A file of `objects` numbered from 1 (the first is the catalog), with its cross-reference
/// table and trailer.
fn assemble(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /ID [<0123456789ABCDEF0123456789ABCDEF><0123456789ABCDEF0123456789ABCDEF>] >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
