//! `pdfbench`: the PDF side of `bench/pdf`.
//!
//! ```text
//! pdfbench make --pages N --mb M -o FILE      a PDF of N pages and about M MB
//! pdfbench sign --input FILE --output OUT --data DIR [--reps R]
//! ```
//!
//! `sign` opens the station of `DIR` (its development seal, created if needed) once, then
//! `R` times: signs `FILE` into the new file `OUT` with an invisible B-B PAdES signature
//! (`signer::pades::sign_pdf_file`: read, hash and write, the write overlapping the hash),
//! flushing it to disk only with `--durable` (the baseline, `openssl dgst`, reads from the
//! page cache). It prints `{"runs": [seconds...], "median": seconds}`.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use clap::{Parser, Subcommand};
use signer::cades::LevelServices;
use signer::pades::{PadesLevel, PdfSignRequest, Placement, sign_pdf_file};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a large PDF.
    Make {
        #[arg(long)]
        pages: usize,
        #[arg(long)]
        mb: usize,
        #[arg(short)]
        o: PathBuf,
    },
    /// Sign a PDF repeatedly and time it.
    Sign {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        output: PathBuf,
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 5)]
        reps: usize,
        /// Flush the output to disk before counting the signature done.
        #[arg(long)]
        durable: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Make { pages, mb, o } => {
            let pdf = tests::pdf::large_pdf(pages, mb * 1_000_000 / pages.max(1));
            std::fs::write(&o, pdf)?;
        }
        Command::Sign {
            input,
            output,
            data,
            reps,
            durable,
        } => {
            let config = signer::config::Config::default();
            let station = signer::station::Station::open(&data, &config)?;
            let key = station
                .keys
                .get(&station.default_key)
                .ok_or_else(|| anyhow::anyhow!("no default key"))?
                .clone();
            let request = PdfSignRequest {
                level: PadesLevel::BB,
                placement: Placement::Invisible,
                field_name: None,
                lines: Vec::new(),
                handwriting: None,
                certify: None,
                reason: None,
                location: None,
                signing_time: SystemTime::now(),
            };
            let mut runs = Vec::new();
            for _ in 0..reps {
                let _ = std::fs::remove_file(&output);
                let start = Instant::now();
                sign_pdf_file(
                    &input,
                    &output,
                    durable,
                    &request,
                    key.as_ref(),
                    &LevelServices::default(),
                    None,
                )?;
                runs.push(start.elapsed().as_secs_f64());
            }
            let mut sorted = runs.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted[sorted.len() / 2];
            println!("{}", serde_json::json!({ "runs": runs, "median": median }));
        }
    }
    Ok(())
}
