// The idle lock hears only the patient: a key or a click is reported (at most every 10 s), and a
// screen refreshing on live readings reports nothing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { reportPatientInput } from "./presence";
import { commands } from "./bindings";

let reported: number;
let clock: number;
let stop: () => void;

beforeEach(() => {
  reported = 0;
  clock = 1_000_000;
  mockIPC((cmd) => {
    if (cmd === "patient_active") reported++;
    return cmd === "latest_readings" ? [] : null;
  });
  stop = reportPatientInput(window, () => clock);
});

afterEach(() => {
  stop();
  clearMocks();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("patient input", () => {
  it("reports a key or a click, at most every 10 s", async () => {
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    window.dispatchEvent(new MouseEvent("pointerdown"));
    await settle();
    expect(reported).toBe(1);
    clock += 10_000;
    document.body.dispatchEvent(new Event("wheel", { bubbles: true }));
    await settle();
    expect(reported).toBe(2);
  });

  it("reports nothing while a screen only refreshes on live readings", async () => {
    for (let i = 0; i < 20; i++) {
      await commands.latestReadings();
      clock += 1_000;
    }
    await settle();
    expect(reported).toBe(0);
  });

  it("stops when asked", async () => {
    stop();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    await settle();
    expect(reported).toBe(0);
  });
});
