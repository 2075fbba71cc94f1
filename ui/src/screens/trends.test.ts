// The Trends screen with the backend mocked at the IPC layer: blood pressure as one chart with
// both numbers and its home category, spot readings as points that keyboard and mouse can reach
// (each saying its value and time), and weight's change over the period.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Trends from "./Trends.svelte";
import { formatDateTime } from "../locale";

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;
let charts: { metric: string; resolution: string }[];

const HOUR = 3_600_000;
const now = Date.now();
/** A cuff's three measurements this week, two days apart. */
const CUFF_TIMES = [now - 5 * 24 * HOUR, now - 3 * 24 * HOUR, now - 1 * 24 * HOUR];
const spot = (metric: string, unit: string, values: number[], range: object | null = null) => ({
  metric,
  unit,
  range,
  points: values.map((v, i) => ({ time_ms: CUFF_TIMES[i], mean: v, min: v, max: v, count: 1 })),
  summary: { count: values.length, mean: values.reduce((a, b) => a + b) / values.length, min: Math.min(...values), max: Math.max(...values), in_range_percent: null },
  damaged: [],
});
/** A strap's heart rate, one bucket a quarter hour, 60 readings each. */
const heartRate = {
  metric: "heart_rate",
  unit: "/min",
  range: { low: 50, high: 100 },
  points: Array.from({ length: 96 }, (_, i) => ({ time_ms: now - (96 - i) * 900_000, mean: 70, min: 60, max: 80, count: 900 })),
  summary: { count: 86_400, mean: 70, min: 60, max: 80, in_range_percent: 100 },
  damaged: [],
};
let chartFor: Record<string, object>;

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  charts = [];
  chartFor = {
    heart_rate: heartRate,
    systolic: spot("systolic", "mm[Hg]", [132, 142, 140], { low: 90, high: 129 }),
    diastolic: spot("diastolic", "mm[Hg]", [82, 88, 88], { low: 60, high: 79 }),
    weight: spot("weight", "kg", [80.1, 80.6, 81.3]),
  };
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "recorded_metrics":
        return ["heart_rate", "systolic", "diastolic", "mean_arterial", "pulse_rate", "weight"];
      case "chart": {
        const { metric, resolution } = args as { metric: string; resolution: string };
        charts.push({ metric, resolution });
        return chartFor[metric];
      }
    }
    throw new Error(`unexpected command ${cmd}`);
  });
  HTMLCanvasElement.prototype.getContext = (() =>
    new Proxy({}, { get: (_, name) => (name === "measureText" ? () => ({ width: 10 }) : () => {}), set: () => true })) as never;
  globalThis.Path2D ??= class {
    constructor() {
      return new Proxy(this, { get: () => () => {} });
    }
  } as never;
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

afterEach(() => {
  if (screen) unmount(screen);
  screen = undefined;
  target.remove();
  clearMocks();
});

async function settle() {
  for (let i = 0; i < 8; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

async function choose(label: string) {
  const select = target.querySelector<HTMLSelectElement>("[data-testid=trend-metric]")!;
  const option = [...select.options].find((o) => o.textContent === label);
  if (!option) throw new Error(`no choice ${label}`);
  select.value = option.value;
  select.dispatchEvent(new Event("change"));
  await settle();
}

const text = (selector: string) => target.querySelector(selector)?.textContent?.replace(/\s+/g, " ").trim();

describe("Trends", () => {
  it("offers blood pressure as one measurement, and pulse as heart rate", async () => {
    screen = mount(Trends, { target });
    await settle();
    const options = [...target.querySelectorAll("[data-testid=trend-metric] option")].map((o) => o.textContent);
    expect(options).toEqual(["Heart rate", "Blood pressure", "Heart rate (pulse)", "Weight"]);
  });

  it("charts blood pressure with both lines, its average and the average's home category", async () => {
    screen = mount(Trends, { target });
    await settle();
    await choose("Blood pressure");
    expect(charts.map((c) => c.metric).slice(-2).sort()).toEqual(["diastolic", "systolic"]);
    const chart = target.querySelector("[data-testid=trend-chart]")!;
    expect(chart.getAttribute("data-series")).toBe("systolic diastolic");
    expect(text("[data-testid=stat-mean]")).toBe("138/86 mmHg");
    const category = target.querySelector("[data-testid=bp-category]");
    expect(category?.getAttribute("data-category")).toBe("stage_1");
    expect(category?.textContent).toMatch(/^High: stage 1/);
  });

  it("draws a cuff's readings as points, each reachable by keyboard with its value and time", async () => {
    screen = mount(Trends, { target });
    await settle();
    await choose("Blood pressure");
    expect(target.querySelector("[data-testid=trend-chart]")?.getAttribute("data-spot")).toBe("true");
    const points = [...target.querySelectorAll<HTMLButtonElement>("[data-testid=chart-point]")];
    expect(points).toHaveLength(3);
    expect(points.map((p) => p.tabIndex)).toEqual([0, -1, -1]);
    const label = `142/88 mmHg, high: stage 1, ${formatDateTime(CUFF_TIMES[1])}`;
    expect(points[1].getAttribute("aria-label")).toBe(label);

    // Focus shows the same words beside the point; the arrow keys move along the readings.
    points[0].focus();
    points[0].dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    flushSync();
    expect(document.activeElement).toBe(points[1]);
    expect(points.map((p) => p.tabIndex)).toEqual([-1, 0, -1]);
    expect(text("[data-testid=chart-tip]")).toBe(label);

    points[2].dispatchEvent(new MouseEvent("mouseenter"));
    flushSync();
    expect(text("[data-testid=chart-tip]")).toContain("140/88 mmHg");
  });

  it("spans the chosen period, not just the few readings in it (readings in one minute stretched the axis over years)", async () => {
    const minute = [now - 60_000, now - 30_000, now - 1_000];
    chartFor.weight = { ...(chartFor.weight as object), points: minute.map((t, i) => ({ time_ms: t, mean: 80 + i, min: 80 + i, max: 80 + i, count: 1 })) };
    screen = mount(Trends, { target });
    await settle();
    await choose("Weight");
    const lefts = [...target.querySelectorAll<HTMLButtonElement>("[data-testid=chart-point]")].map((p) => parseFloat(p.style.left));
    expect(lefts).toHaveLength(3);
    // A minute of the period shown is a sliver at its right edge: the three points all but touch.
    expect(lefts[2] - lefts[0]).toBeLessThan(5);
    expect(lefts[0]).toBeGreaterThan(600);
  });

  it("joins a continuous stream as a line, without a point to tab through for each bucket", async () => {
    screen = mount(Trends, { target });
    await settle();
    expect(target.querySelector("[data-testid=trend-chart]")?.getAttribute("data-spot")).toBe("false");
    expect(target.querySelectorAll("[data-testid=chart-point]")).toHaveLength(0);
  });

  it("asks for single readings when a spot measurement has few enough to draw", async () => {
    screen = mount(Trends, { target });
    await settle();
    await choose("Weight");
    const weight = charts.filter((c) => c.metric === "weight").map((c) => c.resolution);
    expect(weight).toEqual(["15m", "raw"]);
  });

  it.each([
    ["kg", [80.1, 80.6, 81.3], "+1.2 kg"],
    ["[lb_av]", [180.4, 179.9, 178.2], "−2.2 lb"],
  ])("says how weight changed over the period (%s)", async (unit, values, expected) => {
    chartFor.weight = spot("weight", unit, values);
    screen = mount(Trends, { target });
    await settle();
    await choose("Weight");
    expect(text("[data-testid=stat-change]")).toBe(expected);
  });

  it("says a wrong date beside the date fields, announced", async () => {
    screen = mount(Trends, { target });
    await settle();
    [...target.querySelectorAll<HTMLButtonElement>("[data-span]")].find((b) => b.dataset.span === "custom")!.click();
    await settle();
    const from = target.querySelector<HTMLInputElement>("[data-testid=trend-from]")!;
    from.value = "3 March";
    from.dispatchEvent(new Event("input", { bubbles: true }));
    await settle();
    const error = target.querySelector("[data-error-code=invalid_input]");
    expect(error?.textContent).toContain("YYYY-MM-DD");
    expect(error?.closest(".toolbar")).not.toBeNull();
    expect(error?.getAttribute("role")).toBe("alert");
  });
});
