// The Settings screen with the backend mocked at the IPC layer: a unit choice is saved, export
// says where the file went, and erasing needs the typed word.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Settings from "./Settings.svelte";

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;
let calls: { cmd: string; args: Record<string, unknown> }[];
const preferences = { glucose: "mg/dL", weight: "kg", temperature: "Cel", theme: "system", patient_name: null, spo2_target: "standard", thresholds: {}, detailed_notifications: false, alert_after_minutes: 10, lock_after_minutes: 15 };
const info = { state: "ok" as const, value: { version: "1.0.0", data_dir: "/profile", vault: { state: "locked" as const, format_version: 1, protection: "passphrase" as const, presence: "passphrase" as const } } };

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  calls = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    switch (cmd) {
      case "preferences":
        return preferences;
      case "normal_ranges":
        return [{ metric: "heart_rate", unit: "/min", range: { low: 50, high: 100 }, default: { low: 50, high: 100 } }];
      case "set_preferences":
        return (args as { preferences: object }).preferences;
      case "export_history":
        return { path: "/home/pat/Downloads/tend-history.csv", items: 1440 };
      case "erase_everything":
        return info.value;
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
    expect(target.querySelector("[data-testid=exported]")?.textContent).toContain("/home/pat/Downloads/tend-history.csv");

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
  });
});
