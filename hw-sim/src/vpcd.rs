//! The card side of vsmartcard's `vpcd` protocol, with scriptable faults.
//!
//! pcscd loads the `vpcd` reader driver, which listens on a TCP port; a virtual card connects
//! to it, and the connection's lifetime is the card's presence in the reader. Every message in
//! either direction is a two-byte big-endian length and a payload. A one-byte payload from
//! vpcd is a control message (`00` power off, `01` power on, `02` reset, `04` get ATR, answered
//! with the ATR); a longer one is a command APDU, answered with the response APDU.
//!
//! [`CardHandle::spawn`] runs an [`Icc`] (normally a [`PivCard`]) on a background thread;
//! the handle removes and re-inserts it and sets [`Faults`] while it runs.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::Error;
use crate::piv::{ATR, PivCard};

/// How long a card keeps trying to reach vpcd (pcscd starts lazily and loads the driver after
/// its first client connects).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// The least time a removed card stays out. pcscd notices a removal only if one of its
/// presence polls (every 400 ms, `PCSCLITE_STATUS_POLL_RATE`) falls while the card is out; a
/// card back sooner would look as if it never left, and pcscd would keep the reader state a
/// failed reset left behind ("no card") for good.
pub const MIN_ABSENCE: Duration = Duration::from_secs(1);

/// vpcd control messages.
mod ctrl {
    pub(super) const POWER_OFF: u8 = 0x00;
    pub(super) const POWER_ON: u8 = 0x01;
    pub(super) const RESET: u8 = 0x02;
    pub(super) const GET_ATR: u8 = 0x04;
}

/// A card that can sit in a vpcd reader.
pub trait Icc: Send + 'static {
    /// The answer-to-reset.
    fn atr(&self) -> Vec<u8>;
    /// Power-off, power-on, reset or removal: drop the session state.
    fn reset(&mut self);
    /// Answers one command APDU.
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8>;
    /// Whether `apdu` asks for a private-key operation (where [`Faults::remove_on_sign`]
    /// strikes).
    fn is_private_key_operation(&self, apdu: &[u8]) -> bool {
        let _ = apdu;
        false
    }
}

impl Icc for PivCard {
    fn atr(&self) -> Vec<u8> {
        ATR.to_vec()
    }

    fn reset(&mut self) {
        PivCard::reset(self);
    }

    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        PivCard::transmit(self, apdu)
    }

    fn is_private_key_operation(&self, apdu: &[u8]) -> bool {
        PivCard::is_private_key_operation(apdu)
    }
}

/// What a garbled answer looks like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Garbage {
    /// 4-32 random bytes whose SW1 (the second-last byte) lies in `00`-`5F`, which ISO/IEC
    /// 7816-4 §5.6 never uses, so no garbled answer can pass for a real one.
    #[default]
    Random,
    /// One byte: shorter than the two status bytes every answer ends with.
    Truncated,
}

/// Faults the card injects; [`CardHandle::set_faults`] changes them while it runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// Pull the card (close the connection) when the next private-key operation arrives,
    /// without answering it. One-shot: cleared when it strikes.
    pub remove_on_sign: bool,
    /// After a removal by `remove_on_sign`, insert the card again after this long (at least
    /// [`MIN_ABSENCE`]).
    pub reinsert_after: Option<Duration>,
    /// Answer the next this many command APDUs with garbage, without executing them (card
    /// state does not change), so a driver's retry meets the same card.
    pub garbage: u32,
    /// The kind of garbage.
    pub garbage_kind: Garbage,
    /// Delay every answer to a command APDU by this long (control messages are not delayed).
    pub delay: Duration,
}

/// Counters of what the card has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections made to vpcd (insertions).
    pub connections: u64,
    /// Command APDUs received.
    pub apdus: u64,
    /// Removals by a fault.
    pub fault_removals: u64,
    /// Garbage answers sent.
    pub garbage_sent: u64,
}

struct Control {
    inserted: bool,
    stop: bool,
    connected: bool,
    /// pcscd has powered the card up since this connection began: it saw the insertion.
    powered: bool,
    stream: Option<TcpStream>,
    reinsert_at: Option<Instant>,
    /// When the card last left the reader.
    removed_at: Option<Instant>,
    faults: Faults,
    stats: Stats,
    /// Why the card last gave up reaching vpcd.
    failure: Option<String>,
}

struct Shared<C> {
    control: Mutex<Control>,
    changed: Condvar,
    card: Mutex<C>,
}

impl<C> Shared<C> {
    fn control(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn card(&self) -> MutexGuard<'_, C> {
        self.card.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A card running on a background thread, connected to vpcd while inserted. Dropping the
/// handle removes the card and joins the thread.
pub struct CardHandle<C: Icc = PivCard> {
    shared: Arc<Shared<C>>,
    thread: Option<JoinHandle<()>>,
    addr: SocketAddr,
}

impl<C: Icc> std::fmt::Debug for CardHandle<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let control = self.shared.control();
        f.debug_struct("CardHandle")
            .field("vpcd", &self.addr)
            .field("inserted", &control.inserted)
            .field("connected", &control.connected)
            .field("faults", &control.faults)
            .finish_non_exhaustive()
    }
}

impl<C: Icc> CardHandle<C> {
    /// Inserts `card` into the vpcd reader at `vpcd`, retrying the connection for up to
    /// [`DEFAULT_CONNECT_TIMEOUT`] (and again after every re-insertion).
    pub fn spawn(card: C, vpcd: SocketAddr, faults: Faults) -> CardHandle<C> {
        CardHandle::spawn_with_timeout(card, vpcd, faults, DEFAULT_CONNECT_TIMEOUT)
    }

    /// As [`spawn`](Self::spawn), retrying for `connect_timeout`.
    pub fn spawn_with_timeout(
        card: C,
        vpcd: SocketAddr,
        faults: Faults,
        connect_timeout: Duration,
    ) -> CardHandle<C> {
        let shared = Arc::new(Shared {
            control: Mutex::new(Control {
                inserted: true,
                stop: false,
                connected: false,
                powered: false,
                stream: None,
                reinsert_at: None,
                removed_at: None,
                faults,
                stats: Stats::default(),
                failure: None,
            }),
            changed: Condvar::new(),
            card: Mutex::new(card),
        });
        let worker = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(format!("vpcd-card-{}", vpcd.port()))
            .spawn(move || run(&worker, vpcd, connect_timeout))
            .ok();
        if thread.is_none() {
            shared.control().failure = Some("cannot start the card thread".to_owned());
        }
        CardHandle {
            shared,
            thread,
            addr: vpcd,
        }
    }

    /// Pulls the card: closes the connection now and stays out until [`insert`](Self::insert).
    pub fn remove(&self) {
        let mut control = self.shared.control();
        control.inserted = false;
        control.reinsert_at = None;
        control.removed_at = Some(Instant::now());
        if let Some(stream) = &control.stream {
            let _ = stream.shutdown(Shutdown::Both);
        }
        self.shared.changed.notify_all();
    }

    /// Inserts the card again (reconnects to vpcd), no sooner than [`MIN_ABSENCE`] after it
    /// was removed.
    pub fn insert(&self) {
        let mut control = self.shared.control();
        control.inserted = true;
        control.failure = None;
        self.shared.changed.notify_all();
    }

    /// Replaces the faults.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.control().faults = faults;
    }

    /// The faults still armed.
    pub fn faults(&self) -> Faults {
        self.shared.control().faults
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.shared.control().stats
    }

    /// Why the card gave up reaching vpcd, if it did (cleared by [`insert`](Self::insert)).
    pub fn failure(&self) -> Option<String> {
        self.shared.control().failure.clone()
    }

    /// Whether the card is connected to vpcd right now.
    pub fn is_connected(&self) -> bool {
        self.shared.control().connected
    }

    /// Waits until the card is connected to vpcd. Fails at once if the card gave up reaching
    /// vpcd, and after `timeout` otherwise.
    pub fn wait_connected(&self, timeout: Duration) -> Result<(), Error> {
        self.wait_for(timeout, |c| c.connected)
    }

    /// Waits until pcscd has registered the card: it powered the card up and read its ATR
    /// after this connection began, so PC/SC clients see a card in the reader. Fails as
    /// [`wait_connected`](Self::wait_connected) does.
    pub fn wait_present(&self, timeout: Duration) -> Result<(), Error> {
        self.wait_for(timeout, |c| c.connected && c.powered)?;
        // pcscd publishes the reader state right after the ATR it asked for arrives.
        thread::sleep(Duration::from_millis(20));
        Ok(())
    }

    /// Waits until the card is out of the reader (e.g. after a remove-on-sign fault).
    pub fn wait_disconnected(&self, timeout: Duration) -> Result<(), Error> {
        self.wait_for(timeout, |c| !c.connected)
    }

    fn wait_for(&self, timeout: Duration, done: impl Fn(&Control) -> bool) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        let mut control = self.shared.control();
        loop {
            if done(&control) {
                return Ok(());
            }
            if let Some(reason) = &control.failure {
                return Err(Error::Vpcd(io::Error::other(reason.clone())));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Vpcd(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "card at vpcd {} did not change state within {timeout:?}",
                        self.addr
                    ),
                )));
            }
            control = self
                .shared
                .changed
                .wait_timeout(control, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Runs `f` on the card (between APDUs), e.g. to read its PIN counter.
    pub fn with_card<R>(&self, f: impl FnOnce(&mut C) -> R) -> R {
        f(&mut self.shared.card())
    }

    /// The vpcd address the card connects to.
    pub fn vpcd_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl<C: Icc> Drop for CardHandle<C> {
    fn drop(&mut self) {
        {
            let mut control = self.shared.control();
            control.stop = true;
            if let Some(stream) = &control.stream {
                let _ = stream.shutdown(Shutdown::Both);
            }
            self.shared.changed.notify_all();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How a connection ended.
enum Ended {
    /// The card was pulled (by the handle or a fault) or is stopping.
    Removed,
    /// vpcd closed the connection or it failed.
    Lost,
}

fn run<C: Icc>(shared: &Shared<C>, addr: SocketAddr, connect_timeout: Duration) {
    loop {
        if !wait_inserted(shared) {
            return;
        }
        let stream = match connect(shared, addr, connect_timeout) {
            Ok(Some(stream)) => stream,
            Ok(None) => continue,
            Err(e) => {
                let mut control = shared.control();
                control.failure = Some(e.to_string());
                control.inserted = false;
                shared.changed.notify_all();
                continue;
            }
        };
        let ended = serve(shared, stream);
        shared.card().reset();
        let mut control = shared.control();
        control.stream = None;
        control.connected = false;
        control.powered = false;
        shared.changed.notify_all();
        if let Ended::Lost = ended {
            // pcscd may be restarting: reconnect while the card counts as inserted.
            drop(control);
            thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Blocks until the card is inserted (or a scheduled re-insertion is due); false on stop.
fn wait_inserted<C>(shared: &Shared<C>) -> bool {
    let mut control = shared.control();
    loop {
        if control.stop {
            return false;
        }
        if let Some(at) = control.reinsert_at
            && Instant::now() >= at
        {
            control.reinsert_at = None;
            control.inserted = true;
        }
        let back_at = control.removed_at.map(|at| at + MIN_ABSENCE);
        let now = Instant::now();
        if control.inserted && back_at.is_none_or(|at| now >= at) {
            return true;
        }
        let wait = match (control.inserted, back_at, control.reinsert_at) {
            (true, Some(at), _) => at.saturating_duration_since(now),
            (false, _, Some(at)) => at.saturating_duration_since(now),
            _ => Duration::from_secs(3600),
        };
        control = shared
            .changed
            .wait_timeout(control, wait)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// Connects with backoff until `timeout`; `Ok(None)` if the card was removed or stopped
/// meanwhile.
fn connect<C>(
    shared: &Shared<C>,
    addr: SocketAddr,
    timeout: Duration,
) -> Result<Option<TcpStream>, Error> {
    let start = Instant::now();
    let mut backoff = Duration::from_millis(10);
    loop {
        let attempt = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        let mut control = shared.control();
        if control.stop || !control.inserted {
            return Ok(None);
        }
        match attempt {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                control.stream = Some(stream.try_clone().map_err(Error::Vpcd)?);
                control.connected = true;
                control.stats.connections += 1;
                control.failure = None;
                shared.changed.notify_all();
                return Ok(Some(stream));
            }
            Err(source) if start.elapsed() >= timeout => {
                return Err(Error::VpcdConnect {
                    addr: addr.to_string(),
                    waited: start.elapsed(),
                    source,
                });
            }
            Err(_) => {
                drop(control);
                thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_millis(200));
            }
        }
    }
}

fn serve<C: Icc>(shared: &Shared<C>, mut stream: TcpStream) -> Ended {
    let ended = |shared: &Shared<C>| {
        let control = shared.control();
        if control.stop || !control.inserted {
            Ended::Removed
        } else {
            Ended::Lost
        }
    };
    // pcscd registers an insertion by powering the card up and reading its ATR.
    let mut powering = false;
    loop {
        let Ok(message) = read_frame(&mut stream) else {
            return ended(shared);
        };
        let answer = match message.as_slice() {
            [] => continue,
            [ctrl::POWER_OFF | ctrl::POWER_ON | ctrl::RESET] => {
                powering = message[0] == ctrl::POWER_ON;
                shared.card().reset();
                continue;
            }
            [ctrl::GET_ATR] => shared.card().atr(),
            [_] => continue,
            apdu => match command(shared, &stream, apdu) {
                Some(answer) => answer,
                None => return Ended::Removed,
            },
        };
        if write_frame(&mut stream, &answer).is_err() {
            return ended(shared);
        }
        if std::mem::take(&mut powering) && message == [ctrl::GET_ATR] {
            shared.control().powered = true;
            shared.changed.notify_all();
        }
    }
}

/// Answers a command APDU, applying the faults; `None` if a fault pulled the card.
fn command<C: Icc>(shared: &Shared<C>, stream: &TcpStream, apdu: &[u8]) -> Option<Vec<u8>> {
    let mut control = shared.control();
    control.stats.apdus += 1;
    let faults = control.faults;
    if faults.remove_on_sign && shared.card().is_private_key_operation(apdu) {
        control.faults.remove_on_sign = false;
        control.inserted = false;
        control.reinsert_at = faults.reinsert_after.map(|d| Instant::now() + d);
        control.removed_at = Some(Instant::now());
        control.stats.fault_removals += 1;
        let _ = stream.shutdown(Shutdown::Both);
        shared.changed.notify_all();
        return None;
    }
    let garbled = faults.garbage > 0;
    if garbled {
        control.faults.garbage -= 1;
        control.stats.garbage_sent += 1;
    }
    drop(control);
    let answer = if garbled {
        garbage(faults.garbage_kind)
    } else {
        shared.card().transmit(apdu)
    };
    if !faults.delay.is_zero() {
        thread::sleep(faults.delay);
    }
    Some(answer)
}

fn garbage(kind: Garbage) -> Vec<u8> {
    let mut bytes = [0u8; 33];
    // Without randomness the garbage is merely predictable, which is still garbage.
    let _ = getrandom::fill(&mut bytes);
    match kind {
        Garbage::Truncated => vec![bytes[0]],
        Garbage::Random => {
            let len = 4 + usize::from(bytes[0] % 29);
            let mut out = bytes[1..=len].to_vec();
            out[len - 2] %= 0x60;
            out
        }
    }
}

fn read_frame(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len)?;
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut payload)?;
    Ok(payload)
}

fn write_frame(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "answer longer than a frame"))?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)
}
