//! A Nightscout download streamed into the reader: `tend-share` fetches the entries page by page
//! and writes them as one JSON array into a pipe that the import reads on its own thread, so the
//! download is never held whole, nor written to disk in clear.

use std::{
    io::{self, Read, Write},
    sync::mpsc,
    time::Duration,
};

use tend_share::{
    nightscout::{download_entries, NightscoutQuery},
    HttpTransport,
};
use tokio::task::JoinHandle;

use crate::Result;

/// Bytes the download hands over at a time.
const BLOCK: usize = 64 << 10;
/// How long one page's request may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Starts downloading `url`'s entries: the reading end, and the download's task (its error, if
/// any, explains a stream that ended early).
pub(super) fn start(
    url: &str,
    token: Option<String>,
) -> Result<(PipeReader, JoinHandle<Result<()>>)> {
    let http = HttpTransport::new(TIMEOUT)?;
    let query = NightscoutQuery::new(url, token);
    // Unbounded: the reader parses faster than a site sends, and a bounded pipe could block the
    // runtime thread the download writes from.
    let (sender, receiver) = mpsc::channel();
    let download = tokio::spawn(async move {
        let mut pipe = PipeWriter {
            buffer: Vec::with_capacity(BLOCK),
            sender,
        };
        download_entries(&http, &query, &mut pipe, &mut |_| {}).await?;
        pipe.flush()
            .map_err(|e| tend_share::Error::Save(e.to_string()))?;
        Ok(())
    });
    Ok((
        PipeReader {
            receiver,
            block: Vec::new(),
            at: 0,
        },
        download,
    ))
}

/// The download's end of the pipe.
struct PipeWriter {
    buffer: Vec<u8>,
    sender: mpsc::Sender<Vec<u8>>,
}

impl Write for PipeWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= BLOCK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let block = std::mem::replace(&mut self.buffer, Vec::with_capacity(BLOCK));
        self.sender
            .send(block)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the import stopped reading"))
    }
}

/// The import's end of the pipe: blocks on its own thread until the next block arrives; the end
/// of the download is the end of the stream.
#[derive(Debug)]
pub(super) struct PipeReader {
    receiver: mpsc::Receiver<Vec<u8>>,
    block: Vec<u8>,
    at: usize,
}

impl Read for PipeReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            match self.receiver.recv() {
                Ok(block) => {
                    self.block = block;
                    self.at = 0;
                }
                Err(mpsc::RecvError) => return Ok(0),
            }
        }
        let n = out.len().min(self.block.len() - self.at);
        out[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
