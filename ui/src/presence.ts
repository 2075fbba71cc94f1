// What keeps Tend unlocked: the patient's own input in the window (a key, a click, a touch, a
// scroll), reported to the backend at most once every few seconds. Nothing else counts — a
// screen refreshing on live readings, reminders and background sync never keep the vault open.
import { commands } from "./bindings";

/** The input events that mean a person is at the window. */
export const INPUT_EVENTS = ["keydown", "pointerdown", "wheel", "touchstart"] as const;
/** At most one report per this many milliseconds: idle times are whole minutes. */
export const REPORT_EVERY_MS = 10_000;

/** Starts reporting the patient's input on `target`; returns the function that stops it. */
export function reportPatientInput(target: Window, now: () => number = Date.now): () => void {
  let last = -Infinity;
  const onInput = () => {
    const at = now();
    if (at - last < REPORT_EVERY_MS) return;
    last = at;
    commands.patientActive().catch(() => {});
  };
  for (const name of INPUT_EVENTS) target.addEventListener(name, onInput, { passive: true, capture: true });
  return () => {
    for (const name of INPUT_EVENTS) target.removeEventListener(name, onInput, { capture: true });
  };
}
