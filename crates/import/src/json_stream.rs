//! A streaming JSON splitter: the elements of a top-level array (Nightscout) or of a Bundle's
//! `entry` array (FHIR) one at a time, each as its own bounded byte buffer that serde_json then
//! parses. Nothing but one element is ever held, and no element may exceed the limit.

use std::io::BufRead;

use crate::{Error, Format, Result};

/// Reads JSON values one at a time from a byte stream.
pub(crate) struct JsonValues<R: BufRead> {
    input: R,
    offset: u64,
    limit: usize,
    format: Format,
}

impl<R: BufRead> JsonValues<R> {
    pub(crate) fn new(input: R, limit: usize, format: Format) -> JsonValues<R> {
        JsonValues {
            input,
            offset: 0,
            limit,
            format,
        }
    }

    /// The byte offset reached.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    pub(crate) fn malformed(&self, what: &str) -> Error {
        Error::Malformed {
            place: format!("JSON at byte {}", self.offset),
            what: what.to_owned(),
        }
    }

    /// The next byte that is not whitespace, without consuming it; `None` at the end.
    pub(crate) fn peek(&mut self) -> Result<Option<u8>> {
        loop {
            let buf = self
                .input
                .fill_buf()
                .map_err(|e| Error::Io(e.to_string()))?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf
                .iter()
                .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
            {
                Some(at) => {
                    let byte = buf[at];
                    self.input.consume(at);
                    self.offset += at as u64;
                    return Ok(Some(byte));
                }
                None => {
                    let len = buf.len();
                    self.input.consume(len);
                    self.offset += len as u64;
                }
            }
        }
    }

    /// Consumes `byte`, which must come next (after whitespace).
    pub(crate) fn expect(&mut self, byte: u8, what: &str) -> Result<()> {
        match self.peek()? {
            Some(found) if found == byte => {
                self.input.consume(1);
                self.offset += 1;
                Ok(())
            }
            Some(_) => Err(self.malformed(what)),
            None => Err(self.malformed(&format!("the file ends early: {what}"))),
        }
    }

    /// After an element: `,` (more follow: true) or `close` (the end: false).
    pub(crate) fn separator(&mut self, close: u8) -> Result<bool> {
        match self.peek()? {
            Some(b',') => {
                self.input.consume(1);
                self.offset += 1;
                Ok(true)
            }
            Some(found) if found == close => {
                self.input.consume(1);
                self.offset += 1;
                Ok(false)
            }
            Some(_) => Err(self.malformed("expected `,` or the end of the list")),
            None => Err(self.malformed("the file ends in the middle of a list")),
        }
    }

    /// Copies the next complete value into `out` (cleared first).
    pub(crate) fn value(&mut self, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        let first = self
            .peek()?
            .ok_or_else(|| self.malformed("the file ends where a value was expected"))?;
        let mut state = Scan::start(first);
        loop {
            let buf = self
                .input
                .fill_buf()
                .map_err(|e| Error::Io(e.to_string()))?;
            if buf.is_empty() {
                return match state {
                    Scan::Scalar => Ok(()),
                    _ => Err(self.malformed("the file ends in the middle of a value")),
                };
            }
            let mut taken = 0;
            let mut done = false;
            for &byte in buf {
                match state.step(byte) {
                    Step::Take => taken += 1,
                    Step::TakeAndEnd => {
                        taken += 1;
                        done = true;
                        break;
                    }
                    Step::End => {
                        done = true;
                        break;
                    }
                }
            }
            out.extend_from_slice(&buf[..taken]);
            self.input.consume(taken);
            self.offset += taken as u64;
            if out.len() > self.limit {
                return Err(Error::TooLong {
                    format: self.format,
                    place: format!("JSON value at byte {}", self.offset - out.len() as u64),
                    limit: self.limit,
                });
            }
            if done {
                return Ok(());
            }
        }
    }
}

/// Where a value scan is: inside containers (depth), a string, or a bare scalar.
#[derive(Debug, Clone, Copy)]
enum Scan {
    Begin,
    Container {
        depth: u32,
        in_string: bool,
        escaped: bool,
    },
    String {
        escaped: bool,
        started: bool,
    },
    Scalar,
}

enum Step {
    Take,
    TakeAndEnd,
    End,
}

impl Scan {
    fn start(first: u8) -> Scan {
        match first {
            b'{' | b'[' => Scan::Begin,
            b'"' => Scan::String {
                escaped: false,
                started: false,
            },
            _ => Scan::Scalar,
        }
    }

    fn step(&mut self, byte: u8) -> Step {
        match self {
            Scan::Begin => {
                *self = Scan::Container {
                    depth: 1,
                    in_string: false,
                    escaped: false,
                };
                Step::Take
            }
            Scan::Container {
                depth,
                in_string,
                escaped,
            } => {
                if *in_string {
                    if *escaped {
                        *escaped = false;
                    } else if byte == b'\\' {
                        *escaped = true;
                    } else if byte == b'"' {
                        *in_string = false;
                    }
                    return Step::Take;
                }
                match byte {
                    b'"' => *in_string = true,
                    b'{' | b'[' => *depth = depth.saturating_add(1),
                    b'}' | b']' => {
                        *depth -= 1;
                        if *depth == 0 {
                            return Step::TakeAndEnd;
                        }
                    }
                    _ => {}
                }
                Step::Take
            }
            Scan::String { escaped, started } => {
                if !*started {
                    *started = true;
                    return Step::Take;
                }
                if *escaped {
                    *escaped = false;
                } else if byte == b'\\' {
                    *escaped = true;
                } else if byte == b'"' {
                    return Step::TakeAndEnd;
                }
                Step::Take
            }
            Scan::Scalar => match byte {
                b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r' => Step::End,
                _ => Step::Take,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str, limit: usize) -> Result<Vec<String>> {
        let mut json = JsonValues::new(text.as_bytes(), limit, Format::NightscoutJson);
        json.expect(b'[', "a list")?;
        let mut out = Vec::new();
        let mut buf = Vec::new();
        if json.peek()? == Some(b']') {
            return Ok(out);
        }
        loop {
            json.value(&mut buf)?;
            out.push(String::from_utf8_lossy(&buf).into_owned());
            if !json.separator(b']')? {
                return Ok(out);
            }
        }
    }

    #[test]
    fn splits_elements() {
        let check = |text: &str, expected: &[&str]| {
            assert_eq!(values(text, 1000).expect(text), expected, "{text}");
        };
        check("[]", &[]);
        check(" [ 1 , 2 ]", &["1", "2"]);
        check(
            r#"[{"a":"}]\"","b":[1,{"c":2}]}, "x,]", true]"#,
            &[r#"{"a":"}]\"","b":[1,{"c":2}]}"#, r#""x,]""#, "true"],
        );
    }

    #[test]
    fn refuses_broken_and_long_values() {
        assert!(values("[1, 2", 1000).is_err());
        assert!(values("[{\"a\": 1", 1000).is_err());
        assert!(values("[1 2]", 1000).is_err());
        assert!(matches!(
            values(r#"["0123456789abcdef"]"#, 8),
            Err(Error::TooLong { .. })
        ));
    }
}
