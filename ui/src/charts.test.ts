// Chart plumbing: which resolution a window gets, the columns uPlot draws, values in words.
import { describe, expect, it } from "vitest";
import type { Chart_Serialize } from "./bindings";
import { alignedColumns, columns, formatValue, isSpotSeries, meanSeries, periodChange, resolutionFor, trendChoices } from "./charts";

const HOUR = 3_600_000;

describe("resolutionFor", () => {
  it.each([
    [HOUR, "raw"],
    [2 * HOUR, "raw"],
    [24 * HOUR, "1m"],
    [7 * 24 * HOUR, "15m"],
    [30 * 24 * HOUR, "1h"],
    [365 * 24 * HOUR, "6h"],
    [10 * 365 * 24 * HOUR, "1d"],
  ])("a window of %d ms is charted at %s", (span, expected) => expect(resolutionFor(0, span)).toBe(expected));
});

describe("columns", () => {
  it("gives time in seconds, the band, and marks means outside the range", () => {
    const chart = {
      metric: "heart_rate",
      unit: "/min",
      range: { low: 50, high: 100 },
      points: [
        { time_ms: 1000, mean: 70, min: 60, max: 80, count: 60 },
        { time_ms: 61000, mean: 130, min: 120, max: 140, count: 60 },
        { time_ms: 121000, mean: null, min: null, max: null, count: 0 },
      ],
      summary: { count: 120, mean: 100, min: 60, max: 140, in_range_percent: 50 },
      damaged: [],
    } satisfies Chart_Serialize;
    expect(columns(chart)).toEqual([
      [1, 61, 121],
      [70, 130, null],
      [60, 120, null],
      [80, 140, null],
      [null, 130, null],
    ]);
  });
});

describe("formatValue", () => {
  it.each([
    [72.4, "/min", undefined, "72 /min"],
    [72.4, "/min", "heart_rate", "72 bpm"],
    [64, "/min", "pulse_rate", "64 bpm"],
    [14, "/min", "respiratory_rate", "14 breaths/min"],
    [5.54, "mmol/L", "glucose", "5.5 mmol/L"],
    [36.84, "Cel", undefined, "36.8 °C"],
    [null, "kg", undefined, "–"],
  ] as const)("%s %s (%s) reads %s", (value, unit, metric, expected) => expect(formatValue(value, unit, metric)).toBe(expected));
});

const HOUR_MS = 3_600_000;
/** A chart of `metric` with `count` readings spread evenly over `hours`. */
function spread(metric: Chart_Serialize["metric"], count: number, hours: number, values = (i: number) => 70 + i): Chart_Serialize {
  const points = Array.from({ length: count }, (_, i) => ({ time_ms: (i * hours * HOUR_MS) / Math.max(1, count - 1), mean: values(i), min: values(i), max: values(i), count: 1 }));
  return { metric, unit: "kg", range: null, points, summary: { count, mean: null, min: null, max: null, in_range_percent: null }, damaged: [] };
}

describe("isSpotSeries", () => {
  it.each([
    ["a week of a scale's readings", [spread("weight", 7, 24 * 7)], true],
    ["a cuff's systolic and diastolic", [spread("systolic", 20, 24 * 7), spread("diastolic", 20, 24 * 7)], true],
    ["even a cuff measuring every minute", [spread("systolic", 60, 1)], true],
    ["a glucose meter, four a day", [spread("glucose", 28, 24 * 7)], true],
    ["a CGM, every 5 minutes", [spread("glucose", 288, 24)], false],
    ["a heart-rate strap", [spread("heart_rate", 3600, 1)], false],
    ["an oximeter's pulse", [spread("pulse_rate", 600, 1)], false],
  ] as const)("%s: %s", (_, charts, expected) => expect(isSpotSeries([...charts])).toBe(expected));

  it("counts a bucket's readings, not its one point", () => {
    const chart = spread("heart_rate", 24, 24);
    chart.points = chart.points.map((p) => ({ ...p, count: 3600 }));
    expect(isSpotSeries([chart])).toBe(false);
  });
});

describe("meanSeries", () => {
  it("draws spot readings as points with no line between them", () => {
    const series = meanSeries({ spot: true, label: "Weight", colour: "#000" });
    expect(series.points?.show).toBe(true);
    expect(typeof series.paths === "function" && series.paths({} as never, 1, 0, 1)).toBe(null);
  });
  it("joins a stream as a line", () => {
    const series = meanSeries({ spot: false, label: "Heart rate", colour: "#000" });
    expect(series.points?.show).toBe(false);
    expect(series.paths).toBeUndefined();
  });
});

describe("alignedColumns", () => {
  it("puts two series on one time axis, a gap where one has no reading", () => {
    const systolic = spread("systolic", 2, 1, (i) => 130 + i);
    const diastolic = spread("diastolic", 1, 1, () => 80);
    expect(alignedColumns([systolic, diastolic])).toEqual([
      [0, 3600],
      [130, 131], [130, 131], [130, 131], [null, null],
      [80, null], [80, null], [80, null], [null, null],
    ]);
  });
});

describe("periodChange", () => {
  it.each([
    [[80.1, 80.6, 81.3], 1.2],
    [[81.3, 80.1], -1.2],
    [[80], null],
  ])("%j changes by %s", (values, expected) => {
    const change = periodChange(spread("weight", values.length, 24, (i) => values[i]));
    if (expected === null) expect(change).toBeNull();
    else expect(change).toBeCloseTo(expected, 5);
  });
});

describe("trendChoices", () => {
  it("offers blood pressure once, leaves the mean arterial pressure out, and keeps the order", () => {
    expect(trendChoices(["heart_rate", "spo2", "systolic", "diastolic", "mean_arterial", "pulse_rate", "glucose"])).toEqual([
      { id: "heart_rate", label: "Heart rate", metrics: ["heart_rate"] },
      { id: "spo2", label: "Blood oxygen (SpO₂)", metrics: ["spo2"] },
      { id: "blood_pressure", label: "Blood pressure", metrics: ["systolic", "diastolic"] },
      { id: "pulse_rate", label: "Heart rate (pulse)", metrics: ["pulse_rate"] },
      { id: "glucose", label: "Glucose", metrics: ["glucose"] },
    ]);
  });
});
