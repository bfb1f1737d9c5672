//! Suppliers (ISO/IEC 27001:2022 controls 5.19–5.23): `suppliers/<id>.md`, one file
//! per supplier, with what it does for the organisation, the data it processes and
//! where, its contract and data processing agreement, its own attestation and when it
//! was last reviewed. A supplier that processes customers' personal data on the
//! organisation's behalf is a *subprocessor*: the public security page lists those,
//! and the SOC 2 system description's subservice organisations must be among them.

use chrono::NaiveDate;
use serde::Serialize;

use super::words::word_enum;

/// An attestation older than this many days no longer tells how the supplier is run
/// today: SOC 2 reports and ISO certificates are renewed yearly.
pub const ATTESTATION_STALE_AFTER_DAYS: i64 = 365;

word_enum! {
    /// Where the contract with a supplier stands.
    ContractStatus {
        /// Signed and in force.
        Signed,
        /// Being negotiated; the service may already be in use.
        Negotiating,
        /// Ended or lapsed.
        Expired,
        /// No negotiated contract: the supplier's online terms of service, accepted.
        TermsOfService,
    }
}

word_enum! {
    /// Where the data processing agreement with a supplier stands (GDPR art. 28).
    DpaStatus {
        /// Signed.
        Signed,
        /// Not needed: the supplier processes no personal data for us.
        NotRequired,
        /// Needed and not signed.
        Missing,
    }
}

/// A supplier: `suppliers/<id>.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Supplier {
    /// `cloudberry-hosting`; also the file name.
    pub id: String,
    /// The supplier's name, as it trades.
    pub name: String,
    /// What it does for the organisation, in a line. For a subprocessor this line is
    /// published as its purpose on the security page.
    pub service: String,
    /// The kinds of data it processes (`customer personal data`, `payment card data`).
    pub data: Vec<String>,
    /// Where it processes them (`EU (Frankfurt)`); published for a subprocessor.
    pub region: String,
    /// Whether it processes customers' personal data on the organisation's behalf.
    pub subprocessor: bool,
    /// The role that answers for the relationship.
    pub owner: String,
    /// The contract.
    pub contract: ContractStatus,
    /// When the contract ends or is next renewed.
    pub contract_ends: Option<NaiveDate>,
    /// The data processing agreement.
    pub dpa: DpaStatus,
    /// The supplier's own attestation (`SOC 2 Type II`, `ISO/IEC 27001:2022`), when it
    /// has one.
    pub attestation: Option<String>,
    /// The date of that attestation's report or certificate.
    pub attestation_date: Option<NaiveDate>,
    /// When the relationship was last reviewed.
    pub reviewed_on: Option<NaiveDate>,
    /// When it is next to be reviewed.
    pub next_review: Option<NaiveDate>,
    /// The risks about this supplier.
    pub risks: Vec<String>,
    /// The Annex A controls that govern it (5.19–5.23 and any other).
    pub controls: Vec<String>,
    /// The markdown body (notes on the relationship; never published).
    pub body: String,
}

/// Why a supplier's attestation tells too little, on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationGap {
    /// An attestation is named without the date of its report.
    Undated,
    /// The report is older than [`ATTESTATION_STALE_AFTER_DAYS`]; the date it was.
    Stale(NaiveDate),
}

impl Supplier {
    /// What is wrong with its attestation on `today`, when something is. A supplier
    /// that names no attestation has no gap here: whether it needs one is the owner's
    /// judgement, recorded in the body.
    pub fn attestation_gap(&self, today: NaiveDate) -> Option<AttestationGap> {
        self.attestation.as_ref()?;
        match self.attestation_date {
            None => Some(AttestationGap::Undated),
            Some(d) if (today - d).num_days() > ATTESTATION_STALE_AFTER_DAYS => {
                Some(AttestationGap::Stale(d))
            }
            Some(_) => None,
        }
    }

    /// The date its review was due, when that has passed on `today`.
    pub fn review_overdue(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.next_review.filter(|due| *due < today)
    }

    /// Whether it processes personal data without the agreement that must govern it.
    pub fn lacks_dpa(&self) -> bool {
        self.subprocessor && self.dpa != DpaStatus::Signed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn supplier() -> Supplier {
        Supplier {
            id: "cloudberry".into(),
            name: "Cloudberry".into(),
            service: "Hosting".into(),
            data: vec![],
            region: "EU".into(),
            subprocessor: true,
            owner: "cto".into(),
            contract: ContractStatus::Signed,
            contract_ends: None,
            dpa: DpaStatus::Signed,
            attestation: Some("SOC 2 Type II".into()),
            attestation_date: None,
            reviewed_on: None,
            next_review: None,
            risks: vec![],
            controls: vec![],
            body: String::new(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a test date is ISO 8601")
    }

    #[test]
    fn an_attestation_is_stale_after_a_year_and_must_be_dated() {
        let mut s = supplier();
        assert_eq!(
            s.attestation_gap(day("2026-06-01")),
            Some(AttestationGap::Undated)
        );
        s.attestation_date = Some(day("2025-06-01"));
        assert_eq!(
            s.attestation_gap(day("2026-06-01")),
            None,
            "365 days is a year"
        );
        assert_eq!(
            s.attestation_gap(day("2026-06-02")),
            Some(AttestationGap::Stale(day("2025-06-01")))
        );
        s.attestation = None;
        assert_eq!(s.attestation_gap(day("2030-01-01")), None);
    }

    #[test]
    fn a_subprocessor_needs_a_signed_dpa() {
        let mut s = supplier();
        assert!(!s.lacks_dpa());
        s.dpa = DpaStatus::Missing;
        assert!(s.lacks_dpa());
        s.subprocessor = false;
        assert!(!s.lacks_dpa());
    }
}
