// The app's screens and the hash routes that reach them: one list, used by navigation and router.

export type RouteId = "today" | "devices" | "trends" | "report" | "medications" | "sharing" | "settings";

export interface Route {
  id: RouteId;
  label: string;
  /** One line for screen readers and the screen's subtitle. */
  summary: string;
  /** On a phone: in the bottom bar (the daily screens, at most four), or under "More". */
  phone: "bar" | "more";
}

export const ROUTES: readonly Route[] = [
  { id: "today", label: "Today", summary: "Your latest readings, next doses and alerts.", phone: "bar" },
  { id: "devices", label: "Devices", summary: "Pair and manage your Bluetooth health devices.", phone: "bar" },
  { id: "trends", label: "Trends", summary: "Your history as charts over days, weeks, months and years.", phone: "bar" },
  { id: "report", label: "Report", summary: "A summary of your last weeks for your clinician, as they read it.", phone: "more" },
  { id: "medications", label: "Medications", summary: "Your medications, reminders and adherence.", phone: "bar" },
  { id: "sharing", label: "Sharing", summary: "What your care team can see, and what was sent.", phone: "more" },
  { id: "settings", label: "Settings", summary: "Units, appearance, export, and erasing your data.", phone: "more" },
];

/** The route a location hash names; unknown hashes land on Today. */
export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, "");
  return ROUTES.find((r) => r.id === id)?.id ?? "today";
}
