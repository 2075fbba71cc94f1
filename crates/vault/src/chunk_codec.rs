//! The plaintext inside a sealed chunk: samples as delta-encoded columns of varints.
//!
//! Readings at a steady rate cost about two bytes each: times as deltas of deltas (0 for a steady
//! rate), values as decimal integers (exact: a scale is used only if every value round-trips
//! through it) with small deltas, and units, sequence numbers and flags run-length encoded.

use tend_vitals::Unit;

use crate::{
    sample::{from_ns, time_ns},
    Error, Result, Sample,
};

const VERSION: u8 = 1;
const VALUES_DECIMAL: u8 = 0;
const VALUES_RAW: u8 = 1;
const MAX_SCALE: usize = 9;
const POW10: [f64; MAX_SCALE + 1] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/// Integers past this lose precision in an f64; such values are stored raw.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// Encodes samples (in any order; they are stored in the order given).
pub fn encode(samples: &[Sample]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(samples.len() * 3 + 32);
    out.push(VERSION);
    put_varint(&mut out, samples.len() as u64);

    // Times: first, first delta, then deltas of deltas.
    let (mut previous, mut previous_delta) = (0i64, 0i64);
    for (i, sample) in samples.iter().enumerate() {
        let t = time_ns(sample.time)?;
        let delta = t.wrapping_sub(previous);
        match i {
            0 => put_signed(&mut out, t),
            1 => put_signed(&mut out, delta),
            _ => put_signed(&mut out, delta.wrapping_sub(previous_delta)),
        }
        previous = t;
        previous_delta = delta;
    }

    match decimal_integers(samples) {
        Some((scale, integers)) => {
            out.push(VALUES_DECIMAL);
            out.push(scale as u8);
            let mut previous = 0i64;
            for m in integers {
                put_signed(&mut out, m.wrapping_sub(previous));
                previous = m;
            }
        }
        None => {
            out.push(VALUES_RAW);
            for sample in samples {
                out.extend_from_slice(&sample.value.to_le_bytes());
            }
        }
    }

    put_runs(
        &mut out,
        samples.iter().map(|s| u64::from(unit_code(s.unit))),
    );

    let has_sequence = samples.iter().any(|s| s.sequence.is_some());
    out.push(u8::from(has_sequence));
    if has_sequence {
        let mut previous = 0i64;
        for sample in samples {
            let s = sample.sequence.map_or(-1, i64::from);
            put_signed(&mut out, s - previous);
            previous = s;
        }
    }

    put_runs(&mut out, samples.iter().map(|s| u64::from(s.flags)));
    Ok(out)
}

/// Decodes what `encode` wrote; anything else is `Corrupt`, never a panic.
pub fn decode(bytes: &[u8]) -> Result<Vec<Sample>> {
    let mut r = Reader { bytes, at: 0 };
    if r.byte()? != VERSION {
        return Err(Error::Corrupt);
    }
    let count = usize::try_from(r.varint()?).map_err(|_| Error::Corrupt)?;
    // Every sample takes at least one byte per column: a larger count is a lie.
    if count == 0 || count > bytes.len() {
        return Err(Error::Corrupt);
    }

    let mut times = Vec::with_capacity(count);
    let (mut t, mut delta) = (0i64, 0i64);
    for i in 0..count {
        let v = r.signed()?;
        match i {
            0 => t = v,
            1 => {
                delta = v;
                t = t.wrapping_add(delta);
            }
            _ => {
                delta = delta.wrapping_add(v);
                t = t.wrapping_add(delta);
            }
        }
        times.push(t);
    }

    let mut values = Vec::with_capacity(count);
    match r.byte()? {
        VALUES_DECIMAL => {
            let scale = usize::from(r.byte()?);
            let divisor = *POW10.get(scale).ok_or(Error::Corrupt)?;
            let mut m = 0i64;
            for _ in 0..count {
                m = m.wrapping_add(r.signed()?);
                values.push(m as f64 / divisor);
            }
        }
        VALUES_RAW => {
            for _ in 0..count {
                let raw: [u8; 8] = r.take(8)?.try_into().map_err(|_| Error::Corrupt)?;
                values.push(f64::from_le_bytes(raw));
            }
        }
        _ => return Err(Error::Corrupt),
    }

    let units = r.runs(count)?;
    let sequences: Vec<Option<u32>> = match r.byte()? {
        0 => vec![None; count],
        1 => {
            let mut s = 0i64;
            let mut out = Vec::with_capacity(count);
            for _ in 0..count {
                s = s.checked_add(r.signed()?).ok_or(Error::Corrupt)?;
                out.push(if s < 0 {
                    None
                } else {
                    Some(u32::try_from(s).map_err(|_| Error::Corrupt)?)
                });
            }
            out
        }
        _ => return Err(Error::Corrupt),
    };
    let flags = r.runs(count)?;
    if r.at != bytes.len() {
        return Err(Error::Corrupt);
    }

    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        let unit_index = usize::try_from(units[i]).map_err(|_| Error::Corrupt)?;
        samples.push(Sample {
            time: from_ns(times[i])?,
            value: values[i],
            unit: *Unit::ALL.get(unit_index).ok_or(Error::Corrupt)?,
            sequence: sequences[i],
            flags: u16::try_from(flags[i]).map_err(|_| Error::Corrupt)?,
        });
    }
    Ok(samples)
}

fn unit_code(unit: Unit) -> u8 {
    // The position in `Unit::ALL`, which `decode` indexes.
    match unit {
        Unit::PerMinute => 0,
        Unit::Percent => 1,
        Unit::MillimetreOfMercury => 2,
        Unit::Kilopascal => 3,
        Unit::Celsius => 4,
        Unit::Fahrenheit => 5,
        Unit::MilligramPerDecilitre => 6,
        Unit::MillimolePerLitre => 7,
        Unit::Kilogram => 8,
        Unit::Pound => 9,
        Unit::KilogramPerSquareMetre => 10,
    }
}

/// The smallest decimal scale at which every value is an exact integer, with those integers.
/// A value is exact at a scale when dividing its integer by the scale gives it back bit for bit,
/// which is what `decode` does.
fn decimal_integers(samples: &[Sample]) -> Option<(usize, Vec<i64>)> {
    let integer = |v: f64, scale: usize| {
        let scaled = (v * POW10[scale]).round();
        (scaled.abs() < MAX_EXACT && scaled / POW10[scale] == v).then_some(scaled as i64)
    };
    'scales: for scale in 0..=MAX_SCALE {
        let mut integers = Vec::with_capacity(samples.len());
        for sample in samples {
            match integer(sample.value, scale) {
                Some(m) => integers.push(m),
                None => continue 'scales,
            }
        }
        return Some((scale, integers));
    }
    None
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_signed(out: &mut Vec<u8>, v: i64) {
    put_varint(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// Run-length encoding: the number of runs, then (value, length) pairs.
fn put_runs(out: &mut Vec<u8>, values: impl Iterator<Item = u64>) {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for v in values {
        match runs.last_mut() {
            Some((value, length)) if *value == v => *length += 1,
            _ => runs.push((v, 1)),
        }
    }
    put_varint(out, runs.len() as u64);
    for (value, length) in runs {
        put_varint(out, value);
        put_varint(out, length);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self.bytes.get(self.at).ok_or(Error::Corrupt)?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self.at.checked_add(n).ok_or(Error::Corrupt)?;
        let slice = self.bytes.get(self.at..end).ok_or(Error::Corrupt)?;
        self.at = end;
        Ok(slice)
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Error::Corrupt)
    }

    fn signed(&mut self) -> Result<i64> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn runs(&mut self, count: usize) -> Result<Vec<u64>> {
        let runs = self.varint()?;
        let mut out = Vec::with_capacity(count);
        for _ in 0..runs {
            let value = self.varint()?;
            let length = usize::try_from(self.varint()?).map_err(|_| Error::Corrupt)?;
            if out.len() + length > count {
                return Err(Error::Corrupt);
            }
            out.resize(out.len() + length, value);
        }
        if out.len() != count {
            return Err(Error::Corrupt);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use proptest::prelude::*;

    fn sample(secs: i64, value: f64) -> Sample {
        Sample {
            time: Timestamp::from_second(secs).expect("time"),
            value,
            unit: Unit::PerMinute,
            sequence: None,
            flags: 0,
        }
    }

    #[test]
    fn steady_heart_rate_costs_about_two_bytes_a_reading() {
        let samples: Vec<_> = (0..3600)
            .map(|i| sample(1_767_225_600 + i, 60.0 + (i % 7) as f64))
            .collect();
        let bytes = encode(&samples).expect("encodes");
        assert!(bytes.len() < 2 * 3600 + 64, "{} bytes", bytes.len());
        assert_eq!(decode(&bytes).expect("decodes"), samples);
    }

    #[test]
    fn mixed_units_decimals_sequences_and_raw_values_round_trip() {
        let mut samples = vec![sample(10, 36.6), sample(20, 98.15), sample(35, -0.5)];
        samples[1].unit = Unit::Fahrenheit;
        samples[2].sequence = Some(7);
        samples[0].flags = 3;
        assert_eq!(
            decode(&encode(&samples).expect("encodes")).expect("decodes"),
            samples
        );
        let raw = vec![sample(0, std::f64::consts::PI), sample(1, 1e300)];
        assert_eq!(
            decode(&encode(&raw).expect("encodes")).expect("decodes"),
            raw
        );
    }

    #[test]
    fn unit_codes_are_positions_in_unit_all() {
        for (i, unit) in Unit::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(unit_code(unit)), i);
        }
    }

    #[test]
    fn malformed_plaintext_is_corrupt_not_a_panic() {
        let good = encode(&[sample(1, 72.0), sample(2, 73.0)]).expect("encodes");
        for cut in 0..good.len() {
            assert!(decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = good.clone();
        long.push(0);
        assert!(decode(&long).is_err());
    }

    proptest! {
        #[test]
        fn any_samples_round_trip(raw in prop::collection::vec(
            (-4_000_000_000i64..8_000_000_000i64, any::<f64>().prop_filter("finite", |v| v.is_finite()),
             0usize..Unit::ALL.len(), any::<Option<u32>>(), any::<u16>()), 1..50)) {
            let samples: Vec<Sample> = raw.into_iter().map(|(secs, value, unit, sequence, flags)| Sample {
                time: Timestamp::from_second(secs).expect("in range"),
                value, unit: Unit::ALL[unit], sequence, flags,
            }).collect();
            let decoded = decode(&encode(&samples).expect("encodes")).expect("decodes");
            prop_assert_eq!(decoded.len(), samples.len());
            for (d, s) in decoded.iter().zip(&samples) {
                prop_assert_eq!(d.value.to_bits() == s.value.to_bits() || d.value == s.value, true);
                prop_assert_eq!((d.time, d.unit, d.sequence, d.flags), (s.time, s.unit, s.sequence, s.flags));
            }
        }

        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&bytes);
        }
    }
}
