// Loads the app's version and vault state from the backend, for every screen that shows it.
import { commands, type AppInfo, type IpcError } from "./bindings";
import { describeError } from "./errors";

/** A command's own error, or `ipc_failure` when the call itself failed (no backend answer). */
export type LoadError = IpcError | { code: "ipc_failure"; message: string };

export type Loaded<T> = { state: "loading" } | { state: "ok"; value: T } | { state: "error"; error: LoadError };

export async function loadAppInfo(): Promise<Loaded<AppInfo>> {
  try {
    const result = await commands.appInfo();
    return result.status === "ok" ? { state: "ok", value: result.data } : { state: "error", error: result.error };
  } catch (e) {
    // A framework failure (not the command's own error): shown, never swallowed.
    return { state: "error", error: { code: "ipc_failure", message: String(e) } };
  }
}

/** The sentence to show for a load error: the words for its code, or the failure itself when the call never reached the backend. */
export function describeLoadError(error: LoadError): string {
  return error.code === "ipc_failure" ? `Tend's window could not reach Tend itself (${error.message}). Restart Tend.` : describeError(error);
}
