// The words for errors: each says what happened and, where the patient can do something, what to do.
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "./bindings";
import { describeError } from "./errors";

const words = (code: ErrorCode, message = "the backend's own words") => describeError({ code, message });

describe("describeError", () => {
  it.each([
    ["wrong_key", "That passphrase doesn't open Tend's history. Try again."],
    ["storage", "Tend could not read or write its history file. Check that the disk is not full, then try again."],
    ["internal", "Something went wrong inside Tend. Try again; if it happens again, restart Tend."],
    ["bluetooth_unavailable", "Bluetooth is off or missing on this computer. Switch Bluetooth on, then try again."],
    ["device_malformed", "The device sent something Tend could not read. Try again; if it happens again, forget the device on the Devices screen and pair it again."],
    ["keychain_unavailable", "This computer has no keychain Tend can use, so a passphrase you choose protects your history instead."],
  ] as [ErrorCode, string][])("%s: %s", (code, expected) => expect(words(code)).toBe(expected));

  it("lets the backend's message speak where it names the problem", () => {
    expect(words("invalid_input", "the dose must be a number")).toBe("The dose must be a number");
  });

  it("never shows a developer's words", () => {
    for (const code of ["storage", "internal", "vault_corrupt", "key_missing", "tampered"] as ErrorCode[]) {
      expect(words(code)).not.toMatch(/backend|ipc|sqlite|decrypt|--|scripts\//i);
    }
  });
});
