// The patient's units: conversions as vitals does them, and which unit a metric is shown in.
import { describe, expect, it } from "vitest";
import type { Preferences_Serialize, Unit } from "./bindings";
import { convertUnit, preferredUnit } from "./units";

describe("convertUnit", () => {
  it.each([
    [180, "mg/dL", "mmol/L", 9.99],
    [5.5, "mmol/L", "mg/dL", 99.09],
    [80, "kg", "[lb_av]", 176.37],
    [176.37, "[lb_av]", "kg", 80],
    [37, "Cel", "[degF]", 98.6],
    [98.6, "[degF]", "Cel", 37],
    [120, "mm[Hg]", "kPa", 16],
    [72, "/min", "/min", 72],
  ] as [number, Unit, Unit, number][])("%d %s is %d %s", (value, from, to, expected) => expect(convertUnit(value, from, to)).toBeCloseTo(expected, 2));

  it("refuses units of different kinds", () => expect(() => convertUnit(1, "kg", "Cel")).toThrow());
});

describe("preferredUnit", () => {
  const preferences = { glucose: "mmol/L", weight: "[lb_av]", temperature: "[degF]" } as Preferences_Serialize;
  it.each([
    ["glucose", "mmol/L"],
    ["weight", "[lb_av]"],
    ["body_temperature", "[degF]"],
    ["systolic", "mm[Hg]"],
    ["heart_rate", "/min"],
  ] as const)("%s is shown in %s", (metric, expected) => expect(preferredUnit(metric, preferences)).toBe(expected));
  it("is the canonical unit before preferences are known", () => expect(preferredUnit("glucose", null)).toBe("mg/dL"));
});
