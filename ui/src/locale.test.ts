// The one clock: times in 12 or 24 hours as the locale writes them, and no screen formatting a
// time on its own.
import { describe, expect, it } from "vitest";
import { formatClockTime, formatDateTime, formatWallClock, usesTwelveHourClock, withLocalTimes } from "./locale";

/** Intl separates "8:05" and "PM" by a narrow no-break space; the tests read it as a space. */
const plain = (text: string) => text.replace(/\s/g, " ");

describe("usesTwelveHourClock", () => {
  it.each([
    ["en-US", true],
    ["en-AU", true],
    ["en-GB", false],
    ["de-DE", false],
    ["fr-FR", false],
  ])("%s: %s", (locale, expected) => expect(usesTwelveHourClock(locale)).toBe(expected));
});

describe("formatClockTime", () => {
  const evening = new Date(2026, 2, 3, 20, 5);
  const morning = new Date(2026, 2, 3, 8, 5);
  it.each([
    [evening, "en-US", "8:05 PM"],
    [morning, "en-US", "8:05 AM"],
    [evening, "en-GB", "20:05"],
    [morning, "en-GB", "08:05"],
    [morning, "de-DE", "08:05"],
  ] as const)("%s in %s reads %s", (instant, locale, expected) => expect(plain(formatClockTime(instant, locale))).toBe(expected));

  it("takes an RFC 3339 string as well as a Date", () => {
    expect(plain(formatClockTime(evening.toISOString(), "en-GB"))).toBe("20:05");
  });
});

describe("formatWallClock", () => {
  it.each([
    ["08:00", "en-US", "8:00 AM"],
    ["19:30:00", "en-US", "7:30 PM"],
    ["08:00", "en-GB", "08:00"],
    // A dose's planned time is the clock time written in its own offset, wherever the patient is.
    ["2026-03-02T08:00:00+01:00", "en-US", "8:00 AM"],
    ["2026-03-02T20:15:00-05:00", "de-DE", "20:15"],
  ])("%s in %s reads %s", (time, locale, expected) => expect(plain(formatWallClock(time, locale))).toBe(expected));
});

describe("formatDateTime", () => {
  it.each([
    ["en-US", "Mar 3, 8:05 PM"],
    ["en-GB", "3 Mar, 20:05"],
  ])("in %s reads %s", (locale, expected) => expect(plain(formatDateTime(new Date(2026, 2, 3, 20, 5), locale))).toBe(expected));
});

describe("withLocalTimes", () => {
  it("writes the instants a share-log summary names in the patient's clock", () => {
    const measured = (at: Date) => at.toISOString();
    const summary = `3 heart rate, 1 blood pressure (measured ${measured(new Date(2026, 2, 2, 8, 0))} to ${measured(new Date(2026, 2, 2, 20, 15))})`;
    const now = new Date(2026, 5, 1);
    expect(plain(withLocalTimes(summary, "en-US", now))).toBe("3 heart rate, 1 blood pressure (measured Mar 2, 8:00 AM to Mar 2, 8:15 PM)");
    expect(plain(withLocalTimes(summary, "en-GB", now))).toBe("3 heart rate, 1 blood pressure (measured 2 Mar, 08:00 to 2 Mar, 20:15)");
    expect(withLocalTimes("consent given for heart rate")).toBe("consent given for heart rate");
  });
});

describe("every screen writes times through locale.ts", () => {
  /** Files another change owns that still format times themselves: switch them to locale.ts. */
  const NOT_YET = new Set<string>([]);
  const OWN_CLOCK = /\bclockTime\b|toLocaleTimeString|timeStyle|hour:\s*"|\.slice\(11, 16\)|time\.slice\(0, 5\)/;

  /** Every source file's text, by its path under src/. */
  const SOURCES = import.meta.glob(["./**/*.ts", "./**/*.svelte", "!./**/*.test.ts", "!./bindings.ts", "!./locale.ts"], {
    query: "?raw",
    import: "default",
    eager: true,
  }) as Record<string, string>;

  it("no other file formats a clock time", () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(20);
    const offenders = Object.entries(SOURCES)
      .filter(([path]) => !NOT_YET.has(path.split("/").pop()!))
      .filter(([, text]) => OWN_CLOCK.test(text))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });
});
