// A minimal W3C WebDriver client over fetch: just what Tend's end-to-end tests need to drive the
// real webview through tauri-driver (which forwards to WebKitWebDriver on Linux).

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  /** Starts the app named in `capabilities` and returns its session. */
  static async start(base, capabilities) {
    const value = await call(base, "POST", "/session", { capabilities: { alwaysMatch: capabilities } });
    return new Session(base, value.sessionId);
  }

  command(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async find(css) {
    const value = await this.command("POST", "/element", { using: "css selector", value: css });
    return value[ELEMENT];
  }

  async findAll(css) {
    const values = await this.command("POST", "/elements", { using: "css selector", value: css });
    return values.map((v) => v[ELEMENT]);
  }

  click(element) {
    return this.command("POST", `/element/${element}/click`, {});
  }

  /** Types `text` into a form field, after clearing it. */
  async type(element, text) {
    await this.command("POST", `/element/${element}/clear`, {});
    return this.command("POST", `/element/${element}/value`, { text });
  }

  text(element) {
    return this.command("GET", `/element/${element}/text`);
  }

  execute(script, args = []) {
    return this.command("POST", "/execute/sync", { script, args });
  }

  /** A PNG of the window, as bytes. */
  async screenshot() {
    return Buffer.from(await this.command("GET", "/screenshot"), "base64");
  }

  /** Polls `probe` until it returns a truthy value, or fails after `timeoutMs` saying what it waited for. */
  async waitFor(what, probe, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      try {
        const result = await probe();
        if (result) return result;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until the next frame has been painted, so a screenshot shows the current DOM. */
  nextPaint() {
    return this.command("POST", "/execute/async", {
      script: "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
      args: [],
    });
  }

  end() {
    return call(this.base, "DELETE", `/session/${this.id}`);
  }
}

async function call(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok || json.value?.error) {
    const error = json.value ?? {};
    throw new Error(`${method} ${path}: ${error.error ?? response.status} ${error.message ?? ""}`.trim());
  }
  return json.value;
}
