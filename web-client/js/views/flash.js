// @ts-check
/**
 * @file The live screen of one product's drop (`/flash/:id`), for demos and load tests; public.
 * It shows the units left (from `GET /products/{id}`, then every `stock` message of
 * `product:<id>`), a feed of the sales as they happen (each drop in stock: when and how many
 * units, newest first, the last 200 kept), the units sold per second over the last 10 s with a
 * sparkline of the last 60 s, and the sale's state (upcoming, open, ended, with its times) from
 * the product and from `sale` messages.
 */

import { api, ApiError } from '../api.js';
import { h, replace, svg } from '../dom.js';
import { on, subscribe } from '../live.js';
import { hasSaleWindow, priceLine, saleText, saleTracker } from '../products.js';

/**
 * @typedef {import('../products.js').Product} Product
 * @typedef {{at: number, units: number}} Sale
 */

const FEED_LIMIT = 200;
const RATE_WINDOW_S = 10;
const CHART_WINDOW_S = 60;
const CHART_WIDTH = 300;
const CHART_HEIGHT = 60;

/**
 * "in 2 min 5 s" until `target`, or '' once it has passed.
 * @param {string | null} target
 * @param {number} now
 */
function countdown(target, now) {
  if (!target) return '';
  const seconds = Math.ceil((Date.parse(target) - now) / 1000);
  if (!(seconds > 0)) return '';
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return `in ${hours > 0 ? `${hours} h ` : ''}${hours > 0 || minutes > 0 ? `${minutes} min ` : ''}${rest} s`;
}

/**
 * Units sold in each of the last 60 seconds, oldest first.
 * @param {Sale[]} sales
 * @param {number} now
 */
function perSecond(sales, now) {
  const buckets = new Array(CHART_WINDOW_S).fill(0);
  for (const sale of sales) {
    const age = Math.floor((now - sale.at) / 1000);
    if (age >= 0 && age < CHART_WINDOW_S) buckets[CHART_WINDOW_S - 1 - age] += sale.units;
  }
  return buckets;
}

/**
 * The sparkline: one bar per second of the last minute, now at the right.
 * @param {number[]} buckets
 */
function sparkline(buckets) {
  const peak = Math.max(1, ...buckets);
  const width = CHART_WIDTH / buckets.length;
  const plot = CHART_HEIGHT - 12;
  const title = svg('title');
  title.textContent = `Units sold per second over the last minute; peak ${Math.max(0, ...buckets)} per second`;
  return svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`,
    role: 'img',
    'aria-label': title.textContent,
  },
  title,
  ...buckets.map((units, i) => {
    const height = (units / peak) * plot;
    return svg('rect', { class: 'bar', x: (i * width).toFixed(2), y: (plot - height).toFixed(2), width: Math.max(1, width - 1).toFixed(2), height: height.toFixed(2) });
  }),
  svg('line', { class: 'axis', x1: 0, y1: plot + 0.5, x2: CHART_WIDTH, y2: plot + 0.5 }),
  label('60 s ago', 0, 'start'),
  label('now', CHART_WIDTH, 'end'));
}

/**
 * @param {string} text
 * @param {number} x
 * @param {string} anchor
 */
function label(text, x, anchor) {
  const element = svg('text', { x, y: CHART_HEIGHT - 1, 'text-anchor': anchor });
  element.textContent = text;
  return element;
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function flash(ctx) {
  const path = `/products/${encodeURIComponent(ctx.params.id)}`;
  replace(ctx.root, h('h1', {}, 'Flash sale'), h('p', { class: 'loading', role: 'status' }, 'Loading the drop…'));
  /** @type {Product} */
  let product;
  try {
    product = await api(path);
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404;
    replace(ctx.root, h('h1', {}, 'Flash sale'),
      h('p', { class: 'alert', role: 'alert' }, missing
        ? 'There is no such product.'
        : `The product could not be loaded: ${error instanceof Error ? error.message : String(error)}`),
      h('p', {}, h('a', { href: '/' }, 'Back to the shop')));
    return;
  }

  const sale = saleTracker(product);
  let phase = sale.phase();
  let available = Math.max(0, product.available);
  let soldHere = 0;
  /** @type {Sale[]} sales of the last minute */
  let sales = [];

  const counter = h('div', { class: 'counter', 'data-testid': 'flash-counter', 'aria-live': 'polite', 'aria-atomic': 'true' }, String(available));
  const soldLine = h('p', { class: 'muted', 'data-testid': 'flash-sold' }, 'No sales yet since this page opened.');
  const price = h('div', {}, priceLine(product, phase));
  const state = h('p', { 'data-testid': 'flash-sale-state', 'aria-live': 'polite' });
  const clock = h('p', { class: 'muted', 'data-testid': 'flash-countdown' });
  const rate = h('p', { class: 'price' });
  const chart = h('div', {});
  const feed = h('ul', { class: 'feed', 'data-testid': 'flash-feed', 'aria-label': 'Sales, newest first' });
  const emptyFeed = h('p', { class: 'muted' }, 'Sales appear here as they happen.');

  const drawState = () => {
    replace(price, priceLine(product, phase));
    state.className = phase === 'open' ? 'notice' : 'muted';
    state.textContent = hasSaleWindow(product) ? saleText(product, phase) : 'On sale: this product has no sale window.';
  };
  const tick = () => {
    const now = Date.now();
    sales = sales.filter((s) => now - s.at < CHART_WINDOW_S * 1000);
    const recent = sales.filter((s) => now - s.at < RATE_WINDOW_S * 1000).reduce((sum, s) => sum + s.units, 0);
    rate.textContent = `${(recent / RATE_WINDOW_S).toFixed(1)} units/s over the last ${RATE_WINDOW_S} s`;
    replace(chart, sparkline(perSecond(sales, now)));
    const next = sale.phase(now);
    if (next !== phase) {
      phase = next;
      drawState();
    }
    const wait = phase === 'upcoming' ? countdown(product.sale_starts_at, now)
      : phase === 'open' ? countdown(product.sale_ends_at, now) : '';
    clock.textContent = wait ? `${phase === 'upcoming' ? 'Opens' : 'Ends'} ${wait}` : '';
  };

  replace(ctx.root,
    h('h1', {}, `Flash sale: ${product.name}`),
    h('div', { class: 'actions' }, price, h('a', { href: `/products/${encodeURIComponent(product.id)}` }, 'Open the product page')),
    h('section', { class: 'panel', 'aria-labelledby': 'flash-state-heading' },
      h('h2', { id: 'flash-state-heading' }, 'Sale'),
      state, clock),
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'flash-left-heading' },
        h('h2', { id: 'flash-left-heading' }, 'Units left'),
        counter, soldLine),
      h('section', { class: 'panel', 'aria-labelledby': 'flash-rate-heading', 'data-testid': 'flash-rate' },
        h('h2', { id: 'flash-rate-heading' }, 'Orders per second'),
        rate, chart)),
    h('section', { class: 'panel', 'aria-labelledby': 'flash-feed-heading' },
      h('h2', { id: 'flash-feed-heading' }, 'Sales as they happen'),
      emptyFeed, feed));
  drawState();
  tick();

  ctx.onLeave(subscribe(`product:${product.id}`));
  ctx.onLeave(on('stock', (message) => {
    if (message.product_id !== product.id || typeof message.available !== 'number') return;
    const next = Math.max(0, message.available);
    if (next < available) {
      const units = available - next;
      const at = Date.now();
      sales.push({ at, units });
      soldHere += units;
      soldLine.textContent = `${soldHere} sold since this page opened.`;
      emptyFeed.remove();
      const when = message.at ? new Date(message.at) : new Date(at);
      feed.prepend(h('li', {},
        h('time', { dateTime: when.toISOString() }, when.toLocaleTimeString()),
        ` ${units} unit${units === 1 ? '' : 's'} sold, ${next} left`));
      while (feed.childElementCount > FEED_LIMIT) feed.lastElementChild?.remove();
    }
    available = next;
    counter.textContent = String(available);
  }));
  ctx.onLeave(on('sale', (message) => {
    if (message.product_id !== product.id) return;
    sale.apply(message);
    phase = sale.phase();
    drawState();
    tick();
    // The message carries the window, not the prices: read those again.
    api(path).then((fresh) => {
      product.price_cents = fresh.price_cents;
      product.sale_price_cents = fresh.sale_price_cents;
      drawState();
    }, () => {});
  }));
  const timer = setInterval(tick, 1000);
  ctx.onLeave(() => clearInterval(timer));
  // Messages missed while the connection was down: read the count again (not counted as sales).
  ctx.onLeave(on('reconnected', () => {
    api(path).then((fresh) => {
      available = Math.max(0, fresh.available);
      counter.textContent = String(available);
    }, () => {});
  }));
}
