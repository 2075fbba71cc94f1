// Blood pressure as one reading: a home reading's category at each threshold, and a cuff's
// numbers put back together.
import { describe, expect, it } from "vitest";
import type { LatestReading_Serialize } from "./bindings";
import { classifyHomeReading, combineBloodPressure } from "./blood-pressure";

describe("classifyHomeReading", () => {
  it.each([
    [118, 76, "normal"],
    [129, 79, "normal"],
    [130, 70, "elevated"],
    [120, 80, "elevated"],
    [134, 84, "elevated"],
    [135, 70, "stage_1"],
    [120, 85, "stage_1"],
    [144, 89, "stage_1"],
    [145, 80, "stage_2"],
    [130, 90, "stage_2"],
    [179, 119, "stage_2"],
    [180, 100, "crisis"],
    [150, 120, "crisis"],
  ])("%d/%d mmHg is %s", (systolic, diastolic, expected) => expect(classifyHomeReading(systolic, diastolic)).toBe(expected));
});

const at = (minute: number) => new Date(Date.UTC(2026, 2, 3, 8, minute)).toISOString();
const reading = (metric: string, value: number, minute = 0, device = "cuff"): LatestReading_Serialize =>
  ({ metric, value, unit: metric === "pulse_rate" ? "/min" : "mm[Hg]", time: at(minute), device, device_name: device }) as LatestReading_Serialize;

describe("combineBloodPressure", () => {
  it("joins a cuff's numbers into one reading and keeps the rest apart", () => {
    const strap = reading("heart_rate", 70, 5, "strap");
    const { bloodPressure, others } = combineBloodPressure([strap, reading("systolic", 142), reading("diastolic", 88), reading("mean_arterial", 106), reading("pulse_rate", 77)]);
    expect(bloodPressure).toMatchObject({ systolic: 142, diastolic: 88, pulse: 77, time: at(0), device_name: "cuff", category: "stage_1" });
    expect(others).toEqual([strap]);
  });

  it("leaves a pulse measured elsewhere, or at another time, as its own reading", () => {
    const oximeter = reading("pulse_rate", 64, 0, "oximeter");
    const later = reading("pulse_rate", 64, 30);
    expect(combineBloodPressure([reading("systolic", 120), reading("diastolic", 70), oximeter])).toMatchObject({ bloodPressure: { pulse: null }, others: [oximeter] });
    expect(combineBloodPressure([reading("systolic", 120), reading("diastolic", 70), later]).others).toEqual([later]);
  });

  it("has no blood pressure without both numbers", () => {
    expect(combineBloodPressure([reading("mean_arterial", 90)])).toEqual({ bloodPressure: null, others: [] });
  });
});
