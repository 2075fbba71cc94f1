// The Medications screen with the backend mocked at the IPC layer: one-tap dose actions, undo,
// adding a medication with its schedule preview, and adherence.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Medications from "./Medications.svelte";

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;
let calls: { cmd: string; args: Record<string, unknown> }[];
let doses: Record<string, unknown>[];
let medications: Record<string, unknown>[];
/** The pills left that the next dose taken reports as time to reorder, or null. */
let refillDue: number | null;

const DUE = "2026-03-02T08:00:00+01:00";
const metformin = {
  id: "metformin",
  name: "Metformin",
  strength: "500 mg",
  form: null,
  instructions: "with food",
  schedule: { times: ["08:00"], start: "2026-03-01", end: null },
  home_zone: null,
  pills_on_hand: 20,
  pills_per_dose: 1,
  refill_at: null,
};
const adherence = (percent: number) => ({
  medication_id: "metformin",
  medication: "Metformin",
  taken: 6,
  on_time: 5,
  skipped: 0,
  missed: 1,
  pending: 0,
  taken_percent: percent,
  on_time_percent: 71.4,
});

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  calls = [];
  doses = [{ medication_id: "metformin", medication: "Metformin", due: DUE, state: "due" }];
  medications = [metformin];
  refillDue = null;
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
      switch (cmd) {
        case "todays_doses":
          return doses;
        case "medications":
          return medications;
        case "adherence":
          return { medications: [adherence(85.7)], overall: { ...adherence(85.7), medication_id: "", medication: "All medications" } };
        case "record_dose": {
          const { action } = args as { action: { action: string; reason?: string } };
          const state = action.action === "take" ? { state: "taken", at: "2026-03-02T07:05:00Z" } : { state: "skipped", reason: action.reason };
          doses = [{ ...doses[0], ...state }];
          return { ...doses[0], refill_due: refillDue };
        }
        case "remove_medication":
          throw { code: "storage", message: "the vault could not be written" };
        case "undo_dose":
          doses = [{ ...doses[0], state: "due", at: undefined }];
          return doses[0];
        case "schedule_preview":
          return ["2026-03-03T08:00:00+01:00", "2026-03-03T20:00:00+01:00"];
        case "add_medication":
          return { id: "aspirin", ...(args as { details: object }).details };
      }
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
});

afterEach(() => {
  if (screen) unmount(screen);
  screen = undefined;
  target.remove();
  clearMocks();
});

async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

const button = (label: string) => {
  const found = [...target.querySelectorAll("button")].find((b) => (b.getAttribute("aria-label") ?? b.textContent)?.startsWith(label));
  if (!found) throw new Error(`no button ${label}`);
  return found;
};

describe("Medications screen", () => {
  it("takes a dose with one tap, and undoes it", async () => {
    screen = mount(Medications, { target });
    await settle();
    expect(target.querySelector("[data-dose] .state")?.textContent).toBe("Due");
    expect(target.querySelector("[data-testid=taken-percent]")?.textContent).toBe("86%");

    button("Take Metformin").click();
    await settle();
    expect(calls.find((c) => c.cmd === "record_dose")?.args).toEqual({ medicationId: "metformin", due: DUE, action: { action: "take" } });
    expect(target.querySelector("[data-dose]")?.getAttribute("data-state")).toBe("taken");

    button("Undo Metformin").click();
    await settle();
    expect(calls.some((c) => c.cmd === "undo_dose" && c.args.due === DUE)).toBe(true);
    expect(target.querySelector("[data-dose]")?.getAttribute("data-state")).toBe("due");
  });

  it("says what a press answered beside the dose or medication it was pressed on", async () => {
    screen = mount(Medications, { target });
    await settle();
    refillDue = 5;
    button("Take Metformin").click();
    await settle();
    const row = target.querySelector("[data-dose]")!;
    expect(row.querySelector("[data-testid=refill-notice]")?.textContent).toBe("5 pills of Metformin left: time to reorder.");
    expect(row.querySelector("[data-testid=refill-notice]")?.closest("[aria-live]")).not.toBeNull();
    expect(target.querySelector(".error"), "a reminder to reorder is not an error").toBeNull();

    globalThis.confirm = () => true;
    button("Remove Metformin").click();
    await settle();
    const failure = target.querySelector("[data-medication=metformin] [role=alert]");
    expect(failure?.getAttribute("data-error-code")).toBe("storage");
    expect(row.querySelector("[data-testid=refill-notice]"), "one answer at a time").toBeNull();
  });

  it("asks why before skipping", async () => {
    screen = mount(Medications, { target });
    await settle();
    button("Skip Metformin").click();
    await settle();
    const select = target.querySelector<HTMLSelectElement>(".skip select")!;
    select.value = "Ran out";
    select.dispatchEvent(new Event("change"));
    button("Skip dose").click();
    await settle();
    expect(calls.find((c) => c.cmd === "record_dose")?.args.action).toEqual({ action: "skip", reason: "Ran out" });
    expect(target.querySelector("[data-dose] .state")?.textContent).toBe("Skipped: Ran out");
  });

  it("adds a medication, previewing its schedule, and refuses a bad field first", async () => {
    screen = mount(Medications, { target });
    await settle();
    button("Add a medication").click();
    await settle();
    const input = (testid: string) => target.querySelector<HTMLInputElement>(`[data-testid=${testid}]`)!;
    const type = (testid: string, value: string) => {
      input(testid).value = value;
      input(testid).dispatchEvent(new Event("input"));
    };
    button("Twice a day").click();
    await settle();
    expect(button("Twice a day").getAttribute("aria-pressed")).toBe("true");
    expect(target.querySelectorAll("[data-testid=schedule-preview] li")).toHaveLength(2);

    button("Add medication").click();
    await settle();
    expect(target.querySelector("#med-invalid")?.textContent).toContain("name");
    expect(calls.some((c) => c.cmd === "add_medication")).toBe(false);

    type("med-name", "Aspirin");
    button("Add medication").click();
    await settle();
    const added = calls.find((c) => c.cmd === "add_medication")?.args.details as { name: string; schedule: { times: string[] } };
    expect(added.name).toBe("Aspirin");
    expect(added.schedule.times).toEqual(["08:00", "20:00"]);
    expect(target.querySelector("[data-testid=medication-editor]")).toBeNull();
  });

  it("offers presets and a time picker that works with the keyboard", async () => {
    screen = mount(Medications, { target });
    await settle();
    button("Add a medication").click();
    await settle();
    const fields = () => [...target.querySelectorAll<HTMLInputElement>("[data-testid=medication-editor] input[role=spinbutton]")];
    const values = () => fields().map((f) => f.value);
    const key = (field: HTMLInputElement, key: string) => {
      const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
      field.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(values()).toEqual(["08:00"]);
    expect(button("Once a day").getAttribute("aria-pressed")).toBe("true");

    button("Three times a day").click();
    await settle();
    expect(values()).toEqual(["08:00", "14:00", "20:00"]);
    // Each time is named, and says its value as a spin button does.
    expect(fields().map((f) => target.querySelector(`label[for=${f.id}]`)?.textContent?.trim())).toEqual(["Dose 1", "Dose 2", "Dose 3"]);
    expect(fields()[0].getAttribute("aria-valuenow")).toBe("480");

    expect(key(fields()[0], "ArrowUp")).toBe(true);
    expect(key(fields()[1], "PageDown")).toBe(true);
    expect(key(fields()[2], "ArrowDown")).toBe(true);
    await settle();
    expect(values()).toEqual(["08:15", "13:00", "19:45"]);
    expect(fields()[0].getAttribute("aria-valuenow")).toBe("495");
    expect(button("Three times a day").getAttribute("aria-pressed")).toBe("false");
    // Other keys type as usual.
    expect(key(fields()[0], "Tab")).toBe(false);

    button("Add a time").click();
    await settle();
    expect(values()).toEqual(["08:15", "13:00", "19:45", "23:45"]);
    expect(document.activeElement).toBe(fields()[3]);
    button("Remove dose 2").click();
    await settle();
    expect(values()).toEqual(["08:15", "19:45", "23:45"]);

    button("With meals").click();
    await settle();
    expect(values()).toEqual(["08:00", "12:30", "18:30"]);
    expect(target.querySelector<HTMLInputElement>("#med-instructions")?.value).toBe("with meals");
  });

  it("shows each dose's strength and instructions", async () => {
    screen = mount(Medications, { target });
    await settle();
    const row = target.querySelector("[data-dose]")!;
    expect(row.querySelector(".name")?.textContent).toBe("Metformin 500 mg");
    expect(row.querySelector("[data-testid=dose-instructions]")?.textContent).toBe("with food");
  });

  it("invites the patient to add a medicine when there is none", async () => {
    medications = [];
    doses = [];
    screen = mount(Medications, { target });
    await settle();
    const card = target.querySelector("[aria-labelledby=doses-title]")!;
    expect(card.textContent).toContain("You have no medicines in Tend yet.");
    expect(card.textContent).not.toContain("No doses planned");
    button("Add your first medicine").click();
    await settle();
    expect(target.querySelector("[data-testid=medication-editor]")).not.toBeNull();
  });

  it("says no doses are planned today when there are medicines", async () => {
    doses = [];
    screen = mount(Medications, { target });
    await settle();
    const card = target.querySelector("[aria-labelledby=doses-title]")!;
    expect(card.textContent).toContain("No doses planned for today.");
    expect(card.textContent).not.toContain("no medicines");
  });
});
