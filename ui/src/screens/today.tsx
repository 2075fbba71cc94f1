// Today: the patient's first screen. For now it shows the state of their encrypted vault.
import type { AppInfo } from "../bindings";
import type { Loaded } from "../use-app-info";
import { describeVault } from "../vault-status";

export function Today({ info }: { info: Loaded<AppInfo> }) {
  return (
    <section class="cards" aria-label="Overview">
      <article class="card" aria-live="polite" aria-busy={info.state === "loading"}>
        <h2>Your vault</h2>
        {info.state === "loading" && <p>Checking…</p>}
        {info.state === "error" && (
          <p class="error" role="alert" data-error-code={info.error.code}>
            {info.error.message}
          </p>
        )}
        {info.state === "ok" && <VaultSummary info={info.value} />}
      </article>
    </section>
  );
}

function VaultSummary({ info }: { info: AppInfo }) {
  const { title, detail } = describeVault(info.vault);
  return (
    <>
      <p class="status" data-testid="vault-status">
        {title}
      </p>
      <p>{detail}</p>
    </>
  );
}
