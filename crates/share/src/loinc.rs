//! LOINC codes for Tend's metrics, per the FHIR R4 vital-signs profile (§ Vital Signs) and the
//! Personal Health Device IG.

use tend_vitals::Metric;

/// A LOINC code and its display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoincCode {
    pub code: &'static str,
    pub display: &'static str,
}

/// The LOINC code an Observation of `metric` carries, or `None` where none is shared (battery).
pub fn loinc_code(metric: Metric) -> Option<LoincCode> {
    let (code, display) = match metric {
        Metric::HeartRate => ("8867-4", "Heart rate"),
        Metric::PulseRate => ("8889-8", "Heart rate by Pulse oximetry"),
        Metric::Spo2 => (
            "59408-5",
            "Oxygen saturation in Arterial blood by Pulse oximetry",
        ),
        Metric::Systolic => ("8480-6", "Systolic blood pressure"),
        Metric::Diastolic => ("8462-4", "Diastolic blood pressure"),
        Metric::MeanArterial => ("8478-0", "Mean blood pressure"),
        Metric::BodyTemperature => ("8310-5", "Body temperature"),
        Metric::Glucose => (
            "41653-7",
            "Glucose [Mass/volume] in Capillary blood by Glucometer",
        ),
        Metric::Weight => ("29463-7", "Body weight"),
        Metric::Bmi => ("39156-5", "Body mass index (BMI) [Ratio]"),
        Metric::BodyFat => ("41982-0", "Percentage of body fat Measured"),
        Metric::RespiratoryRate => ("9279-1", "Respiratory rate"),
        Metric::Battery => return None,
    };
    Some(LoincCode { code, display })
}

/// Oxygen saturation in arterial blood (the vital-signs profile's required code, beside 59408-5).
pub const SPO2_ARTERIAL: LoincCode = LoincCode {
    code: "2708-6",
    display: "Oxygen saturation in Arterial blood",
};
/// The blood-pressure panel whose components carry systolic and diastolic.
pub const BLOOD_PRESSURE_PANEL: LoincCode = LoincCode {
    code: "85354-9",
    display: "Blood pressure panel with all children optional",
};
/// Glucose by meter, in mmol/L.
pub const GLUCOSE_MOLAR: LoincCode = LoincCode {
    code: "14743-9",
    display: "Glucose [Moles/volume] in Capillary blood by Glucometer",
};
/// Glucose from a continuous monitor, in mg/dL.
pub const CGM_GLUCOSE_MASS: LoincCode = LoincCode {
    code: "99504-3",
    display: "Glucose [Mass/volume] in Interstitial fluid",
};
/// Glucose from a continuous monitor, in mmol/L.
pub const CGM_GLUCOSE_MOLAR: LoincCode = LoincCode {
    code: "105272-9",
    display: "Glucose [Moles/volume] in Interstitial fluid",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vital_signs_profile_codes() {
        let check = |metric, code| assert_eq!(loinc_code(metric).map(|c| c.code), code, "{metric}");
        check(Metric::HeartRate, Some("8867-4"));
        check(Metric::Spo2, Some("59408-5"));
        check(Metric::Systolic, Some("8480-6"));
        check(Metric::Diastolic, Some("8462-4"));
        check(Metric::BodyTemperature, Some("8310-5"));
        check(Metric::Weight, Some("29463-7"));
        check(Metric::Bmi, Some("39156-5"));
        check(Metric::Battery, None);
    }
}
