//! Apple Health's `export.zip`: the `zip` crate reads the central directory and finds
//! `apple_health_export/export.xml`; its bytes are then inflated from the file as an owned stream
//! (so the reader can own it, and a multi-GB entry is never held), and its CRC-32 and size are
//! checked at its end, as a zip reader would.

use std::io::{self, Read, Seek, SeekFrom};

use zip::CompressionMethod;

use crate::{Error, Result};

/// The stream of the export's `export.xml`, decompressed.
pub(crate) fn export_xml<R: Read + Seek + Send + 'static>(
    source: R,
) -> Result<Box<dyn Read + Send>> {
    let mut archive = zip::ZipArchive::new(source).map_err(|e| {
        Error::Zip(format!(
            "{e} (a truncated or damaged file: download or copy the export again)"
        ))
    })?;
    let index = (0..archive.len())
        .find(|&i| {
            archive.name_for_index(i).is_some_and(|name| {
                name.is_ok_and(|name| {
                    let name = name.to_ascii_lowercase();
                    name == "export.xml" || name.ends_with("/export.xml")
                })
            })
        })
        .ok_or_else(|| {
            Error::Zip(
                "it holds no apple_health_export/export.xml: is it an Apple Health export?".into(),
            )
        })?;
    let (method, start, compressed, size, crc) = {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| Error::Zip(e.to_string()))?;
        if entry.encrypted() {
            return Err(Error::Zip("export.xml is encrypted".into()));
        }
        let start = entry
            .data_start()
            .ok_or_else(|| Error::Zip("export.xml has no data".into()))?;
        (
            entry.compression(),
            start,
            entry.compressed_size(),
            entry.size(),
            entry.crc32(),
        )
    };
    let mut file = archive.into_inner();
    file.seek(SeekFrom::Start(start))
        .map_err(|e| Error::Io(e.to_string()))?;
    let raw = file.take(compressed);
    let inflated: Box<dyn Read + Send> = match method {
        CompressionMethod::Stored => Box::new(raw),
        CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(raw)),
        other => {
            return Err(Error::Zip(format!(
                "export.xml is compressed with {other}, which Tend does not read"
            )))
        }
    };
    Ok(Box::new(Checked {
        inner: inflated,
        hasher: crc32fast::Hasher::new(),
        read: 0,
        size,
        crc,
    }))
}

/// Checks size and CRC-32 when the entry ends; a mismatch is an error, not a short file.
struct Checked {
    inner: Box<dyn Read + Send>,
    hasher: crc32fast::Hasher,
    read: u64,
    size: u64,
    crc: u32,
}

impl Read for Checked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.hasher.update(&buf[..read]);
        self.read += read as u64;
        if self.read > self.size {
            return Err(io::Error::other(
                "export.xml is longer than the zip says: the archive is damaged",
            ));
        }
        if read == 0 && !buf.is_empty() {
            if self.read != self.size {
                return Err(io::Error::other(
                    "export.xml ends early: the archive is truncated",
                ));
            }
            if self.hasher.clone().finalize() != self.crc {
                return Err(io::Error::other(
                    "export.xml fails its CRC check: the archive is damaged",
                ));
            }
        }
        Ok(read)
    }
}
