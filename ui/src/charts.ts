// Trends in the UI: names for metrics and units, what the measurement list offers, the windows the
// range buttons choose, whether a series is spot readings or a stream, and the arrays and series a
// uPlot chart takes. No backend calls here.
import type uPlot from "uplot";
import type { Chart_Serialize, Metric, Unit } from "./bindings";
import { HOME_CATEGORY_SHORT_WORDS, classifyHomeReading } from "./blood-pressure";
import { formatDateTime } from "./locale";
import { convertUnit } from "./units";

/** The unit each metric is stored and alerted in, as core defines it. */
export { CANONICAL_UNITS } from "./bindings";

export const METRIC_NAMES: Record<Metric, string> = {
  heart_rate: "Heart rate",
  spo2: "Blood oxygen (SpO₂)",
  systolic: "Blood pressure, systolic",
  diastolic: "Blood pressure, diastolic",
  mean_arterial: "Mean arterial pressure",
  pulse_rate: "Heart rate (pulse)",
  body_temperature: "Body temperature",
  glucose: "Glucose",
  weight: "Weight",
  bmi: "Body mass index",
  body_fat: "Body fat",
  respiratory_rate: "Breathing rate",
  battery: "Device battery",
};

export const UNIT_SYMBOLS: Record<Unit, string> = {
  "/min": "/min",
  "%": "%",
  "mm[Hg]": "mmHg",
  kPa: "kPa",
  Cel: "°C",
  "[degF]": "°F",
  "mg/dL": "mg/dL",
  "mmol/L": "mmol/L",
  kg: "kg",
  "[lb_av]": "lb",
  "kg/m2": "kg/m²",
};


export type Span = "day" | "week" | "month" | "year";

export const SPANS: readonly { id: Span; label: string; ms: number }[] = [
  { id: "day", label: "Day", ms: 86_400_000 },
  { id: "week", label: "Week", ms: 7 * 86_400_000 },
  { id: "month", label: "Month", ms: 30 * 86_400_000 },
  { id: "year", label: "Year", ms: 365 * 86_400_000 },
];

/** The bucket width that keeps a window to at most about 1,500 points; raw under two hours. */
export function resolutionFor(fromMs: number, untilMs: number): string {
  const span = untilMs - fromMs;
  if (span <= 2 * 3_600_000) return "raw";
  const widths: [string, number][] = [
    ["1m", 60_000],
    ["5m", 300_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["6h", 21_600_000],
    ["1d", 86_400_000],
  ];
  return (widths.find(([, ms]) => span / ms <= 1500) ?? widths[widths.length - 1])[0];
}

/** uPlot's columns: time (seconds), mean, min, max, and the means outside the normal range. A
 * value JSON could not carry (not a number) arrives as `null` and is drawn as a gap. */
export function columns(chart: Chart_Serialize): [number[], (number | null)[], (number | null)[], (number | null)[], (number | null)[]] {
  const [time, mean, min, max, outside] = alignedColumns([chart]);
  return [time as number[], mean, min, max, outside];
}

/**
 * uPlot's columns for charts drawn together (blood pressure's systolic and diastolic): the times
 * of all of them (seconds), then for each chart its mean, min, max and the means outside its
 * normal range, with a gap where it has no point at a time another has.
 */
export function alignedColumns(charts: Chart_Serialize[]): (number | null)[][] {
  const times = [...new Set(charts.flatMap((c) => c.points.filter((p) => p.time_ms !== null).map((p) => p.time_ms!)))].sort((a, b) => a - b);
  const columnsOf = (chart: Chart_Serialize) => {
    const byTime = new Map(chart.points.filter((p) => p.time_ms !== null).map((p) => [p.time_ms!, p]));
    const low = chart.range?.low ?? null;
    const high = chart.range?.high ?? null;
    const outside = (v: number | null) => v !== null && ((low !== null && v < low) || (high !== null && v > high));
    const at = times.map((t) => byTime.get(t));
    return [at.map((p) => p?.mean ?? null), at.map((p) => p?.min ?? null), at.map((p) => p?.max ?? null), at.map((p) => (p && outside(p.mean) ? p.mean : null))];
  };
  return [times.map((t) => t / 1000), ...charts.flatMap(columnsOf)];
}

/** One row of the measurement list on Trends: a metric, or blood pressure's two numbers together. */
export interface TrendChoice {
  id: string;
  label: string;
  metrics: Metric[];
}

/**
 * What Trends offers for the recorded metrics, in their order: systolic and diastolic as one
 * "Blood pressure"; the mean arterial pressure a cuff computes is left out (it tells a patient
 * nothing the two numbers do not).
 */
export function trendChoices(recorded: Metric[]): TrendChoice[] {
  const choices: TrendChoice[] = [];
  for (const metric of recorded) {
    if (metric === "mean_arterial") continue;
    if (metric === "systolic" || metric === "diastolic") {
      if (choices.some((c) => c.id === "blood_pressure")) continue;
      const both = (["systolic", "diastolic"] as const).filter((m) => recorded.includes(m));
      choices.push({ id: "blood_pressure", label: "Blood pressure", metrics: [...both] });
      continue;
    }
    choices.push({ id: metric, label: METRIC_NAMES[metric], metrics: [metric] });
  }
  return choices;
}

/** Metrics only spot devices measure (a cuff, a scale, a thermometer): one reading when asked. */
const SPOT_METRICS: ReadonlySet<Metric> = new Set(["systolic", "diastolic", "mean_arterial", "body_temperature", "weight", "bmi", "body_fat"]);
/** More readings an hour than this is a stream (a CGM gives 12, a strap 3,600; a meter a few a day). */
const STREAM_READINGS_PER_HOUR = 2;

/**
 * Whether these charts hold spot readings (a meter, a cuff, a scale, a thermometer: each a
 * measurement on its own, drawn as a point) rather than a stream (a strap, an oximeter, a CGM:
 * joined as a line). The chart does not say which kind of device measured (see the report to the
 * lead: the backend could send it); a metric only spot devices measure is spot, and one both kinds
 * measure (glucose, pulse) is spot when its readings come less often than a stream's.
 */
export function isSpotSeries(charts: Chart_Serialize[]): boolean {
  if (charts.every((c) => SPOT_METRICS.has(c.metric))) return true;
  const timed = charts.flatMap((c) => c.points.filter((p) => p.time_ms !== null && p.count > 0));
  if (timed.length === 0) return true;
  const readings = timed.reduce((sum, p) => sum + p.count, 0);
  const times = timed.map((p) => p.time_ms!);
  const hours = Math.max(1, (Math.max(...times) - Math.min(...times)) / 3_600_000);
  return readings / hours <= STREAM_READINGS_PER_HOUR;
}

/** The series of a chart's means: points standing alone for spot readings, a line for a stream. */
export function meanSeries({ spot, label, colour }: { spot: boolean; label: string; colour: string }): uPlot.Series {
  if (spot) return { label, stroke: colour, width: 2, paths: () => null, points: { show: true, size: 9, width: 2, fill: colour, stroke: colour } };
  return { label, stroke: colour, width: 2, points: { show: false } };
}

/** How much the chart's value changed from its first reading to its last (weight over the period); none with fewer than two. */
export function periodChange(chart: Chart_Serialize): number | null {
  const values = chart.points.filter((p) => p.time_ms !== null && p.mean !== null).map((p) => p.mean!);
  return values.length < 2 ? null : values[values.length - 1] - values[0];
}

/** A unit's symbol as people read it: a rate per minute is "bpm" for the heart, "breaths/min" for breathing. */
export function unitSymbol(unit: Unit, metric?: Metric): string {
  if (unit === "/min" && (metric === "heart_rate" || metric === "pulse_rate")) return "bpm";
  if (unit === "/min" && metric === "respiratory_rate") return "breaths/min";
  return UNIT_SYMBOLS[unit];
}

/** A number for people: at most one decimal, none for whole-number units. */
export function formatNumber(value: number, unit: Unit): string {
  const decimals = unit === "/min" || unit === "mm[Hg]" || unit === "mg/dL" || unit === "%" ? 0 : 1;
  return value.toFixed(decimals);
}

/** A value for people, with its unit: "72 bpm", "5.5 mmol/L"; "–" for none. */
export function formatValue(value: number | null, unit: Unit, metric?: Metric): string {
  if (value === null) return "–";
  return `${formatNumber(value, unit)} ${unitSymbol(unit, metric)}`;
}

/**
 * One point of charts drawn together, in words: "142/88 mmHg, high: stage 1, Mar 3, 8:05 PM" for a
 * blood pressure, "81.3 kg, Mar 3, 8:05 PM" for a reading, "average 72 bpm, …" for a bucket of
 * several. `columns` are `alignedColumns(charts)`.
 */
export function describePoint(charts: Chart_Serialize[], columns: (number | null)[][], index: number): string {
  const time = columns[0][index];
  const means = charts.map((_, i) => columns[1 + 4 * i][index]);
  const counts = charts.map((c) => c.points.find((p) => p.time_ms !== null && time !== null && p.time_ms === time * 1000)?.count ?? 1);
  const averaged = counts.some((n) => n > 1) ? "average " : "";
  const when = time === null ? "" : `, ${formatDateTime(time * 1000)}`;
  const isBloodPressure = charts.length === 2 && charts[0].metric === "systolic" && charts[1].metric === "diastolic";
  if (isBloodPressure) {
    const [systolic, diastolic] = means;
    const unit = charts[0].unit;
    const number = (v: number | null) => (v === null ? "–" : formatNumber(v, unit));
    const category =
      systolic !== null && diastolic !== null ? `, ${HOME_CATEGORY_SHORT_WORDS[classifyHomeReading(convertUnit(systolic, unit, "mm[Hg]"), convertUnit(diastolic, unit, "mm[Hg]"))]}` : "";
    return `${averaged}${number(systolic)}/${number(diastolic)} ${unitSymbol(unit)}${category}${when}`;
  }
  const values = charts.map((c, i) => formatValue(means[i], c.unit, c.metric)).join(" and ");
  return `${averaged}${values}${when}`;
}
