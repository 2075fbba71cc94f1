//! The check shared by the fuzz targets: reading any bytes as a format never panics, ends (an
//! error or the end), stays within its bounds, and keeps its preview in step with what it yields.

use std::io::Cursor;

use tend_import::{Format, Import, ImportOptions, Limits};

/// Reads `data` as `format` (or as what it is detected to be) to the end.
pub fn import(data: &[u8], format: Option<Format>) {
    let options = ImportOptions {
        format,
        total_bytes: Some(data.len() as u64),
        // Small bounds, so the fuzzer reaches them.
        limits: Limits {
            max_line_bytes: 4096,
            max_element_bytes: 4096,
        },
        ..ImportOptions::default()
    };
    let Ok(mut import) = Import::from_seekable(Cursor::new(data.to_vec()), options) else {
        return;
    };
    let (mut readings, mut summaries) = (0u64, 0u64);
    for item in import.by_ref() {
        match item {
            Ok(tend_import::Imported::Reading(reading)) => {
                assert!(reading.value.is_finite());
                assert!(reading.metric.accepts(reading.unit));
                readings += 1;
            }
            Ok(tend_import::Imported::Summary(summary)) => {
                assert!(summary.start <= summary.end);
                summaries += 1;
            }
            Err(_) => break,
        }
    }
    let progress = import.progress();
    assert_eq!(
        (progress.readings, progress.summaries),
        (readings, summaries)
    );
    assert!(progress.bytes_read <= data.len() as u64);
}
