//! The two wrappers every input goes through: a meter on the caller's stream (bytes read for
//! progress, the cancel flag) and a limit on the decoded text (no run of more than N bytes
//! without a line break, or without a `<` in XML), so no parser ever buffers an unbounded record.

use std::{
    io::{self, Read, Seek, SeekFrom},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
};

/// Shared between the wrappers and [`crate::Import`]: where the stream is, and why it stopped.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    position: AtomicU64,
    cancel: Option<Arc<AtomicBool>>,
    cancelled: AtomicBool,
    /// Set when a run went over the limit: the decoded offset where the run began, plus one.
    too_long_at: AtomicU64,
}

impl Meter {
    pub(crate) fn new(cancel: Option<Arc<AtomicBool>>) -> Arc<Meter> {
        Arc::new(Meter {
            cancel,
            ..Meter::default()
        })
    }

    /// Bytes of the caller's stream read so far (the position in it, for a seekable one).
    pub(crate) fn position(&self) -> u64 {
        self.position.load(Ordering::Relaxed)
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
            || self
                .cancel
                .as_ref()
                .is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    /// The decoded offset where an over-long run began, if one did.
    pub(crate) fn too_long_at(&self) -> Option<u64> {
        match self.too_long_at.load(Ordering::Relaxed) {
            0 => None,
            at => Some(at - 1),
        }
    }
}

/// The caller's stream, counted and cancellable.
#[derive(Debug)]
pub(crate) struct Metered<R> {
    inner: R,
    meter: Arc<Meter>,
}

impl<R> Metered<R> {
    pub(crate) fn new(inner: R, meter: Arc<Meter>) -> Metered<R> {
        Metered { inner, meter }
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.meter.is_cancelled() {
            self.meter.cancelled.store(true, Ordering::Relaxed);
            return Err(io::Error::other("cancelled"));
        }
        let read = self.inner.read(buf)?;
        self.meter
            .position
            .fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

impl<R: Seek> Seek for Metered<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(pos)?;
        self.meter.position.store(at, Ordering::Relaxed);
        Ok(at)
    }
}

/// Decoded text whose runs between two `delimiter` bytes are at most `limit` bytes long.
#[derive(Debug)]
pub(crate) struct RunLimit<R> {
    inner: R,
    delimiter: u8,
    limit: usize,
    run: usize,
    offset: u64,
    meter: Arc<Meter>,
}

impl<R> RunLimit<R> {
    pub(crate) fn new(inner: R, delimiter: u8, limit: usize, meter: Arc<Meter>) -> RunLimit<R> {
        RunLimit {
            inner,
            delimiter,
            limit,
            run: 0,
            offset: 0,
            meter,
        }
    }
}

impl<R: Read> Read for RunLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.run > self.limit {
            return Err(io::Error::other("a run over the limit"));
        }
        let read = self.inner.read(buf)?;
        let chunk = &buf[..read];
        // Every run in the chunk: the one carried in, those between delimiters, the open one.
        let mut start = 0;
        let mut longest = (0, 0u64);
        for at in memchr::memchr_iter(self.delimiter, chunk) {
            let run = self.run + (at - start);
            if run > longest.0 {
                longest = (run, self.offset + start as u64 - self.run as u64);
            }
            self.run = 0;
            start = at + 1;
        }
        self.run += read - start;
        if self.run > longest.0 {
            longest = (self.run, self.offset + read as u64 - self.run as u64);
        }
        self.offset += read as u64;
        if longest.0 > self.limit {
            self.run = longest.0;
            self.meter
                .too_long_at
                .store(longest.1 + 1, Ordering::Relaxed);
            return Err(io::Error::other("a run over the limit"));
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8], limit: usize) -> (bool, Option<u64>) {
        let meter = Meter::new(None);
        let mut limited = RunLimit::new(
            Metered::new(text, meter.clone()),
            b'\n',
            limit,
            meter.clone(),
        );
        let mut out = Vec::new();
        let ok = limited.read_to_end(&mut out).is_ok();
        (ok, meter.too_long_at())
    }

    #[test]
    fn runs_are_bounded() {
        assert_eq!(read_all(b"abc\ndef\n", 3), (true, None));
        assert_eq!(read_all(b"abc\ndefg\n", 3), (false, Some(4)));
        assert_eq!(read_all(b"abcd", 3), (false, Some(0)));
    }

    #[test]
    fn cancel_stops_reading() {
        let flag = Arc::new(AtomicBool::new(true));
        let meter = Meter::new(Some(flag));
        let mut metered = Metered::new(&b"abc"[..], meter.clone());
        assert!(metered.read(&mut [0; 3]).is_err());
        assert!(meter.is_cancelled());
    }
}
