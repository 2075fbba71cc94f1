//! A patient's consent to share one category with one care team, and the set of them that the
//! sync checks before anything reaches the wire.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_vitals::Metric;

use crate::{Category, Error, Result};

/// From when on the care team may see the category's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum ConsentScope {
    /// Only data measured after the consent was given.
    FromNow,
    /// History too, from the chosen instant.
    Since { since: Timestamp },
}

/// Proof that the patient allowed one category to reach one care team. Sharing code takes a
/// `Consent`, never a flag, so data without one cannot reach the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Consent {
    pub category: Category,
    pub given_at: Timestamp,
    pub scope: ConsentScope,
}

impl Consent {
    /// The earliest measurement time this consent covers.
    pub fn covers_from(&self) -> Timestamp {
        match self.scope {
            ConsentScope::FromNow => self.given_at,
            ConsentScope::Since { since } => since.min(self.given_at),
        }
    }

    /// Checks that a reading of `metric` measured at `time` may be shared under this consent.
    pub fn permits(&self, metric: Metric, time: Timestamp) -> Result<()> {
        match Category::of(metric) {
            Some(category) => self.permits_category(category, time),
            None => Err(Error::NotConsented(self.category)),
        }
    }

    /// Checks that data of `category` measured at `time` may be shared under this consent.
    pub fn permits_category(&self, category: Category, time: Timestamp) -> Result<()> {
        if category == self.category && time >= self.covers_from() {
            Ok(())
        } else {
            Err(Error::NotConsented(category))
        }
    }
}

/// Every consent one care team holds right now. Built fresh from the vault before each upload,
/// so a consent revoked mid-sync stops the next bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentSet {
    consents: Vec<Consent>,
}

impl ConsentSet {
    pub fn new(consents: impl IntoIterator<Item = Consent>) -> ConsentSet {
        ConsentSet {
            consents: consents.into_iter().collect(),
        }
    }

    /// The consent for `category`, if given.
    pub fn get(&self, category: Category) -> Option<&Consent> {
        self.consents.iter().find(|c| c.category == category)
    }

    /// `Ok` only if data of `category` measured at `time` may go to this care team.
    pub fn permits(&self, category: Category, time: Timestamp) -> Result<()> {
        self.get(category)
            .ok_or(Error::NotConsented(category))?
            .permits_category(category, time)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Consent> {
        self.consents.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.consents.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("valid timestamp")
    }

    #[test]
    fn permits_only_its_category_and_time() {
        let consent = Consent {
            category: Category::HeartRate,
            given_at: ts("2026-06-01T00:00:00Z"),
            scope: ConsentScope::FromNow,
        };
        assert!(consent
            .permits(Metric::HeartRate, ts("2026-06-02T00:00:00Z"))
            .is_ok());
        assert!(consent
            .permits(Metric::HeartRate, ts("2026-05-31T00:00:00Z"))
            .is_err());
        assert!(consent
            .permits(Metric::Glucose, ts("2026-06-02T00:00:00Z"))
            .is_err());
        assert!(consent
            .permits(Metric::Battery, ts("2026-06-02T00:00:00Z"))
            .is_err());

        let with_history = Consent {
            scope: ConsentScope::Since {
                since: ts("2026-01-01T00:00:00Z"),
            },
            ..consent
        };
        assert!(with_history
            .permits(Metric::PulseRate, ts("2026-02-01T00:00:00Z"))
            .is_ok());
    }

    #[test]
    fn a_set_permits_only_what_one_of_its_consents_covers() {
        let set = ConsentSet::new([Consent {
            category: Category::Glucose,
            given_at: ts("2026-06-01T00:00:00Z"),
            scope: ConsentScope::FromNow,
        }]);
        assert!(set
            .permits(Category::Glucose, ts("2026-06-01T00:00:00Z"))
            .is_ok());
        assert!(set
            .permits(Category::HeartRate, ts("2026-06-02T00:00:00Z"))
            .is_err());
        assert!(ConsentSet::default()
            .permits(Category::Glucose, ts("2026-06-02T00:00:00Z"))
            .is_err());
    }
}
