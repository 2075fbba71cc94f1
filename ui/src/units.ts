// The patient's units: converting a value between the units of one kind (the factors vitals
// uses, crates/vitals/src/unit.rs), and which unit each metric is shown in. Core stores, alerts
// and takes ranges in each metric's canonical unit; every screen shows the preferred one.
import { CANONICAL_UNITS, type Metric, type Preferences_Serialize, type Unit } from "./bindings";

/** 1 mmol/L of glucose is 18.016 mg/dL (its molar mass, 180.16 g/mol), as vitals has it. */
const GLUCOSE_MG_PER_DL_PER_MMOL_PER_L = 18.016;
const KPA_PER_MMHG = 0.133_322_387_415;
const KG_PER_LB = 0.453_592_37;

/** `value` in `from` as a value in `to`; throws across kinds (mass into temperature). */
export function convertUnit(value: number, from: Unit, to: Unit): number {
  if (from === to) return value;
  switch (`${from}>${to}`) {
    case "mg/dL>mmol/L":
      return value / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L;
    case "mmol/L>mg/dL":
      return value * GLUCOSE_MG_PER_DL_PER_MMOL_PER_L;
    case "kg>[lb_av]":
      return value / KG_PER_LB;
    case "[lb_av]>kg":
      return value * KG_PER_LB;
    case "Cel>[degF]":
      return (value * 9) / 5 + 32;
    case "[degF]>Cel":
      return ((value - 32) * 5) / 9;
    case "mm[Hg]>kPa":
      return value * KPA_PER_MMHG;
    case "kPa>mm[Hg]":
      return value / KPA_PER_MMHG;
  }
  throw new Error(`no conversion from ${from} to ${to}`);
}

/** The unit `metric` is shown in: the patient's choice for glucose, weight and temperature. */
export function preferredUnit(metric: Metric, preferences: Pick<Preferences_Serialize, "glucose" | "weight" | "temperature"> | null): Unit {
  if (preferences) {
    if (metric === "glucose") return preferences.glucose;
    if (metric === "weight") return preferences.weight;
    if (metric === "body_temperature") return preferences.temperature;
  }
  return CANONICAL_UNITS[metric];
}

/** A value of `metric` held in its canonical unit (an alert's, a range's), in the preferred unit. */
export function canonicalToPreferred(value: number, metric: Metric, preferences: Parameters<typeof preferredUnit>[1]): number {
  return convertUnit(value, CANONICAL_UNITS[metric], preferredUnit(metric, preferences));
}

/** A value of `metric` typed in the preferred unit, in the canonical unit core takes. */
export function preferredToCanonical(value: number, metric: Metric, preferences: Parameters<typeof preferredUnit>[1]): number {
  return convertUnit(value, preferredUnit(metric, preferences), CANONICAL_UNITS[metric]);
}
