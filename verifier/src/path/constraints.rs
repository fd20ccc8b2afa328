//! Name constraints (RFC 5280 §4.2.1.10) and their state during validation (§6.1.3(b)-(c),
//! §6.1.4(g)).
//!
//! Rather than computing the intersection of permitted subtrees as a set of names, the state
//! keeps each CA's `permittedSubtrees` apart: a name is permitted when, for every CA that
//! constrained its name form, it lies within one of that CA's subtrees of the form. That is
//! the §6.1.4(g)(1) intersection, evaluated lazily. Excluded subtrees accumulate as the
//! §6.1.4(g)(2) union.
//!
//! Supported forms: directoryName, rfc822Name, dNSName, uniformResourceIdentifier and
//! iPAddress. A name of another form (otherName, ediPartyName, registeredID) under a
//! constraint of that form is refused, as §4.2.1.10 requires of forms not processed.

use std::net::{Ipv4Addr, Ipv6Addr};

use der::asn1::Ia5String;
use x509_cert::ext::pkix::NameConstraints;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

use super::NameText;
use super::error::{ConstraintViolation, Malformation};
use super::name::{self, decode_text};
use super::oid;

/// The subtrees one CA placed on the certificates below it.
#[derive(Debug, Clone)]
struct Subtrees {
    /// The CA's position in the path (0 is the end entity).
    by: usize,
    subtrees: Vec<GeneralName>,
}

/// `permitted_subtrees` and `excluded_subtrees` (RFC 5280 §6.1.2(b)-(c)).
#[derive(Debug, Clone, Default)]
pub(crate) struct NameConstraintsState {
    permitted: Vec<Subtrees>,
    excluded: Vec<Subtrees>,
}

fn same_form(a: &GeneralName, b: &GeneralName) -> bool {
    core::mem::discriminant(a) == core::mem::discriminant(b)
}

impl NameConstraintsState {
    /// Adds the constraints of the CA at `position` (RFC 5280 §6.1.4(g)).
    ///
    /// # Errors
    /// [`Malformation::NameConstraint`] for a subtree with `minimum` other than 0, with
    /// `maximum`, or with an `iPAddress` that is not an IPv4 or IPv6 address and mask: "the
    /// minimum MUST be zero, and maximum MUST be absent" (RFC 5280 §4.2.1.10).
    pub(crate) fn add(
        &mut self,
        constraints: &NameConstraints,
        position: usize,
    ) -> Result<(), Malformation> {
        if let Some(permitted) = &constraints.permitted_subtrees {
            self.permitted.push(Subtrees {
                by: position,
                subtrees: checked(permitted)?,
            });
        }
        if let Some(excluded) = &constraints.excluded_subtrees {
            self.excluded.push(Subtrees {
                by: position,
                subtrees: checked(excluded)?,
            });
        }
        Ok(())
    }

    /// Checks a certificate's subject and subjectAltName against the constraints (RFC 5280
    /// §6.1.3(b)-(c)). The emailAddress attributes of the subject are checked as rfc822Names
    /// whether or not there is a subjectAltName (§4.2.1.10 requires it when there is none;
    /// doing it always refuses more, never less).
    ///
    /// # Errors
    /// The first [`ConstraintViolation`] found.
    pub(crate) fn check(
        &self,
        subject: &Name,
        alt_names: Option<&[GeneralName]>,
    ) -> Result<(), ConstraintViolation> {
        if self.permitted.is_empty() && self.excluded.is_empty() {
            return Ok(());
        }
        if !subject.is_empty() {
            self.check_name(&GeneralName::DirectoryName(subject.clone()))?;
        }
        for text in subject_emails(subject) {
            match Ia5String::new(&text) {
                Ok(email) => self.check_name(&GeneralName::Rfc822Name(email))?,
                // Not ASCII, so not an address the rfc822Name grammar covers: refused under
                // any rfc822Name constraint rather than let through.
                Err(_) => {
                    if let Some(by) = self.rfc822_constrained_by() {
                        return Err(ConstraintViolation::UnsupportedNameForm {
                            name: format!("email:{text}"),
                            constrained_by: by,
                        });
                    }
                }
            }
        }
        for alt in alt_names.unwrap_or_default() {
            self.check_name(alt)?;
        }
        Ok(())
    }

    fn check_name(&self, name: &GeneralName) -> Result<(), ConstraintViolation> {
        for set in &self.excluded {
            for subtree in set.subtrees.iter().filter(|s| same_form(s, name)) {
                if within(subtree, name).ok_or_else(|| unsupported(name, set.by))? {
                    return Err(ConstraintViolation::NameExcluded {
                        name: describe(name),
                        subtree: describe(subtree),
                        constrained_by: set.by,
                    });
                }
            }
        }
        for set in &self.permitted {
            let mut of_form = set
                .subtrees
                .iter()
                .filter(|s| same_form(s, name))
                .peekable();
            if of_form.peek().is_none() {
                // §6.1.4(g)(1): a form the CA did not constrain stays unconstrained.
                continue;
            }
            let mut inside = false;
            for subtree in of_form {
                if within(subtree, name).ok_or_else(|| unsupported(name, set.by))? {
                    inside = true;
                    break;
                }
            }
            if !inside {
                return Err(ConstraintViolation::NameNotPermitted {
                    name: describe(name),
                    constrained_by: set.by,
                });
            }
        }
        Ok(())
    }
}

impl NameConstraintsState {
    /// The first CA with an rfc822Name subtree, permitted or excluded.
    fn rfc822_constrained_by(&self) -> Option<usize> {
        self.excluded
            .iter()
            .chain(&self.permitted)
            .find(|set| {
                set.subtrees
                    .iter()
                    .any(|s| matches!(s, GeneralName::Rfc822Name(_)))
            })
            .map(|set| set.by)
    }
}

fn unsupported(name: &GeneralName, by: usize) -> ConstraintViolation {
    ConstraintViolation::UnsupportedNameForm {
        name: describe(name),
        constrained_by: by,
    }
}

fn checked(subtrees: &[GeneralSubtree]) -> Result<Vec<GeneralName>, Malformation> {
    subtrees
        .iter()
        .map(|subtree| {
            let bad = |reason| Malformation::NameConstraint {
                subtree: describe(&subtree.base),
                reason,
            };
            if subtree.minimum != 0 {
                return Err(bad("minimum must be 0"));
            }
            if subtree.maximum.is_some() {
                return Err(bad("maximum must be absent"));
            }
            if let GeneralName::IpAddress(range) = &subtree.base
                && !matches!(range.as_bytes().len(), 8 | 32)
            {
                return Err(bad(
                    "iPAddress must be an address and a mask of 8 or 32 bytes",
                ));
            }
            Ok(subtree.base.clone())
        })
        .collect()
}

/// The text of the emailAddress attributes of a subject.
fn subject_emails(subject: &Name) -> Vec<String> {
    subject
        .iter()
        .filter(|atv| atv.oid == oid::EMAIL_ADDRESS)
        .filter_map(|atv| decode_text(&atv.value))
        .collect()
}

/// Whether `name` lies within `base` (both of the same form); `None` for a form not
/// evaluated here.
fn within(base: &GeneralName, name: &GeneralName) -> Option<bool> {
    Some(match (base, name) {
        (GeneralName::DirectoryName(base), GeneralName::DirectoryName(name)) => {
            name::is_within(base, name)
        }
        (GeneralName::Rfc822Name(base), GeneralName::Rfc822Name(name)) => {
            rfc822_within(base.as_str(), name.as_str())
        }
        (GeneralName::DnsName(base), GeneralName::DnsName(name)) => {
            dns_within(base.as_str(), name.as_str())
        }
        (
            GeneralName::UniformResourceIdentifier(base),
            GeneralName::UniformResourceIdentifier(uri),
        ) => uri_host(uri.as_str()).is_some_and(|host| host_within(base.as_str(), host)),
        (GeneralName::IpAddress(range), GeneralName::IpAddress(address)) => {
            ip_within(range.as_bytes(), address.as_bytes())
        }
        _ => return None,
    })
}

/// dNSName: "any DNS name that can be constructed by simply adding zero or more labels to
/// the left-hand side of the name satisfies the name constraint" (RFC 5280 §4.2.1.10). A
/// leading period, as some CAs write it, admits only names below the domain.
fn dns_within(base: &str, name: &str) -> bool {
    let base = base.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    if base.is_empty() {
        return true;
    }
    if base.starts_with('.') {
        return name.ends_with(&base);
    }
    name == base || name.ends_with(&format!(".{base}"))
}

/// A URI's host against a constraint: a host, or with a leading period a domain whose hosts
/// (not the domain itself) are in the subtree (RFC 5280 §4.2.1.10).
fn host_within(base: &str, host: &str) -> bool {
    let base = base.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    if base.starts_with('.') {
        host.ends_with(&base)
    } else {
        host == base
    }
}

/// rfc822Name: a mailbox, all addresses at a host, or (with a leading period) all addresses
/// at hosts in a domain (RFC 5280 §4.2.1.10). Host parts compare case-insensitively; the
/// local part is compared exactly.
fn rfc822_within(base: &str, name: &str) -> bool {
    let Some((local, host)) = name.rsplit_once('@') else {
        return false;
    };
    match base.rsplit_once('@') {
        Some((base_local, base_host)) => {
            local == base_local && host.eq_ignore_ascii_case(base_host)
        }
        None if base.starts_with('.') => host
            .to_ascii_lowercase()
            .ends_with(&base.to_ascii_lowercase()),
        None => host.eq_ignore_ascii_case(base),
    }
}

/// The host of a URI with an authority (RFC 3986 §3.2.2): `scheme://[userinfo@]host[:port]`.
/// `None` without an authority, or for an IP literal, neither of which is a domain name.
fn uri_host(uri: &str) -> Option<&str> {
    let (_scheme, rest) = uri.split_once(':')?;
    let rest = rest.strip_prefix("//")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if host_port.starts_with('[') {
        return None;
    }
    let host = host_port
        .split_once(':')
        .map_or(host_port, |(host, _)| host);
    (!host.is_empty()).then_some(host)
}

/// iPAddress: the address, masked, equals the subtree's address, masked (RFC 5280
/// §4.2.1.10: "the mask is 255.255.255.0" style, address then mask).
fn ip_within(range: &[u8], address: &[u8]) -> bool {
    let (network, mask) = range.split_at(range.len() / 2);
    network.len() == address.len()
        && address
            .iter()
            .zip(network)
            .zip(mask)
            .all(|((a, n), m)| a & m == n & m)
}

/// A name as a report shows it: `form:value`.
pub(crate) fn describe(name: &GeneralName) -> String {
    match name {
        GeneralName::DirectoryName(dn) => format!("DirName:{}", NameText(dn)),
        GeneralName::Rfc822Name(email) => format!("email:{}", email.as_str()),
        GeneralName::DnsName(dns) => format!("DNS:{}", dns.as_str()),
        GeneralName::UniformResourceIdentifier(uri) => format!("URI:{}", uri.as_str()),
        GeneralName::IpAddress(ip) => format!("IP:{}", describe_ip(ip.as_bytes())),
        GeneralName::OtherName(other) => format!("othername:{}", other.type_id),
        GeneralName::EdiPartyName(_) => "ediPartyName".to_owned(),
        GeneralName::RegisteredId(id) => format!("RID:{id}"),
    }
}

fn describe_ip(bytes: &[u8]) -> String {
    match bytes.len() {
        4 | 16 => address(bytes),
        8 | 32 => {
            let (network, mask) = bytes.split_at(bytes.len() / 2);
            format!("{}/{}", address(network), address(mask))
        }
        _ => hex::encode(bytes),
    }
}

fn address(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Ipv6Addr::from(v6).to_string()
    } else {
        hex::encode(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns() {
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("example.com", "www.Example.com"));
        assert!(!dns_within("example.com", "badexample.com"));
        assert!(dns_within(".example.com", "www.example.com"));
        assert!(!dns_within(".example.com", "example.com"));
        assert!(dns_within("", "anything.kz"));
    }

    #[test]
    fn rfc822() {
        assert!(rfc822_within("ivan@dalel.kz", "ivan@DALEL.kz"));
        assert!(!rfc822_within("ivan@dalel.kz", "Ivan@dalel.kz"));
        assert!(rfc822_within("dalel.kz", "anyone@dalel.kz"));
        assert!(!rfc822_within("dalel.kz", "anyone@police.dalel.kz"));
        assert!(rfc822_within(".dalel.kz", "anyone@police.dalel.kz"));
        assert!(!rfc822_within(".dalel.kz", "anyone@dalel.kz"));
        assert!(!rfc822_within("dalel.kz", "no-at-sign"));
    }

    #[test]
    fn uri() {
        assert_eq!(
            uri_host("https://user@www.dalel.kz:8443/x?y"),
            Some("www.dalel.kz")
        );
        assert_eq!(uri_host("urn:isbn:123"), None);
        assert_eq!(uri_host("http://[::1]/"), None);
        assert!(host_within(".dalel.kz", "www.dalel.kz"));
        assert!(!host_within("dalel.kz", "www.dalel.kz"));
    }

    #[test]
    fn ip() {
        let range = [10, 1, 0, 0, 255, 255, 0, 0];
        assert!(ip_within(&range, &[10, 1, 2, 3]));
        assert!(!ip_within(&range, &[10, 2, 2, 3]));
        assert!(!ip_within(&range, &[0; 16]));
        assert_eq!(describe_ip(&range), "10.1.0.0/255.255.0.0");
    }
}
