//! `tend decode <CHAR> <HEX>`: one characteristic value as JSON, per DESIGN.md's contract.
//!
//! The contract fixes the field names; this file maps each decoded value onto them. Values are
//! fully scaled in the unit the device sent, fields the packet does not carry are omitted, and
//! IEEE-11073 special values print as their names. Whole numbers print as integers (`72`),
//! others as the shortest decimal that reads back (`36.6`).
//!
//! `tend decode` has no feature characteristic to go with a measurement, so it decodes as the
//! specifications do when the features are not known: PLX 2a5e/2a5f as if every feature were
//! supported (the flags alone give the layout), weight 2a9d and body composition 2a9c at the fixed
//! scales of the GATT Specification Supplement (the feature's resolution does not rescale them),
//! and CGM 2aa7/2aa9/2aaa with the E2E-CRC present exactly when the record's size (or the value's
//! length) leaves room for it, and then checked.
//!
//! What decoding ignored — reserved flag bits that were set, a glucose context's extended flags,
//! an intermediate cuff pressure's unused fields that were not NaN — is listed in `warnings`, one
//! sentence each from the decoder's own `Characteristic::ignored` (bits and field names, never a
//! health value); for a CGM value holding several records, in each record's object.

use serde_json::{Map, Value};
use tend_core::gatt::{
    BatteryLevel, BloodPressureFeature, BloodPressureMeasurement, BloodPressureStatus,
    BodyCompositionFeature, BodyCompositionMeasurement, CgmFeature, CgmMeasurement, CgmRecord,
    CgmSessionStartTime, CgmStatus, Characteristic, CurrentTime, DateTime, DeviceInformationString,
    Error, Float, GlucoseContext, GlucoseFeature, GlucoseMeasurement, HeartRateMeasurement,
    Ignored, IntermediateCuffPressure, Number, PlxContinuous, PlxFeatures, PlxSpotCheck,
    RacpResponse, Sfloat, TemperatureMeasurement, TemperatureType, WeightMeasurement,
    WeightScaleFeature,
};

use crate::{output, Failure};

pub fn run(characteristic: &str, hex: &str) -> Result<(), Failure> {
    let bytes = parse_hex(hex)?;
    let value = decode(&characteristic.to_ascii_lowercase(), &bytes)?;
    output::json(&value)
}

fn decode(characteristic: &str, bytes: &[u8]) -> Result<Value, Failure> {
    let uuid = characteristic.strip_prefix("0x").unwrap_or(characteristic);
    let fields = match uuid {
        "sfloat" => bare(Sfloat::read(bytes)?, bytes.len(), 2)?,
        "float" => bare(Float::read(bytes)?, bytes.len(), 4)?,
        "2a37" => decoded(bytes, heart_rate)?,
        "2a35" => decoded(bytes, blood_pressure)?,
        "2a36" => decoded(bytes, cuff_pressure)?,
        "2a49" => Fields::new().put("features", BloodPressureFeature::decode(bytes)?.0),
        "2a1c" => decoded(bytes, temperature)?,
        "2a1d" => Fields::new().put("temperature_type", TemperatureType::decode(bytes)?.raw()),
        "2a5e" => decoded(bytes, spot_check)?,
        "2a5f" => decoded(bytes, continuous)?,
        "2a60" => decoded(bytes, plx_features)?,
        "2a18" => decoded(bytes, glucose)?,
        "2a34" => decoded(bytes, glucose_context)?,
        "2a51" => Fields::new().put("features", GlucoseFeature::decode(bytes)?.0),
        "2a9d" => decoded(bytes, weight)?,
        "2a9e" => decoded(bytes, weight_feature)?,
        "2a9c" => decoded(bytes, body_composition)?,
        "2a9b" => decoded(bytes, body_composition_feature)?,
        "2aa7" => return Ok(cgm(&CgmMeasurement::decode(bytes)?)),
        "2aa8" => decoded(bytes, cgm_feature)?,
        "2aa9" => decoded(bytes, cgm_status)?,
        "2aaa" => decoded(bytes, session_start)?,
        "2a19" => Fields::new().put("battery_percent", BatteryLevel::decode(bytes)?.percent()),
        "2a08" => Fields::new().put("timestamp", DateTime::decode(bytes)?.to_contract_string()),
        "2a2b" => decoded(bytes, current_time)?,
        "2a52" => racp_response(&RacpResponse::decode(bytes)?),
        other => match u16::from_str_radix(other, 16)
            .ok()
            .and_then(DeviceInformationString::from_uuid)
        {
            Some(_) => Fields::new().put("value", DeviceInformationString::decode(bytes)?),
            None => {
                return Err(Failure::Failed(format!(
                    "unsupported characteristic `{characteristic}`"
                )))
            }
        },
    };
    Ok(fields.into_value())
}

/// Decodes `bytes` as `T`, maps it onto the contract's fields, and lists what decoding ignored.
fn decoded<T: Characteristic>(bytes: &[u8], fields: fn(&T) -> Fields) -> Result<Fields, Failure> {
    let value = T::decode(bytes)?;
    Ok(fields(&value).warnings(&value.ignored()))
}

/// A bare SFLOAT or FLOAT: exactly its width, no more.
fn bare(number: Number, len: usize, width: usize) -> Result<Fields, Failure> {
    if len > width {
        return Err(Error::TrailingBytes(len - width).into());
    }
    Ok(Fields::new().number("value", number))
}

fn heart_rate(m: &HeartRateMeasurement) -> Fields {
    let rr: Vec<Value> = m.rr_intervals_ms().map(real).collect();
    Fields::new()
        .put("heart_rate_bpm", m.bpm)
        .put("sensor_contact", m.sensor_contact.name())
        .opt("energy_expended_kj", m.energy_expended_kj)
        .opt("rr_intervals_ms", (!rr.is_empty()).then_some(rr))
}

fn blood_pressure(m: &BloodPressureMeasurement) -> Fields {
    Fields::new()
        .number("systolic", m.systolic)
        .number("diastolic", m.diastolic)
        .number("mean_arterial", m.mean_arterial)
        .put("unit", m.unit.name())
        .opt("timestamp", m.timestamp.map(|t| t.to_contract_string()))
        .opt_number("pulse_rate_bpm", m.pulse_rate)
        .opt("user_id", m.user_id)
        .opt(
            "measurement_status",
            m.status.map(|s: BloodPressureStatus| s.0),
        )
}

fn cuff_pressure(m: &IntermediateCuffPressure) -> Fields {
    Fields::new()
        .number("cuff_pressure", m.cuff_pressure)
        .put("unit", m.unit.name())
        .opt("timestamp", m.timestamp.map(|t| t.to_contract_string()))
        .opt_number("pulse_rate_bpm", m.pulse_rate)
        .opt("user_id", m.user_id)
        .opt("measurement_status", m.status.map(|s| s.0))
}

fn temperature(m: &TemperatureMeasurement) -> Fields {
    Fields::new()
        .number("temperature", m.temperature)
        .put("unit", m.unit.name())
        .opt("timestamp", m.timestamp.map(|t| t.to_contract_string()))
        .opt("temperature_type", m.temperature_type.map(|t| t.raw()))
}

fn spot_check(m: &PlxSpotCheck) -> Fields {
    Fields::new()
        .number("spo2_percent", m.reading.spo2)
        .number("pulse_rate_bpm", m.reading.pulse_rate)
        .opt("timestamp", m.timestamp.map(|t| t.to_contract_string()))
        .opt("measurement_status", m.measurement_status.map(|s| s.0))
        .opt("device_sensor_status", m.device_sensor_status.map(|s| s.0))
        .opt_number("pulse_amplitude_index", m.pulse_amplitude_index)
}

fn continuous(m: &PlxContinuous) -> Fields {
    Fields::new()
        .number("spo2_percent", m.normal.spo2)
        .number("pulse_rate_bpm", m.normal.pulse_rate)
        .opt_number("spo2_fast_percent", m.fast.map(|p| p.spo2))
        .opt_number("pulse_rate_fast_bpm", m.fast.map(|p| p.pulse_rate))
        .opt_number("spo2_slow_percent", m.slow.map(|p| p.spo2))
        .opt_number("pulse_rate_slow_bpm", m.slow.map(|p| p.pulse_rate))
        .opt("measurement_status", m.measurement_status.map(|s| s.0))
        .opt("device_sensor_status", m.device_sensor_status.map(|s| s.0))
        .opt_number("pulse_amplitude_index", m.pulse_amplitude_index)
}

fn plx_features(f: &PlxFeatures) -> Fields {
    Fields::new()
        .put("supported_features", f.supported)
        .opt("measurement_status_support", f.measurement_status_support)
        .opt(
            "device_sensor_status_support",
            f.device_sensor_status_support,
        )
}

fn glucose(m: &GlucoseMeasurement) -> Fields {
    let c = m.concentration;
    Fields::new()
        .put("sequence_number", m.sequence_number)
        .put("timestamp", m.base_time.to_contract_string())
        .opt("time_offset_min", m.time_offset_min)
        .opt_number("glucose_concentration", c.map(|c| c.value))
        .opt("unit", c.map(|c| c.unit.name()))
        .opt("sample_type", c.map(|c| c.sample_type.raw()))
        .opt("sample_location", c.map(|c| c.sample_location.raw()))
        .opt("sensor_status", m.sensor_status.map(|s| s.0))
        .put("context_follows", m.context_follows)
}

fn glucose_context(m: &GlucoseContext) -> Fields {
    Fields::new()
        .put("sequence_number", m.sequence_number)
        .opt("carbohydrate_id", m.carbohydrate.map(|(id, _)| id.raw()))
        .opt_number(
            "carbohydrate_amount",
            m.carbohydrate.map(|(_, amount)| amount),
        )
        .opt("meal", m.meal.map(|meal| meal.raw()))
        .opt("tester", m.tester_health.map(|(tester, _)| tester.raw()))
        .opt("health", m.tester_health.map(|(_, health)| health.raw()))
        .opt("exercise_duration_s", m.exercise.map(|e| e.duration_s))
        .opt(
            "exercise_intensity_percent",
            m.exercise.map(|e| e.intensity_percent),
        )
        .opt("medication_id", m.medication.map(|x| x.id.raw()))
        .opt_number("medication_amount", m.medication.map(|x| x.amount))
        .opt("medication_unit", m.medication.map(|x| x.unit.name()))
        .opt_number("hba1c_percent", m.hba1c_percent)
}

fn weight(m: &WeightMeasurement) -> Fields {
    Fields::new()
        .opt("weight", m.weight_value().map(real))
        .put("unit", m.units.mass_name())
        .opt("timestamp", m.timestamp.map(|t| t.to_contract_string()))
        .opt("user_id", m.user_id)
        .opt("bmi", m.bmi_value().map(real))
        .opt("height", m.height_value().map(real))
        .put("measurement_unsuccessful", m.weight.is_none())
}

fn weight_feature(f: &WeightScaleFeature) -> Fields {
    Fields::new()
        .put("features", f.0)
        .put("weight_resolution", f.weight_resolution().raw())
        .put("height_resolution", f.height_resolution().raw())
}

fn body_composition(m: &BodyCompositionMeasurement) -> Fields {
    Fields::new()
        .opt("body_fat_percent", m.body_fat_percent().map(real))
        .put("unit", m.units.mass_name())
        .opt("timestamp", m.timestamp.map(|t| t.to_contract_string()))
        .opt("user_id", m.user_id)
        .opt("basal_metabolism_kj", m.basal_metabolism_kj)
        .opt("muscle_percent", m.muscle_percent().map(real))
        .opt("muscle_mass", m.mass(m.muscle_mass).map(real))
        .opt("fat_free_mass", m.mass(m.fat_free_mass).map(real))
        .opt("soft_lean_mass", m.mass(m.soft_lean_mass).map(real))
        .opt("body_water_mass", m.mass(m.body_water_mass).map(real))
        .opt("impedance_ohm", m.impedance_ohm().map(real))
        .opt("weight", m.mass(m.weight).map(real))
        .opt("height", m.height_value().map(real))
        .put("multiple_packet", m.multiple_packet)
        .put("measurement_unsuccessful", m.body_fat.is_none())
}

fn body_composition_feature(f: &BodyCompositionFeature) -> Fields {
    Fields::new()
        .put("features", f.0)
        .put("weight_resolution", f.weight_resolution().raw())
        .put("height_resolution", f.height_resolution().raw())
}

/// One record as an object; a value holding several prints `{"records": [...]}`.
fn cgm(m: &CgmMeasurement) -> Value {
    let mut records: Vec<Value> = m
        .records
        .iter()
        .map(|r| cgm_record(r).warnings(&r.ignored()).into_value())
        .collect();
    match records.len() {
        1 => records.pop().unwrap_or(Value::Null),
        _ => Fields::new().put("records", records).into_value(),
    }
}

fn cgm_record(r: &CgmRecord) -> Fields {
    Fields::new()
        .number("cgm_glucose_mg_dl", r.glucose)
        .put("time_offset_min", r.time_offset_min)
        .opt_number("trend_mg_dl_per_min", r.trend)
        .opt_number("quality_percent", r.quality)
        .put("e2e_crc_present", r.e2e_crc)
        .opt(
            "sensor_status",
            (!r.status.is_empty()).then(|| r.status.combined()),
        )
}

fn cgm_feature(f: &CgmFeature) -> Fields {
    Fields::new()
        .put("features", f.features)
        .put("sample_type", f.sample_type.raw())
        .put("sample_location", f.sample_location.raw())
        .put("e2e_crc_supported", f.e2e_crc_supported())
}

fn cgm_status(s: &CgmStatus) -> Fields {
    Fields::new()
        .put("time_offset_min", s.time_offset_min)
        .put("sensor_status", s.status)
        .put("e2e_crc_present", s.e2e_crc)
}

fn session_start(s: &CgmSessionStartTime) -> Fields {
    Fields::new()
        .put("timestamp", s.start.to_contract_string())
        .opt("time_zone_min", s.time_zone_minutes())
        .opt("dst_offset_min", s.dst.minutes())
        .put("e2e_crc_present", s.e2e_crc)
}

fn current_time(t: &CurrentTime) -> Fields {
    Fields::new()
        .put("timestamp", t.date_time.to_contract_string())
        .put("day_of_week", t.day_of_week.raw())
        .put("fractions256", t.fractions256)
        .put("adjust_reason", t.adjust_reason.0)
}

fn racp_response(r: &RacpResponse) -> Fields {
    match r {
        RacpResponse::NumberOfStoredRecords(n) => Fields::new().put("number_of_records", *n),
        RacpResponse::ResponseCode {
            request_op_code,
            response,
        } => Fields::new()
            .put("request_op_code", *request_op_code)
            .put("response_code", response.raw()),
    }
}

/// A JSON object built field by field.
struct Fields(Map<String, Value>);

impl Fields {
    fn new() -> Self {
        Fields(Map::new())
    }

    fn put(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    /// Omitted when the packet does not carry it.
    fn opt(self, key: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.put(key, v),
            None => self,
        }
    }

    fn number(self, key: &str, value: Number) -> Self {
        self.put(key, number(value))
    }

    fn opt_number(self, key: &str, value: Option<Number>) -> Self {
        self.opt(key, value.map(number))
    }

    /// `warnings`: what decoding ignored, one sentence each; omitted when it ignored nothing.
    fn warnings(self, ignored: &[Ignored]) -> Self {
        let sentences: Vec<Value> = ignored.iter().map(|i| i.to_string().into()).collect();
        self.opt("warnings", (!sentences.is_empty()).then_some(sentences))
    }

    fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// A finite number as JSON number, a special value as its contract name.
fn number(n: Number) -> Value {
    match (n.value(), n.special_name()) {
        (Some(v), _) => real(v),
        (None, name) => Value::from(name.unwrap_or("reserved")),
    }
}

/// Whole values as integers (`72`), others as the shortest decimal that reads back (`36.6`).
fn real(v: f64) -> Value {
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53
    if v.fract() == 0.0 && v.abs() < EXACT_INTEGERS {
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

/// Parses `"6e f1"` or `"6ef1"` into bytes.
fn parse_hex(text: &str) -> Result<Vec<u8>, Failure> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Failure::Failed(
            "HEX holds a character that is not a hex digit".into(),
        ));
    }
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return Err(Failure::Failed(
            "HEX must be whole bytes, two hex digits each".into(),
        ));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            digits
                .get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| {
                    Failure::Failed("HEX holds a character that is not a hex digit".into())
                })
        })
        .collect()
}
