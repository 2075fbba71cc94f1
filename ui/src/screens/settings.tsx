// Settings: for now, what this copy of Tend is and where its data lives.
import type { AppInfo } from "../bindings";
import type { Loaded } from "../use-app-info";
import { describeVault } from "../vault-status";

export function Settings({ info }: { info: Loaded<AppInfo> }) {
  return (
    <section class="cards">
      <article class="card">
        <h2>About Tend</h2>
        {info.state === "loading" && <p>Checking…</p>}
        {info.state === "error" && (
          <p class="error" role="alert">
            {info.error.message}
          </p>
        )}
        {info.state === "ok" && (
          <dl class="facts">
            <dt>Version</dt>
            <dd data-testid="app-version">{info.value.version}</dd>
            <dt>Your data</dt>
            <dd class="path">{info.value.data_dir}</dd>
            <dt>Vault</dt>
            <dd>{describeVault(info.value.vault).title}</dd>
          </dl>
        )}
      </article>
    </section>
  );
}
