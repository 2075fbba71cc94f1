//! Writing results to stdout: JSON for scripts, plain lines for people.

use serde::Serialize;

use crate::Failure;

/// Prints `value` as one line of JSON.
pub fn json<T: Serialize>(value: &T) -> Result<(), Failure> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}
