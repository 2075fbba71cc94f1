// The Devices screen with the backend mocked at the IPC layer: finding devices, pairing one (with
// the passkey it shows; a shared cuff as one of its users, changed later), and the warning for a
// device posing under a paired device's name.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import type { Channel } from "@tauri-apps/api/core";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { PairingQuestion, UserChoice_Deserialize as UserChoice } from "../bindings";
import Devices from "./Devices.svelte";

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;
let paired: object[];
let calls: string[];
let pairedAs: { id: string; user: number | null }[];
/** The consent codes pair_device and set_device_user were given, in order. */
let consents: (number | null)[];
/** What pair_device does: by default pairs by Just Works at once. */
let pairing: (questions: Channel<PairingQuestion>) => Promise<string>;
/** The passkeys answer_pairing was given. */
let answers: (number | null)[];
let answered: () => void;
/** What scan_devices finds, and what `devices` adds (a record kept twice, say). */
let found: object[];
let extraDevices: object[];
let unavailable: object | null;
/** The channel the screen watches device events on (the app subscribes once, for every screen). */
let watch: { onmessage: (event: object) => void } | undefined;

const strap = { id: "C0:7E:4D:00:00:01", name: "Strap", rssi: -55, services: ["heart_rate"], paired: false, user_choice: false };
const cuff = { id: "C0:7E:4D:00:00:03", name: "Cuff", rssi: -50, services: ["blood_pressure"], paired: false, user_choice: true };
const impostor = { id: "66:66:66:66:66:66", name: "Scale", rssi: -40, services: ["weight_scale"], paired: false, impostor_of: "C0:7E:4D:00:00:07", user_choice: true };

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  paired = [];
  calls = [];
  pairedAs = [];
  consents = [];
  answers = [];
  answered = () => {};
  pairing = async () => "just_works";
  found = [strap, cuff, impostor];
  extraDevices = [];
  unavailable = null;
  mockIPC(
    (cmd, args) => {
      calls.push(cmd);
      switch (cmd) {
        case "devices":
          return { devices: [...paired, ...extraDevices], unavailable };
        case "watch_devices":
          watch = (args as { channel: typeof watch }).channel;
          return null;
        case "scan_devices":
          return found;
        case "pair_device": {
          const { id, choice, questions } = args as { id: string; choice: UserChoice; questions: Channel<PairingQuestion> };
          const user = choice.user ?? null;
          pairedAs.push({ id, user });
          consents.push(choice.consent_code ?? null);
          const device = id === strap.id ? strap : cuff;
          return pairing(questions).then((bond) => {
            paired = [...paired, { id, name: device.name, state: "streaming", battery_percent: 80, last_reading: null, problems: 0, user_id: user, services: device.services, user_choice: device.user_choice }];
            return { id, name: device.name, user_id: user, bond };
          });
        }
        case "set_device_user": {
          const { id, choice } = args as { id: string; choice: UserChoice };
          const user = choice.user ?? null;
          consents.push(choice.consent_code ?? null);
          if (user === 255) return Promise.reject({ code: "invalid_input", message: "user 255 stands for an unknown user" });
          paired = paired.map((d) => ((d as { id: string }).id === id ? { ...d, user_id: user } : d));
          return paired.find((d) => (d as { id: string }).id === id);
        }
        case "answer_pairing":
          answers.push((args as { passkey: number | null }).passkey);
          answered();
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
    expect(rows.map((r) => r.getAttribute("data-found"))).toEqual([strap.id, cuff.id, impostor.id]);
    expect(rows[0].textContent).toContain("Heart rate · strong signal");
    expect(rows[2].textContent).toContain("Uses the name of a device you paired");
    expect(rows[2].querySelector("button")).toBeNull();

    // A strap measures whoever wears it: paired at once, as its only user.
    rows[0].querySelector("button")!.click();
    await settle(120);
    expect(target.querySelector("[data-testid=user-choice]")).toBeNull();
    expect(pairedAs).toEqual([{ id: strap.id, user: null }]);
    const device = target.querySelector(`[data-device="${strap.id}"]`);
    expect(device?.textContent).toContain("Receiving");
    expect(device?.textContent).toContain("Battery 80%");
    expect(device?.textContent).not.toContain("You are user");
    expect(target.querySelector("[data-testid=bonded]")?.textContent).toContain("could not check that it was this device");
  });

  it("asks which user the patient is on a cuff several people may share", async () => {
    screen = mount(Devices, { target });
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=scan]")!.click();
    await settle();
    target.querySelector<HTMLButtonElement>(`[data-found="${cuff.id}"] button`)!.click();
    await settle();
    expect(calls).not.toContain("pair_device");
    const choice = target.querySelector("[data-testid=user-choice]")!;
    expect(choice.querySelector("legend")?.textContent).toBe("Which user are you on this cuff?");
    const options = [...choice.querySelectorAll<HTMLInputElement>("input[type=radio]")];
    expect(options.map((o) => o.closest("label")?.textContent?.trim())).toEqual(["I'm the only user", "User 1", "User 2", "User 3", "User 4", "Another user number"]);
    expect(options[0].checked).toBe(true);

    // Cancelled: nothing paired.
    [...choice.querySelectorAll("button")].find((b) => b.textContent === "Cancel")!.click();
    await settle();
    expect(target.querySelector("[data-testid=user-choice]")).toBeNull();
    expect(calls).not.toContain("pair_device");

    target.querySelector<HTMLButtonElement>(`[data-found="${cuff.id}"] button`)!.click();
    await settle();
    const user2 = [...target.querySelectorAll<HTMLInputElement>("[data-testid=user-choice] input[type=radio]")][2];
    user2.click();
    flushSync();
    target.querySelector<HTMLButtonElement>("[data-testid=pair-as-user]")!.click();
    await settle(120);
    expect(pairedAs).toEqual([{ id: cuff.id, user: 2 }]);
    expect(target.querySelector(`[data-device="${cuff.id}"]`)?.textContent).toContain("You are user 2");
  });

  it("takes any user number the device can show, and refuses one it cannot", async () => {
    screen = mount(Devices, { target });
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=scan]")!.click();
    await settle();
    target.querySelector<HTMLButtonElement>(`[data-found="${cuff.id}"] button`)!.click();
    await settle();
    expect(target.querySelector("[data-testid=other-user]")).toBeNull();
    const other = [...target.querySelectorAll<HTMLInputElement>("[data-testid=user-choice] input[type=radio]")].at(-1)!;
    other.click();
    flushSync();
    const input = target.querySelector<HTMLInputElement>("[data-testid=other-user]")!;
    const submit = target.querySelector<HTMLButtonElement>("[data-testid=pair-as-user]")!;
    expect(submit.disabled).toBe(true);
    for (const bad of ["255", "-1", "7a", "1000"]) {
      input.value = bad;
      input.dispatchEvent(new Event("input"));
      flushSync();
      expect(submit.disabled, bad).toBe(true);
      expect(input.getAttribute("aria-invalid"), bad).toBe("true");
    }
    expect(target.textContent).toContain("from 0 to 254");
    input.value = "8";
    input.dispatchEvent(new Event("input"));
    flushSync();
    expect(input.getAttribute("aria-invalid")).toBe("false");
    submit.click();
    await settle(120);
    expect(calls).toContain("pair_device");
    expect(pairedAs).toEqual([{ id: cuff.id, user: 8 }]);
    expect(target.querySelector(`[data-device="${cuff.id}"]`)?.textContent).toContain("You are user 8");
  });

  it("gives the chosen user's consent code where the device keeps one, four digits or none", async () => {
    screen = mount(Devices, { target });
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=scan]")!.click();
    await settle();
    target.querySelector<HTMLButtonElement>(`[data-found="${cuff.id}"] button`)!.click();
    await settle();
    // The only user has no code to give.
    expect(target.querySelector("[data-testid=consent-code]")).toBeNull();
    [...target.querySelectorAll<HTMLInputElement>("[data-testid=user-choice] input[type=radio]")][2].click();
    flushSync();
    const code = target.querySelector<HTMLInputElement>("[data-testid=consent-code]")!;
    expect(code.closest("label")?.textContent).toContain("Consent code, if your cuff has one");
    const submit = target.querySelector<HTMLButtonElement>("[data-testid=pair-as-user]")!;
    for (const bad of ["42", "12a4", "10000"]) {
      code.value = bad;
      code.dispatchEvent(new Event("input"));
      flushSync();
      expect(submit.disabled, bad).toBe(true);
      expect(code.getAttribute("aria-invalid"), bad).toBe("true");
    }
    code.value = "0042";
    code.dispatchEvent(new Event("input"));
    flushSync();
    expect(submit.disabled).toBe(false);
    submit.click();
    await settle(120);
    expect(pairedAs).toEqual([{ id: cuff.id, user: 2 }]);
    expect(consents).toEqual([42]);

    // Changed later to user 3, whose device asks no code: none is given.
    [...target.querySelector(`[data-device="${cuff.id}"]`)!.querySelectorAll("button")].find((b) => b.textContent === "Change user")!.click();
    flushSync();
    expect(target.querySelector<HTMLInputElement>("[data-testid=consent-code]")?.value).toBe("");
    [...target.querySelectorAll<HTMLInputElement>("[data-testid=user-choice] input[type=radio]")][3].click();
    flushSync();
    target.querySelector<HTMLButtonElement>("[data-testid=save-user]")!.click();
    await settle(50);
    expect(consents).toEqual([42, null]);
  });

  it("changes which user the patient is on a paired cuff, without pairing it again", async () => {
    screen = mount(Devices, { target });
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=scan]")!.click();
    await settle();
    target.querySelector<HTMLButtonElement>(`[data-found="${cuff.id}"] button`)!.click();
    await settle();
    [...target.querySelectorAll<HTMLInputElement>("[data-testid=user-choice] input[type=radio]")][1].click();
    flushSync();
    target.querySelector<HTMLButtonElement>("[data-testid=pair-as-user]")!.click();
    await settle(120);
    const row = () => target.querySelector(`[data-device="${cuff.id}"]`)!;
    expect(row().textContent).toContain("You are user 1");
    // A strap measures whoever wears it: nothing to change.
    target.querySelector<HTMLButtonElement>("[data-testid=scan]")!.click();
    await settle();
    target.querySelector<HTMLButtonElement>(`[data-found="${strap.id}"] button`)!.click();
    await settle(120);
    expect(target.querySelector(`[data-device="${strap.id}"]`)?.textContent).not.toContain("Change user");

    const change = [...row().querySelectorAll("button")].find((b) => b.textContent === "Change user")!;
    expect(change.getAttribute("aria-label")).toBe("Change which user you are on Cuff");
    change.click();
    flushSync();
    // The form opens under the patient's devices, on their current choice.
    const form = target.querySelector("[aria-labelledby=paired-title] [data-testid=user-choice]")!;
    expect(form).not.toBeNull();
    const options = [...form.querySelectorAll<HTMLInputElement>("input[type=radio]")];
    expect(options[1].checked).toBe(true);
    expect(form.querySelector("[data-testid=pair-as-user]")).toBeNull();
    options.at(-1)!.click();
    flushSync();
    const input = form.querySelector<HTMLInputElement>("[data-testid=other-user]")!;
    input.value = "6";
    input.dispatchEvent(new Event("input"));
    flushSync();
    form.querySelector<HTMLButtonElement>("[data-testid=save-user]")!.click();
    await settle(50);
    expect(calls.filter((c) => c === "pair_device")).toHaveLength(2);
    expect(calls).toContain("set_device_user");
    expect(target.querySelector("[data-testid=user-choice]")).toBeNull();
    expect(row().textContent).toContain("You are user 6");
    expect(target.querySelector("[data-testid=user-changed]")?.textContent).toContain("only user 6's measurements are stored from now on");

    // Back to the only user: the form opens on user 6, typed.
    [...row().querySelectorAll("button")].find((b) => b.textContent === "Change user")!.click();
    flushSync();
    expect(target.querySelector<HTMLInputElement>("[data-testid=other-user]")?.value).toBe("6");
    target.querySelector<HTMLInputElement>("[data-testid=user-choice] input[value=only]")!.click();
    flushSync();
    target.querySelector<HTMLButtonElement>("[data-testid=save-user]")!.click();
    await settle(50);
    expect(row().textContent).not.toContain("You are user");
    expect(target.querySelector("[data-testid=user-changed]")?.textContent).toContain("You are the only user of your cuff");
  });

  it("asks for the passkey the device shows, and says the pairing was authenticated", async () => {
    pairing = (questions) =>
      new Promise((resolve) => {
        answered = () => resolve(answers[0] === 123456 ? "authenticated" : "none");
        (questions as unknown as { onmessage: (q: PairingQuestion) => void }).onmessage({ ask: "passkey", device: strap.id });
      });
    screen = mount(Devices, { target });
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=scan]")!.click();
    await settle();
    target.querySelector<HTMLButtonElement>(`[data-found="${strap.id}"] button`)!.click();
    await settle();
    const dialog = target.querySelector("[data-testid=pairing-question]");
    expect(dialog?.textContent).toContain("Type the 6 digits shown on your Strap");
    const submit = dialog!.querySelector<HTMLButtonElement>("button[type=submit]")!;
    const input = dialog!.querySelector<HTMLInputElement>("[data-testid=passkey]")!;
    input.value = "12345";
    input.dispatchEvent(new Event("input"));
    flushSync();
    expect(submit.disabled).toBe(true);
    input.value = "123456";
    input.dispatchEvent(new Event("input"));
    flushSync();
    dialog!.querySelector("form")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
    await settle(50);
    expect(answers).toEqual([123456]);
    expect(target.querySelector("[data-testid=pairing-question]")).toBeNull();
    expect(target.querySelector("[data-testid=bonded]")?.textContent).toContain("paired with the passkey you typed");
  });
});

describe("Devices screen, in the patient's words", () => {
  async function scan() {
    screen = mount(Devices, { target });
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=scan]")!.click();
    await settle();
  }

  it("says what to do on each kind of device to pair it", async () => {
    await scan();
    expect(target.querySelector(`[data-found="${cuff.id}"]`)?.textContent).toContain("Put the cuff in pairing mode: usually hold its Bluetooth button until the symbol blinks.");
    expect(target.querySelector(`[data-found="${strap.id}"]`)?.textContent).toContain("Put the strap on");
  });

  it("says it again while pairing, beside the device, announced", async () => {
    let finish: (bond: string) => void = () => {};
    pairing = () => new Promise((resolve) => (finish = resolve));
    await scan();
    target.querySelector<HTMLButtonElement>(`[data-found="${strap.id}"] button`)!.click();
    await settle();
    const status = target.querySelector(`[data-found="${strap.id}"] [data-testid=pairing-status]`);
    expect(status?.textContent).toContain("Put the strap on");
    expect(status?.closest("[aria-live]")).not.toBeNull();
    finish("just_works");
    await settle(120);
    // Paired: it is listed once, under the patient's devices, no longer among those found.
    expect(target.querySelector(`[data-found="${strap.id}"]`)).toBeNull();
    expect(target.querySelectorAll(`[data-device="${strap.id}"]`)).toHaveLength(1);
    expect(target.querySelector("[data-testid=bonded]")?.closest("section")?.getAttribute("aria-labelledby")).toBe("nearby-title");
  });

  it("lists each device once, with its state from the watch", async () => {
    const record = { id: strap.id, name: "Strap", state: "streaming", battery_percent: 80, last_reading: null, problems: 0, user_id: null };
    extraDevices = [record, { ...record, state: "offline" }];
    found = [{ ...strap, paired: true }, cuff];
    await scan();
    expect(target.querySelectorAll(`[data-device="${strap.id}"]`)).toHaveLength(1);
    expect(target.querySelector(`[data-device="${strap.id}"] [data-testid=device-state]`)?.textContent?.trim()).toBe("Receiving");
    expect(target.querySelector(`[data-found="${strap.id}"]`)).toBeNull();
    expect([...target.querySelectorAll("[data-found]")].map((r) => r.getAttribute("data-found"))).toEqual([cuff.id]);
  });

  it("says how many stored readings were fetched", async () => {
    extraDevices = [{ id: cuff.id, name: "Cuff", state: "downloading", battery_percent: null, last_reading: null, problems: 0, user_id: null }];
    screen = mount(Devices, { target });
    await settle();
    watch!.onmessage({ event: "download", device: cuff.id, received: 5, done: false });
    await settle();
    expect(target.querySelector(`[data-device="${cuff.id}"]`)?.textContent).toContain("5 received");
    watch!.onmessage({ event: "download", device: cuff.id, received: 12, done: true });
    await settle();
    expect(target.querySelector(`[data-device="${cuff.id}"] [data-testid=fetched]`)?.textContent).toBe("Fetched 12 stored readings");
  });

  it("says a failed pairing beside the device list, and what to do", async () => {
    pairing = async () => {
      throw { code: "device_malformed", message: "bad packet" };
    };
    await scan();
    target.querySelector<HTMLButtonElement>(`[data-found="${strap.id}"] button`)!.click();
    await settle();
    const error = target.querySelector("[data-error-code=device_malformed]");
    expect(error?.closest("section")?.getAttribute("aria-labelledby")).toBe("nearby-title");
    expect(error?.textContent).toContain("Try again");
  });

  it("says a missing Bluetooth in plain words", async () => {
    unavailable = { code: "bluetooth_unavailable", message: "no adapter at /org/bluez/hci0" };
    screen = mount(Devices, { target });
    await settle();
    const notice = target.querySelector("[data-testid=bluetooth-unavailable]")?.textContent ?? "";
    expect(notice).toContain("Switch Bluetooth on");
    expect(notice).not.toMatch(/scripts\/run|hci0/);
  });
});
