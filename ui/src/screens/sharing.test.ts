// The Sharing screen with the backend mocked at the IPC layer: a switch per category in plain
// words, switching one on asks from when, and switching off takes effect at once.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Sharing from "./Sharing.svelte";

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;
let consents: { category: string; on: boolean; since: string | null }[];
let signIns: unknown[];
let finishSignIn: () => void;

const status = () => ({
  id: "clinic",
  name: "Clinic",
  base_url: "https://fhir.example.org/r4",
  patient: "Patient/7",
  sign_in: { kind: "none" },
  queued: 0,
  last_sync: null,
  consents: ["heart_rate", "blood_pressure"].map((category) => ({
    category,
    label: category.replace("_", " "),
    shares: `What ${category} shares.`,
    consent: consents.some((c) => c.category === category && c.on)
      ? { category, given_at: "2026-03-01T08:00:00Z", scope: { from: "from_now" } }
      : null,
  })),
});

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  consents = [];
  signIns = [];
  mockIPC(
    (cmd, args) => {
      switch (cmd) {
        case "care_teams":
          return [status()];
        case "share_log":
          return [];
        case "sign_in_care_team": {
          const a = args as { name: string; baseUrl: string; clientId: string | null; signInPage: { id: number } };
          signIns.push(a);
          // The backend sends the sign-in page's address on the channel, then waits for the browser.
          (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } }).__TAURI_INTERNALS__.runCallback(a.signInPage.id, { message: "http://127.0.0.1:9/authorize?code_challenge_method=S256", index: 0 });
          return new Promise((resolve) => (finishSignIn = () => resolve({ id: "dr-rivera", name: a.name, base_url: a.baseUrl, patient: "Patient/pat-smart", sign_in: { kind: "smart", client_id: "tend" } })));
        }
        case "sync_care_team":
          throw { code: "unreachable", message: "the care team's server did not answer" };
        case "set_consent": {
          const a = args as { category: string; on: boolean; since: string | null };
          consents = [...consents.filter((c) => c.category !== a.category), { category: a.category, on: a.on, since: a.since }];
          return null;
        }
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

describe("Sharing screen", () => {
  it("says what each switch shares, asks from when, and records the answer", async () => {
    screen = mount(Sharing, { target });
    await settle();
    const row = () => target.querySelector("[data-category=heart_rate]")!;
    expect(row().textContent).toContain("What heart_rate shares.");
    const toggle = () => row().querySelector<HTMLInputElement>("input[role=switch]")!;
    expect(toggle().getAttribute("aria-describedby")).toBe("shares-clinic-heart_rate");

    toggle().click();
    await settle();
    // Nothing is switched on before the patient says from when.
    expect(consents).toEqual([]);
    row().querySelector<HTMLInputElement>('input[value="since"]')!.click();
    row().querySelector<HTMLButtonElement>("[data-testid=consent-confirm]")!.click();
    await settle();
    expect(consents).toHaveLength(1);
    expect(consents[0]).toMatchObject({ category: "heart_rate", on: true });
    expect(consents[0].since).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(toggle().checked).toBe(true);

    toggle().click();
    await settle();
    expect(consents[0]).toMatchObject({ category: "heart_rate", on: false });
  });

  it("adds a care team by signing in, showing the page's address while it waits", async () => {
    screen = mount(Sharing, { target });
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=add-team]")!.click();
    await settle();
    for (const [id, text] of [["team-name", "Dr Rivera"], ["team-url", "http://127.0.0.1:9/fhir"]]) {
      const input = target.querySelector<HTMLInputElement>(`[data-testid=${id}]`)!;
      input.value = text;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    // The patient reference is under Advanced: signing in does without it.
    expect(target.querySelector<HTMLDetailsElement>("[data-testid=team-advanced]")!.open).toBe(false);
    target.querySelector<HTMLButtonElement>("[data-testid=team-sign-in]")!.click();
    await settle();
    expect(signIns).toMatchObject([{ name: "Dr Rivera", baseUrl: "http://127.0.0.1:9/fhir", clientId: null }]);
    expect(target.querySelector("[data-testid=signing-in]")?.textContent).toContain("in your browser");
    expect(target.querySelector<HTMLInputElement>("[data-testid=sign-in-page]")?.value).toContain("/authorize");
    finishSignIn();
    await settle();
    expect(target.querySelector("[data-testid=signed-in]")?.textContent).toBe("Signed in to Dr Rivera as Patient/pat-smart.");
  });

  it("says a failed share in its care team's card, not at the top of the screen", async () => {
    consents = [{ category: "heart_rate", on: true, since: null }];
    screen = mount(Sharing, { target });
    await settle();
    target.querySelector<HTMLButtonElement>("[data-testid=sync-now]")!.click();
    await settle();
    const failure = target.querySelector("[data-team=clinic] .feedback [role=alert]");
    expect(failure?.getAttribute("data-error-code")).toBe("unreachable");
    expect(failure?.closest("[aria-live]")).not.toBeNull();
    expect(target.querySelectorAll("[role=alert]")).toHaveLength(1);
  });

  it("says why Share now has nothing to do while nothing is switched on", async () => {
    screen = mount(Sharing, { target });
    await settle();
    const share = target.querySelector<HTMLButtonElement>("[data-testid=sync-now]")!;
    expect(share.disabled).toBe(true);
    expect(target.querySelector(`#${share.getAttribute("aria-describedby")}`)?.textContent).toContain("switch a kind of data on");
  });
});
