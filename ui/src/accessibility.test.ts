// axe-core on every screen mounted in jsdom with the backend mocked: fast feedback on names,
// roles, landmarks and headings. Colour contrast needs a real renderer, so it is checked in the
// webview instead (tests/e2e/accessibility.test.mjs).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import axe from "axe-core";
import App from "./App.svelte";
import { ROUTES } from "./routes";
import { REPORT } from "./test-fixtures";

let target: HTMLElement;
let app: Record<string, unknown> | undefined;

const HOUR = 3_600_000;
const now = Date.now();
const chart = {
  metric: "heart_rate",
  unit: "/min",
  resolution: "1h",
  range: { low: 50, high: 100 },
  points: Array.from({ length: 24 }, (_, i) => ({ time_ms: now - (24 - i) * HOUR, mean: 70 + i, min: 60 + i, max: 80 + i, count: 60 })),
  summary: { mean: 81.5, min: 60, max: 103, count: 1440, in_range_percent: 96 },
  damaged: [],
};
const metformin = {
  id: "metformin",
  name: "Metformin",
  strength: "500 mg",
  form: null,
  instructions: null,
  schedule: { times: ["08:00"], start: "2026-03-01", end: null },
  home_zone: null,
  pills_on_hand: 20,
  pills_per_dose: 1,
  refill_at: null,
};
const adherence = { medication_id: "metformin", medication: "Metformin", taken: 6, on_time: 5, skipped: 0, missed: 1, pending: 0, taken_percent: 85.7, on_time_percent: 71.4 };

const strap = { id: "C0:7E:4D:00:00:01", name: "Strap", state: "streaming", battery_percent: 80, last_reading: null, problems: 0 };
const careTeam = {
  id: "clinic",
  name: "Clinic",
  base_url: "https://fhir.example.org/r4",
  patient: "Patient/7",
  sign_in: { kind: "none" },
  queued: 0,
  last_sync: null,
  consents: [
    { category: "heart_rate", label: "heart rate", shares: "Your heart rate.", consent: { category: "heart_rate", given_at: new Date(now).toISOString(), scope: { from: "from_now" } } },
    { category: "glucose", label: "glucose", shares: "Each glucose reading.", consent: null },
  ],
};

/** The backend with an unlocked vault holding a day of heart rate and one medication. */
function backend(vault: "not_created" | "locked" | "unlocked", answers: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  mockIPC(
    (cmd, args) => {
      if (cmd in answers) return answers[cmd]((args ?? {}) as Record<string, unknown>);
      switch (cmd) {
        case "app_info":
          return {
            version: "1.0.0",
            data_dir: "/profile",
            vault: vault === "not_created" ? { state: "not_created" } : { state: "locked", format_version: 1, protection: "passphrase", presence: "passphrase" },
          };
        case "vault_unlocked":
          return vault === "unlocked";
        case "recorded_metrics":
          return ["heart_rate"];
        case "chart":
          return chart;
        case "todays_doses":
          return [{ medication_id: "metformin", medication: "Metformin", due: "2026-03-02T08:00:00+01:00", state: "due" }];
        case "medications":
          return [metformin];
        case "adherence":
          return { medications: [adherence], overall: { ...adherence, medication_id: "", medication: "All medications" } };
        case "schedule_preview":
          return ["2026-03-03T08:00:00+01:00", "2026-03-04T08:00:00+01:00"];
        case "devices":
          return { devices: [strap], unavailable: null };
        case "scan_devices":
          return [{ id: "C0:7E:4D:00:00:03", name: "Cuff", rssi: -50, services: ["blood_pressure"], paired: false, user_choice: true }];
        case "watch_devices":
          return null;
        case "latest_readings":
          return [{ metric: "heart_rate", value: 72, unit: "/min", time: new Date(now).toISOString(), device: strap.id, device_name: strap.name }];
        case "alerts":
          return [{ rule: "heart_rate_high", metric: "heart_rate", device_kind: "heart_rate_monitor", direction: "high", value: 131, at: new Date(now).toISOString(), since: new Date(now - 600_000).toISOString(), rule_text: "Heart rate above 120 bpm for 10 minutes" }];
        case "care_teams":
          return [careTeam];
        case "share_log":
          return [{ at: new Date(now).toISOString(), action: "consent_given", counterpart: "Clinic", summary: "heart rate, from now on" }];
        case "preferences":
          return { glucose: "mg/dL", weight: "kg", temperature: "Cel", theme: "system", patient_name: null, spo2_target: "standard", thresholds: {}, detailed_notifications: false, alert_after_minutes: 10, lock_after_minutes: 15 };
        case "clinic_report":
          return REPORT;
        case "bp_week":
          return null;
        case "import_batches":
          return [{ id: 7, imported_at: new Date(now).toISOString(), file: "export.zip", format: "apple_health_zip", readings: 1200, summaries: 0, metrics: [], summary_records: 0 }];
        case "normal_ranges":
          return [
            { metric: "heart_rate", unit: "/min", range: { low: 50, high: 100 }, default: { low: 50, high: 100 } },
            { metric: "glucose", unit: "mg/dL", range: { low: 70, high: 180 }, default: { low: 70, high: 180 } },
          ];
      }
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
}

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  location.hash = "";
  // jsdom draws nothing: uPlot gets a canvas context whose every method does nothing.
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
  if (app) unmount(app);
  app = undefined;
  target.remove();
  clearMocks();
});

async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

async function show(hash: string) {
  location.hash = hash;
  app ??= mount(App, { target });
  dispatchEvent(new HashChangeEvent("hashchange"));
  await settle();
}

/** axe's violations on the mounted app, one line each: rule, impact, and where. */
async function violations(): Promise<string[]> {
  // vite-node's source maps rewrite call sites by assigning `constructor`, which the frozen
  // Object.prototype refuses: plain stacks while axe runs (it reads the stacks of errors it catches).
  const errors = Error as { prepareStackTrace?: unknown };
  const prepare = errors.prepareStackTrace;
  errors.prepareStackTrace = undefined;
  const result = await axe.run(target, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    // jsdom computes no layout or colours; the webview test covers contrast. The app is mounted in
    // a div here, not as the page, so page-level rules (one main landmark, a level-one heading,
    // everything inside a landmark) are checked there too.
    rules: { "color-contrast": { enabled: false }, region: { enabled: false } },
    resultTypes: ["violations"],
  }).finally(() => (errors.prepareStackTrace = prepare));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`);
}

const press = (label: string) => {
  const found = [...target.querySelectorAll("button")].find((b) => (b.getAttribute("aria-label") ?? b.textContent)?.trim().startsWith(label));
  if (!found) throw new Error(`no button ${label}`);
  found.click();
};

describe("axe finds no violations", () => {
  it.each(ROUTES.map((r) => r.id))("on %s, unlocked", async (route) => {
    backend("unlocked");
    await show(`#/${route}`);
    expect(await violations()).toEqual([]);
  });

  it.each(["not_created", "locked"] as const)("on the vault form (%s), also asking for a passphrase", async (vault) => {
    backend(vault);
    await show("#/today");
    expect(target.querySelector("[data-testid=vault-submit]")).not.toBeNull();
    expect(await violations()).toEqual([]);
    await show("#/trends");
    expect(await violations()).toEqual([]);
  });

  it("on Trends with a chart and the date fields", async () => {
    backend("unlocked");
    await show("#/trends");
    expect(target.querySelector("[data-testid=trend-chart]")).not.toBeNull();
    press("Dates");
    await settle();
    expect(target.querySelector("[data-testid=trend-from]")).not.toBeNull();
    expect(await violations()).toEqual([]);
  });

  it("on Trends with blood pressure's readings as points to tab through", async () => {
    const cuff = (metric: string, values: number[]) => ({
      ...chart,
      metric,
      unit: "mm[Hg]",
      range: null,
      points: values.map((v, i) => ({ time_ms: now - (3 - i) * 24 * HOUR, mean: v, min: v, max: v, count: 1 })),
      summary: { mean: values[0], min: values[0], max: values[0], count: values.length, in_range_percent: null },
    });
    backend("unlocked", {
      recorded_metrics: () => ["systolic", "diastolic"],
      chart: (args) => (args.metric === "systolic" ? cuff("systolic", [132, 142, 140]) : cuff("diastolic", [82, 88, 88])),
    });
    await show("#/trends");
    expect(target.querySelectorAll("[data-testid=chart-point]")).toHaveLength(3);
    target.querySelector<HTMLButtonElement>("[data-testid=chart-point]")!.focus();
    await settle();
    expect(target.querySelector("[data-testid=chart-tip]")).not.toBeNull();
    expect(await violations()).toEqual([]);
  });

  it("on Medications with the editor open and a dose being skipped", async () => {
    backend("unlocked");
    await show("#/medications");
    press("Skip Metformin");
    press("Change Metformin");
    await settle();
    expect(target.querySelector("[data-testid=medication-editor]")).not.toBeNull();
    expect(target.querySelector(".skip select")).not.toBeNull();
    expect(await violations()).toEqual([]);
  });

  it("on Devices asking which user the patient is on a cuff", async () => {
    backend("unlocked");
    await show("#/devices");
    press("Look for devices");
    await settle();
    press("Pair Cuff");
    await settle();
    expect(target.querySelector("[data-testid=user-choice]")).not.toBeNull();
    expect(await violations()).toEqual([]);
  });

  it("and does report a nameless control (the check is live)", async () => {
    backend("unlocked");
    await show("#/settings");
    target.querySelector("main")!.append(Object.assign(document.createElement("button"), { className: "probe" }));
    expect((await violations()).join("\n")).toMatch(/^button-name/m);
  });
});
