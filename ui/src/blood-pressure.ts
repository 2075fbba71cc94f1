// Blood pressure as one reading: the systolic, diastolic and pulse a cuff measured together, put
// back together for Today and Trends, and the home category of a reading in words and a tone for
// its colour. No backend calls here.
//
// The categories of one home reading. Home readings run lower than the clinic's, so home
// thresholds sit below the office ones:
// - Normal below 130/80 and elevated from 130/80 to 134/84: the lines core's clinic report draws
//   for the home average (crates/clinic/src/blood_pressure.rs, docs/clinical-rules.md), so Today,
//   Trends and the report never disagree. 130/80 is the AHA/ACC home equivalent of an office
//   130/80 (Whelton PK, Carey RM, et al. 2017 ACC/AHA guideline, Hypertension 2018;71:e13–e115,
//   table 11; kept as table 7 of the 2025 AHA/ACC guideline: office 120/80, 130/80, 140/90 and
//   160/100 correspond to home 120/80, 130/80, 135/85 and 145/90).
// - Stage 1 from 135/85: the home threshold of hypertension of the 2023 ESH guidelines (Mancia G,
//   Kreutz R, et al. J Hypertens 2023;41:1874–2071; also ESC 2024, McEvoy JW, Touyz RM, et al.
//   Eur Heart J 2024;45:3912–4018) and the home equivalent of an office 140/90 (AHA/ACC table
//   above). Stage 2 from 145/90: the home equivalent of an office 160/100 (same table; ESH grade 2).
//   Tend numbers these stages by the office grades they correspond to; AHA's own "stage 1" at home
//   is Tend's "elevated" band.
// - Very high from 180/120: one reading that high is a hypertensive crisis (AHA/ACC 2017, > 180
//   and/or > 120), the line core alerts at (crates/clinic/src/alerts.rs).
import type { LatestReading_Serialize, Unit } from "./bindings";
import { convertUnit } from "./units";

export type HomeBloodPressureCategory = "normal" | "elevated" | "stage_1" | "stage_2" | "crisis";

/** The lowest systolic and diastolic (mmHg) of each category above normal; either number reaching its line is enough. */
const CATEGORY_LINES: readonly [HomeBloodPressureCategory, number, number][] = [
  ["crisis", 180, 120],
  ["stage_2", 145, 90],
  ["stage_1", 135, 85],
  ["elevated", 130, 80],
];

/** What one home reading's numbers (mmHg) mean. */
export function classifyHomeReading(systolic: number, diastolic: number): HomeBloodPressureCategory {
  const reached = CATEGORY_LINES.find(([, s, d]) => systolic >= s || diastolic >= d);
  return reached ? reached[0] : "normal";
}

/** Each category in words (colour is never the only sign). */
export const HOME_CATEGORY_WORDS: Record<HomeBloodPressureCategory, string> = {
  normal: "Normal for a home reading (under 130/80)",
  elevated: "Elevated (130/80 to 134/84 at home)",
  stage_1: "High: stage 1 (135/85 to 144/89 at home)",
  stage_2: "High: stage 2 (145/90 or more at home)",
  crisis: "Very high (180/120 or more): rest 5 minutes and measure again. If it stays this high, call your care team; if you feel unwell, get help now.",
};

/** Each category in a few words, for a chart point's label. */
export const HOME_CATEGORY_SHORT_WORDS: Record<HomeBloodPressureCategory, string> = {
  normal: "normal",
  elevated: "elevated",
  stage_1: "high: stage 1",
  stage_2: "high: stage 2",
  crisis: "very high",
};

/** One blood-pressure measurement as the patient reads it: "142/88 mmHg · pulse 77". */
export interface BloodPressureReading {
  systolic: number | null;
  diastolic: number | null;
  /** The pulse the cuff measured with it, in beats a minute; none when it sent none. */
  pulse: number | null;
  unit: Unit;
  time: string;
  device: string;
  device_name: string | null;
  category: HomeBloodPressureCategory | null;
}

/** A pulse belongs to the blood pressure when the same device measured it within this long. */
const SAME_MEASUREMENT_MS = 2 * 60_000;

/**
 * The newest blood pressure among the newest readings of each metric, as one reading, and the
 * other readings. The mean arterial pressure a cuff computes is left out: it tells a patient
 * nothing the two numbers do not.
 */
export function combineBloodPressure(latest: LatestReading_Serialize[]): { bloodPressure: BloodPressureReading | null; others: LatestReading_Serialize[] } {
  const find = (metric: string) => latest.find((r) => r.metric === metric);
  const systolic = find("systolic");
  const diastolic = find("diastolic");
  const withoutMean = latest.filter((r) => r.metric !== "mean_arterial");
  if (!systolic || !diastolic) return { bloodPressure: null, others: withoutMean };
  const pulse = find("pulse_rate");
  const pulseWithIt =
    pulse && pulse.device === systolic.device && Math.abs(new Date(pulse.time).getTime() - new Date(systolic.time).getTime()) <= SAME_MEASUREMENT_MS ? pulse : null;
  const inMmHg = (r: LatestReading_Serialize) => (r.value === null ? null : convertUnit(r.value, r.unit, "mm[Hg]"));
  const s = inMmHg(systolic);
  const d = inMmHg(diastolic);
  return {
    bloodPressure: {
      systolic: systolic.value,
      diastolic: diastolic.value,
      pulse: pulseWithIt?.value ?? null,
      unit: systolic.unit,
      time: systolic.time,
      device: systolic.device,
      device_name: systolic.device_name,
      category: s === null || d === null ? null : classifyHomeReading(s, d),
    },
    others: withoutMean.filter((r) => r !== systolic && r !== diastolic && r !== pulseWithIt),
  };
}
