// Settings → Import with the backend mocked at the IPC layer (the system's Open dialog included):
// the preview comes before anything is stored, progress shows, a cancelled reading is no error,
// and an import is undone only after "Remove".
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { Channel } from "@tauri-apps/api/core";
import Import from "./Import.svelte";
import type { ImportBatch, ImportProgress, ImportReport_Serialize as ImportReport } from "../bindings";

let target: HTMLElement;
let screen: Record<string, unknown> | undefined;
let calls: { cmd: string; args: Record<string, unknown> }[];
let batches: ImportBatch[];
/** What read_import does: by default reports progress and returns the preview. */
let reading: (progress: Channel<ImportProgress>) => Promise<ImportReport>;

const preview: ImportReport = {
  batch: null,
  format: "apple_health_zip",
  file: "export.zip",
  bytes: 3_145_728,
  rows: 1210,
  readings: 1200,
  stored: 0,
  duplicates: 8,
  summaries: 0,
  already_stored: 0,
  metrics: [
    { metric: "heart_rate", readings: 1000, summaries: 0, first: "2024-01-01T08:00:00Z", last: "2024-03-01T08:00:00Z", units: ["/min"] },
    { metric: "weight", readings: 200, summaries: 0, first: "2024-01-02T07:00:00Z", last: "2024-03-01T07:00:00Z", units: ["[lb_av]"] },
  ],
  sources: [],
  skipped: [{ reason: "not_a_vital", count: 2 }],
};
const batch: ImportBatch = {
  id: 7,
  imported_at: "2024-03-02T10:00:00Z",
  file: "export.zip",
  format: "apple_health_zip",
  readings: 1200,
  summaries: 0,
  metrics: [],
  summary_records: 0,
};

function send(channel: unknown, p: ImportProgress) {
  (channel as Channel<ImportProgress>).onmessage(p);
}

beforeEach(() => {
  target = document.createElement("div");
  document.body.append(target);
  calls = [];
  batches = [];
  reading = async (progress) => {
    send(progress, { phase: "reading", bytes_read: 1_048_576, bytes_total: 3_145_728, readings: 400, stored: 0 });
    return preview;
  };
  mockIPC(async (cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    switch (cmd) {
      case "plugin:dialog|open":
        return "/home/pat/Downloads/export.zip";
      case "import_batches":
        return batches;
      case "read_import":
        return reading(a.progress as Channel<ImportProgress>);
      case "commit_import":
        send(a.progress, { phase: "storing", bytes_read: 3_145_728, bytes_total: 3_145_728, readings: 1200, stored: 1200 });
        batches = [batch];
        return { ...preview, batch: 7, stored: 1200 };
      case "cancel_import":
        return true;
      case "undo_import":
        batches = [];
        return batch;
    }
    throw new Error(`unexpected command ${cmd}`);
  });
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

const testid = (id: string) => target.querySelector<HTMLElement>(`[data-testid=${id}]`);

describe("Import", () => {
  it("previews the picked file, stores it on confirmation, and undoes it", async () => {
    screen = mount(Import, { target });
    await settle();
    testid("import-choose")!.click();
    await settle();

    expect(calls.find((c) => c.cmd === "read_import")?.args.path).toBe("/home/pat/Downloads/export.zip");
    expect(calls.some((c) => c.cmd === "commit_import")).toBe(false);
    const shown = testid("import-preview")!.textContent!;
    expect(document.activeElement?.textContent).toBe("export.zip: Apple Health export");
    expect(shown).toContain("Apple Health export");
    expect(shown).toContain("Heart rate");
    expect(shown).toContain("1,000");
    expect(shown).toContain("lb");
    expect(shown).toContain("2 records of a kind Tend does not keep");
    expect(shown).toContain("8 readings are already in your history");

    testid("import-commit")!.click();
    await settle();
    expect(testid("import-result")!.textContent).toBe("Imported 1,200 readings from export.zip. You can undo this import below.");
    expect(testid("import-batches")!.textContent).toContain("export.zip");

    testid("import-undo")!.click();
    await settle();
    expect(calls.some((c) => c.cmd === "undo_import")).toBe(false);
    testid("import-undo-confirm")!.click();
    await settle();
    expect(calls.find((c) => c.cmd === "undo_import")?.args).toEqual({ id: "7" });
    expect(testid("import-batches")).toBeNull();
    expect(target.textContent).toContain("Removed 1,200 readings imported from export.zip.");
  });

  it("shows progress while reading, and a cancelled reading is no error", async () => {
    let cancelled: () => void = () => {};
    reading = (progress) => {
      send(progress, { phase: "reading", bytes_read: 1_048_576, bytes_total: 3_145_728, readings: 400, stored: 0 });
      return new Promise((_resolve, reject) => {
        cancelled = () => reject({ code: "cancelled", message: "cancelled" });
      });
    };
    screen = mount(Import, { target });
    await settle();
    testid("import-choose")!.click();
    await settle();

    expect(testid("import-progress")!.textContent).toContain("1 MB of 3 MB read, 400 new readings found");
    expect(target.querySelector("progress")?.getAttribute("max")).toBe("3145728");
    testid("import-cancel")!.click();
    cancelled();
    await settle();
    expect(calls.some((c) => c.cmd === "cancel_import")).toBe(true);
    expect(target.querySelector("[role=alert]")).toBeNull();
    expect(testid("import-choose")).not.toBeNull();
  });

  it("a file that cannot be read says where, and nothing is stored", async () => {
    reading = () => Promise.reject({ code: "invalid_input", message: "export.xml: line 12: an unknown entity" });
    screen = mount(Import, { target });
    await settle();
    testid("import-choose")!.click();
    await settle();
    expect(target.querySelector("[role=alert]")?.textContent).toContain("line 12");
    expect(calls.some((c) => c.cmd === "commit_import")).toBe(false);
  });
});
