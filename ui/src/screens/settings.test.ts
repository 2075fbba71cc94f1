// The Settings screen with the backend mocked at the IPC layer: a unit choice is saved, export
// says where the file went, and erasing needs the typed word.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Settings from "./Settings.svelte";

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;
let calls: { cmd: string; args: Record<string, unknown> }[];
let preferences: Record<string, unknown>;
const DEFAULTS = { glucose: "mg/dL", weight: "kg", temperature: "Cel", theme: "system", patient_name: null, spo2_target: "standard", thresholds: {}, detailed_notifications: false, alert_after_minutes: 10, lock_after_minutes: 15 };
const info = { state: "ok" as const, value: { version: "1.0.0", data_dir: "/profile", vault: { state: "locked" as const, format_version: 1, protection: "passphrase" as const, presence: "passphrase" as const } } };

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  calls = [];
  preferences = { ...DEFAULTS };
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    switch (cmd) {
      case "preferences":
        return preferences;
      case "normal_ranges":
        // As core sends them: in each metric's canonical unit, whatever the patient prefers.
        return [
          { metric: "heart_rate", unit: "/min", range: { low: 50, high: 100 }, default: { low: 50, high: 100 } },
          { metric: "glucose", unit: "mg/dL", range: { low: 70, high: 180 }, default: { low: 70, high: 180 } },
          { metric: "body_temperature", unit: "Cel", range: { low: 36, high: 37.9 }, default: { low: 36, high: 37.9 } },
        ];
      case "set_preferences":
        preferences = (args as { preferences: Record<string, unknown> }).preferences;
        return preferences;
      case "plugin:dialog|save":
        return "/home/pat/Documents/tend-history.csv";
      case "export_history":
        return { path: (args as { path: string }).path, items: 1440 };
      case "erase_everything":
        return { keychain_entry: false, files: ["vault.sqlite", "tend-history-2026-03-01-080000.csv"], app: info.value };
      case "import_batches":
        return [];
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

describe("Settings screen", () => {
  it("saves a unit, exports, and erases only after the word is typed", async () => {
    let changed = 0;
    screen = mount(Settings, { target, props: { info, unlocked: true, onchanged: () => changed++ } });
    await settle();

    target.querySelector<HTMLInputElement>('input[name="unit-glucose"]:not(:checked)')!.click();
    await settle();
    expect(calls.find((c) => c.cmd === "set_preferences")?.args.preferences).toMatchObject({ glucose: "mmol/L" });

    const lockAfter = target.querySelector<HTMLSelectElement>("[data-testid=lock-after]")!;
    expect(lockAfter.value).toBe("15");
    lockAfter.value = "5";
    lockAfter.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    expect(calls.filter((c) => c.cmd === "set_preferences").at(-1)?.args.preferences).toMatchObject({ lock_after_minutes: 5 });
    target.querySelector<HTMLInputElement>("[data-testid=detailed-notifications]")!.click();
    await settle();
    expect(calls.filter((c) => c.cmd === "set_preferences").at(-1)?.args.preferences).toMatchObject({ detailed_notifications: true });

    target.querySelector<HTMLButtonElement>("[data-testid=export-csv]")!.click();
    await settle();
    // Issue 20: the export goes where the patient chose in the Save dialog, never into Tend's folder.
    expect(calls.find((c) => c.cmd === "export_history")?.args).toEqual({ format: "csv", path: "/home/pat/Documents/tend-history.csv" });
    expect(target.querySelector("[data-testid=exported]")?.textContent).toContain("/home/pat/Documents/tend-history.csv");
    expect(target.textContent).toContain("It is not encrypted");

    const erase = [...target.querySelectorAll("button")].find((b) => b.textContent === "Erase everything")!;
    expect(erase.disabled).toBe(true);
    const word = target.querySelector<HTMLInputElement>("[data-testid=erase-confirm]")!;
    word.value = "erase";
    word.dispatchEvent(new Event("input", { bubbles: true }));
    await settle();
    expect(erase.disabled).toBe(false);
    erase.click();
    await settle();
    expect(calls.find((c) => c.cmd === "erase_everything")?.args).toEqual({ confirm: "erase" });
    expect(changed).toBe(1);
    // It says what it removed, and nothing stale from before stays on screen.
    expect(target.querySelector("[data-testid=erased]")?.textContent).toContain("2 files from Tend's folder (vault.sqlite, tend-history-2026-03-01-080000.csv)");
    expect(target.querySelector("[data-testid=exported]")).toBeNull();
    expect(target.querySelector("[data-testid=saved]")).toBeNull();
  });
});

describe("Settings follows the patient's units", () => {
  const row = (metric: string) => {
    const header = [...target.querySelectorAll("tbody th")].find((th) => th.textContent?.startsWith(metric));
    const inputs = [...(header?.closest("tr")?.querySelectorAll("input") ?? [])] as HTMLInputElement[];
    return { header: header?.textContent, low: inputs[0]?.value, high: inputs[1]?.value, inputs };
  };

  it("shows and takes the normal ranges in the chosen unit, and keeps them in core's", async () => {
    preferences = { ...DEFAULTS, glucose: "mmol/L", temperature: "[degF]" };
    screen = mount(Settings, { target, props: { info, unlocked: true } });
    await settle();
    expect(row("Glucose")).toMatchObject({ header: "Glucose (mmol/L)", low: "3.9", high: "10" });
    expect(row("Body temperature")).toMatchObject({ header: "Body temperature (°F)", low: "96.8", high: "100.2" });
    expect(row("Heart rate")).toMatchObject({ header: "Heart rate (bpm)", low: "50", high: "100" });
    expect(target.querySelector("[data-testid=ranges-hint]")?.textContent).toContain("below 3.0 mmol/L");

    const high = row("Glucose").inputs[1];
    high.value = "9";
    high.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    const saved = calls.filter((c) => c.cmd === "set_preferences").at(-1)?.args.preferences as { thresholds: { glucose: { low: number; high: number } } };
    expect(saved.thresholds.glucose.low).toBe(70);
    expect(saved.thresholds.glucose.high).toBeCloseTo(9 * 18.016, 6);
  });

  it("switches the table to mmol/L when the glucose unit is switched", async () => {
    screen = mount(Settings, { target, props: { info, unlocked: true } });
    await settle();
    expect(row("Glucose").header).toBe("Glucose (mg/dL)");
    target.querySelector<HTMLInputElement>('input[name="unit-glucose"]:not(:checked)')!.click();
    await settle();
    expect(row("Glucose")).toMatchObject({ header: "Glucose (mmol/L)", low: "3.9", high: "10" });
  });
});

describe("Settings answers beside the control that was used", () => {
  it("says Saved in the section that changed, announced", async () => {
    screen = mount(Settings, { target, props: { info, unlocked: true } });
    await settle();
    target.querySelector<HTMLInputElement>('input[name="unit-weight"]:not(:checked)')!.click();
    await settle();
    const saved = [...target.querySelectorAll("[data-testid=saved]")];
    expect(saved).toHaveLength(1);
    expect(saved[0].closest("section")?.getAttribute("aria-labelledby")).toBe("units-title");
    expect(saved[0].closest("[aria-live]")).not.toBeNull();

    target.querySelector<HTMLInputElement>('input[data-theme-choice="dark"]')!.click();
    await settle();
    expect([...target.querySelectorAll("[data-testid=saved]")].map((s) => s.closest("section")?.getAttribute("aria-labelledby"))).toEqual(["theme-title"]);
  });

  it("says what is wrong with a range beside the table", async () => {
    screen = mount(Settings, { target, props: { info, unlocked: true } });
    await settle();
    const low = target.querySelector<HTMLInputElement>('input[aria-label="Glucose: lowest"]')!;
    low.value = "seventy";
    low.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    const error = target.querySelector("[data-error-code=invalid_input]");
    expect(error?.closest("section")?.getAttribute("aria-labelledby")).toBe("alerts-title");
    expect(low.getAttribute("aria-invalid")).toBe("true");
  });
});
