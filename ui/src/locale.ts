// The page's language, made safe for Intl, and the one way every screen writes clock times and
// dates: on a 12- or 24-hour clock as the patient's locale has it, never a mix of both.
//
// Some systems run with the POSIX locale (LANG=C), which WebKit passes on as the page's language
// ("C"), a tag Intl refuses. Libraries that format numbers for that language (uPlot does, as it
// loads) would then fail; they get a real tag instead. Imported first by main.ts.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
}

/** The language the app writes times, dates and numbers in: the page's. */
export function appLocale(): string {
  return navigator.language;
}

/** Whether `locale` writes times on a 12-hour clock ("8:05 PM") rather than a 24-hour one ("20:05"). */
export function usesTwelveHourClock(locale = appLocale()): boolean {
  const cycle = new Intl.DateTimeFormat(locale, { hour: "numeric" }).resolvedOptions().hourCycle;
  return cycle === "h11" || cycle === "h12";
}

/** The hour and minute fields of every time the app shows: "8:05 PM", or "08:05" on a 24-hour clock. */
function clockFields(locale: string): Intl.DateTimeFormatOptions {
  return usesTwelveHourClock(locale) ? { hour: "numeric", minute: "2-digit", hour12: true } : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
}

type Instant = Date | string | number;

/** An instant's local clock time: "8:05 PM" or "20:05". */
export function formatClockTime(instant: Instant, locale = appLocale()): string {
  return new Intl.DateTimeFormat(locale, clockFields(locale)).format(new Date(instant));
}

/**
 * A clock time as written, whatever the zone of the machine: `HH:MM` or `HH:MM:SS` (a schedule's
 * time), or the local part of an RFC 3339 instant (`2026-03-02T08:00:00+01:00`: the time a dose was
 * planned at, in its own offset). Anything else comes back unchanged.
 */
export function formatWallClock(time: string, locale = appLocale()): string {
  const match = /(?:T|^)(\d{2}):(\d{2})/.exec(time);
  if (!match) return time;
  // Any day without a clock change will do: only the hour and minute are written.
  const date = new Date(2000, 0, 1, Number(match[1]), Number(match[2]));
  return new Intl.DateTimeFormat(locale, clockFields(locale)).format(date);
}

/** A day and a time: "Mar 3, 8:05 PM" or "3 Mar, 20:05" (the year only when it is not this one). */
export function formatDateTime(instant: Instant, locale = appLocale(), now = new Date()): string {
  const date = new Date(instant);
  const year = date.getFullYear() === now.getFullYear() ? {} : { year: "numeric" as const };
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", ...year, ...clockFields(locale) }).format(date);
}

/** `text` with each RFC 3339 instant in it written as {@link formatDateTime} writes one: core's
 * share-log summaries name the times they cover ("measured 2026-03-02T08:00:00Z to …"). */
export function withLocalTimes(text: string, locale = appLocale(), now = new Date()): string {
  return text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g, (instant) =>
    Number.isNaN(Date.parse(instant)) ? instant : formatDateTime(instant, locale, now),
  );
}

/** A day: "Mar 3" or "3 Mar" (the year only when it is not this one), with the weekday when asked. */
export function formatDay(instant: Instant, options: { weekday?: boolean; year?: boolean } = {}, locale = appLocale(), now = new Date()): string {
  const date = new Date(instant);
  const year = options.year || date.getFullYear() !== now.getFullYear() ? { year: "numeric" as const } : {};
  const weekday = options.weekday ? { weekday: "long" as const } : {};
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", ...weekday, ...year }).format(date);
}
