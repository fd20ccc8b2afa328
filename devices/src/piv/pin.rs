//! PIN and PUK commands: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER (SP 800-73-4
//! Part 2 §3.2.1-§3.2.3).

use crate::apdu::{Command, StatusWord};
use crate::piv::card::PivCard;
use crate::piv::error::{PivError, sw_error};
use crate::piv::secret::{Pin, Puk};
use crate::piv::wire::{ins, key_ref};
use crate::transport::Transport;

/// What the card says about the PIN without being given one (VERIFY with no data,
/// SP 800-73-4 Part 2 §3.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinStatus {
    /// The PIN has been verified in this session (`90 00`).
    Verified,
    /// Not verified; `tries_left` wrong PINs are allowed before it blocks (`63 Cx`).
    NotVerified {
        /// Remaining attempts.
        tries_left: u8,
    },
    /// Blocked (`69 83`, or `63 C0`): only the PUK can reset it.
    Blocked,
}

/// Which reference data a `63 Cx` / `69 83` is about.
#[derive(Clone, Copy)]
enum Reference {
    Pin,
    Puk,
}

/// Reads the status word of a command that presents a PIN or PUK.
fn reference_result(
    command: &'static str,
    which: Reference,
    sw: StatusWord,
) -> Result<(), PivError> {
    let blocked = match which {
        Reference::Pin => PivError::PinBlocked,
        Reference::Puk => PivError::PukBlocked,
    };
    match (sw, sw.tries_left()) {
        (StatusWord::SUCCESS, _) => Ok(()),
        (StatusWord::AUTH_BLOCKED, _) | (_, Some(0)) => Err(blocked),
        (_, Some(tries_left)) => Err(match which {
            Reference::Pin => PivError::PinIncorrect { tries_left },
            Reference::Puk => PivError::PukIncorrect { tries_left },
        }),
        (sw, None) => Err(sw_error(command, sw)),
    }
}

impl<T: Transport> PivCard<T> {
    /// Presents the PIV application PIN (VERIFY, key reference `80`).
    ///
    /// Errors: [`PivError::PinIncorrect`] with the tries left, [`PivError::PinBlocked`]. The
    /// PIN leaves the host only inside the VERIFY APDU, whose buffers are wiped afterwards.
    /// Verification lasts until the application is deselected or the card reset; for the
    /// signature key (9C) the card demands it again before every signature (use
    /// [`PivCard::sign_with_pin`]).
    pub fn verify_pin(&mut self, pin: &Pin) -> Result<(), PivError> {
        const CMD: &str = "VERIFY";
        let cmd =
            Command::new(0x00, ins::VERIFY, 0x00, key_ref::PIN).with_data(pin.padded().to_vec());
        let r = self.exchange(CMD, cmd)?;
        reference_result(CMD, Reference::Pin, r.sw)
    }

    /// Asks whether the PIN is verified and how many tries are left, without presenting one
    /// (VERIFY with an empty data field); uses no try.
    pub fn pin_status(&mut self) -> Result<PinStatus, PivError> {
        const CMD: &str = "VERIFY (status)";
        let r = self.exchange(CMD, Command::new(0x00, ins::VERIFY, 0x00, key_ref::PIN))?;
        match (r.sw, r.sw.tries_left()) {
            (StatusWord::SUCCESS, _) => Ok(PinStatus::Verified),
            (StatusWord::AUTH_BLOCKED, _) | (_, Some(0)) => Ok(PinStatus::Blocked),
            (_, Some(tries_left)) => Ok(PinStatus::NotVerified { tries_left }),
            (sw, None) => Err(sw_error(CMD, sw)),
        }
    }

    /// The PIN tries left: `Some(n)` (0 when blocked), or `None` when the PIN is already
    /// verified in this session (the card then does not report the counter).
    pub fn pin_tries_left(&mut self) -> Result<Option<u8>, PivError> {
        Ok(match self.pin_status()? {
            PinStatus::Verified => None,
            PinStatus::NotVerified { tries_left } => Some(tries_left),
            PinStatus::Blocked => Some(0),
        })
    }

    /// Changes the PIN (CHANGE REFERENCE DATA, key reference `80`). A wrong `old` counts as a
    /// failed try: [`PivError::PinIncorrect`] / [`PivError::PinBlocked`].
    pub fn change_pin(&mut self, old: &Pin, new: &Pin) -> Result<(), PivError> {
        const CMD: &str = "CHANGE REFERENCE DATA (PIN)";
        let data = [&old.padded()[..], &new.padded()[..]].concat();
        let cmd = Command::new(0x00, ins::CHANGE_REFERENCE, 0x00, key_ref::PIN).with_data(data);
        let r = self.exchange(CMD, cmd)?;
        reference_result(CMD, Reference::Pin, r.sw)
    }

    /// Changes the PUK (CHANGE REFERENCE DATA, key reference `81`). A wrong `old` counts as a
    /// failed try: [`PivError::PukIncorrect`] / [`PivError::PukBlocked`].
    pub fn change_puk(&mut self, old: &Puk, new: &Puk) -> Result<(), PivError> {
        const CMD: &str = "CHANGE REFERENCE DATA (PUK)";
        let data = [&old.padded()[..], &new.padded()[..]].concat();
        let cmd = Command::new(0x00, ins::CHANGE_REFERENCE, 0x00, key_ref::PUK).with_data(data);
        let r = self.exchange(CMD, cmd)?;
        reference_result(CMD, Reference::Puk, r.sw)
    }

    /// Unblocks the PIN with the PUK and sets it to `new_pin` (RESET RETRY COUNTER, key
    /// reference `80`, data PUK ‖ new PIN). The tries reported on failure are the PUK's:
    /// [`PivError::PukIncorrect`] / [`PivError::PukBlocked`].
    pub fn unblock_pin(&mut self, puk: &Puk, new_pin: &Pin) -> Result<(), PivError> {
        const CMD: &str = "RESET RETRY COUNTER";
        let data = [&puk.padded()[..], &new_pin.padded()[..]].concat();
        let cmd = Command::new(0x00, ins::RESET_RETRY, 0x00, key_ref::PIN).with_data(data);
        let r = self.exchange(CMD, cmd)?;
        reference_result(CMD, Reference::Puk, r.sw)
    }
}
