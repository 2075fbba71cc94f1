//! Reading one import: `tend-import`'s iterator on a blocking thread, handing what it keeps over
//! a bounded channel in blocks; here each reading is checked against the history, given its
//! series and staged, and progress is reported (bytes read of the total, also through long runs
//! of records Tend skips).

use std::{
    collections::HashSet,
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use jiff::Timestamp;
use tend_ble::PairedDevice;
use tend_import::{BytesRead, Format, Import, ImportOptions, Imported, ImportedReading, Preview};
use tend_vault::{RecordKind, Sample, Series, StagedBatch, Vault};
use tend_vitals::{DeviceKind, Metric};
use tokio::{sync::mpsc, task::JoinHandle};

use super::{
    history::History,
    nightscout_pipe,
    records::ImportedSummary,
    report::{ImportReport, Tally},
    ImportCancel, ImportPhase, ImportProgress, ImportRequest, ImportSource,
};
use crate::{Error, Result};

/// Records handed from the reader thread at a time.
const BLOCK: usize = 4_096;
/// Blocks in flight between the reader thread and the checker.
const BLOCKS_IN_FLIGHT: usize = 4;
/// How often progress is reported while the reader is in a run of skipped records.
const TICK: Duration = Duration::from_millis(200);

/// The vault an import is checked against, and the devices it knows.
pub(super) struct Context<'a> {
    pub vault: &'a Vault,
    pub paired: Vec<PairedDevice>,
}

/// What reading produced.
pub(super) struct Reading {
    pub report: ImportReport,
    pub staged: StagedBatch,
    pub summaries: Vec<ImportedSummary>,
}

/// What the reader thread sends.
enum FromReader {
    Opened { format: Format, bytes: BytesRead },
    Block(Vec<Imported>),
}

/// The stream an import reads.
enum Input {
    File(std::fs::File),
    Download(nightscout_pipe::PipeReader),
}

/// A Nightscout download under way: its error, if any, explains a stream that ended early.
type Download = JoinHandle<Result<()>>;

/// What identifies a summary across imports: metric, period, mean and count.
type SummaryKey = (Metric, Timestamp, Timestamp, Option<u64>, Option<u64>);

pub(super) async fn read(
    request: &ImportRequest,
    context: Option<Context<'_>>,
    cancel: &ImportCancel,
    progress: &mut (dyn FnMut(ImportProgress) + Send),
) -> Result<Reading> {
    let (input, total, download) = open(request)?;
    // The reader thread's own stop: set when the patient cancels, and when this future is
    // dropped before it ends (its caller gave up), so the thread stops at its next read.
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_on_drop = StopOnDrop(Arc::clone(&stop));
    let options = ImportOptions {
        format: request
            .format
            .or(download.as_ref().map(|_| Format::NightscoutJson)),
        time_zone: request.time_zone.clone(),
        openscale_weight_unit: request.openscale_weight_unit,
        total_bytes: total,
        cancel: Some(Arc::clone(&stop)),
        ..ImportOptions::default()
    };
    let (sender, mut blocks) = mpsc::channel::<FromReader>(BLOCKS_IN_FLIGHT);
    let reader = tokio::task::spawn_blocking(move || read_on_thread(input, options, sender));

    let mut history = match &context {
        Some(context) => Some(History::of(context.vault).await?),
        None => None,
    };
    let paired = context.as_ref().map_or(&[][..], |c| &c.paired[..]);
    let mut tally = Tally::default();
    let mut staged = StagedBatch::new();
    let mut summaries = Vec::new();
    let mut summaries_stored: Option<HashSet<SummaryKey>> = None;
    let mut summaries_seen: HashSet<SummaryKey> = HashSet::new();
    let mut bytes: Option<BytesRead> = None;
    let mut format = None;
    let at = |bytes: &Option<BytesRead>, readings: u64| ImportProgress {
        phase: ImportPhase::Reading,
        bytes_read: bytes.as_ref().map_or(0, BytesRead::get),
        bytes_total: total,
        readings,
        stored: 0,
    };
    let mut ticker = tokio::time::interval(TICK);
    loop {
        if cancel.is_cancelled() {
            stop.store(true, Ordering::Relaxed);
        }
        let message = tokio::select! {
            message = blocks.recv() => message,
            _ = ticker.tick() => {
                progress(at(&bytes, tally.readings()));
                continue;
            }
        };
        let block = match message {
            None => break,
            Some(FromReader::Opened {
                format: found,
                bytes: handle,
            }) => {
                format = Some(found);
                bytes = Some(handle);
                continue;
            }
            Some(FromReader::Block(block)) => block,
        };
        for item in block {
            match item {
                Imported::Reading(reading) => {
                    if let Some(history) = history.as_mut() {
                        if history.holds(&reading).await? {
                            tally.already_stored(&reading.source);
                            continue;
                        }
                    }
                    let series = Series::new(
                        &*reading.source,
                        reading.metric,
                        kind_of(&reading, format, paired),
                    );
                    let sample = Sample {
                        time: reading.time,
                        value: reading.value,
                        unit: reading.unit,
                        sequence: None,
                        flags: 0,
                    };
                    match staged.add(&series, sample) {
                        Ok(()) => tally.reading(&reading),
                        // A time the vault cannot hold (before 1678, after 2262): skipped.
                        Err(tend_vault::Error::InvalidInput(_)) => tally.unstorable(),
                        Err(other) => return Err(other.into()),
                    }
                }
                Imported::Summary(summary) => {
                    let kept = ImportedSummary::from(&summary);
                    let key = summary_key(&kept);
                    if let Some(context) = &context {
                        let stored = match &mut summaries_stored {
                            Some(stored) => stored,
                            None => summaries_stored.insert(stored_summaries(context.vault).await?),
                        };
                        if stored.contains(&key) {
                            tally.already_stored(&summary.source);
                            continue;
                        }
                    }
                    if !summaries_seen.insert(key) {
                        tally.repeat();
                        continue;
                    }
                    tally.summary(&summary);
                    summaries.push(kept);
                }
            }
        }
        progress(at(&bytes, tally.readings()));
    }

    let finished = reader
        .await
        .map_err(|_| Error::InvalidInput("reading the file stopped unexpectedly".into()))?;
    if cancel.is_cancelled() || matches!(finished, Err(tend_import::Error::Cancelled)) {
        if let Some(download) = download {
            download.abort();
        }
        return Err(Error::Cancelled);
    }
    if let Some(download) = download {
        let downloaded = download
            .await
            .map_err(|_| Error::InvalidInput("the download stopped unexpectedly".into()))?;
        match (&finished, downloaded) {
            (_, Ok(())) => {}
            // The parser stopped first (the site sent what is not entries): its error names where.
            (Err(_), Err(Error::Share(tend_share::Error::Save(_)))) => {}
            (_, Err(e)) => return Err(e),
        }
    }
    let preview: Preview = finished.map_err(Error::Import)?;
    progress(at(&bytes, tally.readings()));
    let bytes_read = bytes.as_ref().map_or(0, BytesRead::get);
    Ok(Reading {
        report: tally.report(&preview, source_name(&request.source), bytes_read),
        staged,
        summaries,
    })
}

/// Opens the file (its size for progress), or starts the download.
fn open(request: &ImportRequest) -> Result<(Input, Option<u64>, Option<Download>)> {
    match &request.source {
        ImportSource::File(path) => {
            let file = std::fs::File::open(path)
                .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
            let total = file.metadata().ok().map(|m| m.len());
            Ok((Input::File(file), total, None))
        }
        ImportSource::Nightscout { url, token } => {
            let (pipe, download) = nightscout_pipe::start(url, token.clone())?;
            Ok((Input::Download(pipe), None, Some(download)))
        }
    }
}

/// The reader thread: opens the import and hands over what it keeps, a block at a time.
fn read_on_thread(
    input: Input,
    options: ImportOptions,
    sender: mpsc::Sender<FromReader>,
) -> tend_import::Result<Preview> {
    let mut import = match input {
        Input::File(file) => Import::from_seekable(file, options)?,
        Input::Download(pipe) => Import::from_reader(pipe, options)?,
    };
    let gone = |_| tend_import::Error::Cancelled;
    sender
        .blocking_send(FromReader::Opened {
            format: import.format(),
            bytes: import.bytes_read(),
        })
        .map_err(gone)?;
    let mut block = Vec::with_capacity(BLOCK);
    for item in import.by_ref() {
        block.push(item?);
        if block.len() == BLOCK {
            let full = std::mem::replace(&mut block, Vec::with_capacity(BLOCK));
            sender
                .blocking_send(FromReader::Block(full))
                .map_err(gone)?;
        }
    }
    if !block.is_empty() {
        sender
            .blocking_send(FromReader::Block(block))
            .map_err(gone)?;
    }
    Ok(import.preview().clone())
}

/// The kind of device a reading is filed under: a paired device's own when the label is its
/// id, a manual entry for Tend's CSV row without a device, else what the file stated.
fn kind_of(
    reading: &ImportedReading,
    format: Option<Format>,
    paired: &[PairedDevice],
) -> DeviceKind {
    if let Some(device) = paired.iter().find(|d| *d.id == *reading.source) {
        return device.kind();
    }
    if reading.source.is_empty() && format == Some(Format::TendCsv) {
        return DeviceKind::Manual;
    }
    reading.device_kind
}

fn summary_key(summary: &ImportedSummary) -> SummaryKey {
    (
        summary.metric,
        summary.start,
        summary.end,
        summary.mean.map(f64::to_bits),
        summary.count,
    )
}

/// The summaries earlier imports stored.
async fn stored_summaries(vault: &Vault) -> Result<HashSet<SummaryKey>> {
    Ok(vault
        .list_records::<Vec<ImportedSummary>>(RecordKind::ImportSummary)
        .await?
        .iter()
        .flat_map(|(_, summaries)| summaries.iter().map(summary_key))
        .collect())
}

/// What the import is called in its batch: the file's name, or the site's host.
fn source_name(source: &ImportSource) -> String {
    match source {
        ImportSource::File(path) => file_name(path),
        ImportSource::Nightscout { url, .. } => {
            let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host)
                .to_owned()
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Stops the reader thread when the reading future is dropped (after a finished read there is
/// no reader left to stop).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
