// What lets data out of Tend (adding a care team, switching sharing on, exporting, erasing,
// changing the passcode) asks for the patient again when their last passphrase or passcode is
// more than a minute old: the backend refuses with `presence_required`, the "Confirm it's you"
// dialog asks, and the action runs once more. Someone at an unlocked laptop gets no further.
// On a phone its own check (fingerprint, face or PIN) asks first; the dialog only when the phone
// has none or it did not confirm.
import { commands, type IpcError } from "./bindings";

type Answer = { status: "ok"; data: unknown } | { status: "error"; error: IpcError };

/** The question the dialog shows while open: it resolves with whether the patient confirmed. */
/** `refusedByPhone`: the phone's own check was asked and did not confirm. */
export const presence = $state<{ asking: ((confirmed: boolean) => void) | null; refusedByPhone: boolean }>({
  asking: null,
  refusedByPhone: false,
});

/** Runs `action`; when the backend wants the patient first, asks, then runs it again. */
export async function withPresence<T extends Answer>(action: () => Promise<T>): Promise<T> {
  const first = await action();
  if (first.status === "ok" || first.error.code !== "presence_required") return first;
  const phone = await commands.confirmPresenceBySystem();
  if (phone.status === "ok" && phone.data === "confirmed") return action();
  presence.refusedByPhone = phone.status === "ok" && phone.data === "refused";
  const confirmed = await new Promise<boolean>((resolve) => {
    presence.asking = resolve;
  });
  return confirmed ? action() : first;
}
