//! PC/SC: the one place the `pcsc` crate (libpcsclite, or WinSCard) is used.
//!
//! [`PcscContext`] lists readers, connects to one ([`PcscTransport`], a [`Transport`]) and
//! watches for cards and readers coming and going ([`ReaderWatcher`]). libpcsclite honours
//! `PCSCLITE_CSOCK_NAME`, so tests can point all of this at a private `pcscd`.
//!
//! Cards are opened in shared mode, as every PC/SC middleware does, so that other applications
//! can use the same token; exclusive access is taken only for the span of a
//! [`Transport::transaction`] (e.g. VERIFY + GENERAL AUTHENTICATE).

use std::ffi::CString;
use std::time::Duration;

use pcsc::{Card, Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

use crate::transport::{Transport, TransportError};

/// What [`PcscContext::readers`] reports about one reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    /// The reader's PC/SC name (lossily decoded if it is not UTF-8).
    pub name: String,
    /// Whether a card is in the reader.
    pub card_present: bool,
    /// The answer-to-reset of the card, when one is present.
    pub atr: Option<Vec<u8>>,
}

/// A PC/SC resource-manager context (`SCardEstablishContext`, user scope).
///
/// Cheap to clone; the context is released when the last clone (and every transport and
/// watcher made from it) is dropped.
#[derive(Clone)]
pub struct PcscContext {
    ctx: Context,
}

impl std::fmt::Debug for PcscContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PcscContext")
    }
}

impl PcscContext {
    /// Connects to the smart-card service. Fails with
    /// [`TransportError::ServiceUnavailable`] when `pcscd` is not running.
    pub fn establish() -> Result<PcscContext, TransportError> {
        Ok(PcscContext {
            ctx: Context::establish(Scope::User).map_err(map_error)?,
        })
    }

    /// The readers attached now, with card presence and ATR. No readers is an empty list, not
    /// an error.
    pub fn readers(&self) -> Result<Vec<ReaderInfo>, TransportError> {
        let names = self.reader_names()?;
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut states: Vec<ReaderState> = names
            .iter()
            .map(|(c, _)| ReaderState::new(c.clone(), State::UNAWARE))
            .collect();
        // With every current state UNAWARE, SCardGetStatusChange returns at once with the
        // present states.
        poll_now(&self.ctx, &mut states)?;
        Ok(names
            .into_iter()
            .zip(&states)
            .map(|((_, name), s)| {
                let card_present = is_present(s.event_state());
                ReaderInfo {
                    name,
                    card_present,
                    atr: card_present.then(|| s.atr().to_vec()),
                }
            })
            .collect())
    }

    /// Connects to the card in the reader called `reader`, or else in the one reader whose
    /// name contains `reader` (so `"Yubico"` finds `"Yubico YubiKey OTP+FIDO+CCID 00 00"`).
    ///
    /// The card is opened in shared mode with T=0 or T=1. Errors: [`TransportError::NoCard`],
    /// [`TransportError::ReaderNotFound`], [`TransportError::AmbiguousReader`],
    /// [`TransportError::Busy`] (held exclusively elsewhere).
    pub fn connect(&self, reader: &str) -> Result<PcscTransport, TransportError> {
        let names = self.reader_names()?;
        let (cname, name) = choose_reader(names, reader)?;
        let card = self
            .ctx
            .connect(&cname, ShareMode::Shared, Protocols::ANY)
            .map_err(|e| match e {
                pcsc::Error::UnknownReader => TransportError::ReaderNotFound {
                    name: reader.to_owned(),
                },
                other => map_error(other),
            })?;
        Ok(PcscTransport { card, reader: name })
    }

    /// A watcher for card insertion and removal and for readers being plugged in and out.
    pub fn watcher(&self) -> Result<ReaderWatcher, TransportError> {
        ReaderWatcher::new(self.ctx.clone())
    }

    /// Reader names, raw (for connecting) and decoded (for matching and reporting).
    fn reader_names(&self) -> Result<Vec<(CString, String)>, TransportError> {
        reader_names(&self.ctx)
    }
}

fn reader_names(ctx: &Context) -> Result<Vec<(CString, String)>, TransportError> {
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names
            .into_iter()
            .map(|c| {
                let s = c.to_string_lossy().into_owned();
                (c, s)
            })
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_error(e)),
    }
}

/// Picks the reader called exactly `wanted`, else the only one containing it.
fn choose_reader<N>(names: Vec<(N, String)>, wanted: &str) -> Result<(N, String), TransportError> {
    let mut contains = Vec::new();
    for (raw, name) in names {
        if name == wanted {
            return Ok((raw, name));
        }
        if !wanted.is_empty() && name.contains(wanted) {
            contains.push((raw, name));
        }
    }
    match contains.len() {
        0 => Err(TransportError::ReaderNotFound {
            name: wanted.to_owned(),
        }),
        1 => Ok(contains.remove(0)),
        _ => Err(TransportError::AmbiguousReader {
            pattern: wanted.to_owned(),
            matches: contains.into_iter().map(|(_, n)| n).collect(),
        }),
    }
}

/// A card connected through PC/SC (shared mode, T=0 or T=1).
///
/// Dropping it disconnects with `SCARD_RESET_CARD`, so a PIN verified through this connection
/// does not stay verified for the next application to open the card.
pub struct PcscTransport {
    card: Card,
    reader: String,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl PcscTransport {
    /// The name of the reader this card is in.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The card's answer-to-reset, as PC/SC reports it now.
    pub fn atr(&self) -> Result<Vec<u8>, TransportError> {
        let status = self.card.status2_owned().map_err(map_error)?;
        Ok(status.atr().to_vec())
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit(&self.card, command)
    }

    fn transaction(
        &mut self,
        body: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        let tx = self.card.transaction().map_err(map_error)?;
        body(&mut InTransaction { card: &tx });
        // LeaveCard: the card keeps its state (the caller may still want the verified PIN for
        // a following command); reset on drop of the transport takes care of the rest.
        tx.end(Disposition::LeaveCard)
            .map_err(|(_, e)| map_error(e))
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.card
            .reconnect(ShareMode::Shared, Protocols::ANY, Disposition::LeaveCard)
            .map_err(map_error)
    }
}

/// The card while a PC/SC transaction is held: APDUs go through the same handle.
struct InTransaction<'a> {
    card: &'a Card,
}

impl Transport for InTransaction<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit(self.card, command)
    }

    fn transaction(
        &mut self,
        body: &mut dyn FnMut(&mut dyn Transport),
    ) -> Result<(), TransportError> {
        // Already exclusive.
        body(self);
        Ok(())
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        // SCardReconnect inside a transaction would end it; the caller must leave the
        // transaction first.
        Err(TransportError::Other(
            "cannot reconnect inside a transaction".into(),
        ))
    }
}

fn transmit(card: &Card, command: &[u8]) -> Result<Vec<u8>, TransportError> {
    // Room for the largest extended response (65 536 data bytes + SW1 SW2).
    let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
    let len = card.transmit(command, &mut buf).map_err(map_error)?.len();
    buf.truncate(len);
    if len < 2 {
        check_still_present(card)?;
    }
    Ok(buf)
}

/// After an answer too short to be one: vpcd (and some reader drivers) answer a command the
/// card was pulled during with an empty response rather than `SCARD_W_REMOVED_CARD`. Asks the
/// reader, for up to [`REMOVAL_GRACE`] while pcscd notices, whether the card is still there;
/// a card gone is [`TransportError::CardRemoved`], so that a removal is never reported as a
/// malformed answer.
fn check_still_present(card: &Card) -> Result<(), TransportError> {
    let deadline = std::time::Instant::now() + REMOVAL_GRACE;
    loop {
        match card.status2_owned() {
            Err(e) => return Err(map_error(e)),
            Ok(status) if !status.status().contains(pcsc::Status::PRESENT) => {
                return Err(TransportError::CardRemoved);
            }
            Ok(_) if std::time::Instant::now() >= deadline => return Ok(()),
            Ok(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// How long a short answer waits for pcscd to notice a removal (its reader polling runs
/// every 400 ms).
const REMOVAL_GRACE: Duration = Duration::from_secs(1);

/// Maps PC/SC error codes (pcsc-lite `pcsclite.h`) to the transport's precise errors.
fn map_error(e: pcsc::Error) -> TransportError {
    use pcsc::Error as E;
    match e {
        E::RemovedCard => TransportError::CardRemoved,
        E::ResetCard => TransportError::CardReset,
        E::NoSmartcard => TransportError::NoCard,
        E::UnresponsiveCard | E::UnpoweredCard => TransportError::CardUnresponsive,
        E::ReaderUnavailable | E::UnknownReader => TransportError::ReaderGone,
        E::SharingViolation => TransportError::Busy,
        E::Timeout => TransportError::Timeout,
        E::Cancelled => TransportError::Cancelled,
        E::NoService | E::ServiceStopped => TransportError::ServiceUnavailable,
        other => TransportError::Other(format!("PC/SC: {other} ({other:?})")),
    }
}

fn is_present(state: State) -> bool {
    state.contains(State::PRESENT) && !state.contains(State::EMPTY)
}

fn is_dead(state: State) -> bool {
    state.intersects(State::UNKNOWN | State::IGNORE)
}

/// `SCardGetStatusChange` with a zero timeout: fills in the event states of `states` whose
/// current state is out of date (all of them, for UNAWARE) without waiting.
fn poll_now(ctx: &Context, states: &mut [ReaderState]) -> Result<(), TransportError> {
    match ctx.get_status_change(Duration::ZERO, states) {
        Ok(()) | Err(pcsc::Error::Timeout) => Ok(()),
        Err(e) => Err(map_error(e)),
    }
}

/// A change seen by [`ReaderWatcher::wait_for_change`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    /// A reader was plugged in (a card already in it is reported as a following
    /// [`ReaderEvent::Inserted`]).
    ReaderAdded {
        /// The reader's name.
        reader: String,
    },
    /// A reader was unplugged (a card that was in it is reported first as
    /// [`ReaderEvent::Removed`]).
    ReaderRemoved {
        /// The reader's name.
        reader: String,
    },
    /// A card was inserted.
    Inserted {
        /// The reader's name.
        reader: String,
        /// The card's answer-to-reset.
        atr: Vec<u8>,
    },
    /// A card was removed.
    Removed {
        /// The reader's name.
        reader: String,
    },
}

/// What the watcher last knew of one reader.
struct Tracked {
    name: String,
    present: bool,
    event_count: u32,
}

/// Watches readers and cards with `SCardGetStatusChange`, including the PnP pseudo-reader
/// (`\\?PnP?\Notification`) so that readers plugged in later are seen.
///
/// The first call to [`ReaderWatcher::wait_for_change`] reports changes after the watcher was
/// made; [`ReaderWatcher::readers`] tells what was there at that point.
pub struct ReaderWatcher {
    ctx: Context,
    /// `states[0]` is the PnP pseudo-reader; `states[i + 1]` is `tracked[i]`.
    states: Vec<ReaderState>,
    tracked: Vec<Tracked>,
}

impl std::fmt::Debug for ReaderWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderWatcher")
            .field("readers", &self.readers())
            .finish()
    }
}

impl ReaderWatcher {
    fn new(ctx: Context) -> Result<ReaderWatcher, TransportError> {
        let mut w = ReaderWatcher {
            states: vec![ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)],
            tracked: Vec::new(),
            ctx,
        };
        // Learn the initial picture without reporting it as events.
        w.refresh(&mut Vec::new())?;
        Ok(w)
    }

    /// The readers and cards as last seen.
    pub fn readers(&self) -> Vec<ReaderInfo> {
        self.tracked
            .iter()
            .zip(&self.states[1..])
            .map(|(t, s)| ReaderInfo {
                name: t.name.clone(),
                card_present: t.present,
                atr: t.present.then(|| s.atr().to_vec()),
            })
            .collect()
    }

    /// A handle that can interrupt a [`ReaderWatcher::wait_for_change`] blocked in another
    /// thread (`SCardCancel`); the wait then returns [`TransportError::Cancelled`].
    pub fn canceller(&self) -> WatchCanceller {
        WatchCanceller {
            ctx: self.ctx.clone(),
        }
    }

    /// Blocks until a card or reader changes, or `timeout` passes (then returns no events).
    ///
    /// Events come in the order they apply: for an unplugged reader holding a card, `Removed`
    /// then `ReaderRemoved`; for a card swapped between two calls, `Removed` then `Inserted`.
    pub fn wait_for_change(
        &mut self,
        timeout: Duration,
    ) -> Result<Vec<ReaderEvent>, TransportError> {
        for s in &mut self.states {
            s.sync_current_state();
        }
        match self.ctx.get_status_change(timeout, &mut self.states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => return Ok(Vec::new()),
            // A reader among `states` vanished between list and wait: re-list below.
            Err(pcsc::Error::UnknownReader) => {}
            Err(e) => return Err(map_error(e)),
        }
        let mut events = Vec::new();
        self.refresh(&mut events)?;
        Ok(events)
    }

    /// Folds the event states into `tracked`, drops dead readers, adds new ones.
    fn refresh(&mut self, events: &mut Vec<ReaderEvent>) -> Result<(), TransportError> {
        self.fold_card_changes(events);
        // Readers: compare with the current list (the PnP entry tells that it changed, not how).
        let names = reader_names(&self.ctx)?;
        let mut i = 0;
        while i < self.tracked.len() {
            let state = self.states[i + 1].event_state();
            if is_dead(state) || !names.iter().any(|(_, n)| *n == self.tracked[i].name) {
                let t = self.tracked.remove(i);
                self.states.remove(i + 1);
                if t.present {
                    events.push(ReaderEvent::Removed {
                        reader: t.name.clone(),
                    });
                }
                events.push(ReaderEvent::ReaderRemoved { reader: t.name });
            } else {
                i += 1;
            }
        }
        let mut added = false;
        for (raw, name) in names {
            if !self.tracked.iter().any(|t| t.name == name) {
                events.push(ReaderEvent::ReaderAdded {
                    reader: name.clone(),
                });
                self.states.push(ReaderState::new(raw, State::UNAWARE));
                self.tracked.push(Tracked {
                    name,
                    present: false,
                    event_count: 0,
                });
                added = true;
            }
        }
        if added {
            poll_now(&self.ctx, &mut self.states)?;
            self.fold_card_changes(events);
        }
        Ok(())
    }

    fn fold_card_changes(&mut self, events: &mut Vec<ReaderEvent>) {
        for (t, s) in self.tracked.iter_mut().zip(&self.states[1..]) {
            let state = s.event_state();
            if is_dead(state) {
                continue;
            }
            let present = is_present(state);
            // pcsc-lite counts insertions and removals in the upper half of the event state:
            // a changed count with a card before and after means it was swapped.
            let swapped = t.present && present && s.event_count() != t.event_count;
            if t.present && (!present || swapped) {
                events.push(ReaderEvent::Removed {
                    reader: t.name.clone(),
                });
            }
            if present && (!t.present || swapped) {
                events.push(ReaderEvent::Inserted {
                    reader: t.name.clone(),
                    atr: s.atr().to_vec(),
                });
            }
            t.present = present;
            t.event_count = s.event_count();
        }
    }
}

/// Interrupts a [`ReaderWatcher::wait_for_change`] from another thread.
#[derive(Clone)]
pub struct WatchCanceller {
    ctx: Context,
}

impl std::fmt::Debug for WatchCanceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WatchCanceller")
    }
}

impl WatchCanceller {
    /// Makes the blocked wait return [`TransportError::Cancelled`].
    pub fn cancel(&self) -> Result<(), TransportError> {
        self.ctx.cancel().map_err(map_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<((), String)> {
        list.iter().map(|n| ((), n.to_string())).collect()
    }

    #[test]
    fn reader_choice_exact_then_unique_substring() {
        let readers = [
            "Yubico YubiKey CCID 00 00",
            "Virtual PCD 00 00",
            "Virtual PCD 00 01",
        ];
        assert_eq!(
            choose_reader(names(&readers), "Virtual PCD 00 01")
                .unwrap()
                .1,
            readers[2]
        );
        assert_eq!(
            choose_reader(names(&readers), "Yubi").unwrap().1,
            readers[0]
        );
        assert_eq!(
            choose_reader(names(&readers), "Virtual"),
            Err(TransportError::AmbiguousReader {
                pattern: "Virtual".into(),
                matches: vec![readers[1].into(), readers[2].into()],
            })
        );
        assert_eq!(
            choose_reader(names(&readers), "Gemalto"),
            Err(TransportError::ReaderNotFound {
                name: "Gemalto".into()
            })
        );
        assert!(matches!(
            choose_reader(names(&readers), ""),
            Err(TransportError::ReaderNotFound { .. })
        ));
        // An exact name wins even when it is also a substring of another reader's name.
        let nested = ["Reader", "Reader 2"];
        assert_eq!(choose_reader(names(&nested), "Reader").unwrap().1, "Reader");
    }

    #[test]
    fn pcsc_errors_map_precisely() {
        use pcsc::Error as E;
        assert_eq!(map_error(E::RemovedCard), TransportError::CardRemoved);
        assert_eq!(map_error(E::ResetCard), TransportError::CardReset);
        assert_eq!(map_error(E::NoSmartcard), TransportError::NoCard);
        assert_eq!(map_error(E::ReaderUnavailable), TransportError::ReaderGone);
        assert_eq!(map_error(E::Timeout), TransportError::Timeout);
        assert_eq!(map_error(E::SharingViolation), TransportError::Busy);
        assert_eq!(map_error(E::NoService), TransportError::ServiceUnavailable);
        assert!(
            matches!(map_error(E::CommError), TransportError::Other(s) if s.contains("CommError"))
        );
    }
}
