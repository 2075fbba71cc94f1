// Chart plumbing: which resolution a window gets, the columns uPlot draws, values in words.
import { describe, expect, it } from "vitest";
import type { Chart_Serialize } from "./bindings";
import { columns, formatValue, resolutionFor } from "./charts";

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
