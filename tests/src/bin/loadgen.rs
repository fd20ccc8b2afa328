//! `loadgen`: a closed-loop HTTP load generator for `bench/signer`.
//!
//! ```text
//! loadgen --url URL --token-file F --body FILE --content-type CT
//!         --concurrency N --duration SECS [--warmup SECS]
//! ```
//!
//! `N` clients, each with its own keep-alive HTTP/1.1 connection (hyper, all on one thread so
//! the generator takes little from the server under test), `POST` the same body to `URL`
//! back to back with `Authorization: Bearer <token>` (the file's content,
//! surrounding white space removed). Each reply is read to its end, so the connection is
//! reused.
//!
//! The first `--warmup` seconds (default 1) are not measured; then for `--duration` seconds
//! every exchange that *ends* inside the window is counted: a `200` as a request, with its
//! latency, anything else (another status or a transport error) as an error. Exchanges that
//! straddle either edge of the window are balanced, so `rate` is requests over the window's
//! length. Errors during the warm-up count too: this tool is for runs where nothing fails.
//!
//! The result is one JSON line on standard output:
//!
//! ```text
//! {"requests":…,"errors":…,"seconds":…,"rate":…,"p50_ms":…,"p90_ms":…,"p99_ms":…,"max_ms":…}
//! ```
//!
//! Percentiles are nearest-rank over every recorded latency. The first error's description
//! goes to standard error. The exit status is 0 when there was no error and at least one
//! request succeeded, 1 otherwise, 2 for a bad command line (clap's).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt as _, Full};
use hyper::StatusCode;
use hyper::client::conn::http1;
use hyper::header;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long one exchange may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A closed-loop HTTP load generator: N clients POST the same body back to back.
#[derive(Parser)]
#[command(name = "loadgen")]
struct Args {
    /// The URL every request goes to.
    #[arg(long)]
    url: String,
    /// A file holding the bearer token (surrounding white space removed).
    #[arg(long)]
    token_file: PathBuf,
    /// The file sent as every request's body.
    #[arg(long)]
    body: PathBuf,
    /// The body's `Content-Type`.
    #[arg(long)]
    content_type: String,
    /// Clients, each on its own thread and keep-alive connection.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Seconds measured.
    #[arg(long, value_parser = seconds)]
    duration: Duration,
    /// Seconds before the measured window.
    #[arg(long, value_parser = seconds, default_value = "1")]
    warmup: Duration,
}

/// A positive number of seconds, fractions allowed.
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("a positive number of seconds, not {text:?}"))
}

/// The request every client sends.
struct Request {
    uri: hyper::Uri,
    host: String,
    authorization: String,
    content_type: String,
    body: Bytes,
}

impl Request {
    fn build(&self) -> Result<hyper::Request<Full<Bytes>>, String> {
        hyper::Request::post(self.uri.clone())
            .header(header::HOST, &self.host)
            .header(header::AUTHORIZATION, &self.authorization)
            .header(header::CONTENT_TYPE, &self.content_type)
            .body(Full::new(self.body.clone()))
            .map_err(|e| format!("cannot build the request: {e}"))
    }
}

/// The measured window.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// What one client measured.
#[derive(Default)]
struct Tally {
    /// Latencies of the `200` replies that ended inside the window.
    latencies: Vec<Duration>,
    /// Exchanges that did not end in `200`, warm-up included.
    errors: u64,
}

/// One exchange on the client's connection: the status and the whole body.
async fn exchange(
    sender: &mut http1::SendRequest<Full<Bytes>>,
    request: &Request,
) -> Result<(StatusCode, Bytes), String> {
    sender.ready().await.map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request.build()?)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body))
}

/// Opens a keep-alive HTTP/1.1 connection to the request's host.
async fn connect(request: &Request) -> Result<http1::SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(&request.host)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", request.host))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Runs one client until the window ends. `first_error` keeps the first failure's description.
async fn client(
    request: Arc<Request>,
    window: Window,
    first_error: Arc<Mutex<Option<String>>>,
) -> Tally {
    let mut tally = Tally::default();
    let mut sender = None;
    loop {
        let sent = Instant::now();
        if sent >= window.end {
            return tally;
        }
        let outcome = async {
            let connection = match &mut sender {
                Some(connection) => connection,
                None => sender.insert(connect(&request).await?),
            };
            tokio::time::timeout(REQUEST_TIMEOUT, exchange(connection, &request))
                .await
                .map_err(|_| format!("no reply within {REQUEST_TIMEOUT:?}"))?
        }
        .await;
        let done = Instant::now();
        let failure = match outcome {
            Ok((status, _)) if status == StatusCode::OK => None,
            Ok((status, body)) => Some(format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(512)])
            )),
            Err(e) => {
                // A fresh connection for the next try.
                sender = None;
                Some(e)
            }
        };
        match failure {
            None if done >= window.start && done <= window.end => {
                tally.latencies.push(done - sent);
            }
            None => {}
            Some(message) => {
                tally.errors += 1;
                first_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert(message);
            }
        }
    }
}

/// The latency at quantile `q` by nearest rank, in milliseconds (0 without any).
fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let n = sorted.len();
    // The rank is at most `n`: the float-to-int conversion saturates and `min` bounds it.
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    sorted[rank - 1].as_secs_f64() * 1e3
}

/// Rounds to three decimals, for a readable JSON line.
fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

fn run(args: Args) -> Result<bool, String> {
    let token = std::fs::read_to_string(&args.token_file)
        .map_err(|e| format!("cannot read {}: {e}", args.token_file.display()))?;
    let token = token.trim();
    if token.is_empty() {
        return Err(format!("{} is empty", args.token_file.display()));
    }
    let body = std::fs::read(&args.body)
        .map_err(|e| format!("cannot read {}: {e}", args.body.display()))?;
    let uri: hyper::Uri = args
        .url
        .parse()
        .map_err(|e| format!("{:?} is not a URL: {e}", args.url))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("{:?}: only http:// URLs are supported", args.url));
    }
    let host = uri
        .authority()
        .ok_or_else(|| format!("{:?} has no host", args.url))?
        .to_string();
    let request = Arc::new(Request {
        uri,
        host,
        authorization: format!("Bearer {token}"),
        content_type: args.content_type,
        body: Bytes::from(body),
    });

    // One thread for every client: the generator should take as little of the machine from
    // the server under test as it can.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let start = Instant::now() + args.warmup;
    let window = Window {
        start,
        end: start + args.duration,
    };
    let first_error = Arc::new(Mutex::new(None));
    let tallies = runtime.block_on(async {
        let clients: Vec<_> = (0..args.concurrency)
            .map(|_| {
                tokio::spawn(client(
                    Arc::clone(&request),
                    window,
                    Arc::clone(&first_error),
                ))
            })
            .collect();
        let mut tallies = Vec::with_capacity(clients.len());
        for client in clients {
            tallies.push(
                client
                    .await
                    .map_err(|_| "a client task panicked".to_owned())?,
            );
        }
        Ok::<_, String>(tallies)
    })?;
    let mut latencies = Vec::new();
    let mut errors = 0;
    for tally in tallies {
        latencies.extend(tally.latencies);
        errors += tally.errors;
    }
    latencies.sort_unstable();

    let seconds = args.duration.as_secs_f64();
    let requests = latencies.len();
    // Counts far below 2^52 are exact as floats.
    let rate = requests as f64 / seconds;
    let line = serde_json::json!({
        "requests": requests,
        "errors": errors,
        "seconds": round3(seconds),
        "rate": round3(rate),
        "p50_ms": round3(percentile_ms(&latencies, 0.50)),
        "p90_ms": round3(percentile_ms(&latencies, 0.90)),
        "p99_ms": round3(percentile_ms(&latencies, 0.99)),
        "max_ms": round3(latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)),
    });
    println!("{line}");

    if let Some(message) = first_error
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
    {
        eprintln!("loadgen: {errors} failed requests; the first: {message}");
    }
    if requests == 0 {
        eprintln!("loadgen: no request succeeded inside the measured window");
    }
    Ok(errors == 0 && requests > 0)
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("loadgen: {message}");
            ExitCode::FAILURE
        }
    }
}
