//! `dalel sign pdf FILE ...`: a PAdES signature (visible or not) added to a PDF as an
//! incremental update, at B-B to B-LTA. Argument handling over `signer::pades`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use archive::Archive;
use clap::Args;
use signer::cades::LevelServices;
use signer::keys::SignatureKey;
use signer::keys::piv::PIV_PREFIX;
use signer::pades::appearance::{FontFile, PenData};
use signer::pades::{
    Certification, PadesLevel, PdfSignRequest, Placement, load_capture, sign_pdf_file,
};
use signer::station::Station;

#[derive(Debug, Args)]
pub(crate) struct PdfArgs {
    /// The PDF to sign (it is not changed; the signed copy goes to -o).
    file: PathBuf,
    /// B-B, B-T (signature time-stamp), B-LT (plus a DSS with the validation data),
    /// B-LTA (plus a document time-stamp).
    #[arg(long, default_value = "B-B", value_name = "LEVEL", value_parser = parse_level)]
    level: PadesLevel,
    /// Which configured key signs, or a token key `piv:<reader>/<slot>` (PIN from the
    /// terminal, or standard input when that is not a terminal) [default: [signing]
    /// default_key]
    #[arg(long, value_name = "NAME")]
    key: Option<String>,
    /// Page of a new visible signature field (from 1), with --rect.
    #[arg(long, requires = "rect")]
    page: Option<usize>,
    /// Rectangle of the new field: x1,y1,x2,y2 in points from the page's bottom left.
    #[arg(long, value_parser = parse_rect, requires = "page")]
    rect: Option<[f32; 4]>,
    /// Sign this existing, empty signature field.
    #[arg(long, conflicts_with_all = ["page", "next_free"])]
    field: Option<String>,
    /// Sign the next empty signature box of the document.
    #[arg(long, conflicts_with = "page")]
    next_free: bool,
    /// A line of text in the appearance (name, role, IIN, ...); repeatable.
    #[arg(long = "line", value_name = "TEXT")]
    lines: Vec<String>,
    /// The handwritten signature: pen data from the tablet (JSON: width, height, strokes
    /// of {x, y, pressure}).
    #[arg(long, value_name = "FILE")]
    handwriting: Option<PathBuf>,
    /// The handwritten signature from pen data archived with `--kind handwriting`: its
    /// archive index, BLAKE3 or SHA-256 (read back and re-hashed).
    #[arg(long, value_name = "REF", conflicts_with = "handwriting")]
    capture: Option<String>,
    /// Certify the document (first signature only): 1 no changes, 2 form filling and
    /// signing, 3 also annotations.
    #[arg(long, value_name = "P", value_parser = clap::value_parser!(u8).range(1..=3))]
    certify: Option<u8>,
    /// /Reason of the signature.
    #[arg(long)]
    reason: Option<String>,
    /// /Location of the signature.
    #[arg(long)]
    location: Option<String>,
    /// Name of a new field [default: Signature<N>].
    #[arg(long, value_name = "NAME")]
    field_name: Option<String>,
    /// Output file [default: FILE.signed.pdf]; never overwritten.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

fn parse_level(s: &str) -> Result<PadesLevel, String> {
    s.parse()
}

/// `x1,y1,x2,y2`.
pub(crate) fn parse_rect(s: &str) -> Result<[f32; 4], String> {
    let values: Vec<f32> = s
        .split(',')
        .map(|v| v.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("{s:?} is not x1,y1,x2,y2"))?;
    <[f32; 4]>::try_from(values).map_err(|_| format!("{s:?} is not four numbers x1,y1,x2,y2"))
}

/// Runs `dalel sign pdf`.
pub(crate) fn run(data: &Path, station: &Station, args: PdfArgs) -> anyhow::Result<()> {
    let name = args.key.as_deref().unwrap_or(&station.default_key);
    let key: Arc<dyn SignatureKey> = if name.starts_with(PIV_PREFIX) {
        Arc::new(crate::token_key::open_piv_key(name)?)
    } else if let Some(key) = station.keys.get(name) {
        Arc::clone(key)
    } else {
        bail!("no key `{name}`");
    };
    let placement = match (&args.field, args.next_free, args.page, args.rect) {
        (Some(field), _, _, _) => Placement::Field(field.clone()),
        (None, true, _, _) => Placement::NextFree,
        (None, false, Some(page), Some(rect)) => Placement::Rect { page, rect },
        _ => Placement::Invisible,
    };
    let handwriting = match (&args.handwriting, &args.capture) {
        (Some(path), _) => {
            let text =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let pen: PenData = serde_json::from_slice(&text)
                .with_context(|| format!("{} is not pen data", path.display()))?;
            Some(pen)
        }
        (None, Some(reference)) => {
            let archive = Archive::open_with(&data.join("archive"), None)?;
            Some(load_capture(&archive, reference)?)
        }
        (None, None) => None,
    };
    let request = PdfSignRequest {
        level: args.level,
        placement,
        field_name: args.field_name,
        lines: args.lines,
        handwriting,
        certify: args.certify.map(|p| match p {
            1 => Certification::NoChanges,
            3 => Certification::Annotations,
            _ => Certification::FormFillingAndSigning,
        }),
        reason: args.reason,
        location: args.location,
        signing_time: SystemTime::now(),
    };
    let visible = !request.lines.is_empty() || request.handwriting.is_some();
    let font = visible
        .then(|| FontFile::load(FontFile::DEJAVU_SANS))
        .transpose()?;
    let extra = station.tsa_issuers();
    let services = LevelServices {
        timestamper: station.timestamper.as_deref(),
        revocation: Some(station.revocation.as_ref()),
        extra_certificates: &extra,
    };
    let output = args.output.unwrap_or_else(|| {
        let mut name = args.file.as_os_str().to_owned();
        name.push(".signed.pdf");
        PathBuf::from(name)
    });
    let signed = sign_pdf_file(
        &args.file,
        &output,
        true,
        &request,
        key.as_ref(),
        &services,
        font.as_ref(),
    )?;
    let bytes = std::fs::metadata(&output)
        .map(|m| m.len())
        .unwrap_or_default();
    println!(
        "{}",
        serde_json::json!({
            "output": output,
            "key": name,
            "level": request.level.to_string(),
            "field": signed.field,
            "byte_range": signed.byte_range,
            "bytes": bytes,
        })
    );
    Ok(())
}
