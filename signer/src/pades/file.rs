//! Signing a PDF file into a new file. For B-B and B-T the output is written while the
//! signed ranges are hashed (the two take about as long), then only the `/Contents` hex is
//! written into its place: the document is read once, hashed once and written once.

use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use super::PadesError;
use super::appearance::FontFile;
use super::request::{PadesLevel, PdfSignRequest};
use super::sign::{Signed, cms_level, lay_out, prepare_signature, sign_pdf};
use crate::cades::{self, LevelServices};
use crate::keys::SignatureKey;

/// Signs the PDF at `input` into the new file `output` (never overwritten: an existing one
/// is an error). The file appears complete or not at all: it is written under a temporary
/// name and linked into place; with `durable`, flushed to disk first.
///
/// # Errors
/// As [`sign_pdf`], and [`PadesError::Io`] for the files.
pub fn sign_pdf_file(
    input: &Path,
    output: &Path,
    durable: bool,
    request: &PdfSignRequest,
    key: &dyn SignatureKey,
    services: &LevelServices<'_>,
    font: Option<&FontFile>,
) -> Result<Signed, PadesError> {
    if output.exists() {
        return Err(PadesError::Io(format!(
            "{} exists; not overwriting it",
            output.display()
        )));
    }
    let mut pdf = read_with_room(input)?;
    let temp = partial_path(output);
    let result = if request.level >= PadesLevel::BLT {
        // Later updates are laid out over the signed file: sign in memory, then write.
        sign_pdf(&mut pdf, request, key, services, font).and_then(|signed| {
            let mut file = create(&temp)?;
            file.write_all(&pdf).map_err(|e| io(&temp, &e))?;
            finish(file, &temp, output, durable).map(|()| signed)
        })
    } else {
        sign_overlapped(
            &pdf, input, &temp, output, durable, request, key, services, font,
        )
    };
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn sign_overlapped(
    pdf: &[u8],
    input: &Path,
    temp: &Path,
    output: &Path,
    durable: bool,
    request: &PdfSignRequest,
    key: &dyn SignatureKey,
    services: &LevelServices<'_>,
    font: Option<&FontFile>,
) -> Result<Signed, PadesError> {
    let mut laid = lay_out(
        pdf.len(),
        prepare_signature(pdf, request, key, services, font)?,
    )?;
    let mut file = create(temp)?;
    let update = laid.update.clone();
    let (written, cms) = std::thread::scope(|scope| {
        // The original is copied file to file (`std::io::copy` uses copy_file_range on
        // Linux: no pass through this process), while this thread hashes it.
        let writer = scope.spawn(|| {
            let mut source = File::open(input).map_err(|e| io(input, &e))?;
            let copied = std::io::copy(&mut source, &mut file).map_err(|e| io(temp, &e))?;
            if copied != pdf.len() as u64 {
                return Err(PadesError::Io(format!(
                    "{} changed while it was being signed",
                    input.display()
                )));
            }
            file.write_all(&update).map_err(|e| io(temp, &e))
        });
        let digest = laid.placeholders.digest(pdf, &laid.update);
        let cms = cades::sign_pades_cms(&digest, key, cms_level(request.level), services);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(PadesError::Internal("the writer thread panicked".into())));
        (written, cms)
    });
    written?;
    let cms = cms?;
    let base = pdf.len();
    laid.placeholders
        .fill_contents(&mut laid.update, base, &cms)?;
    let contents = laid.placeholders.contents.clone();
    let offset = contents.start as u64;
    file.write_all_at(
        &laid.update[contents.start - base..contents.end - base],
        offset,
    )
    .map_err(|e| io(temp, &e))?;
    let (field, byte_range) = laid.outcome();
    finish(file, temp, output, durable)?;
    Ok(Signed {
        field,
        byte_range,
        updates: 1,
    })
}

fn read_with_room(path: &Path) -> Result<Vec<u8>, PadesError> {
    let mut file = File::open(path).map_err(|e| io(path, &e))?;
    let len = file.metadata().map_err(|e| io(path, &e))?.len();
    let len = usize::try_from(len).map_err(|_| PadesError::TooLarge("the PDF"))?;
    // Room for the updates, so appending them copies nothing.
    let mut bytes = Vec::with_capacity(len + (1 << 20));
    file.read_to_end(&mut bytes).map_err(|e| io(path, &e))?;
    Ok(bytes)
}

fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn create(path: &Path) -> Result<File, PadesError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| io(path, &e))
}

/// Flushes (when `durable`) and links the temporary file into place; a hard link fails if
/// `output` appeared meanwhile, so nothing is ever overwritten.
fn finish(file: File, temp: &Path, output: &Path, durable: bool) -> Result<(), PadesError> {
    if durable {
        file.sync_all().map_err(|e| io(temp, &e))?;
    }
    drop(file);
    fs::hard_link(temp, output).map_err(|e| io(output, &e))?;
    fs::remove_file(temp).map_err(|e| io(temp, &e))
}

fn io(path: &Path, e: &std::io::Error) -> PadesError {
    PadesError::Io(format!("{}: {e}", path.display()))
}
