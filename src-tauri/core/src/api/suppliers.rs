//! The Suppliers screen (and `isms list suppliers`): every supplier with what needs
//! attention: an attestation too old to tell how it is run today, a review that is
//! due, a subprocessor without a data processing agreement. The rules are in
//! [`crate::domain::suppliers`].

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::{AttestationGap, Supplier};
use crate::isms::{Isms, RecordKind, Revision};
use crate::{LoadError, Result};

/// One supplier.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SupplierLine {
    /// The supplier as written.
    pub supplier: Supplier,
    /// Its file's revision.
    pub revision: Revision,
    /// What is wrong with its attestation, in words, when something is.
    pub attestation_problem: Option<String>,
    /// The date its review was due, when that has passed.
    pub review_overdue: Option<NaiveDate>,
    /// A subprocessor without a signed data processing agreement.
    pub lacks_dpa: bool,
}

/// The suppliers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Suppliers {
    /// The day staleness is judged on.
    pub today: NaiveDate,
    /// The suppliers, by id.
    pub suppliers: Vec<SupplierLine>,
    /// Supplier files that do not load.
    pub errors: Vec<LoadError>,
}

impl Isms {
    /// The suppliers on `today`.
    pub fn suppliers(&self, today: NaiveDate) -> Result<Suppliers> {
        let (suppliers, errors) = self.records_of::<Supplier>(RecordKind::Supplier)?;
        let mut suppliers: Vec<SupplierLine> = suppliers
            .into_iter()
            .map(|(supplier, revision)| SupplierLine {
                attestation_problem: supplier.attestation_gap(today).map(|gap| match gap {
                    AttestationGap::Undated => "undated".to_string(),
                    AttestationGap::Stale(d) => format!("dated {d}, over a year ago"),
                }),
                review_overdue: supplier.review_overdue(today),
                lacks_dpa: supplier.lacks_dpa(),
                supplier,
                revision,
            })
            .collect();
        suppliers.sort_by(|a, b| a.supplier.id.cmp(&b.supplier.id));
        Ok(Suppliers {
            today,
            suppliers,
            errors,
        })
    }
}
