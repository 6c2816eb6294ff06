// @ts-check
/**
 * @file The live connection: one WebSocket to `/api/v1/ws` for the whole page. It signs in with
 * the first message (the token never appears in a URL), resubscribes to every topic after a
 * reconnect, and reconnects with exponential backoff and jitter (0.5 s doubling to 30 s) when the
 * network or the server goes away. When the server closes it because the access token expired
 * (4401), the token is refreshed and the session reopened at once. Views listen by message type;
 * after a reconnection they get a `reconnected` message, since what was sent meanwhile is lost.
 */

import { accessToken, currentUser, onSessionChange, refresh } from './api.js';

/**
 * @typedef {{type: string, at?: string, [key: string]: any}} LiveMessage
 * @typedef {'connecting' | 'online' | 'offline'} LiveState
 */

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** The close code the server uses when the session's access token stops counting. */
const TOKEN_EXPIRED = 4401;

/** @type {WebSocket | null} */
let socket = null;
let attempts = 0;
/** Whether a connection was open before: the next open is a reconnection. */
let wasOpen = false;
/** Whether the server refused the current connection's token (it then closes it). */
let tokenRefused = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let retryTimer;
/** @type {LiveState} */
let state = 'connecting';
/** Topics and how many views want each. @type {Map<string, number>} */
const topics = new Map();
/** @type {Map<string, Set<(message: LiveMessage) => void>>} */
const handlers = new Map();
/** @type {Set<(state: LiveState) => void>} */
const stateListeners = new Set();

/** @param {LiveState} next */
function setState(next) {
  if (state === next) return;
  state = next;
  for (const listener of stateListeners) listener(next);
}

/** @param {object} message */
function send(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

/** @param {LiveMessage} message */
function dispatch(message) {
  for (const handler of handlers.get(message.type) ?? []) handler(message);
  for (const handler of handlers.get('*') ?? []) handler(message);
}

function connect() {
  clearTimeout(retryTimer);
  const previous = socket;
  socket = null;
  previous?.close(1000);
  tokenRefused = false;
  const url = new URL('/api/v1/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const current = new WebSocket(url);
  socket = current;
  current.addEventListener('open', () => {
    if (socket !== current) return;
    const token = accessToken();
    if (token) send({ type: 'auth', token });
    else attempts = 0; // an anonymous session is up once open; a signed-in one once authenticated
    for (const topic of topics.keys()) send({ type: 'subscribe', topic });
    setState('online');
    // Messages sent while the connection was down are lost: views read their state again.
    if (wasOpen) dispatch({ type: 'reconnected' });
    wasOpen = true;
  });
  current.addEventListener('message', (event) => {
    if (socket !== current) return;
    /** @type {LiveMessage} */
    let message;
    try {
      message = JSON.parse(String(event.data));
    } catch {
      return;
    }
    if (message.type === 'authenticated') attempts = 0;
    if (message.type === 'error' && message.code === 'unauthorized') tokenRefused = true;
    dispatch(message);
  });
  current.addEventListener('close', async (event) => {
    if (socket !== current) return; // replaced on purpose
    socket = null;
    if (event.code === TOKEN_EXPIRED || tokenRefused) {
      const renewed = await refresh();
      if (socket !== null) return; // reopened meanwhile (a sign-in, a sign-out)
      if (renewed) {
        connect();
        return;
      }
    }
    setState('offline');
    const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempts);
    attempts += 1;
    retryTimer = setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
  });
}

/** Reopens the connection at once (the user signed in or out, or the network came back). */
function reconnect() {
  attempts = 0;
  connect();
}

/**
 * Starts receiving `topic` (`product:<id>`, `queue:<id>`) until the returned function is called.
 * @param {string} topic
 */
export function subscribe(topic) {
  const count = topics.get(topic) ?? 0;
  topics.set(topic, count + 1);
  if (count === 0) send({ type: 'subscribe', topic });
  return () => {
    const left = (topics.get(topic) ?? 1) - 1;
    if (left > 0) {
      topics.set(topic, left);
    } else {
      topics.delete(topic);
      send({ type: 'unsubscribe', topic });
    }
  };
}

/**
 * Calls `handler` for every message of `type` (`'*'`: every message) until the returned function
 * is called.
 * @param {string} type
 * @param {(message: LiveMessage) => void} handler
 */
export function on(type, handler) {
  const set = handlers.get(type) ?? new Set();
  set.add(handler);
  handlers.set(type, set);
  return () => set.delete(handler);
}

/**
 * Follows the connection's state (and calls `listener` with the current one at once).
 * @param {(state: LiveState) => void} listener
 */
export function onState(listener) {
  stateListeners.add(listener);
  listener(state);
  return () => stateListeners.delete(listener);
}

/** Opens the connection; called once by the app. */
export function start() {
  connect();
  // A new user means a new session; a refreshed token for the same user changes nothing until
  // the server ends the session (4401), which reconnects with the fresh token.
  let userId = currentUser()?.id ?? null;
  onSessionChange((user) => {
    if ((user?.id ?? null) === userId) return;
    userId = user?.id ?? null;
    reconnect();
  });
  window.addEventListener('online', reconnect);
  window.addEventListener('offline', () => setState('offline'));
}
