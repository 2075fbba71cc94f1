// The medication form's checks and the schedule it builds, table-driven.
import { describe, expect, it } from "vitest";
import {
  PRESETS,
  applyPreset,
  describeDose,
  detailsOf,
  emptyForm,
  formOf,
  medicationLabel,
  nextTime,
  noDosesToday,
  parseTime,
  percent,
  presetOf,
  scheduleOf,
  stepTime,
  type MedicationForm,
} from "./medications";

const NOW = new Date("2026-03-02T09:17:42Z");
const form = (changes: Partial<MedicationForm>): MedicationForm => ({ ...emptyForm("2026-03-02", "Europe/Berlin"), name: "Metformin", ...changes });

describe("scheduleOf", () => {
  it.each<[Partial<MedicationForm>, object]>([
    [{ times: ["8:00", "20:30"] }, { times: ["08:00", "20:30"], days: null, every_n_days: null, start: "2026-03-02", end: null }],
    [{ times: ["08:00"], days: ["mon", "thu"] }, { times: ["08:00"], days: ["mon", "thu"], every_n_days: null, start: "2026-03-02", end: null }],
    [{ times: ["0730", " 21:15 "] }, { times: ["07:30", "21:15"], days: null, every_n_days: null, start: "2026-03-02", end: null }],
    [{ kind: "interval", everyHours: "8" }, { every_hours: 8, anchor: "2026-03-02T09:17:00.000Z" }],
    [{ kind: "as_needed" }, { as_needed: true }],
  ])("%o gives %o", (changes, expected) => {
    expect(scheduleOf(form(changes), NOW)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [{ times: [] }, "times"],
    [{ times: [""] }, "times"],
    [{ times: ["25:00"] }, "times"],
    [{ times: ["8 pm"] }, "times"],
    [{ times: ["08:00", "8:60"] }, "times"],
    [{ start: "" }, "start"],
    [{ start: "1/3/2026" }, "start"],
    [{ start: "2026-02-30" }, "start"],
    [{ end: "2026-03-01" }, "end"],
    [{ end: "next month" }, "end"],
    [{ kind: "interval" as const, everyHours: "0" }, "everyHours"],
    [{ kind: "interval" as const, everyHours: "1.5" }, "everyHours"],
  ])("%o is refused, naming %s", (changes, field) => {
    const checked = scheduleOf(form(changes), NOW);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.field).toBe(field);
  });
});

describe("detailsOf", () => {
  it("builds the medication, trimming text and keeping the home zone only when asked", () => {
    const checked = detailsOf(form({ name: "  Metformin ", strength: "500 mg", pills: "30", refillAt: "5", keepHomeZone: true }), NOW);
    expect(checked).toMatchObject({
      ok: true,
      value: { name: "Metformin", strength: "500 mg", form: null, home_zone: "Europe/Berlin", pills_on_hand: 30, pills_per_dose: 1, refill_at: 5 },
    });
  });

  it.each([
    [{ name: " " }, "name"],
    [{ pills: "-1" }, "pills"],
    [{ perDose: "0" }, "perDose"],
    [{ refillAt: "many" }, "refillAt"],
  ])("%o is refused, naming %s", (changes, field) => {
    const checked = detailsOf(form(changes), NOW);
    expect(checked.ok ? null : checked.field).toBe(field);
  });

  it("round-trips a stored medication through the edit form", () => {
    const details = detailsOf(form({ times: ["07:30", "19:30"], days: ["sat", "sun"], pills: "12" }), NOW);
    if (!details.ok) throw new Error(details.message);
    const stored = { id: "metformin", ...details.value } as Parameters<typeof formOf>[0];
    expect(detailsOf(formOf(stored, "2026-03-02", "Europe/Berlin"), NOW)).toEqual(details);
  });
});

describe("words", () => {
  it("describes dose states and percentages", () => {
    expect(describeDose({ state: "due" })).toBe("Due");
    expect(describeDose({ state: "skipped", reason: "Ran out" })).toBe("Skipped: Ran out");
    expect(describeDose({ state: "missed" })).toBe("Missed");
    expect(describeDose({ state: "taken", at: "2026-03-02T08:05:00Z" })).toMatch(/^Taken at /);
    expect(percent(null)).toBe("–");
    expect(percent(66.666)).toBe("67%");
  });
});

describe("presets", () => {
  it.each([
    ["once", ["08:00"]],
    ["twice", ["08:00", "20:00"]],
    ["three", ["08:00", "14:00", "20:00"]],
    ["meals", ["08:00", "12:30", "18:30"]],
  ] as const)("%s a day fills %o, and is recognised again", (id, times) => {
    const filled = applyPreset(form({}), id);
    expect(filled.times).toEqual(times);
    expect(filled.kind).toBe("times");
    expect(presetOf(filled.times)).toBe(id);
  });

  it("says what each one is", () => {
    expect(PRESETS.map((p) => p.label)).toEqual(["Once a day", "Twice a day", "Three times a day", "With meals"]);
  });

  it("with meals fills the instructions only when they are empty", () => {
    expect(applyPreset(form({}), "meals").instructions).toBe("with meals");
    expect(applyPreset(form({ instructions: "with water" }), "meals").instructions).toBe("with water");
    expect(applyPreset(form({}), "twice").instructions).toBe("");
  });

  it("recognises no preset in times of the patient's own", () => {
    expect(presetOf(["07:15", "19:15"])).toBeNull();
    expect(presetOf(["8:00"])).toBe("once");
  });

  it("starts a new medication once a day at 08:00", () => {
    expect(emptyForm("2026-03-02", "Europe/Berlin").times).toEqual(["08:00"]);
  });
});

describe("the time field", () => {
  it.each([
    ["08:00", 480],
    ["8:05", 485],
    ["0805", 485],
    ["805", 485],
    ["8", 480],
    ["20", 1200],
    [" 23:59 ", 1439],
    ["00:00", 0],
    ["24:00", null],
    ["8:60", null],
    ["8 pm", null],
    ["", null],
    ["12345", null],
  ])("reads %o as %o minutes", (text, minutes) => expect(parseTime(text)).toBe(minutes));

  it.each([
    // Arrow keys: to the next or previous quarter hour; Page Up/Down: an hour; round the clock.
    ["08:00", 15, 15, "08:15"],
    ["08:07", 15, 15, "08:15"],
    ["08:07", -15, 15, "08:00"],
    ["08:00", -15, 15, "07:45"],
    ["23:50", 15, 15, "00:00"],
    ["00:00", -15, 15, "23:45"],
    ["08:07", 60, 1, "09:07"],
    ["00:30", -60, 1, "23:30"],
    // Nothing readable yet: start from 08:00.
    ["", 15, 15, "08:00"],
    ["later", -60, 1, "08:00"],
  ])("%s moved by %i on a grid of %i minutes is %s", (text, delta, step, expected) => expect(stepTime(text, delta, step)).toBe(expected));

  it.each([
    [["08:00"], "12:00"],
    [["08:00", "20:00"], "00:00"],
    [["22:00"], "02:00"],
    [[], "08:00"],
    [["soon"], "08:00"],
  ])("after %o a new time is %s", (times, expected) => expect(nextTime(times)).toBe(expected));
});

describe("dose rows", () => {
  it.each([
    ["Metformin", "500 mg", "Metformin 500 mg"],
    ["Metformin 500 mg", "500 mg", "Metformin 500 mg"],
    ["Metformin 500MG", "500 mg", "Metformin 500MG"],
    ["Metformin", null, "Metformin"],
    ["Metformin", "  ", "Metformin"],
  ])("%s with strength %o reads %s", (name, strength, expected) => expect(medicationLabel(name, strength)).toBe(expected));

  it("invites the patient to add a medicine when there is none, and says nothing is left only when there are some", () => {
    expect(noDosesToday(0)).toEqual({ text: "You have no medicines in Tend yet.", invite: "Add your first medicine" });
    expect(noDosesToday(2)).toEqual({ text: "Nothing left to take today.", invite: null });
  });
});
