//! `tend decode <CHAR> <HEX>`: one characteristic value as JSON, per DESIGN.md's contract.

use serde_json::{json, Value};
use tend_core::gatt::{Float, Sfloat};

use crate::{output, Failure};

pub fn run(characteristic: &str, hex: &str) -> Result<(), Failure> {
    let bytes = parse_hex(hex)?;
    let value = decode(&characteristic.to_ascii_lowercase(), &bytes)?;
    output::json(&value)
}

fn decode(characteristic: &str, bytes: &[u8]) -> Result<Value, Failure> {
    let (number, width) = match characteristic {
        "sfloat" => (Sfloat::read(bytes)?, 2),
        "float" => (Float::read(bytes)?, 4),
        _ => {
            return Err(Failure::Failed(format!(
                "unsupported characteristic `{characteristic}`"
            )))
        }
    };
    if bytes.len() > width {
        return Err(tend_core::gatt::Error::TrailingBytes(bytes.len() - width).into());
    }
    Ok(json!({ "value": number }))
}

/// Parses `"6e f1"` or `"6ef1"` into bytes.
fn parse_hex(text: &str) -> Result<Vec<u8>, Failure> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() || digits.len() % 2 != 0 {
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
