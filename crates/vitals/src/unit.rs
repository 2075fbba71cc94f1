//! Units of measure, named by their UCUM codes, and conversions between them.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Molar mass of glucose (C6H12O6), g/mol: 1 mmol/L = 18.016 mg/dL.
const GLUCOSE_MG_PER_DL_PER_MMOL_PER_L: f64 = 18.016;
const KPA_PER_MMHG: f64 = 0.133_322_387_415;
const KG_PER_LB: f64 = 0.453_592_37;

/// A unit Tend understands. Serialized as its UCUM code (`mm[Hg]`, `Cel`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Unit {
    #[serde(rename = "/min")]
    PerMinute,
    #[serde(rename = "%")]
    Percent,
    #[serde(rename = "mm[Hg]")]
    MillimetreOfMercury,
    #[serde(rename = "kPa")]
    Kilopascal,
    #[serde(rename = "Cel")]
    Celsius,
    #[serde(rename = "[degF]")]
    Fahrenheit,
    #[serde(rename = "mg/dL")]
    MilligramPerDecilitre,
    #[serde(rename = "mmol/L")]
    MillimolePerLitre,
    #[serde(rename = "kg")]
    Kilogram,
    #[serde(rename = "[lb_av]")]
    Pound,
    #[serde(rename = "kg/m2")]
    KilogramPerSquareMetre,
}

/// What a unit measures; only units of one dimension convert into each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Rate,
    Fraction,
    Pressure,
    Temperature,
    GlucoseConcentration,
    Mass,
    MassPerArea,
}

impl Unit {
    pub const ALL: [Unit; 11] = [
        Unit::PerMinute,
        Unit::Percent,
        Unit::MillimetreOfMercury,
        Unit::Kilopascal,
        Unit::Celsius,
        Unit::Fahrenheit,
        Unit::MilligramPerDecilitre,
        Unit::MillimolePerLitre,
        Unit::Kilogram,
        Unit::Pound,
        Unit::KilogramPerSquareMetre,
    ];

    /// The UCUM code, as used in CSV files and FHIR `valueQuantity.code`.
    pub fn ucum(self) -> &'static str {
        match self {
            Unit::PerMinute => "/min",
            Unit::Percent => "%",
            Unit::MillimetreOfMercury => "mm[Hg]",
            Unit::Kilopascal => "kPa",
            Unit::Celsius => "Cel",
            Unit::Fahrenheit => "[degF]",
            Unit::MilligramPerDecilitre => "mg/dL",
            Unit::MillimolePerLitre => "mmol/L",
            Unit::Kilogram => "kg",
            Unit::Pound => "[lb_av]",
            Unit::KilogramPerSquareMetre => "kg/m2",
        }
    }

    pub fn dimension(self) -> Dimension {
        match self {
            Unit::PerMinute => Dimension::Rate,
            Unit::Percent => Dimension::Fraction,
            Unit::MillimetreOfMercury | Unit::Kilopascal => Dimension::Pressure,
            Unit::Celsius | Unit::Fahrenheit => Dimension::Temperature,
            Unit::MilligramPerDecilitre | Unit::MillimolePerLitre => {
                Dimension::GlucoseConcentration
            }
            Unit::Kilogram | Unit::Pound => Dimension::Mass,
            Unit::KilogramPerSquareMetre => Dimension::MassPerArea,
        }
    }

    /// Converts `value` from this unit into `to`. Fails across dimensions or on a non-finite value.
    pub fn convert(self, value: f64, to: Unit) -> Result<f64> {
        if !value.is_finite() {
            return Err(Error::NotFinite);
        }
        if self == to {
            return Ok(value);
        }
        use Unit::*;
        let converted = match (self, to) {
            (MillimetreOfMercury, Kilopascal) => value * KPA_PER_MMHG,
            (Kilopascal, MillimetreOfMercury) => value / KPA_PER_MMHG,
            (Celsius, Fahrenheit) => value * 9.0 / 5.0 + 32.0,
            (Fahrenheit, Celsius) => (value - 32.0) * 5.0 / 9.0,
            (MilligramPerDecilitre, MillimolePerLitre) => value / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L,
            (MillimolePerLitre, MilligramPerDecilitre) => value * GLUCOSE_MG_PER_DL_PER_MMOL_PER_L,
            (Kilogram, Pound) => value / KG_PER_LB,
            (Pound, Kilogram) => value * KG_PER_LB,
            _ => {
                return Err(Error::UnknownUnit(format!(
                    "no conversion from {} to {}",
                    self.ucum(),
                    to.ucum()
                )))
            }
        };
        Ok(converted)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ucum())
    }
}

impl FromStr for Unit {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Unit::ALL
            .into_iter()
            .find(|u| u.ucum() == s)
            .ok_or_else(|| Error::UnknownUnit(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: f64, from: Unit, to: Unit, expected: f64) {
        let got = from.convert(value, to).expect("convertible");
        assert!(
            (got - expected).abs() < 1e-6,
            "{value} {from} -> {to}: got {got}, expected {expected}"
        );
        let back = to.convert(got, from).expect("convertible back");
        assert!((back - value).abs() < 1e-9, "round trip of {value} {from}");
    }

    #[test]
    fn conversions() {
        use Unit::*;
        check(120.0, MillimetreOfMercury, Kilopascal, 15.998_686_489_8);
        check(37.0, Celsius, Fahrenheit, 98.6);
        check(-40.0, Celsius, Fahrenheit, -40.0);
        check(90.08, MilligramPerDecilitre, MillimolePerLitre, 5.0);
        check(100.0, Pound, Kilogram, 45.359_237);
        check(72.0, PerMinute, PerMinute, 72.0);
    }

    #[test]
    fn refuses_across_dimensions_and_non_finite() {
        assert!(Unit::Kilogram.convert(1.0, Unit::Celsius).is_err());
        assert_eq!(
            Unit::Celsius.convert(f64::NAN, Unit::Fahrenheit),
            Err(Error::NotFinite)
        );
    }

    #[test]
    fn ucum_codes_round_trip() {
        for unit in Unit::ALL {
            assert_eq!(unit.ucum().parse::<Unit>(), Ok(unit));
            // serde's names and `ucum()` must agree.
            let json = serde_json::to_string(&unit).expect("serializable");
            assert_eq!(json, format!("\"{}\"", unit.ucum()));
        }
    }
}
