// What the app says when something fails: words chosen here, by the error's code (never by its
// message); the message is kept for the details where it says more than the code.
import type { ErrorCode, Interruption, IpcError } from "./bindings";

const WORDS: Record<ErrorCode, string> = {
  vault_not_created: "Tend has not been set up on this device yet.",
  vault_newer_format: "This history was saved by a newer Tend. Update Tend to open it.",
  vault_corrupt: "Tend's history file is damaged or is not a Tend file, so Tend cannot open it. If you kept a copy of Tend's folder, put it back.",
  tampered: "Part of Tend's history was changed outside Tend, so it is not shown.",
  rolled_back: "This history is older than the last one Tend saw (an older copy was put back?). It is open to read only until you decide.",
  already_exists: "That is already there.",
  not_found: "That could not be found.",
  wrong_key: "That passphrase doesn't open Tend's history. Try again.",
  passphrase_required: "Enter your passphrase to open Tend.",
  key_missing: "The key to Tend's history is missing from your system's keychain, so Tend cannot open it. If you reset or moved your keychain, restore it from its backup.",
  keychain_unavailable: "This computer has no keychain Tend can use, so a passphrase you choose protects your history instead.",
  locked: "Tend is locked. Unlock it to go on.",
  presence_required: "Confirm it's you first: enter your passphrase or passcode.",
  signed_out: "The clinic's server no longer accepts Tend's sign-in. Sign in again.",
  unreachable: "The clinic's server could not be reached. Tend will try again.",
  refused_by_server: "The clinic's server refused the data.",
  not_consented: "You have not switched sharing of this on.",
  storage: "Tend could not read or write its history file. Check that the disk is not full, then try again.",
  bluetooth_unavailable: "Bluetooth is off or missing on this computer. Switch Bluetooth on, then try again.",
  bluetooth_not_allowed: "Tend is not allowed to use Bluetooth. You can allow it in your system's settings.",
  cancelled: "Cancelled. Nothing of it was stored.",
  device_malformed: "The device sent something Tend could not read. Try again; if it happens again, forget the device on the Devices screen and pair it again.",
  invalid_input: "Please check what you entered.",
  internal: "Something went wrong inside Tend. Try again; if it happens again, restart Tend.",
};

/** Codes whose message is itself for the patient (it names the field or the problem). */
const MESSAGE_SAYS_MORE: ReadonlySet<ErrorCode> = new Set(["invalid_input", "already_exists", "not_found", "refused_by_server"]);

/** The sentence to show for `error`. */
export function describeError(error: IpcError): string {
  if (MESSAGE_SAYS_MORE.has(error.code)) return capitalise(error.message);
  return WORDS[error.code];
}

/** Why a sync stopped early, in plain words. */
export function describeInterruption(why: Interruption): string {
  switch (why.code) {
    case "unreachable":
      return "the clinic's server could not be reached";
    case "signed_out":
      return "the clinic's server asks you to sign in again";
    case "server_busy":
      return `the clinic's server asked to wait ${Math.round(why.retry_after_s / 60)} minutes`;
    case "answer_too_large":
      return "the clinic's server sent an answer far larger than expected, so Tend stopped reading it";
  }
}

const capitalise = (text: string) => (text ? text[0].toUpperCase() + text.slice(1) : text);
