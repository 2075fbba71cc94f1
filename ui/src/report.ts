// The Report screen's words and drawings: glucose ranges in words and colours, the blood-pressure
// classes in plain words, and the SVG paths of its small charts. No backend calls here.
import type { GlucoseProfile, GlucoseSummary, HomeBloodPressureClass, RangesPercent } from "./bindings";

export type GlucoseRange = keyof RangesPercent;

/** The five ranges of the international consensus, from very low to very high. */
export const GLUCOSE_RANGES: readonly GlucoseRange[] = ["very_low", "low", "in_range", "high", "very_high"];

/** The ranges' names with their limits in the patient's unit, as the consensus gives both (Battelino T, et al. Diabetes Care 2019;42:1593–1603). */
export const RANGE_NAMES: Record<"mg/dL" | "mmol/L", Record<GlucoseRange, string>> = {
  "mg/dL": {
    very_low: "Very low (under 54)",
    low: "Low (54–69)",
    in_range: "In range (70–180)",
    high: "High (181–250)",
    very_high: "Very high (over 250)",
  },
  "mmol/L": {
    very_low: "Very low (under 3.0)",
    low: "Low (3.0–3.8)",
    in_range: "In range (3.9–10.0)",
    high: "High (10.1–13.9)",
    very_high: "Very high (over 13.9)",
  },
};

/** The target range, low and high limit, in the patient's unit: "70–180 mg/dL" or "3.9–10.0 mmol/L". */
export const GLUCOSE_TARGET: Record<"mg/dL" | "mmol/L", { range: string; low: string; high: string }> = {
  "mg/dL": { range: "70–180 mg/dL", low: "70 mg/dL", high: "180 mg/dL" },
  "mmol/L": { range: "3.9–10.0 mmol/L", low: "3.9 mmol/L", high: "10.0 mmol/L" },
};

/** Colours that stay apart for colour-blind readers (and each band is also named in text). */
export const RANGE_COLOURS: Record<GlucoseRange, string> = {
  very_low: "#8b1a1a",
  low: "#d9534f",
  in_range: "#3a8f5c",
  high: "#f0ad4e",
  very_high: "#b36b00",
};

/** What a home blood-pressure average means, in words and a tone for its colour (ESH/AHA). */
export const BP_CLASSIFICATIONS: Record<HomeBloodPressureClass, { words: string; tone: string }> = {
  normal: { words: "Normal at home: under 130/80.", tone: "good" },
  elevated: { words: "Above normal at home (130/80 to 134/84): talk it over with your care team.", tone: "watch" },
  hypertension: { words: "High at home: 135/85 or more. Your care team will want to see this.", tone: "high" },
  insufficient: { words: "Not enough readings yet: the home protocol needs at least 12 readings over 3 days.", tone: "muted" },
};

/** The ranges as consecutive stretches of a 100-wide bar. */
export function glucoseBands(summary: GlucoseSummary): { range: GlucoseRange; start: number; percent: number }[] {
  let start = 0;
  return GLUCOSE_RANGES.map((range) => {
    const percent = summary.ranges_percent[range] ?? 0;
    const band = { range, start, percent };
    start += percent;
    return band;
  }).filter((b) => b.percent > 0);
}

/** A line through `values` across a 240×100 chart, with the y scale from `low` to `high`. */
export function linePath(values: (number | null)[], low: number, high: number): { path: string; y: (v: number) => number } {
  const y = (v: number) => 100 - ((Math.min(high, Math.max(low, v)) - low) / (high - low)) * 100;
  const step = values.length > 1 ? 240 / (values.length - 1) : 0;
  let path = "";
  values.forEach((v, i) => {
    if (v == null) return;
    path += `${path ? "L" : "M"}${(i * step).toFixed(1)},${y(v).toFixed(1)}`;
  });
  return { path, y };
}

/** The glucose profile's bands (5th–95th, 25th–75th percentile) and median across a day. */
export function profilePaths(profile: GlucoseProfile): { outer: string; inner: string; median: string; y: (v: number | null) => number } {
  const y = (v: number | null) => 100 - ((Math.min(400, Math.max(40, v ?? 40)) - 40) / 360) * 100;
  const x = (minute: number) => ((minute + profile.slot_minutes / 2) / 1440) * 240;
  const slots = profile.slots.filter((s) => [s.p5, s.p25, s.p50, s.p75, s.p95].every((p) => p != null));
  const band = (upper: (s: (typeof slots)[number]) => number | null, lower: (s: (typeof slots)[number]) => number | null) => {
    const top = slots.map((s, i) => `${i ? "L" : "M"}${x(s.start_minute).toFixed(1)},${y(upper(s)).toFixed(1)}`).join("");
    const bottom = [...slots].reverse().map((s) => `L${x(s.start_minute).toFixed(1)},${y(lower(s)).toFixed(1)}`).join("");
    return `${top}${bottom}Z`;
  };
  return {
    outer: band((s) => s.p95, (s) => s.p5),
    inner: band((s) => s.p75, (s) => s.p25),
    median: slots.map((s, i) => `${i ? "L" : "M"}${x(s.start_minute).toFixed(1)},${y(s.p50).toFixed(1)}`).join(""),
    y,
  };
}
