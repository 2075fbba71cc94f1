// Issue 20: the vault form's words with the backend mocked at the IPC layer: setting Tend up with
// no keychain (a passphrase: its rule said first, a mismatch cleared once the two agree, the
// missing keychain said as information, what comes next) and a wrong passphrase in plain words.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import VaultGate from "./VaultGate.svelte";

let target: HTMLElement;
let gate: Record<string, unknown> | undefined;
let calls: { cmd: string; args: Record<string, unknown> }[];
let unlocked: number;

const NOT_CREATED = { version: "1.0.0", data_dir: "/profile", vault: { state: "not_created" as const } };
const LOCKED = { version: "1.0.0", data_dir: "/profile", vault: { state: "locked" as const, format_version: 1, protection: "passphrase" as const, presence: "passphrase" as const } };

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  calls = [];
  unlocked = 0;
  mockIPC((cmd, args) => {
    const given = (args ?? {}) as { passphrase: string | null; passcode?: string | null };
    calls.push({ cmd, args: given });
    switch (cmd) {
      case "vault_create":
        if (given.passphrase === null) throw { code: "keychain_unavailable", message: "no Secret Service on the session bus" };
        return LOCKED;
      case "vault_unlock":
        throw { code: "wrong_key", message: "the key does not open the vault" };
    }
    throw new Error(`unexpected command ${cmd}`);
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

const field = (testid: string) => target.querySelector<HTMLInputElement>(`[data-testid=${testid}]`)!;
function type(testid: string, value: string) {
  field(testid).value = value;
  field(testid).dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}
async function submit() {
  target.querySelector("form")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  await settle();
}

describe("setting Tend up", () => {
  it("says the missing keychain as information, and the passphrase's rule before it is typed", async () => {
    gate = mount(VaultGate, { target, props: { info: NOT_CREATED, onunlocked: () => unlocked++ } });
    await settle();
    await submit();
    expect(calls.map((c) => c.cmd)).toEqual(["vault_create"]);

    const notice = target.querySelector("[data-testid=keychain-notice]");
    expect(notice?.textContent).toContain("no keychain");
    expect(notice?.classList.contains("error")).toBe(false);
    expect(notice?.getAttribute("role")).toBe("status");
    expect(target.querySelector(".error")).toBeNull();

    const rule = document.getElementById(field("passphrase").getAttribute("aria-describedby") ?? "");
    expect(rule?.textContent).toContain("at least 8 characters");
  });

  it("clears the mismatch as soon as the two passphrases agree", async () => {
    gate = mount(VaultGate, { target, props: { info: NOT_CREATED, onunlocked: () => unlocked++ } });
    await settle();
    await submit();
    type("passphrase", "correct horse battery");
    type("passphrase-confirm", "correct horse batery");
    await submit();
    expect(target.querySelector("[data-testid=passphrase-mismatch]")?.textContent).toBe("The two passphrases are not the same.");
    expect(field("passphrase-confirm").getAttribute("aria-invalid")).toBe("true");
    expect(calls.filter((c) => c.cmd === "vault_create")).toHaveLength(1);

    type("passphrase-confirm", "correct horse battery");
    expect(target.querySelector("[data-testid=passphrase-mismatch]")).toBeNull();
    expect(field("passphrase-confirm").getAttribute("aria-invalid")).toBeNull();

    await submit();
    expect(calls.at(-1)).toEqual({ cmd: "vault_create", args: { passphrase: "correct horse battery" } });
    expect(unlocked).toBe(1);
  });

  it("says what comes next: pairing a device and adding the medicines", async () => {
    gate = mount(VaultGate, { target, props: { info: NOT_CREATED, onunlocked: () => unlocked++ } });
    await settle();
    expect(target.querySelector("[data-testid=setup-next]")?.textContent).toMatch(/pair .*device.*medicines/i);
  });
});

describe("unlocking", () => {
  it("says a wrong passphrase in plain words", async () => {
    gate = mount(VaultGate, { target, props: { info: LOCKED, onunlocked: () => unlocked++ } });
    await settle();
    type("passphrase", "not the passphrase");
    await submit();
    expect(target.querySelector("[data-error-code=wrong_key]")?.textContent).toBe("That passphrase doesn't open Tend's history. Try again.");
  });
});
