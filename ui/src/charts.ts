// Trends in the UI: names for metrics and units, the windows the range buttons choose, and the
// arrays a uPlot chart takes. No backend calls here.
import type { Chart_Serialize, Metric, Unit } from "./bindings";

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
  const points = chart.points.filter((p) => p.time_ms !== null);
  const low = chart.range?.low ?? null;
  const high = chart.range?.high ?? null;
  const outside = (v: number | null) => v !== null && ((low !== null && v < low) || (high !== null && v > high));
  return [
    points.map((p) => p.time_ms! / 1000),
    points.map((p) => p.mean),
    points.map((p) => p.min),
    points.map((p) => p.max),
    points.map((p) => (outside(p.mean) ? p.mean : null)),
  ];
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
