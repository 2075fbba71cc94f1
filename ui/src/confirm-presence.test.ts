// Issue 21: what lets data out asks for the patient again. The backend refuses an export with
// `presence_required`; the "Confirm it's you" dialog asks, a wrong passphrase is refused there,
// the right one runs the export again. Cancelling leaves the refusal. On a phone (issue 19) its
// own check is asked first.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Settings from "./screens/Settings.svelte";
import ConfirmPresence from "./components/ConfirmPresence.svelte";

let target: HTMLElement;
let mounted: Record<string, unknown>[];
let confirmed: boolean;
let exports: number;
let phone: "confirmed" | "refused" | "unavailable";
const preferences = { glucose: "mg/dL", weight: "kg", temperature: "Cel", theme: "system", patient_name: null, spo2_target: "standard", thresholds: {}, detailed_notifications: false, alert_after_minutes: 10, lock_after_minutes: 15 };
const info = { state: "ok" as const, value: { version: "1.0.0", data_dir: "/profile", vault: { state: "locked" as const, format_version: 1, protection: "keychain" as const, presence: "passcode" as const } } };

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  mounted = [];
  confirmed = false;
  exports = 0;
  phone = "unavailable";
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "preferences":
        return preferences;
      case "normal_ranges":
      case "import_batches":
        return [];
      case "confirm_presence_by_system":
        if (phone === "confirmed") confirmed = true;
        return phone;
      case "confirm_presence":
        if ((args as { secret: string }).secret !== "482916") throw { code: "wrong_key", message: "wrong key" };
        confirmed = true;
        return null;
      case "plugin:dialog|save":
        return "/home/pat/Documents/tend-history.csv";
      case "export_history":
        if (!confirmed) throw { code: "presence_required", message: "the patient must confirm it is them first" };
        exports++;
        return { path: "/home/pat/Downloads/tend-history.csv", items: 1440 };
    }
    throw new Error(`unexpected command ${cmd}`);
  });
});

afterEach(() => {
  for (const m of mounted) unmount(m);
  target.remove();
  clearMocks();
});

async function settle() {
  for (let i = 0; i < 8; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

function type(selector: string, text: string) {
  const input = target.querySelector<HTMLInputElement>(selector)!;
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

const dialog = () => target.querySelector("[data-testid=confirm-presence]");

describe("confirming it's the patient", () => {
  it("asks before an export, refuses a wrong passcode, and exports once it is right", async () => {
    mounted.push(mount(Settings, { target, props: { info, unlocked: true } }));
    mounted.push(mount(ConfirmPresence, { target, props: { check: "passcode" } }));
    await settle();

    target.querySelector<HTMLButtonElement>("[data-testid=export-csv]")!.click();
    await settle();
    expect(dialog()?.textContent).toContain("Confirm it's you");
    expect(dialog()?.textContent).toContain("passcode");
    expect(exports).toBe(0);

    type("[data-testid=presence-secret]", "111111");
    dialog()!.querySelector("form")!.requestSubmit();
    await settle();
    expect(dialog()?.querySelector("[role=alert]")?.textContent).toContain("doesn't match");
    expect(exports).toBe(0);

    type("[data-testid=presence-secret]", "482916");
    dialog()!.querySelector("form")!.requestSubmit();
    await settle();
    expect(dialog()).toBeNull();
    expect(exports).toBe(1);
    expect(target.querySelector("[data-testid=exported]")?.textContent).toContain("tend-history.csv");
  });

  it("cancelling leaves the action undone and says why", async () => {
    mounted.push(mount(Settings, { target, props: { info, unlocked: true } }));
    mounted.push(mount(ConfirmPresence, { target, props: { check: "passcode" } }));
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=export-csv]")!.click();
    await settle();
    [...dialog()!.querySelectorAll("button")].find((b) => b.textContent === "Cancel")!.click();
    await settle();
    expect(dialog()).toBeNull();
    expect(exports).toBe(0);
    expect(target.querySelector("[role=alert]")?.getAttribute("data-error-code")).toBe("presence_required");
  });

  it("on a phone, its own check confirms the patient without the dialog", async () => {
    phone = "confirmed";
    mounted.push(mount(Settings, { target, props: { info, unlocked: true } }));
    mounted.push(mount(ConfirmPresence, { target, props: { check: "passcode" } }));
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=export-csv]")!.click();
    await settle();
    expect(dialog()).toBeNull();
    expect(exports).toBe(1);
  });

  it("when the phone's check does not confirm, the dialog says so and takes the passcode", async () => {
    phone = "refused";
    mounted.push(mount(Settings, { target, props: { info, unlocked: true } }));
    mounted.push(mount(ConfirmPresence, { target, props: { check: "passcode" } }));
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=export-csv]")!.click();
    await settle();
    expect(dialog()?.querySelector("[data-testid=phone-refused]")?.textContent).toContain("didn't confirm");
    expect(exports).toBe(0);
    type("[data-testid=presence-secret]", "482916");
    dialog()!.querySelector("form")!.requestSubmit();
    await settle();
    expect(exports).toBe(1);
  });

  it("offers a keychain vault's patient to set, change or stop asking for a passcode", async () => {
    mounted.push(mount(Settings, { target, props: { info, unlocked: true } }));
    await settle();
    const form = target.querySelector("[data-testid=passcode-form]");
    expect(form?.textContent).toContain("Tend asks for your passcode");
    expect(target.querySelector("[data-testid=remove-passcode]")).not.toBeNull();
  });
});
