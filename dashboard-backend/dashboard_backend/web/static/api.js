// Calls to the dashboard's own API (same origin). Two kinds of failure are told apart: the API
// could not be reached at all (network error, timeout) and the API answered with an error.

/** The API could not be reached (server down, network error or timeout). */
export class ApiUnreachable extends Error {
  constructor(path, cause) {
    super(`cannot reach the API (${path})`);
    this.name = "ApiUnreachable";
    this.cause = cause;
  }
}

/** The API answered with a non-2xx status; `detail` is its message when it sent one. */
export class ApiHttpError extends Error {
  constructor(path, status, detail, body) {
    super(detail ? `${status}: ${detail}` : `HTTP ${status} from ${path}`);
    this.name = "ApiHttpError";
    this.status = status;
    this.detail = detail;
    this.body = body;
  }
}

const TIMEOUT_MS = 10000;

/** GET a JSON document; throws ApiUnreachable or ApiHttpError. */
export async function getJson(path, params = {}, { timeoutMs = TIMEOUT_MS } = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") query.set(k, String(v));
  }
  const url = query.toString() ? `${path}?${query}` : path;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, signal: controller.signal, cache: "no-store" });
  } catch (err) {
    throw new ApiUnreachable(path, err);
  } finally {
    clearTimeout(timer);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : null;
    throw new ApiHttpError(path, response.status, detail, body);
  }
  return body;
}

/** GET /healthz; a 503 (Redis down) still returns its body, marked `ok: false`. */
export async function readHealth() {
  try {
    return await getJson("/healthz", {}, { timeoutMs: 5000 });
  } catch (err) {
    if (err instanceof ApiHttpError && err.status === 503 && err.body) return err.body;
    throw err;
  }
}

/** GET /v1/opportunities (the API caps `limit` at 1000). */
export function readOpportunities() {
  return getJson("/v1/opportunities", { limit: 1000 });
}

/** GET /v1/cross-opportunities with the server-side filters (base markets best-first). */
export function readCrossOpportunities({ category, minSim } = {}) {
  return getJson("/v1/cross-opportunities", {
    max_markets: 1000,
    limit: 20,
    category: category || null,
    min_similarity: minSim ?? null,
  });
}

/** GET /v1/market/{id}. */
export function readMarket(id) {
  return getJson(`/v1/market/${encodeURIComponent(id)}`);
}
