// The one subscription to device events (readings as they are stored, link state, battery,
// download progress, problems), shared by every screen that shows live values.
import { Channel } from "@tauri-apps/api/core";
import { commands, type DeviceEvent_Deserialize, type HealthService, type LinkState, type Problem } from "./bindings";

type Listener = (event: DeviceEvent_Deserialize) => void;

const listeners = new Set<Listener>();
let subscribed: Promise<void> | null = null;

/** Calls `listener` with every device event from now on; returns how to stop. */
export function onDeviceEvent(listener: Listener): () => void {
  listeners.add(listener);
  if (!subscribed) {
    const channel = new Channel<DeviceEvent_Deserialize>();
    channel.onmessage = (event) => listeners.forEach((l) => l(event));
    subscribed = commands.watchDevices(channel).catch(() => {
      subscribed = null;
    });
  }
  return () => listeners.delete(listener);
}

export const LINK_STATES: Record<LinkState, string> = {
  scanning: "Looking for it",
  connecting: "Connecting",
  connected: "Connected",
  streaming: "Receiving",
  downloading: "Fetching stored readings",
  reconnecting: "Reconnecting",
  offline: "Out of range",
};

export const SERVICES: Record<HealthService, string> = {
  heart_rate: "Heart rate",
  blood_pressure: "Blood pressure",
  health_thermometer: "Thermometer",
  glucose: "Glucose meter",
  weight_scale: "Scale",
  pulse_oximeter: "Pulse oximeter",
  body_composition: "Body composition",
  continuous_glucose_monitoring: "Glucose sensor (CGM)",
};

/**
 * What to do on a device so it can be paired, by what it measures, most specific first: a scale
 * that also measures body composition is a scale. Devices differ; each says "usually".
 */
const PAIRING_STEPS: [HealthService, string][] = [
  ["blood_pressure", "Put the cuff in pairing mode: usually hold its Bluetooth button until the symbol blinks."],
  ["weight_scale", "Put the scale in pairing mode: usually step on it to wake it, then hold its Bluetooth button until the symbol blinks."],
  ["body_composition", "Put the scale in pairing mode: usually step on it to wake it, then hold its Bluetooth button until the symbol blinks."],
  ["glucose", "Put the meter in pairing mode: usually in its menu, under Settings and then Bluetooth or Pair."],
  ["continuous_glucose_monitoring", "Start the sensor as its leaflet says, then keep this computer close: it pairs while the sensor runs."],
  ["health_thermometer", "Put the thermometer in pairing mode: usually hold its button until the Bluetooth symbol blinks."],
  ["pulse_oximeter", "Switch the oximeter on: usually by putting a finger in it, and keep it on while it pairs."],
  ["heart_rate", "Put the strap on: it wakes when it touches your skin (moisten its pads if it stays asleep)."],
];

/** What to do on a device that measures `services` so it can be paired. */
export function pairingStep(services: HealthService[]): string {
  return PAIRING_STEPS.find(([service]) => services.includes(service))?.[1] ?? "Switch the device on and put it in pairing mode, as its leaflet says.";
}

export const PROBLEMS: Record<Problem, string> = {
  malformed: "sent values Tend could not read",
  flood: "sent far too many values",
  silent: "went silent",
  download_incomplete: "stopped sending stored readings part-way",
  storage_failed: "readings could not be stored",
  implausible_time: "dated readings in the future (its clock is wrong); those were not kept",
  not_the_bonded_device: "was impersonated: a device at its address could not prove it is yours, and nothing was taken from it",
  bond_lost: "is no longer paired with this computer: forget it and pair it again",
  consent_refused: "did not accept your consent code (was it changed on the device?): nothing is read until you set your user and code again with “Change user”",
};

/** "2 min ago" for an instant, from `now`. */
export function ago(time: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(time).getTime()) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(time).toLocaleDateString([], { day: "numeric", month: "short" });
}
