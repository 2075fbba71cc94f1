// Issue 21: a keychain vault with a passcode asks for it at unlock (the key in the keychain is
// not enough), and a new keychain vault asks the patient to choose one unless they say otherwise.
// Issue 19: on a phone, its own check of the patient opens it in place of the passcode.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import VaultGate from "./VaultGate.svelte";

let target: HTMLElement;
let gate: Record<string, unknown> | undefined;
let calls: { cmd: string; args: Record<string, unknown> }[];

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  calls = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    if (cmd === "vault_unlock" && (args as { passcode: string | null }).passcode !== "482916") throw { code: "wrong_key", message: "wrong key" };
    return cmd === "vault_create" ? { version: "1", data_dir: "/p", vault: { state: "locked", format_version: 3, protection: "keychain", presence: "nothing" } } : null;
  });
});

afterEach(() => {
  if (gate) unmount(gate);
  gate = undefined;
  target.remove();
  clearMocks();
});

async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

function type(testid: string, text: string) {
  const input = target.querySelector<HTMLInputElement>(`[data-testid=${testid}]`)!;
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

const submit = () => target.querySelector("form")!.requestSubmit();

describe("the vault gate", () => {
  it("unlocks a keychain vault with a passcode only with it", async () => {
    let opened = 0;
    const info = { version: "1", data_dir: "/p", vault: { state: "locked" as const, format_version: 3, protection: "keychain" as const, presence: "passcode" as const } };
    gate = mount(VaultGate, { target, props: { info, onunlocked: () => opened++ } });
    await settle();
    type("passcode", "111111");
    submit();
    await settle();
    expect(opened).toBe(0);
    expect(target.querySelector("[role=alert]")?.textContent).toContain("passcode doesn't open Tend");
    type("passcode", "482916");
    submit();
    await settle();
    expect(opened).toBe(1);
    expect(calls.filter((c) => c.cmd === "vault_unlock").map((c) => c.args)).toEqual([
      { passphrase: null, passcode: "111111" },
      { passphrase: null, passcode: "482916" },
    ]);
  });

  it("on a phone, opens with the phone's own check, or says it did not confirm and takes the passcode", async () => {
    const info = { version: "1", data_dir: "/p", vault: { state: "locked" as const, format_version: 3, protection: "keychain" as const, presence: "passcode" as const } };
    let opened = 0;
    let phone = "confirmed";
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
      if (cmd === "vault_unlock_by_system") return phone;
      if (cmd === "vault_unlock" && (args as { passcode: string | null }).passcode !== "482916") throw { code: "wrong_key", message: "wrong key" };
      return null;
    });
    gate = mount(VaultGate, { target, props: { info, onunlocked: () => opened++ } });
    await settle();
    expect(opened).toBe(1);
    expect(calls.filter((c) => c.cmd === "vault_unlock")).toEqual([]);
    unmount(gate);

    phone = "refused";
    gate = mount(VaultGate, { target, props: { info, onunlocked: () => opened++ } });
    await settle();
    expect(opened).toBe(1);
    expect(target.querySelector("[data-testid=phone-refused]")?.textContent).toContain("didn't confirm");
    type("passcode", "482916");
    submit();
    await settle();
    expect(opened).toBe(2);
  });

  it("asks a new patient to choose a passcode next, or to say plainly they want none", async () => {
    let opened = 0;
    const info = { version: "1", data_dir: "/p", vault: { state: "not_created" as const } };
    gate = mount(VaultGate, { target, props: { info, onunlocked: () => opened++ } });
    await settle();
    submit();
    await settle();
    expect(calls.find((c) => c.cmd === "vault_create")?.args).toEqual({ passphrase: null });
    expect(opened).toBe(0);
    type("new-passcode", "735102");
    type("new-passcode-confirm", "735103");
    submit();
    await settle();
    expect(target.querySelector("[role=alert]")?.textContent).toContain("not the same");
    type("new-passcode-confirm", "735102");
    submit();
    await settle();
    expect(calls.find((c) => c.cmd === "set_passcode")?.args).toEqual({ passcode: "735102" });
    expect(opened).toBe(1);
  });

  it("says what no passcode means before a patient chooses it", async () => {
    const info = { version: "1", data_dir: "/p", vault: { state: "not_created" as const } };
    gate = mount(VaultGate, { target, props: { info, onunlocked: () => {} } });
    await settle();
    submit();
    await settle();
    target.querySelector<HTMLInputElement>("[data-testid=ask-nothing]")!.click();
    await settle();
    expect(target.querySelector("[data-testid=new-passcode]")).toBeNull();
    expect(target.textContent).toContain("Anyone who can use this computer");
    submit();
    await settle();
    expect(calls.find((c) => c.cmd === "set_passcode")?.args).toEqual({ passcode: null });
  });
});
