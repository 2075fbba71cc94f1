// The Report screen with the backend mocked at the IPC layer: the figures of each section, a
// new period asked for, the PDF saved, and the report sent only to a team with reports on.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Report from "./Report.svelte";
import { REPORT } from "../test-fixtures";

const BP_WEEK = {
  week: { start: "2026-03-02", morning: "07:00:00", evening: "19:00:00", zone: "America/New_York" },
  progress: {
    start: "2026-03-02",
    day: 4,
    days: 7,
    counted_readings: 9,
    counted_days: 3,
    minimum_readings: 12,
    planned_readings: 24,
    complete: false,
    finished: false,
    due: [{ date: "2026-03-05", slot: "evening", readings_needed: 1 }],
    missed: [{ date: "2026-03-05", slot: "morning", readings_needed: 2 }],
  },
  label: "Day 4 of 7, 9 of 12 readings",
};

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;
let calls: { cmd: string; args: Record<string, unknown> }[];
let units: { glucose: string; weight: string; temperature: string };

const team = (id: string, reports: boolean) => ({
  id,
  name: id === "clinic" ? "Diabetes clinic" : "Other",
  base_url: "https://fhir.example.org/r4",
  patient: "Patient/1",
  sign_in: { kind: "none" },
  consents: [{ category: "reports", label: "clinic reports", shares: "…", consent: reports ? { category: "reports", given_at: "2026-03-01T00:00:00Z", scope: { kind: "from_now" } } : null }],
  queued: 0,
  last_sync: null,
});

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  calls = [];
  units = { glucose: "mg/dL", weight: "kg", temperature: "Cel" };
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    switch (cmd) {
      case "clinic_report":
        return REPORT;
      case "preferences":
        return { ...units, theme: "system", patient_name: null, spo2_target: "standard", thresholds: {}, detailed_notifications: false, alert_after_minutes: 10, lock_after_minutes: 15 };
      case "care_teams":
        return [team("clinic", true), team("other", false)];
      case "plugin:dialog|save":
        return "/home/pat/Documents/tend-report.pdf";
      case "save_report_pdf":
        expect((args as { path: string }).path).toBe("/home/pat/Documents/tend-report.pdf");
        return { path: "/home/pat/Documents/tend-report.pdf", items: 1 };
      case "share_report":
        return { resources: 9, categories: ["glucose", "blood_pressure"] };
      case "bp_week":
        return null;
      case "start_bp_week":
        return BP_WEEK;
      case "stop_bp_week":
        return null;
    }
    throw new Error(`unexpected command ${cmd}`);
  });
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

describe("Report screen", () => {
  it("shows each section's figures, asks for another period, saves and sends", async () => {
    screen = mount(Report, { target });
    await settle();
    expect(target.querySelector("[data-testid=tir]")?.textContent).toContain("74%");
    expect(target.querySelector("[data-testid=bp-average]")?.textContent).toContain("138/87");
    expect(target.querySelector("[data-testid=bp-classification]")?.textContent).toContain("135/85 or more");
    expect(target.querySelector("[data-section=medication]")?.textContent).toContain("Metformin 500 mg");

    const first = calls.filter((c) => c.cmd === "clinic_report");
    expect(first).toHaveLength(1);
    const span = (args: Record<string, unknown>) => (Date.parse(args.until as string) - Date.parse(args.from as string)) / 86_400_000;
    expect(span(first[0].args)).toBeCloseTo(14);
    target.querySelector<HTMLInputElement>("[data-report-days='30']")!.click();
    await settle();
    const asked = calls.filter((c) => c.cmd === "clinic_report");
    expect(span(asked[asked.length - 1].args)).toBeCloseTo(30);

    target.querySelector<HTMLButtonElement>("[data-testid=report-pdf]")!.click();
    await settle();
    expect(target.querySelector("[data-testid=report-notice]")?.textContent).toContain("tend-report.pdf");

    const send = [...target.querySelectorAll<HTMLButtonElement>("[data-testid=report-send]")];
    expect(send.map((b) => b.textContent)).toEqual(["Send to Diabetes clinic"]);
    send[0].click();
    await settle();
    expect(calls.find((c) => c.cmd === "share_report")?.args).toMatchObject({ teamId: "clinic" });
    expect(target.querySelector("[data-testid=report-notice]")?.textContent).toContain("glucose, blood pressure");
  });

  it("writes glucose and weight in the patient's units", async () => {
    units = { glucose: "mmol/L", weight: "[lb_av]", temperature: "Cel" };
    screen = mount(Report, { target });
    await settle();
    const glucose = target.querySelector("[data-section=glucose]")?.textContent ?? "";
    expect(glucose).toContain("Time in range (3.9–10.0 mmol/L)");
    expect(glucose).toContain("Average glucose7.9 mmol/L");
    expect(glucose).toContain("In range (3.9–10.0): 74%");
    expect(glucose).not.toContain("mg/dL");
    const weight = target.querySelector("[data-section=weight]")?.textContent ?? "";
    expect(weight).toContain("Latest179.2 lb");
    expect(weight).toContain("+2.6 lb");
    expect(weight).not.toMatch(/\bkg\b/);
  });

  it("starts a guided blood-pressure week with its two reminder times and shows how far it is", async () => {
    screen = mount(Report, { target });
    await settle();
    const card = target.querySelector("[data-testid=bp-week]") as HTMLElement;
    const morning = card.querySelector("input[type=time]") as HTMLInputElement;
    morning.value = "06:30";
    morning.dispatchEvent(new Event("input", { bubbles: true }));
    (card.querySelector("[data-testid=bp-week-start]") as HTMLButtonElement).click();
    await settle();
    const start = calls.find((c) => c.cmd === "start_bp_week");
    expect(start?.args).toMatchObject({ morning: "06:30", evening: "19:00" });
    expect(String(start?.args.start)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(card.querySelector("[data-testid=bp-week-progress]")?.textContent).toBe("Day 4 of 7, 9 of 12 readings");
    expect(card.querySelector("[data-testid=bp-week-next]")?.textContent).toContain("one more reading");
    (card.querySelector("[data-testid=bp-week-stop]") as HTMLButtonElement).click();
    await settle();
    expect(calls.some((c) => c.cmd === "stop_bp_week")).toBe(true);
    expect(card.querySelector("[data-testid=bp-week-start]")).not.toBeNull();
  });
});
