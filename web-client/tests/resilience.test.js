// @ts-check
/**
 * @file The page under a flaky network and short-lived tokens: it shows when it is offline,
 * reconnects and resubscribes by itself when the server comes back, and refreshes an expired
 * access token without losing the page, for its API calls and for its live connection.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CARD, PASSWORD, launchBrowser, startServer, watchForErrors } from './harness.js';

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/**
 * A seller's product with `stock` units, and a customer.
 * @param {import('./harness.js').Server} server
 * @param {number} stock
 */
async function shop(server, stock) {
  const seller = await server.api.user('seller', 'Sam Seller');
  const category = await server.api.category('Lighting');
  const product = await seller.api.call('POST', '/products', {
    sku: `E2E-${crypto.randomUUID().slice(0, 12)}`, name: `Lantern ${crypto.randomUUID().slice(0, 6)}`,
    description: 'A lantern.', category_id: category.id, price_cents: 1500, currency: 'EUR', images: [],
    attributes: {}, stock, status: 'published',
  });
  const customer = await server.api.user('customer', 'Ada Lovelace');
  return { seller, product, customer };
}

/**
 * Buys `qty` of `product` as `api`'s customer, paying by card; the order.
 * @param {import('./harness.js').Api} api
 * @param {string} product
 */
async function buy(api, product) {
  const placed = await api.call('POST', '/checkout', {
    items: [{ product_id: product, qty: 1 }],
    shipping_address: { name: 'A B', line1: '1 Road', city: 'Paris', postal_code: '75001', country: 'FR' },
    payment: { method: 'card', card: CARD },
  });
  return placed.order;
}

/**
 * A page of a new context, failing the test on script errors.
 * @param {import('node:test').TestContext} t
 */
async function openPage(t) {
  const context = await browser.newContext();
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  watchForErrors(page, problems);
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, []);
  });
  return page;
}

describe('when the server goes away', () => {
  /** @type {import('./harness.js').Server} */
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('the page says it is offline, then reconnects and follows the stock again', async (t) => {
    const { product, customer } = await shop(server, 5);
    const page = await openPage(t);
    await page.goto(`${server.url}/products/${product.id}`);
    await page.getByTestId('stock').filter({ hasText: '5 left' }).waitFor();
    const banner = page.getByRole('status').filter({ hasText: 'Offline' });
    assert.equal(await banner.isVisible(), false);

    await server.restart(async () => {
      await banner.waitFor({ state: 'visible' });
    });
    await banner.waitFor({ state: 'hidden' });

    // Sold after the reconnect: only a resubscribed page hears of it.
    await buy(customer.api, product.id);
    await page.getByTestId('stock').filter({ hasText: '4 left' }).waitFor();
  });
});

describe('when the access token expires', () => {
  /** @type {import('./harness.js').Server} */
  let server;
  before(async () => {
    // Four-second tokens: the server ends a live session when its token expires, and accepts an
    // expired token for five more seconds of clock skew on API calls.
    server = await startServer({ env: { BAZAAR_ACCESS_TOKEN_TTL_SECS: '4' } });
  });
  after(async () => {
    await server?.stop();
  });

  test('the page refreshes it and keeps working, live updates included', async (t) => {
    const { seller, product, customer } = await shop(server, 5);
    const courier = await server.api.user('courier', 'Casey Courier');
    const order = await buy(customer.api, product.id);
    const page = await openPage(t);
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill(customer.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname !== '/login', { waitUntil: 'commit' });
    await page.goto(`${server.url}/orders/${order.id}`);
    await page.getByTestId('order-status').filter({ hasText: /^paid$/ }).waitFor();

    await page.waitForTimeout(10_000); // the first token has expired, API leeway included

    // The page hears of the change live, or reads the order again when its live session reopens
    // with a refreshed token: either way, without a reload and without signing in again.
    const fresh = await server.api.as(seller.email, PASSWORD);
    await fresh.call('POST', `/orders/${order.id}/status`, { status: 'processing' });
    await fresh.call('POST', `/orders/${order.id}/status`, { status: 'shipped', tracking_number: 'T-1', courier_id: courier.user.id });
    await page.getByTestId('order-status').filter({ hasText: /^shipped$/ }).waitFor();

    await page.goto(`${server.url}/products/${product.id}`);
    await page.getByTestId('add-to-cart').click();
    await page.getByTestId('go-to-cart').waitFor();
    assert.equal(new URL(page.url()).pathname, `/products/${product.id}`, 'still on the page, not sent to sign in');
  });
});
