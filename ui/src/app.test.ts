// The shell with the backend mocked at the IPC layer (Tauri's own mockIPC): navigation and the
// backend-fed first screen. Object.prototype is frozen here as in the app (test-setup.ts).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "./App.svelte";
import { ROUTES, routeFromHash } from "./routes";

let target: HTMLElement;
let app: Record<string, unknown> | undefined;

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  location.hash = "";
});

afterEach(() => {
  if (app) unmount(app);
  app = undefined;
  target.remove();
  clearMocks();
});

/** Mounts the app and lets the backend call settle. */
async function mountApp() {
  app = mount(App, { target });
  await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

async function navigate(hash: string) {
  location.hash = hash;
  dispatchEvent(new HashChangeEvent("hashchange"));
  await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

const text = (selector: string) => target.querySelector(selector)?.textContent?.trim();

describe("routes", () => {
  it.each([
    ["", "today"],
    ["#/trends", "trends"],
    ["#settings", "settings"],
    ["#/nowhere", "today"],
  ])("hash %s shows %s", (hash, expected) => {
    expect(routeFromHash(hash)).toBe(expected);
  });
});

describe("app shell", () => {
  it("shows the vault state and version from the backend", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "app_info") return { version: "9.8.7", data_dir: "/profile", vault: { state: "not_created" } };
        if (cmd === "vault_unlocked") return false;
        throw new Error(`unexpected command ${cmd}`);
      },
      { shouldMockEvents: true },
    );
    await mountApp();
    expect(text("[data-testid=vault-status]")).toBe("Not set up yet");

    await navigate("#/settings");
    expect(text("[data-testid=app-version]")).toBe("9.8.7");
    expect(text("main h1")).toBe("Settings");
    expect(document.activeElement).toBe(target.querySelector("main h1"));
  });

  it("has one link per screen and marks the current one", async () => {
    mockIPC(
      (cmd) =>
        cmd === "vault_unlocked"
          ? false
          : { version: "1", data_dir: "/p", vault: { state: "locked", format_version: 1, protection: "passphrase", presence: "passphrase" } },
      { shouldMockEvents: true },
    );
    await mountApp();
    const links = [...target.querySelectorAll("nav a")];
    expect(links.map((a) => a.textContent)).toEqual(ROUTES.map((r) => r.label));
    expect(text('nav a[aria-current="page"]')).toBe("Today");
    expect(text("[data-testid=vault-status]")).toBe("Locked");
  });

  it("on a phone, opens the screens outside the bottom bar from More, which closes on arrival", async () => {
    mockIPC(
      (cmd) => (cmd === "vault_unlocked" ? false : { version: "1", data_dir: "/p", vault: { state: "locked", format_version: 1, protection: "passphrase", presence: "passphrase" } }),
      { shouldMockEvents: true },
    );
    await mountApp();
    expect(ROUTES.filter((r) => r.phone === "bar").length).toBeLessThanOrEqual(4);
    const more = target.querySelector<HTMLButtonElement>("[data-testid=more]")!;
    expect(more.getAttribute("aria-expanded")).toBe("false");
    more.click();
    flushSync();
    expect(more.getAttribute("aria-expanded")).toBe("true");
    const listed = [...target.querySelectorAll("#more-screens a")].map((a) => a.textContent);
    expect(listed).toEqual(ROUTES.filter((r) => r.phone === "more").map((r) => r.label));
    await navigate("#/settings");
    expect(target.querySelector("#more-screens")).toBeNull();
    expect(more.getAttribute("aria-current")).toBe("page");
  });

  it("after setting up, Today says what to do next: pair a device, add the medicines", async () => {
    let created = false;
    mockIPC(
      (cmd) => {
        switch (cmd) {
          case "app_info":
            return { version: "1", data_dir: "/p", vault: created ? { state: "locked", format_version: 1, protection: "keychain", presence: "nothing" } : { state: "not_created" } };
          case "vault_unlocked":
            return created;
          case "vault_create":
            created = true;
            return { version: "1", data_dir: "/p", vault: { state: "locked", format_version: 1, protection: "keychain", presence: "nothing" } };
          case "set_passcode":
            return null;
          case "preferences":
            return { glucose: "mg/dL", weight: "kg", temperature: "Cel", theme: "system", patient_name: null, spo2_target: "standard", thresholds: {}, detailed_notifications: false, alert_after_minutes: 10, lock_after_minutes: 15 };
          case "devices":
            return { devices: [], unavailable: null };
          case "latest_readings":
          case "todays_doses":
          case "alerts":
          case "medications":
            return [];
          case "watch_devices":
            return null;
        }
        throw new Error(`unexpected command ${cmd}`);
      },
      { shouldMockEvents: true },
    );
    await mountApp();
    const settle = async () => {
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
      flushSync();
    };
    target.querySelector<HTMLButtonElement>("[data-testid=vault-submit]")!.click();
    await settle();
    // The key went to the keychain: the passcode question comes first (here: none).
    target.querySelector<HTMLInputElement>("[data-testid=ask-nothing]")!.click();
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=passcode-submit]")!.click();
    await settle();
    expect(target.querySelector("[data-testid=vault-submit]")).toBeNull();
    const steps = [...target.querySelectorAll("[data-testid=next-steps] a")].map((a) => a.textContent);
    expect(steps).toEqual(["Pair a device", "Add your medicines"]);
  });

  it("shows the backend's error message, with its code", async () => {
    mockIPC(
      () => {
        throw { code: "vault_newer_format", message: "the vault was written by a newer Tend" };
      },
      { shouldMockEvents: true },
    );
    await mountApp();
    const alert = target.querySelector("[role=alert]");
    expect(alert?.getAttribute("data-error-code")).toBe("vault_newer_format");
    expect(alert?.textContent).toContain("newer Tend");
  });
});
