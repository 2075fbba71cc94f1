// The medication form's checks and the schedule it builds, table-driven.
import { describe, expect, it } from "vitest";
import { clockTime, describeDose, detailsOf, emptyForm, formOf, percent, scheduleOf, type MedicationForm } from "./medications";

const NOW = new Date("2026-03-02T09:17:42Z");
const form = (changes: Partial<MedicationForm>): MedicationForm => ({ ...emptyForm("2026-03-02", "Europe/Berlin"), name: "Metformin", ...changes });

describe("scheduleOf", () => {
  it.each<[Partial<MedicationForm>, object]>([
    [{ times: "8:00, 20:30" }, { times: ["08:00", "20:30"], days: null, every_n_days: null, start: "2026-03-02", end: null }],
    [{ times: "08:00", days: ["mon", "thu"] }, { times: ["08:00"], days: ["mon", "thu"], every_n_days: null, start: "2026-03-02", end: null }],
    [{ kind: "interval", everyHours: "8" }, { every_hours: 8, anchor: "2026-03-02T09:17:00.000Z" }],
    [{ kind: "as_needed" }, { as_needed: true }],
  ])("%o gives %o", (changes, expected) => {
    expect(scheduleOf(form(changes), NOW)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [{ times: "" }, "times"],
    [{ times: "25:00" }, "times"],
    [{ times: "8 pm" }, "times"],
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
    const details = detailsOf(form({ times: "07:30, 19:30", days: ["sat", "sun"], pills: "12" }), NOW);
    if (!details.ok) throw new Error(details.message);
    const stored = { id: "metformin", ...details.value } as Parameters<typeof formOf>[0];
    expect(detailsOf(formOf(stored, "2026-03-02", "Europe/Berlin"), NOW)).toEqual(details);
  });
});

describe("words", () => {
  it.each([
    ["2026-03-08T03:30:00-04:00", "03:30"],
    ["2026-11-01T01:30:00-04:00", "01:30"],
  ])("clock time of %s is %s", (due, expected) => expect(clockTime(due)).toBe(expected));

  it("describes dose states and percentages", () => {
    expect(describeDose({ state: "due" })).toBe("Due");
    expect(describeDose({ state: "skipped", reason: "Ran out" })).toBe("Skipped: Ran out");
    expect(describeDose({ state: "missed" })).toBe("Missed");
    expect(describeDose({ state: "taken", at: "2026-03-02T08:05:00Z" })).toMatch(/^Taken at /);
    expect(percent(null)).toBe("–");
    expect(percent(66.666)).toBe("67%");
  });
});
