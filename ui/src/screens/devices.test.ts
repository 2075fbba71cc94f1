// The Devices screen with the backend mocked at the IPC layer: finding devices, pairing one, and
// the warning for a device posing under a paired device's name.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Devices from "./Devices.svelte";

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;
let paired: object[];
let calls: string[];

const strap = { id: "C0:7E:4D:00:00:01", name: "Strap", rssi: -55, services: ["heart_rate"], paired: false };
const impostor = { id: "66:66:66:66:66:66", name: "Scale", rssi: -40, services: ["weight_scale"], paired: false, impostor_of: "C0:7E:4D:00:00:07" };

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  paired = [];
  calls = [];
  mockIPC(
    (cmd, args) => {
      calls.push(cmd);
      switch (cmd) {
        case "devices":
          return { devices: paired, unavailable: null };
        case "watch_devices":
          return null;
        case "scan_devices":
          return [strap, impostor];
        case "pair_device":
          expect((args as { id: string }).id).toBe(strap.id);
          paired = [{ id: strap.id, name: "Strap", state: "streaming", battery_percent: 80, last_reading: null, problems: 0 }];
          return { id: strap.id, name: "Strap" };
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

async function settle(ms = 0) {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, ms));
  flushSync();
}

describe("Devices screen", () => {
  it("finds devices, pairs the chosen one, and refuses an impostor", async () => {
    screen = mount(Devices, { target });
    await settle();
    expect(target.textContent).toContain("No devices yet");

    target.querySelector<HTMLButtonElement>("[data-testid=scan]")!.click();
    await settle();
    const rows = [...target.querySelectorAll("[data-found]")];
    expect(rows.map((r) => r.getAttribute("data-found"))).toEqual([strap.id, impostor.id]);
    expect(rows[0].textContent).toContain("Heart rate · strong signal");
    expect(rows[1].textContent).toContain("Uses the name of a device you paired");
    expect(rows[1].querySelector("button")).toBeNull();

    rows[0].querySelector("button")!.click();
    await settle(120);
    expect(calls).toContain("pair_device");
    const device = target.querySelector(`[data-device="${strap.id}"]`);
    expect(device?.textContent).toContain("Receiving");
    expect(device?.textContent).toContain("Battery 80%");
  });
});
