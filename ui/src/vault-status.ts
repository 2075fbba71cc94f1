// Plain-language wording of the vault's state, shared by Today and Settings.
import type { VaultStatus } from "./bindings";

export function describeVault(vault: VaultStatus, unlocked = false): { title: string; detail: string } {
  if (unlocked) {
    return { title: "Unlocked", detail: "Your history is encrypted on this device and open in Tend now." };
  }
  switch (vault.state) {
    case "not_created":
      return {
        title: "Not set up yet",
        detail: "Set Tend up, and your history is encrypted and kept on this device only: Tend has no server and sends nothing unless you switch sharing on.",
      };
    case "locked":
      return {
        title: "Locked",
        detail:
          vault.protection === "keychain"
            ? "Your history is encrypted on this device; its key is in your system keychain."
            : "Your history is encrypted on this device; your passphrase unlocks it.",
      };
  }
}
