// @ts-check
/**
 * @file The shop in a real browser: a customer's first purchase from registration to a paid
 * order, a seller watching it live and shipping it, a declined card and a live sell-out, a courier
 * on a phone, and a checkout done with the keyboard alone. Each test sets up its own shop through
 * the API and then acts only as a user would: by reading the page, clicking and typing.
 */

import assert from 'node:assert/strict';
import { after, before, test as nodeTest } from 'node:test';
import { ADMIN, CARD, DECLINED_CARD, PASSWORD, accessibilityViolations, launchBrowser, startServer, watchForErrors } from './harness.js';

/** @type {import('./harness.js').Server} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The pages the running test opened, to say where each stood if it fails. @type {import('playwright-core').Page[]} */
let openPages = [];

/**
 * A test whose failure also reports each of its pages: the address and what the page says.
 * @param {string} name
 * @param {(t: import('node:test').TestContext) => Promise<void>} body
 */
function test(name, body) {
  nodeTest(name, async (t) => {
    openPages = [];
    try {
      await body(t);
    } catch (error) {
      const pages = await Promise.all(openPages.map(async (page) =>
        `${page.url()}:\n${await page.locator('main').innerText({ timeout: 1_000 }).catch(() => '(closed)')}`));
      throw new Error(`${error instanceof Error ? error.message : error}\n--- the pages ---\n${pages.join('\n---\n')}`, { cause: error });
    }
  });
}

/**
 * A browser context of its own, its page failing the test on script errors and CSP violations.
 * @param {import('node:test').TestContext} t
 * @param {{viewport?: {width: number, height: number}, user?: {email: string, password?: string}}} [options]
 */
async function openPage(t, options = {}) {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 860 } });
  const page = await context.newPage();
  openPages.push(page);
  /** @type {string[]} */
  const problems = [];
  watchForErrors(page, problems);
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, [], 'no script errors or policy violations');
  });
  if (options.user) await signIn(page, options.user.email, options.user.password);
  return page;
}

/**
 * Signs in through the sign-in page.
 * @param {import('playwright-core').Page} page
 * @param {string} email
 * @param {string} [password]
 */
async function signIn(page, email, password = PASSWORD) {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await arrive(page, (url) => url.pathname !== '/login');
}

/**
 * Waits until the page is at a URL matching `pattern`; on a timeout, fails with what the page
 * says (an error message on the page is usually why).
 * @param {import('playwright-core').Page} page
 * @param {RegExp | ((url: URL) => boolean)} pattern
 */
async function arrive(page, pattern) {
  try {
    await page.waitForURL(pattern, { waitUntil: 'commit', timeout: 15_000 });
  } catch (error) {
    const text = await page.locator('main').innerText().catch(() => '(no main)');
    throw new Error(`still at ${page.url()}, which says:\n${text}`, { cause: error });
  }
}

/**
 * Asserts the page has no serious or critical accessibility violations.
 * @param {import('playwright-core').Page} page
 * @param {string} what
 */
async function assertAccessible(page, what) {
  assert.deepEqual(await accessibilityViolations(page), [], `${what}: axe-core`);
}

/**
 * A seller with one published product of `stock` units at `price_cents`.
 * @param {{stock: number, price_cents?: number, name?: string}} product
 */
async function sellerWithProduct({ stock, price_cents = 2500, name = 'Lantern' }) {
  const seller = await server.api.user('seller', 'Sam Seller');
  const category = await server.api.category('Lighting');
  const unique = `${name} ${crypto.randomUUID().slice(0, 8)}`;
  const product = await seller.api.call('POST', '/products', {
    sku: `E2E-${crypto.randomUUID().slice(0, 12)}`, name: unique, description: `A ${name.toLowerCase()} for testing.`,
    brand: 'Testbrand', category_id: category.id, price_cents, currency: 'EUR', images: [], attributes: { colour: 'amber' },
    stock, status: 'published',
  });
  return { seller, product };
}

/**
 * Fills the checkout's new-address fields.
 * @param {import('playwright-core').Page} page
 */
async function fillNewAddress(page) {
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Address line 1').fill('12 Harbour Street');
  await page.getByLabel('City').fill('Hamburg');
  await page.getByLabel('Postal code').fill('20457');
  await page.getByLabel(/^Country/).fill('DE');
}

/**
 * Fills the checkout's card fields.
 * @param {import('playwright-core').Page} page
 * @param {string} number
 */
async function fillCard(page, number) {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry month').fill(String(CARD.exp_month));
  await page.getByLabel('Expiry year').fill(String(CARD.exp_year));
  await page.getByLabel('CVC').fill(CARD.cvc);
}

test('a customer registers, activates, searches, applies a coupon and pays by card', async (t) => {
  const { seller, product } = await sellerWithProduct({ stock: 5, price_cents: 4000 });
  await seller.api.call('POST', '/coupons', { code: 'E2E10', kind: 'percent', value: 10 });
  const page = await openPage(t);
  const email = `ada-${crypto.randomUUID().slice(0, 8)}@e2e.bazaar.test`;

  await page.goto(`${server.url}/`);
  await assertAccessible(page, 'home');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('register-done').waitFor();

  // The activation link, as the mail sink holds it.
  const admin = await server.api.admin();
  const outbox = await admin.call('GET', `/admin/outbox?to=${encodeURIComponent(email)}`);
  const link = /https?:\/\/[^\s"<]+\/activate\?token=[^\s"<&]+/.exec(outbox.items[0].body)?.[0];
  assert.ok(link, 'the activation message carries a link');
  await page.goto(`${server.url}${new URL(link).pathname}${new URL(link).search}`);
  await page.getByTestId('activated').waitFor();

  await signIn(page, email);
  await page.getByRole('searchbox', { name: 'Search products' }).fill(product.name);
  await page.keyboard.press('Enter');
  await arrive(page, /\/search\?q=/);
  await assertAccessible(page, 'search');
  await page.getByTestId('search-results').getByRole('link', { name: product.name }).first().click();
  await page.getByTestId('product-name').filter({ hasText: product.name }).waitFor();
  await assert.doesNotReject(page.getByTestId('stock').filter({ hasText: '5 left' }).waitFor());
  await assertAccessible(page, 'product');

  await page.getByTestId('add-to-cart').click();
  await page.getByTestId('go-to-cart').click();
  await page.getByTestId('cart-line').waitFor();
  await page.getByLabel('Coupon code').fill('e2e10');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByTestId('applied-coupon').filter({ hasText: 'E2E10' }).waitFor();
  await page.getByTestId('cart-total').filter({ hasText: '36' }).waitFor();
  await assertAccessible(page, 'cart');

  await page.getByTestId('to-checkout').click();
  await fillNewAddress(page);
  await fillCard(page, CARD.number);
  await assertAccessible(page, 'checkout');
  await page.getByTestId('place-order').click();
  await arrive(page, /\/orders\/[0-9a-f-]{36}$/);
  await page.getByTestId('order-status').filter({ hasText: /^paid$/ }).waitFor();
  await assertAccessible(page, 'order');
});

test('a seller sees the stock drop live and ships; the customer sees it shipped without a reload', async (t) => {
  const { seller, product } = await sellerWithProduct({ stock: 3 });
  await server.api.user('courier', 'Casey Courier');
  const customer = await server.api.user('customer', 'Grace Hopper');
  const sellerPage = await openPage(t, { user: seller });
  await sellerPage.goto(`${server.url}/seller/inventory`);
  const row = sellerPage.locator(`[data-testid="inventory-row"][data-product-id="${product.id}"]`);
  await row.getByTestId('available').filter({ hasText: /^3$/ }).waitFor();
  await assertAccessible(sellerPage, 'seller inventory');

  const customerPage = await openPage(t, { user: customer });
  await customerPage.goto(`${server.url}/products/${product.id}`);
  await customerPage.getByTestId('add-to-cart').click();
  await customerPage.getByTestId('go-to-cart').click();
  await customerPage.getByTestId('to-checkout').click();
  await fillNewAddress(customerPage);
  await fillCard(customerPage, CARD.number);
  await customerPage.getByTestId('place-order').click();
  await arrive(customerPage, /\/orders\/[0-9a-f-]{36}$/);
  await customerPage.getByTestId('order-status').filter({ hasText: /^paid$/ }).waitFor();

  // Sold while the seller watched: no reload on the seller's side.
  await row.getByTestId('available').filter({ hasText: /^2$/ }).waitFor();

  const orderId = customerPage.url().split('/').pop();
  await sellerPage.getByRole('link', { name: 'Fulfil' }).click();
  const order = sellerPage.locator(`[data-testid="seller-order"][data-order-id="${orderId}"]`);
  await order.getByTestId('start-processing').click();
  const ship = order.getByTestId('ship-form');
  await ship.getByLabel('Tracking number').fill('TRACK-123');
  await ship.getByLabel('Courier').selectOption({ label: 'Casey Courier' });
  await ship.getByRole('button', { name: 'Mark shipped' }).click();
  await assertAccessible(sellerPage, 'seller orders');

  await customerPage.getByTestId('order-status').filter({ hasText: /^shipped$/ }).waitFor();
  await customerPage.getByTestId('tracking-number').filter({ hasText: 'TRACK-123' }).waitFor();
});

test('a declined card says so, and a product shows sold out the moment it sells out', async (t) => {
  const { product } = await sellerWithProduct({ stock: 1 });
  const customer = await server.api.user('customer', 'Alan Turing');
  const page = await openPage(t, { user: customer });
  await page.goto(`${server.url}/products/${product.id}`);
  await page.getByTestId('stock').filter({ hasText: '1 left' }).waitFor();
  await page.getByTestId('add-to-cart').click();
  await page.getByTestId('go-to-cart').click();
  await page.getByTestId('to-checkout').click();
  await fillNewAddress(page);
  await fillCard(page, DECLINED_CARD);
  await page.getByTestId('place-order').click();
  await page.getByTestId('checkout-error').filter({ hasText: /declined/i }).waitFor();

  // Another buyer takes the last unit while this page watches the product.
  const watcher = await openPage(t);
  await watcher.goto(`${server.url}/products/${product.id}`);
  await watcher.getByTestId('stock').filter({ hasText: /left|Sold out/ }).waitFor();
  const rival = await server.api.user('customer', 'Katherine Johnson');
  // The declined order still holds the unit: cancelling it puts the unit back on sale.
  const orders = await customer.api.call('GET', '/orders');
  await customer.api.call('POST', `/orders/${orders.items[0].id}/cancel`);
  await watcher.getByTestId('stock').filter({ hasText: '1 left' }).waitFor();
  await rival.api.call('POST', '/checkout', {
    items: [{ product_id: product.id, qty: 1 }],
    shipping_address: { name: 'K J', line1: '1 Road', city: 'Paris', postal_code: '75001', country: 'FR' },
    payment: { method: 'card', card: CARD },
  });
  await watcher.getByTestId('stock').filter({ hasText: 'Sold out' }).waitFor();
  assert.equal(await watcher.getByTestId('add-to-cart').isDisabled(), true, 'nothing left to add');
});

test('the courier delivers the order on a phone-sized screen', async (t) => {
  const { seller, product } = await sellerWithProduct({ stock: 4 });
  const courier = await server.api.user('courier', 'Casey Courier');
  const customer = await server.api.user('customer', 'Edsger Dijkstra');
  const placed = await customer.api.call('POST', '/checkout', {
    items: [{ product_id: product.id, qty: 1 }],
    shipping_address: { name: 'Edsger Dijkstra', line1: '5 Canal', city: 'Amsterdam', postal_code: '1011', country: 'NL', phone: '+31201234567' },
    payment: { method: 'card', card: CARD },
  });
  const orderId = placed.order.id;
  await seller.api.call('POST', `/orders/${orderId}/status`, { status: 'processing' });
  await seller.api.call('POST', `/orders/${orderId}/status`, { status: 'shipped', tracking_number: 'PHONE-1', courier_id: courier.user.id });

  const page = await openPage(t, { viewport: { width: 360, height: 740 }, user: courier });
  await page.goto(`${server.url}/courier`);
  const delivery = page.getByTestId('delivery').filter({ hasText: 'Amsterdam' });
  await delivery.waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'nothing scrolls sideways at 360 px');
  await assertAccessible(page, 'courier');
  await delivery.getByRole('button', { name: 'Out for delivery' }).click();
  await delivery.getByRole('button', { name: 'Delivered' }).click();
  await delivery.getByTestId('delivery-status').filter({ hasText: /^delivered$/ }).waitFor();
  const order = await customer.api.call('GET', `/orders/${orderId}`);
  assert.equal(order.status, 'delivered');
});

test('a checkout can be done with the keyboard alone', async (t) => {
  const { product } = await sellerWithProduct({ stock: 2 });
  const customer = await server.api.user('customer', 'Barbara Liskov');
  await customer.api.call('POST', '/cart/items', { product_id: product.id, qty: 1 });
  const page = await openPage(t, { user: customer });
  await page.goto(`${server.url}/checkout`);
  await page.getByLabel('Full name').waitFor();

  /**
   * Tabs until the element matching `selector` has focus; fails after 60 presses.
   * @param {string} selector
   */
  const tabTo = async (selector) => {
    for (let presses = 0; presses < 60; presses++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    }
    assert.fail(`Tab never reached ${selector}`);
  };
  for (const [name, value] of [['name', 'Barbara Liskov'], ['line1', '1 Main Street'], ['city', 'Boston'],
    ['postal_code', '02139'], ['country', 'US']]) {
    await tabTo(`input[name$="${name}"]:not([type=radio])`);
    await page.keyboard.type(value);
  }
  for (const [name, value] of [['number', CARD.number], ['exp_month', '12'], ['exp_year', String(CARD.exp_year)], ['cvc', '123']]) {
    await tabTo(`input[name="payment.card.${name}"]`);
    await page.keyboard.type(value);
  }
  await tabTo('[data-testid="place-order"]');
  const focusVisible = await page.evaluate(() => {
    const element = /** @type {HTMLElement} */ (document.activeElement);
    const style = getComputedStyle(element);
    return style.outlineStyle !== 'none' && style.outlineWidth !== '0px';
  });
  assert.ok(focusVisible, 'the focused button shows a focus ring');
  await page.keyboard.press('Enter');
  await arrive(page, /\/orders\/[0-9a-f-]{36}$/);
  await page.getByTestId('order-status').filter({ hasText: /^paid$/ }).waitFor();
});

test('the main pages fit a 360 px screen and pass axe-core', async (t) => {
  const { seller, product } = await sellerWithProduct({ stock: 3 });
  const customer = await server.api.user('customer', 'Mary Jackson');
  await customer.api.call('POST', '/cart/items', { product_id: product.id, qty: 1 });
  const order = (await customer.api.call('POST', '/checkout', {
    items: [{ product_id: product.id, qty: 1 }],
    shipping_address: { name: 'Mary Jackson', line1: '1 Langley Road', city: 'Hampton', postal_code: '23665', country: 'US' },
    payment: { method: 'card', card: CARD },
  })).order;
  const pages = [
    [customer, ['/', `/search?q=${encodeURIComponent(product.name)}`, `/products/${product.id}`, '/cart', '/checkout',
      '/orders', `/orders/${order.id}`, '/account']],
    [seller, ['/seller', '/seller/inventory', '/seller/orders', '/seller/coupons', '/seller/analytics', '/seller/import']],
    [ADMIN, ['/admin', '/admin/categories', '/admin/outbox']],
  ];
  for (const [user, paths] of /** @type {Array<[{email: string, password?: string}, string[]]>} */ (pages)) {
    const page = await openPage(t, { viewport: { width: 360, height: 740 }, user });
    for (const path of paths) {
      await page.goto(`${server.url}${path}`);
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `${path} scrolls sideways at 360 px`);
      await assertAccessible(page, path);
    }
  }
});
