// Medications in the UI: the add/edit form's fields and the schedule they make, and plain words
// for doses. No backend calls here: the screen makes them through bindings.ts.
import { formatClockTime } from "./locale";
import type { DoseSchedule_Deserialize, DoseState, MedicationDetails_Deserialize, Medication_Serialize, Weekday } from "./bindings";

export const WEEKDAYS: readonly { id: Weekday; label: string }[] = [
  { id: "mon", label: "Mon" },
  { id: "tue", label: "Tue" },
  { id: "wed", label: "Wed" },
  { id: "thu", label: "Thu" },
  { id: "fri", label: "Fri" },
  { id: "sat", label: "Sat" },
  { id: "sun", label: "Sun" },
];

/** What the add/edit form holds: strings as typed, so a half-typed value is never lost. */
export interface MedicationForm {
  name: string;
  strength: string;
  form: string;
  instructions: string;
  kind: "times" | "interval" | "as_needed";
  /** One entry per dose time, as typed (`"08:00"`). */
  times: string[];
  /** Empty: every day. */
  days: Weekday[];
  everyHours: string;
  /** `YYYY-MM-DD` */
  start: string;
  end: string;
  /** Keep the home zone's clock when travelling (else follow local time). */
  keepHomeZone: boolean;
  homeZone: string;
  pills: string;
  perDose: string;
  refillAt: string;
}

export function emptyForm(today: string, zone: string): MedicationForm {
  return {
    name: "",
    strength: "",
    form: "",
    instructions: "",
    kind: "times",
    times: ["08:00"],
    days: [],
    everyHours: "8",
    start: today,
    end: "",
    keepHomeZone: false,
    homeZone: zone,
    pills: "",
    perDose: "1",
    refillAt: "",
  };
}

/** The form for editing a stored medication. */
export function formOf(medication: Medication_Serialize, today: string, zone: string): MedicationForm {
  const form = emptyForm(today, zone);
  const schedule = medication.schedule;
  form.name = medication.name;
  form.strength = medication.strength ?? "";
  form.form = medication.form ?? "";
  form.instructions = medication.instructions ?? "";
  form.keepHomeZone = medication.home_zone !== null;
  form.homeZone = medication.home_zone ?? zone;
  form.pills = medication.pills_on_hand?.toString() ?? "";
  form.perDose = medication.pills_per_dose.toString();
  form.refillAt = medication.refill_at?.toString() ?? "";
  if ("as_needed" in schedule) {
    form.kind = "as_needed";
  } else if ("every_hours" in schedule) {
    form.kind = "interval";
    form.everyHours = schedule.every_hours.toString();
  } else {
    form.kind = "times";
    form.times = [...schedule.times];
    form.days = schedule.days ?? [];
    form.start = schedule.start ?? "";
    form.end = schedule.end ?? "";
  }
  return form;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; field: keyof MedicationForm; message: string };

/** The usual ways of taking a medication, with times that suit most days. */
export const PRESETS = [
  { id: "once", label: "Once a day", times: ["08:00"] },
  { id: "twice", label: "Twice a day", times: ["08:00", "20:00"] },
  { id: "three", label: "Three times a day", times: ["08:00", "14:00", "20:00"] },
  // Breakfast, lunch and dinner.
  { id: "meals", label: "With meals", times: ["08:00", "12:30", "18:30"] },
] as const;

export type PresetId = (typeof PRESETS)[number]["id"];

/** The form with a preset's times (and, with meals, that instruction unless one is given). */
export function applyPreset(form: MedicationForm, id: PresetId): MedicationForm {
  const preset = PRESETS.find((p) => p.id === id)!;
  const instructions = id === "meals" && form.instructions.trim() === "" ? "with meals" : form.instructions;
  return { ...form, kind: "times", times: [...preset.times], instructions };
}

/** The preset whose times these are, or `null` for times of the patient's own. */
export function presetOf(times: readonly string[]): PresetId | null {
  const minutes = times.map(parseTime);
  const same = (preset: readonly string[]) => preset.length === minutes.length && preset.every((t, i) => parseTime(t) === minutes[i]);
  return PRESETS.find((p) => same(p.times))?.id ?? null;
}

/** Minutes after midnight from a time as typed: `08:00`, `8:00`, `20.30`, `0800`, `800`, `8`; `null` if it is none. */
export function parseTime(text: string): number | null {
  const match = /^(\d{1,2})(?:[:.]?(\d{2}))?$/.exec(text.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2] ?? "0");
  return hours < 24 && minutes < 60 ? hours * 60 + minutes : null;
}

/** `"08:05"` from minutes after midnight, round the clock. */
export function formatTime(minutes: number): string {
  const day = 24 * 60;
  const m = ((minutes % day) + day) % day;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/**
 * The time field's keys: `text` moved by `delta` minutes onto a grid of `grid` minutes (the
 * arrows go to the next or previous quarter hour, Page Up and Down an hour exactly), round the
 * clock. Nothing readable yet: 08:00.
 */
export function stepTime(text: string, delta: number, grid: number): string {
  const minutes = parseTime(text);
  if (minutes === null) return "08:00";
  const onGrid = delta > 0 ? Math.floor(minutes / grid) * grid : Math.ceil(minutes / grid) * grid;
  return formatTime(onGrid + delta);
}

/** The time a new dose row starts at: four hours after the last readable one, else 08:00. */
export function nextTime(times: readonly string[]): string {
  const last = times.map(parseTime).filter((m) => m !== null).at(-1);
  return last === undefined ? "08:00" : formatTime(last + 4 * 60);
}

/** The schedule the form describes, or which field is wrong and why. `now` anchors intervals. */
export function scheduleOf(form: MedicationForm, now: Date): Checked<DoseSchedule_Deserialize> {
  switch (form.kind) {
    case "as_needed":
      return { ok: true, value: { as_needed: true } };
    case "interval": {
      const hours = Number(form.everyHours);
      if (!Number.isInteger(hours) || hours < 1 || hours > 168) {
        return { ok: false, field: "everyHours", message: "Enter whole hours between 1 and 168." };
      }
      const anchor = new Date(now);
      anchor.setSeconds(0, 0);
      return { ok: true, value: { every_hours: hours, anchor: anchor.toISOString() } };
    }
    case "times": {
      const times = form.times.map(parseTime);
      if (times.length === 0 || times.some((t) => t === null)) {
        return { ok: false, field: "times", message: "Enter each time as HH:MM (for example 08:00 or 20:30)." };
      }
      if (!isDate(form.start)) return { ok: false, field: "start", message: "Enter the first day as YYYY-MM-DD (for example 2026-03-01)." };
      if (form.end !== "" && !isDate(form.end)) {
        return { ok: false, field: "end", message: "Enter the last day as YYYY-MM-DD, or leave it empty." };
      }
      if (form.end !== "" && form.end < form.start) {
        return { ok: false, field: "end", message: "The last day must not be before the first." };
      }
      return {
        ok: true,
        value: {
          times: times.map((t) => formatTime(t!)),
          days: form.days.length === 0 ? null : form.days,
          every_n_days: null,
          start: form.start,
          end: form.end === "" ? null : form.end,
        },
      };
    }
  }
}

/** A date typed as text: WebKitGTK's `type="date"` fields cannot be reached with Tab. */
export const DATE_FIELD = { inputmode: "numeric", placeholder: "YYYY-MM-DD", autocomplete: "off", spellcheck: false } as const;

/** Whether `text` is a calendar date written YYYY-MM-DD. */
export function isDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.getUTCFullYear() === Number(match[1]) && date.getUTCMonth() === Number(match[2]) - 1 && date.getUTCDate() === Number(match[3]);
}

/** The medication the form describes, or which field is wrong and why. */
export function detailsOf(form: MedicationForm, now: Date): Checked<MedicationDetails_Deserialize> {
  if (form.name.trim() === "") return { ok: false, field: "name", message: "Enter the medication's name." };
  const schedule = scheduleOf(form, now);
  if (!schedule.ok) return schedule;
  const count = (field: "pills" | "perDose" | "refillAt", text: string, min: number): Checked<number | null> => {
    if (text.trim() === "") return { ok: true, value: null };
    const n = Number(text);
    return Number.isInteger(n) && n >= min && n <= 100000
      ? { ok: true, value: n }
      : { ok: false, field, message: `Enter a whole number${min > 0 ? " of at least 1" : ""}.` };
  };
  const pills = count("pills", form.pills, 0);
  if (!pills.ok) return pills;
  const perDose = count("perDose", form.perDose, 1);
  if (!perDose.ok) return perDose;
  const refillAt = count("refillAt", form.refillAt, 0);
  if (!refillAt.ok) return refillAt;
  const text = (s: string) => (s.trim() === "" ? null : s.trim());
  return {
    ok: true,
    value: {
      name: form.name.trim(),
      strength: text(form.strength),
      form: text(form.form),
      instructions: text(form.instructions),
      schedule: schedule.value,
      home_zone: form.keepHomeZone ? form.homeZone : null,
      pills_on_hand: pills.value,
      pills_per_dose: perDose.value ?? 1,
      refill_at: refillAt.value,
    },
  };
}

/** A medication as a dose row names it: `Metformin 500 mg`, the strength left out where the name says it. */
export function medicationLabel(name: string, strength: string | null): string {
  const squeezed = (text: string) => text.replace(/\s+/g, "").toLowerCase();
  const given = strength?.trim() ?? "";
  return given === "" || squeezed(name).includes(squeezed(given)) ? name : `${name} ${given}`;
}

/** What a day without doses to take says: with no medicines, an invitation to add one. */
export function noDosesToday(medications: number): { text: string; invite: string | null } {
  return medications === 0
    ? { text: "You have no medicines in Tend yet.", invite: "Add your first medicine" }
    : { text: "Nothing left to take today.", invite: null };
}

/** Where a dose stands, in words. */
export function describeDose(state: DoseState): string {
  switch (state.state) {
    case "due":
      return "Due";
    case "taken":
      return `Taken at ${formatClockTime(state.at)}`;
    case "skipped":
      return `Skipped: ${state.reason}`;
    case "snoozed":
      return `Snoozed until ${formatClockTime(state.until)}`;
    case "missed":
      return "Missed";
  }
}

/** A percentage for people: "92%", or "–" when there were no doses to count. */
export function percent(value: number | null): string {
  return value === null ? "–" : `${Math.round(value)}%`;
}

/** The local date as `YYYY-MM-DD`. */
export function localDate(date: Date): string {
  const pad = (n: number) => n.toString().padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export const SKIP_REASONS = ["Felt unwell", "Ran out", "Doctor's advice", "Forgot to bring it", "Other"] as const;
