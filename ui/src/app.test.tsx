// The shell with the backend mocked at the IPC layer (Tauri's own mockIPC): navigation and the
// backend-fed first screen.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render } from "preact";
import { act } from "preact/test-utils";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { App } from "./app";
import { ROUTES, routeFromHash } from "./routes";

let root: HTMLElement;

beforeEach(() => {
  root = document.createElement("div");
  document.body.append(root);
  location.hash = "";
});

afterEach(() => {
  render(null, root);
  root.remove();
  clearMocks();
});

async function mount() {
  await act(async () => render(<App />, root));
  // Let the app_info promise settle.
  await act(async () => new Promise((resolve) => setTimeout(resolve, 0)));
}

describe("routes", () => {
  it.each([
    ["", "today"],
    ["#/trends", "trends"],
    ["#settings", "settings"],
    ["#/nowhere", "today"],
  ])("hash %s shows %s", (hash, expected) => {
    expect(routeFromHash(hash)).toBe(expected);
  });
});

describe("app shell", () => {
  it("shows the vault state and version from the backend", async () => {
    mockIPC((cmd) => {
      if (cmd === "app_info") return { version: "9.8.7", data_dir: "/profile", vault: { state: "not_created" } };
      throw new Error(`unexpected command ${cmd}`);
    });
    await mount();
    expect(root.querySelector("[data-testid=vault-status]")?.textContent).toBe("Not set up yet");

    location.hash = "#/settings";
    await act(async () => {
      dispatchEvent(new HashChangeEvent("hashchange"));
    });
    expect(root.querySelector("[data-testid=app-version]")?.textContent).toBe("9.8.7");
  });

  it("has one link per screen and marks the current one", async () => {
    mockIPC(() => ({ version: "1", data_dir: "/p", vault: { state: "locked", format_version: 1 } }));
    await mount();
    const links = [...root.querySelectorAll("nav a")];
    expect(links.map((a) => a.textContent)).toEqual(ROUTES.map((r) => r.label));
    expect(root.querySelector('nav a[aria-current="page"]')?.textContent).toBe("Today");
    expect(root.querySelector("[data-testid=vault-status]")?.textContent).toBe("Locked");
  });

  it("shows the backend's error message, with its code", async () => {
    mockIPC(() => {
      throw { code: "vault_newer_format", message: "the vault was written by a newer Tend" };
    });
    await mount();
    const alert = root.querySelector("[role=alert]");
    expect(alert?.getAttribute("data-error-code")).toBe("vault_newer_format");
    expect(alert?.textContent).toContain("newer Tend");
  });
});
