// @ts-check
/**
 * @file What every browser test stands on: a Bazaar server of its own (the debug build, on a free
 * port, with a fresh database: the embedded one, or PostgreSQL and Redis with
 * `BAZAAR_E2E_DATABASE=postgres`), a headless Debian chromium, and a small API client that sets
 * up shops the way their users would.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const webDir = resolve(here, '..');
const repo = resolve(webDir, '..');
export const ADMIN = { email: 'admin@e2e.bazaar.test', password: 'e2e admin password' };
export const PASSWORD = 'e2e user password';
export const CARD = { number: '4242424242424242', exp_month: 12, exp_year: new Date().getFullYear() + 5, cvc: '123' };
export const DECLINED_CARD = '4000000000000002';

/** A free TCP port on loopback. */
function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/**
 * @typedef {object} Server
 * @property {string} url
 * @property {Api} api the API as an anonymous caller
 * @property {() => Promise<void>} stop
 * @property {(whileDown?: () => Promise<void>) => Promise<void>} restart stops the process, runs
 *   `whileDown`, and starts another on the same port and database
 * @property {string | null} demoPassword the demo accounts' password, when seeded with the demo
 */

/**
 * Runs `bazaar seed --demo` with `env`; the demo accounts' password it prints.
 * @param {string} binary
 * @param {NodeJS.ProcessEnv} env
 */
async function seedDemo(binary, env) {
  const child = spawn(binary, ['seed', '--demo'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  const code = await new Promise((done) => child.once('exit', done));
  const password = /password \(shown only now\): (\S+)/.exec(output)?.[1];
  if (code !== 0 || !password) throw new Error(`seed --demo failed (${code}): ${output}`);
  return password;
}

/**
 * Starts a server with a database of its own, seeded with the demo shop if `demo`.
 * @param {{demo?: boolean, env?: Record<string, string>}} [options] `env`: more settings
 * @returns {Promise<Server>}
 */
export async function startServer({ demo = false, env: extra = {} } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-e2e-'));
  const backend = process.env.BAZAAR_E2E_DATABASE ?? 'sqlite';
  const name = `bazaar_e2e_${process.pid}_${port}`;
  const database = backend === 'postgres'
    ? `postgres://postgres@127.0.0.1:5432/${name}`
    : `sqlite://${join(dir, 'bazaar.db')}`;
  const binary = process.env.BAZAAR_BINARY ?? join(repo, 'target', 'debug', 'bazaar');
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...process.env,
    BAZAAR_LISTEN: `127.0.0.1:${port}`,
    BAZAAR_DATABASE_URL: database,
    BAZAAR_REDIS_URL: backend === 'postgres' ? (process.env.BAZAAR_E2E_REDIS_URL ?? 'redis://127.0.0.1:6379') : '',
    BAZAAR_REDIS_PREFIX: name,
    BAZAAR_METRICS_LISTEN: 'off',
    BAZAAR_ADMIN_EMAIL: ADMIN.email,
    BAZAAR_ADMIN_PASSWORD: ADMIN.password,
    BAZAAR_RATE_LIMIT: 'off',
    BAZAAR_JWT_KEY_FILE: join(dir, 'jwt.pem'),
    BAZAAR_WEB_DIR: webDir,
    BAZAAR_MEDIA_DIR: join(dir, 'media'),
    BAZAAR_PUBLIC_URL: `http://127.0.0.1:${port}`,
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
    ...extra,
  };
  const demoPassword = demo ? await seedDemo(binary, env) : null;
  const url = `http://127.0.0.1:${port}`;
  let running = await launch(binary, env, url);
  return {
    url,
    demoPassword,
    api: new Api(url),
    restart: async (whileDown) => {
      await running.stop();
      await whileDown?.();
      running = await launch(binary, env, url);
    },
    stop: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'postgres') await dropDatabase(name);
    },
  };
}

/**
 * Starts the server process and waits until it answers.
 * @param {string} binary
 * @param {NodeJS.ProcessEnv} env
 * @param {string} url
 */
async function launch(binary, env, url) {
  const child = spawn(binary, [], { cwd: repo, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((done) => child.once('exit', done));
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if (attempt > 600) throw new Error('the server did not start within a minute');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Drops a test database with psql (the server created it). @param {string} name */
async function dropDatabase(name) {
  await new Promise((done) => {
    const psql = spawn('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-qc', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`], { stdio: 'ignore' });
    psql.once('exit', done);
    psql.once('error', done);
  });
}

/** The API, as one caller. */
export class Api {
  /**
   * @param {string} url
   * @param {string | null} [token]
   */
  constructor(url, token = null) {
    this.url = url;
    this.token = token;
  }

  /**
   * Calls the API; throws on an unexpected status.
   * @param {string} method
   * @param {string} path under /api/v1
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
  async call(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { 'Content-Type': 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const response = await fetch(`${this.url}/api/v1${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /**
   * Signs in; the API as that user.
   * @param {string} email
   * @param {string} password
   */
  async as(email, password) {
    const signedIn = await new Api(this.url).call('POST', '/auth/login', { email, password });
    return new Api(this.url, signedIn.access_token);
  }

  /** The API as the admin. */
  admin() {
    return this.as(ADMIN.email, ADMIN.password);
  }

  /**
   * Creates a user of `role` (as the admin) and signs in as them.
   * @param {'customer' | 'seller' | 'courier'} role
   * @param {string} name
   */
  async user(role, name) {
    const admin = await this.admin();
    const email = `${role}-${crypto.randomUUID().slice(0, 8)}@e2e.bazaar.test`;
    const user = await admin.call('POST', '/admin/users', { email, password: PASSWORD, name, role });
    return { user, email, api: await this.as(email, PASSWORD) };
  }

  /**
   * A category (as the admin).
   * @param {string} name
   */
  async category(name) {
    const admin = await this.admin();
    return admin.call('POST', '/categories', { name: `${name} ${crypto.randomUUID().slice(0, 6)}` });
  }
}

/** The headless chromium Debian installs. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
}

/**
 * Fails the test on a page error or a Content-Security-Policy violation.
 * @param {import('playwright-core').Page} page
 * @param {string[]} problems collected messages
 */
export function watchForErrors(page, problems) {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
}

const axeSource = readFileSync(join(webDir, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page; the serious and critical violations.
 * @param {import('playwright-core').Page} page
 */
export async function accessibilityViolations(page) {
  await page.evaluate(axeSource);
  /** @type {{id: string, impact: string, help: string, nodes: {target: string[]}[]}[]} */
  const violations = await page.evaluate(async () => {
    // @ts-ignore axe is defined by the script evaluated above
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
