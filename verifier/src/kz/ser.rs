//! Serialisation of object identifiers as dotted strings, for the JSON report.

use const_oid::ObjectIdentifier;
use serde::Serializer;

/// `1.2.398.3.3.4.1.1` rather than the encoding's bytes.
pub(crate) fn oid<S: Serializer>(oid: &ObjectIdentifier, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(oid)
}

/// A list of identifiers, each as [`oid`] writes it.
pub(crate) fn oids<S: Serializer>(
    oids: &[ObjectIdentifier],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(oids.iter().map(ToString::to_string))
}
