// Loads the app's version and vault state from the backend once, for every screen that shows it.
import { useEffect, useState } from "preact/hooks";
import { commands, type AppInfo, type IpcError } from "./bindings";

/** A command's own error, or `ipc_failure` when the call itself failed (no backend answer). */
export type LoadError = IpcError | { code: "ipc_failure"; message: string };

export type Loaded<T> = { state: "loading" } | { state: "ok"; value: T } | { state: "error"; error: LoadError };

export function useAppInfo(): Loaded<AppInfo> {
  const [info, setInfo] = useState<Loaded<AppInfo>>({ state: "loading" });
  useEffect(() => {
    let live = true;
    commands
      .appInfo()
      .then((result) => {
        if (!live) return;
        setInfo(result.status === "ok" ? { state: "ok", value: result.data } : { state: "error", error: result.error });
      })
      .catch((e: unknown) => {
        // A framework failure (not the command's own error): shown, never swallowed.
        if (live) setInfo({ state: "error", error: { code: "ipc_failure", message: String(e) } });
      });
    return () => {
      live = false;
    };
  }, []);
  return info;
}
