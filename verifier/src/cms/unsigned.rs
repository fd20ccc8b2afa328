//! Unsigned attributes of a signer info: countersignatures (RFC 5652 §11.4), signature
//! time-stamps (CAdES-T) and validation data (CAdES-LT, ETSI EN 319 122-1 §5.5).

use ::cms::content_info::ContentInfo;
use ::cms::signed_data::SignerInfo;

use super::attrs::{self, decode_value};
use super::cades::{CertificateValues, RevocationValues};
use super::certs::{CertificateInfo, CertificateSource, Der, OtherRevocation};
use super::check::{Check, CheckName, Failure};
use super::content::SignedContent;
use super::oid::{
    ID_AA_ETS_CERT_VALUES, ID_AA_ETS_REVOCATION_VALUES, ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
    ID_COUNTERSIGNATURE,
};
use super::signer::{self, SignerContext, SignerReport};
use super::timestamp::{self, Imprint, TokenContext};
use crate::report::SubIndication;

/// How deeply countersignatures and time-stamps may nest (a countersignature of a
/// countersignature, a time-stamp on a token's signer, …) before the rest is left
/// unexamined. Real signatures nest once or twice; the bound keeps a crafted input from
/// exhausting the stack.
pub const MAX_DEPTH: usize = 4;

/// Reads the unsigned attributes of `si` into `report`.
pub(crate) fn process(si: &SignerInfo, ctx: &SignerContext<'_>, report: &mut SignerReport) {
    let unsigned = si.unsigned_attrs.as_ref();
    let signature = si.signature.as_bytes();

    let countersignatures: Vec<_> = attrs::all(unsigned, ID_COUNTERSIGNATURE)
        .flat_map(|a| a.values.iter())
        .collect();
    let tokens: Vec<_> = attrs::all(unsigned, ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
        .flat_map(|a| a.values.iter())
        .collect();

    if ctx.depth >= MAX_DEPTH && !(countersignatures.is_empty() && tokens.is_empty()) {
        report.unsigned_attributes.push(Check::failed(
            CheckName::Nesting,
            Failure::indeterminate(
                SubIndication::FormatFailure,
                format!(
                    "countersignatures and time-stamps nested deeper than {MAX_DEPTH} levels \
                     were not examined"
                ),
            ),
        ));
    } else {
        // §11.4: "the countersignature ... [is] the digest of the contents octets of the DER
        // encoding of the signature field value of the SignerInfo value with which the
        // attribute is associated".
        let content = SignedContent::bytes(signature);
        let counter_ctx = SignerContext {
            pool: ctx.pool,
            content: &content,
            content_type: None,
            require_signing_certificate: false,
            depth: ctx.depth + 1,
        };
        report.countersignatures = countersignatures
            .into_iter()
            .map(|raw| signer::verify_raw(raw, &counter_ctx))
            .collect();

        // ETSI EN 319 122-1 §5.3: the time-stamp's imprint is over "the value of the
        // signature field within SignerInfo" (as RFC 3161 Appendix A says).
        let token_ctx = TokenContext {
            imprint: Some(Imprint::Data(signature)),
            nonce: None,
            policy: None,
            extra: ctx.pool,
            depth: ctx.depth + 1,
        };
        report.signature_timestamps = tokens
            .into_iter()
            .map(|raw| {
                let token = decode_value::<ContentInfo>(raw);
                timestamp::verify_decoded(token, &token_ctx, None)
            })
            .collect();
    }

    for value in attrs::all(unsigned, ID_AA_ETS_CERT_VALUES).flat_map(|a| a.values.iter()) {
        let check = read_certificate_values(value, &mut report.certificate_values);
        report.unsigned_attributes.push(check);
    }
    for value in attrs::all(unsigned, ID_AA_ETS_REVOCATION_VALUES).flat_map(|a| a.values.iter()) {
        let check = read_revocation_values(value, report);
        report.unsigned_attributes.push(check);
    }
}

fn read_certificate_values(value: &der::Any, out: &mut Vec<CertificateInfo>) -> Check {
    let name = CheckName::CertificateValues;
    let values = match decode_value::<CertificateValues>(value) {
        Ok(values) => values,
        Err(e) => return Check::failed(name, Failure::format(format!("certificate-values: {e}"))),
    };
    let mut unreadable = Vec::new();
    for (i, cert) in values.iter().enumerate() {
        match der::Encode::to_der(cert)
            .and_then(|d| CertificateInfo::from_der(&d, CertificateSource::CertificateValues))
        {
            Ok(info) => out.push(info),
            Err(e) => unreadable.push(format!("#{i}: {e}")),
        }
    }
    if unreadable.is_empty() {
        Check::passed(name, format!("{} certificates", values.len()))
    } else {
        Check::failed(
            name,
            Failure::format(format!(
                "certificate-values: unreadable certificates {}",
                unreadable.join(", ")
            )),
        )
    }
}

fn read_revocation_values(value: &der::Any, report: &mut SignerReport) -> Check {
    let name = CheckName::RevocationValues;
    let values = match decode_value::<RevocationValues>(value) {
        Ok(values) => values,
        Err(e) => return Check::failed(name, Failure::format(format!("revocation-values: {e}"))),
    };
    let result = (|| {
        let out = &mut report.revocation_values;
        let (mut crls, mut ocsp) = (0, 0);
        for crl in values.crl_vals.iter().flatten() {
            out.crls.push(Der(der::Encode::to_der(crl)?));
            crls += 1;
        }
        for response in values.ocsp_vals.iter().flatten() {
            out.basic_ocsp_responses
                .push(Der(der::Encode::to_der(response)?));
            ocsp += 1;
        }
        if let Some(other) = &values.other_rev_vals {
            out.other.push(OtherRevocation {
                format: other.other_rev_val_type,
                value: Der(der::Encode::to_der(&other.other_rev_vals)?),
            });
        }
        Ok::<_, der::Error>(format!("{crls} CRLs, {ocsp} OCSP responses"))
    })();
    Check::from_result(
        name,
        result.map_err(|e| Failure::format(format!("revocation-values: {e}"))),
    )
}
