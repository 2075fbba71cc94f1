//! The patient's preferences: the units values are shown in, and the app's look. Kept sealed in
//! the vault, so they travel with the history.

use serde::{Deserialize, Serialize};
use tend_vault::RecordKind;
use tend_vitals::{Metric, Unit};

use crate::{Error, Result, Session};

const PREFERENCES: &str = "preferences";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct Preferences {
    /// `mg/dL` or `mmol/L`.
    pub glucose: Unit,
    /// `kg` or `[lb_av]`.
    pub weight: Unit,
    /// `Cel` or `[degF]`.
    pub temperature: Unit,
    pub theme: Theme,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences {
            glucose: Unit::MilligramPerDecilitre,
            weight: Unit::Kilogram,
            temperature: Unit::Celsius,
            theme: Theme::System,
        }
    }
}

impl Preferences {
    /// The unit `metric` is shown in.
    pub fn unit_for(&self, metric: Metric) -> Unit {
        match metric {
            Metric::Glucose => self.glucose,
            Metric::Weight => self.weight,
            Metric::BodyTemperature => self.temperature,
            other => other.canonical_unit(),
        }
    }
}

impl Session {
    pub async fn preferences(&self) -> Result<Preferences> {
        Ok(self
            .vault
            .get_record(RecordKind::Setting, PREFERENCES)
            .await?
            .unwrap_or_default())
    }

    /// Stores `preferences` after checking each unit measures what it is for.
    pub async fn set_preferences(&self, preferences: Preferences) -> Result<Preferences> {
        for (metric, unit) in [
            (Metric::Glucose, preferences.glucose),
            (Metric::Weight, preferences.weight),
            (Metric::BodyTemperature, preferences.temperature),
        ] {
            if !metric.accepts(unit) {
                return Err(Error::InvalidInput(format!(
                    "{metric} cannot be shown in {}",
                    unit.ucum()
                )));
            }
        }
        self.vault
            .put_record(RecordKind::Setting, PREFERENCES, &preferences)
            .await?;
        Ok(preferences)
    }
}
