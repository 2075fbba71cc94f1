// The Today screen with the backend mocked at the IPC layer: it leads with the patient's readings
// and doses, blood pressure as one reading with its home category, times on the locale's clock,
// values in the patient's units, and next steps for someone who has just set Tend up.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Today from "./Today.svelte";

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;

const now = Date.now();
const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString();
const CUFF = "C0:7E:4D:00:00:03";
const STRAP = "C0:7E:4D:00:00:01";
const info = { state: "ok" as const, value: { version: "1.0.0", data_dir: "/profile", vault: { state: "locked" as const, format_version: 1, protection: "passphrase" as const, presence: "passphrase" as const } } };
const preferences = { glucose: "mg/dL", weight: "kg", temperature: "Cel", theme: "system", patient_name: null, spo2_target: "standard", thresholds: {}, detailed_notifications: false, alert_after_minutes: 10, lock_after_minutes: 15 };

/** What the backend holds: by default a strap, a cuff's last measurement, and one dose due. */
let backend: {
  latest: object[];
  devices: object[];
  doses: object[];
  medications: object[];
  alerts: object[];
  preferences: object;
};

const cuffReading = (metric: string, value: number, unit: string) => ({ metric, value, unit, time: minutesAgo(3), device: CUFF, device_name: "Cuff" });

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  backend = {
    latest: [
      { metric: "heart_rate", value: 72, unit: "/min", time: minutesAgo(0), device: STRAP, device_name: "Strap" },
      cuffReading("systolic", 142, "mm[Hg]"),
      cuffReading("diastolic", 88, "mm[Hg]"),
      cuffReading("mean_arterial", 106, "mm[Hg]"),
      cuffReading("pulse_rate", 77, "/min"),
    ],
    devices: [{ id: STRAP, name: "Strap", state: "streaming", battery_percent: 80, last_reading: null, problems: 0, user_id: null }],
    doses: [{ medication_id: "metformin", medication: "Metformin", due: "2026-03-02T20:00:00+01:00", state: "due" }],
    medications: [{ id: "metformin", name: "Metformin" }],
    alerts: [],
    preferences,
  };
  mockIPC(
    (cmd) => {
      switch (cmd) {
        case "latest_readings":
          return backend.latest;
        case "devices":
          return { devices: backend.devices, unavailable: null };
        case "todays_doses":
          return backend.doses;
        case "medications":
          return backend.medications;
        case "alerts":
          return backend.alerts;
        case "preferences":
          return backend.preferences;
        case "watch_devices":
          return null;
      }
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
});

afterEach(() => {
  if (screen) unmount(screen);
  screen = undefined;
  target.remove();
  clearMocks();
});

async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

async function showToday(unlocked = true) {
  screen = mount(Today, { target, props: { info, unlocked } });
  await settle();
}

const cards = () => [...target.querySelectorAll<HTMLElement>(".cards > .card")];
const text = (selector: string) => target.querySelector(selector)?.textContent?.replace(/\s+/g, " ").trim();

describe("Today", () => {
  it("shows blood pressure as one reading, with pulse, and its home category in words", async () => {
    await showToday();
    expect(text("[data-metric=blood_pressure] [data-testid=latest-value]")).toBe("142/88 mmHg · pulse 77");
    const category = target.querySelector("[data-metric=blood_pressure] [data-testid=bp-category]");
    expect(category?.textContent).toMatch(/^High: stage 1/);
    expect(category?.getAttribute("data-category")).toBe("stage_1");
    // No card of its own for each number the cuff sent.
    for (const metric of ["systolic", "diastolic", "mean_arterial", "pulse_rate"]) expect(target.querySelector(`[data-metric=${metric}]`)).toBeNull();
    expect(text("[data-metric=heart_rate] [data-testid=latest-value]")).toBe("72 bpm");
  });

  it.each([
    [118, 76, "normal"],
    [132, 78, "elevated"],
    [150, 92, "stage_2"],
    [185, 100, "crisis"],
  ])("files %d/%d as %s", async (systolic, diastolic, expected) => {
    backend.latest = [cuffReading("systolic", systolic, "mm[Hg]"), cuffReading("diastolic", diastolic, "mm[Hg]")];
    await showToday();
    expect(text("[data-metric=blood_pressure] [data-testid=latest-value]")).toBe(`${systolic}/${diastolic} mmHg`);
    expect(target.querySelector("[data-testid=bp-category]")?.getAttribute("data-category")).toBe(expected);
  });

  it("shows a pulse from another device as heart rate in bpm", async () => {
    backend.latest = [{ metric: "pulse_rate", value: 64, unit: "/min", time: minutesAgo(1), device: "oximeter", device_name: "Oximeter" }];
    await showToday();
    expect(text("[data-metric=pulse_rate] h2")).toBe("Heart rate (pulse)");
    expect(text("[data-metric=pulse_rate] [data-testid=latest-value]")).toBe("64 bpm");
  });

  it("leads with readings and doses, not the vault's state", async () => {
    await showToday();
    expect(target.querySelector("[data-testid=vault-status]")).toBeNull();
    expect(target.textContent).not.toContain("Your vault");
    expect(cards()[0].getAttribute("data-metric")).not.toBeNull();
    const headings = cards().map((c) => c.querySelector("h2")?.textContent);
    expect(headings.indexOf("Next doses")).toBeLessThan(headings.indexOf("Devices"));
  });

  it("still says how to open Tend while it is locked", async () => {
    await showToday(false);
    expect(text("[data-testid=vault-status]")).toBe("Locked");
  });

  it("writes a dose's time on the locale's clock", async () => {
    await showToday();
    // jsdom's language is en-US: a 12-hour clock.
    expect(text("[data-testid=next-doses] li")).toBe("8:00 PM Metformin");
  });

  it("says an alert's value in the patient's unit", async () => {
    backend.preferences = { ...preferences, glucose: "mmol/L" };
    backend.alerts = [{ rule: "glucose_low", metric: "glucose", device_kind: "glucose_meter", direction: "low", value: 50, at: minutesAgo(5), since: minutesAgo(5), rule_text: "Glucose below 54 mg/dL" }];
    await showToday();
    expect(text("[data-testid=alerts] strong")).toBe("Glucose: 2.8 mmol/L");
  });

  it("after setting up, says what to do next: pair a device, add the medicines", async () => {
    backend.latest = [];
    backend.devices = [];
    backend.doses = [];
    backend.medications = [];
    await showToday();
    const steps = target.querySelector("[data-testid=next-steps]");
    expect(steps).not.toBeNull();
    expect([...steps!.querySelectorAll("a")].map((a) => a.getAttribute("href"))).toEqual(["#/devices", "#/medications"]);
    expect(target.textContent).not.toContain("Nothing left to take today");
  });

  it("leaves the next steps out once a device is paired and a medicine added", async () => {
    await showToday();
    expect(target.querySelector("[data-testid=next-steps]")).toBeNull();
  });
});
