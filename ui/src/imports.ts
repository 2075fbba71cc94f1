// What Settings → Import says about a file: its format, what was skipped and why, how far reading
// or storing has got, and what an import stored — in words, from core's counts.
import type { Format, ImportProgress, ImportReport_Serialize, SkipReason } from "./bindings";

export const FORMAT_NAMES: Record<Format, string> = {
  apple_health_zip: "Apple Health export",
  apple_health_xml: "Apple Health export",
  nightscout_json: "Nightscout glucose entries",
  nightscout_csv: "Nightscout glucose entries",
  open_scale_csv: "openScale weights",
  google_fit_daily_csv: "Google Fit daily summaries",
  fhir_bundle: "FHIR health records",
  fhir_ndjson: "FHIR health records",
  tend_csv: "Tend's own export",
};

/** Each reason a record was not imported, as a plural phrase after its count. */
export const SKIP_REASONS: Record<SkipReason, string> = {
  not_a_vital: "records of a kind Tend does not keep (steps, energy, lab results)",
  unknown_unit: "in a unit Tend does not know",
  out_of_range: "with values no body shows (kept out as errors)",
  cgm_status_code: "CGM status codes, not readings",
  no_value: "without a value",
  retracted: "marked as entered in error",
  imprecise_time: "without a time of day",
};

const MB = 1024 * 1024;

/** A count as the patient reads it ("1,200"); core's counts arrive as numbers, or null for none. */
export function count(n: number | null | undefined): string {
  return (n ?? 0).toLocaleString();
}

function megabytes(bytes: number): string {
  return `${(bytes / MB).toLocaleString([], { maximumFractionDigits: bytes < 10 * MB ? 1 : 0 })} MB`;
}

/** "45 MB of 120 MB read, 12,345 new readings found" or "Stored 5,000 of 12,345 readings". */
export function describeProgress(p: ImportProgress | null): string {
  if (!p) return "Starting…";
  if (p.phase === "storing") return `Stored ${count(p.stored)} of ${count(p.readings)} readings`;
  const bytesRead = p.bytes_read ?? 0;
  const read = p.bytes_total ? `${megabytes(bytesRead)} of ${megabytes(p.bytes_total)} read` : `${megabytes(bytesRead)} read`;
  return `${read}, ${count(p.readings)} new readings found`;
}

/** The dates a metric's readings span, as one date when they share a day. */
export function span(first: string, last: string): string {
  const day = (t: string) => new Date(t).toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" });
  return day(first) === day(last) ? day(first) : `${day(first)} – ${day(last)}`;
}

/** What a committed import stored, in one sentence. */
export function importedSummary(report: ImportReport_Serialize): string {
  if (report.batch === null) return `Nothing new in ${report.file}: your history already had all of it.`;
  const summaries = report.summaries ? ` and ${count(report.summaries)} daily summaries` : "";
  return `Imported ${count(report.stored)} readings${summaries} from ${report.file}. You can undo this import below.`;
}
