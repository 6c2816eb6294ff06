// @ts-check
/**
 * @file The API client: JSON over `fetch` with the signed-in user's access token. An answer of
 * 401 refreshes the token pair once (one refresh at a time, shared by every waiting request) and
 * retries, so an expired access token never costs the user their page. Errors are thrown as
 * `ApiError`s carrying the server's problem+json.
 */

/**
 * @typedef {{id: string, email: string, name: string, phone?: string | null, role: 'customer' | 'seller' | 'courier' | 'admin', status: string, promotions_opt_in?: boolean, created_at: string}} User
 * @typedef {{access_token: string, refresh_token: string, expires_in: number, user: User}} TokenPair
 * @typedef {{type?: string, title?: string, status?: number, detail?: string, code?: string, errors?: {field: string, message: string}[], [key: string]: unknown}} Problem
 */

const STORAGE_KEY = 'bazaar.session';

/** An answer that was not a success, with the server's problem document. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Problem} problem
   */
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.code = problem.code ?? '';
  }
}

/** @type {TokenPair | null} */
let session = load();
/** @type {Promise<boolean> | null} */
let refreshing = null;
/** @type {Set<(user: User | null) => void>} */
const listeners = new Set();

function load() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored ? /** @type {TokenPair} */ (JSON.parse(stored)) : null;
  } catch {
    return null;
  }
}

/** @param {TokenPair | null} next */
function store(next) {
  session = next;
  if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener(currentUser());
}

// Another tab signed in or out: follow it.
window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY) return;
  session = load();
  for (const listener of listeners) listener(currentUser());
});

/** The signed-in user, or null. */
export function currentUser() {
  return session?.user ?? null;
}

/** The current access token, or null. */
export function accessToken() {
  return session?.access_token ?? null;
}

/**
 * Calls `listener` whenever the session changes (sign-in, sign-out, refresh). Returns the
 * unsubscribe function.
 * @param {(user: User | null) => void} listener
 */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Signs in and keeps the token pair.
 * @param {string} email
 * @param {string} password
 */
export async function login(email, password) {
  const pair = /** @type {TokenPair} */ (await api('/auth/login', { method: 'POST', body: { email, password }, anonymous: true }));
  store(pair);
  return pair.user;
}

/** Signs out here and on the server (the refresh token's family is revoked). */
export async function logout() {
  const refresh = session?.refresh_token;
  if (refresh) {
    try {
      await api('/auth/logout', { method: 'POST', body: { refresh_token: refresh } });
    } catch {
      // Signed out here whatever the server says: the tokens are forgotten below.
    }
  }
  store(null);
}

/** Replaces the stored user after a profile change. @param {User} user */
export function updateUser(user) {
  if (session) store({ ...session, user });
}

/**
 * Exchanges the refresh token for a new pair; false (and signed out) when it no longer counts.
 * Concurrent callers share one exchange, and tabs take turns (a Web Lock where the browser has
 * them): every tab's access token expires at the same moment, and a refresh token used twice
 * revokes the whole session.
 */
export function refresh() {
  if (!refreshing) {
    const turn = navigator.locks
      ? navigator.locks.request('bazaar.refresh', exchangeRefreshToken).then((renewed) => renewed)
      : exchangeRefreshToken();
    refreshing = turn.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** The exchange itself, one tab at a time. @returns {Promise<boolean>} */
async function exchangeRefreshToken() {
  const token = session?.refresh_token;
  // Another tab exchanged it (or signed in) while this one waited: its pair is the current one.
  const stored = load();
  if (stored && stored.refresh_token !== token) {
    store(stored);
    return true;
  }
  if (!token) return false;
  try {
    const response = await fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: token }),
    });
    if (!response.ok) {
      if (response.status === 401) store(null);
      return false;
    }
    const pair = /** @type {TokenPair} */ (await response.json());
    // Signed out, or in as someone else, in another tab meanwhile: that stands.
    if (load()?.refresh_token !== token) return false;
    store(pair);
    return true;
  } catch {
    return false;
  }
}

/**
 * @typedef {object} CallOptions
 * @property {string} [method]
 * @property {unknown} [body] sent as JSON
 * @property {FormData | Blob | string} [raw] sent as is, with `contentType`
 * @property {string} [contentType]
 * @property {Record<string, string | number | boolean | null | undefined>} [query]
 * @property {Record<string, string>} [headers]
 * @property {boolean} [anonymous] send no token
 */

/**
 * Calls `/api/v1{path}` and returns the parsed JSON (null for 204).
 * @param {string} path
 * @param {CallOptions} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  const send = async () => {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json', ...options.headers };
    /** @type {BodyInit | undefined} */
    let body;
    if (options.raw !== undefined) {
      body = options.raw;
      if (options.contentType) headers['Content-Type'] = options.contentType;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] = 'application/json';
    }
    const token = options.anonymous ? null : accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    return { response: await fetch(url, { method: options.method ?? 'GET', headers, body }), token };
  };
  let { response, token } = await send();
  if (response.status === 401 && token && (await refresh())) ({ response } = await send());
  if (response.status === 204) return null;
  const text = await response.text();
  const parsed = text ? safeJson(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, parsed && typeof parsed === 'object' ? parsed : { detail: text || response.statusText });
  }
  return parsed;
}

/** @param {string} text */
function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text };
  }
}

/** A random key for `Idempotency-Key`: a retry of one intent reuses it. */
export function idempotencyKey() {
  return crypto.randomUUID();
}
