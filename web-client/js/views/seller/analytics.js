// @ts-check
/**
 * @file Seller analytics (`/seller/analytics`): `GET /seller/analytics?from=&to=` over a range of
 * UTC days (the last 30 by default; an admin picks the seller, `seller_id`, which the API
 * requires of admins). It shows the totals per currency (revenue, orders, units, refunds), a bar
 * chart of revenue per day and a horizontal bar chart of the best sellers (SVG, each bar titled,
 * each chart an image with a summary label and a visually hidden table of the same figures), the
 * orders by status and the products low on stock. With sales in several currencies the charts
 * show one currency at a time, picked by a select.
 */

import { clearProblem, field, formValues, h, money, replace, select, showProblem, svg, words } from '../../dom.js';
import { api } from '../../api.js';
import { beginPage, dataTable, failure, sellerOptions, showFieldErrors } from './common.js';

/**
 * @typedef {{currency: string, orders: number, units: number, revenue_cents: number, tax_cents: number,
 *   refunds: number, refunded_cents: number}} Figures
 * @typedef {Figures & {day: string}} Day
 * @typedef {{product_id: string, name: string, currency: string, units: number, revenue_cents: number}} TopProduct
 * @typedef {{product_id: string, name: string, available: number, threshold: number}} LowStock
 * @typedef {{seller_id: string, from: string, to: string, totals: Figures[], by_day: Day[],
 *   top_products: TopProduct[], statuses: Record<string, number>, low_stock: LowStock[]}} Report
 */

const DAY_MS = 86_400_000;

/** @param {import('../../router.js').ViewContext} ctx */
export default async function analytics(ctx) {
  const page = beginPage(ctx, '/seller/analytics', 'Analytics');
  if (!page) return;
  const { user, body } = page;
  const admin = user.role === 'admin';

  /** @type {Array<[string, string]>} */
  let sellers = [];
  if (admin) {
    try {
      sellers = await sellerOptions();
    } catch (error) {
      replace(body, failure('The sellers could not be loaded', error));
      return;
    }
  }
  const today = isoDay(Date.now());
  const to = ctx.query.get('to') ?? today;
  const from = ctx.query.get('from') ?? isoDay(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS || Date.now() - 29 * DAY_MS);
  const report = h('div', {});
  const status = h('p', { class: 'visually-hidden', role: 'status' });
  const submit = h('button', { type: 'submit' }, 'Show');

  const form = h('form', {
    class: 'form',
    noValidate: true,
    'data-testid': 'analytics-form',
    'aria-label': 'Range',
    onsubmit: (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      void load();
    },
  },
  admin && select('Whose figures', 'seller_id', sellers, ctx.query.get('seller_id') ?? sellers[0]?.[0]),
  h('div', { class: 'form-row' },
    field('From (UTC day)', 'from', { type: 'date', required: true, value: from }),
    field('To (UTC day, included)', 'to', { type: 'date', required: true, value: to })),
  h('p', { class: 'alert', role: 'alert' }),
  h('div', { class: 'actions' }, submit));

  /** Reads the range, fetches the report and draws it. */
  async function load() {
    clearProblem(form);
    const values = formValues(form);
    /** @type {Array<{field: string, message: string}>} */
    const missing = [];
    if (!values.from) missing.push({ field: 'from', message: 'Pick the first day' });
    if (!values.to) missing.push({ field: 'to', message: 'Pick the last day' });
    if (admin && !values.seller_id) missing.push({ field: 'seller_id', message: 'Pick a seller' });
    if (values.from && values.to && values.from > values.to) missing.push({ field: 'from', message: 'must not be after the last day' });
    if (missing.length > 0) {
      showFieldErrors(form, missing);
      return;
    }
    const query = { from: values.from, to: values.to, ...(admin ? { seller_id: values.seller_id } : {}) };
    history.replaceState(null, '', `/seller/analytics?${new URLSearchParams(query)}`);
    submit.disabled = true;
    status.textContent = '';
    replace(report, h('p', { class: 'loading' }, 'Loading…'));
    try {
      /** @type {Report} */
      const result = await api('/seller/analytics', { query });
      replace(report, ...drawReport(result));
      status.textContent = `Figures from ${dayLabel(result.from)} to ${dayLabel(result.to)} shown.`;
    } catch (error) {
      report.replaceChildren();
      showProblem(form, error);
    } finally {
      submit.disabled = false;
    }
  }

  replace(body,
    admin && sellers.length === 0
      ? h('p', {}, 'There are no sellers yet.')
      : [form, status, report]);
  if (!admin || sellers.length > 0) await load();
}

/**
 * The whole report.
 * @param {Report} report
 */
function drawReport(report) {
  const currencies = report.totals.map((figures) => figures.currency);
  const charts = h('div', {});
  /** @param {string} currency */
  const drawCharts = (currency) => replace(charts,
    h('h2', {}, `Revenue per day${currencies.length > 1 ? ` (${currency})` : ''}`),
    revenueChart(report, currency),
    h('h2', {}, `Top products${currencies.length > 1 ? ` (${currency})` : ''}`),
    topProductsChart(report.top_products.filter((product) => product.currency === currency), currency));
  /** @type {HTMLElement | null} */
  let picker = null;
  if (currencies.length > 1) {
    picker = select('Currency of the charts', 'chart_currency', currencies.map((c) => /** @type {[string, string]} */ ([c, c])), currencies[0]);
    const choice = /** @type {HTMLSelectElement} */ (picker.querySelector('select'));
    choice.addEventListener('change', () => drawCharts(choice.value));
  }
  drawCharts(currencies[0] ?? 'EUR');
  return [
    h('h2', {}, `${dayLabel(report.from)} to ${dayLabel(report.to)}`),
    summary(report.totals),
    picker,
    charts,
    h('h2', {}, 'Orders by status'),
    statusTable(report.statuses),
    h('h2', {}, 'Low on stock'),
    lowStockTable(report.low_stock),
  ];
}

/**
 * The range's totals, one group of figures per currency.
 * @param {Figures[]} totals
 */
function summary(totals) {
  if (totals.length === 0) {
    return h('p', { 'data-testid': 'analytics-summary' }, 'No sales or refunds in this range.');
  }
  return h('div', { 'data-testid': 'analytics-summary' }, totals.map((figures) => {
    /** @type {Array<[string, string, string]>} */
    const numbers = [
      ['Revenue', money(figures.revenue_cents, figures.currency), 'revenue'],
      ['Orders', String(figures.orders), 'orders'],
      ['Units', String(figures.units), 'units'],
      ['Refunds', `${figures.refunds} (${money(figures.refunded_cents, figures.currency)})`, 'refunds'],
    ];
    return h('div', { class: 'grid', 'data-currency': figures.currency },
      numbers.map(([label, value, key]) => h('div', { class: 'panel' },
        h('p', { class: 'muted' }, totals.length > 1 ? `${label} (${figures.currency})` : label),
        h('p', { class: 'price', 'data-testid': `total-${key}` }, value))));
  }));
}

/**
 * Revenue of each day of the range in `currency`: a bar per day, and the same figures as a table
 * for screen readers.
 * @param {Report} report
 * @param {string} currency
 */
function revenueChart(report, currency) {
  /** @type {Map<string, Day>} */
  const byDay = new Map(report.by_day.filter((d) => d.currency === currency).map((d) => [d.day, d]));
  const days = daysBetween(report.from, report.to);
  const revenue = days.map((day) => byDay.get(day)?.revenue_cents ?? 0);
  const max = Math.max(0, ...revenue);
  const total = revenue.reduce((sum, cents) => sum + cents, 0);
  const best = revenue.indexOf(max);

  const width = 720;
  const height = 240;
  const left = 64;
  const bottom = 24;
  const top = 12;
  const plotWidth = width - left - 8;
  const plotHeight = height - top - bottom;
  const slot = plotWidth / days.length;
  const barWidth = slot > 3 ? slot * 0.8 : slot;
  const bars = days.map((day, i) => {
    const barHeight = max > 0 ? (revenue[i] / max) * plotHeight : 0;
    return titled('rect', {
      class: 'bar', x: left + i * slot + (slot - barWidth) / 2, y: top + plotHeight - barHeight,
      width: barWidth, height: barHeight, 'data-day': day,
    }, `${dayLabel(day)}: ${money(revenue[i], currency)}`);
  });
  const label = max > 0
    ? `Revenue per day in ${currency} from ${dayLabel(report.from)} to ${dayLabel(report.to)}: ${money(total, currency)} in all, `
      + `the best day ${dayLabel(days[best])} with ${money(max, currency)}.`
    : `Revenue per day in ${currency} from ${dayLabel(report.from)} to ${dayLabel(report.to)}: no revenue.`;
  const chart = svg('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, 'data-testid': 'revenue-chart',
  },
  svg('line', { class: 'axis', x1: left, y1: top + plotHeight, x2: width - 8, y2: top + plotHeight }),
  svg('line', { class: 'axis', x1: left, y1: top, x2: left, y2: top + plotHeight }),
  text({ x: left - 6, y: top + 10, 'text-anchor': 'end' }, money(max, currency)),
  text({ x: left - 6, y: top + plotHeight, 'text-anchor': 'end' }, money(0, currency)),
  text({ x: left, y: height - 6, 'text-anchor': 'start' }, dayLabel(days[0])),
  text({ x: width - 8, y: height - 6, 'text-anchor': 'end' }, dayLabel(days[days.length - 1])),
  ...bars);

  const { table, tbody } = dataTable(`Revenue per day in ${currency}`, [['Day'], ['Revenue', true], ['Orders', true], ['Units', true]]);
  days.forEach((day, i) => {
    const figures = byDay.get(day);
    tbody.append(h('tr', {},
      h('th', { scope: 'row' }, dayLabel(day)),
      h('td', { class: 'number' }, money(revenue[i], currency)),
      h('td', { class: 'number' }, String(figures?.orders ?? 0)),
      h('td', { class: 'number' }, String(figures?.units ?? 0))));
  });
  return [chart, h('div', { class: 'visually-hidden' }, table)];
}

/**
 * The best sellers in `currency` as horizontal bars, with a table of the same figures.
 * @param {TopProduct[]} products
 * @param {string} currency
 */
function topProductsChart(products, currency) {
  if (products.length === 0) return h('p', {}, 'No sales in this range.');
  const width = 720;
  const rowHeight = 28;
  const labelWidth = 220;
  const valueWidth = 110;
  const height = products.length * rowHeight + 8;
  const max = Math.max(1, ...products.map((product) => product.revenue_cents));
  const rows = products.flatMap((product, i) => {
    const y = 4 + i * rowHeight;
    const barWidth = (product.revenue_cents / max) * (width - labelWidth - valueWidth - 8);
    return [
      text({ x: labelWidth - 8, y: y + 18, 'text-anchor': 'end' }, shorten(product.name, 32)),
      titled('rect', { class: 'bar', x: labelWidth, y: y + 4, width: barWidth, height: rowHeight - 8, 'data-product-id': product.product_id },
        `${product.name}: ${money(product.revenue_cents, currency)}, ${product.units} units`),
      text({ x: labelWidth + barWidth + 6, y: y + 18, 'text-anchor': 'start' }, money(product.revenue_cents, currency)),
    ];
  });
  const label = `Top products by revenue in ${currency}: ${
    products.map((product) => `${product.name} ${money(product.revenue_cents, currency)}`).join(', ')}.`;
  const chart = svg('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, 'data-testid': 'top-products-chart',
  }, ...rows);
  const { table, tbody } = dataTable(`Top products by revenue in ${currency}`, [['Product'], ['Units', true], ['Revenue', true]]);
  for (const product of products) {
    tbody.append(h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: `/products/${product.product_id}` }, product.name)),
      h('td', { class: 'number' }, String(product.units)),
      h('td', { class: 'number' }, money(product.revenue_cents, currency))));
  }
  return [chart, h('div', { class: 'visually-hidden' }, table)];
}

/**
 * The seller's orders of the range by their status now.
 * @param {Record<string, number>} statuses
 */
function statusTable(statuses) {
  const entries = Object.entries(statuses);
  if (entries.length === 0) return h('p', { 'data-testid': 'status-counts' }, 'No orders in this range.');
  const { wrap, tbody } = dataTable('Orders by status', [['Status'], ['Orders', true]], 'status-counts');
  for (const [status, count] of entries) {
    tbody.append(h('tr', {}, h('th', { scope: 'row' }, words(status)), h('td', { class: 'number' }, String(count))));
  }
  return wrap;
}

/**
 * The published products at or below their low-stock threshold now.
 * @param {LowStock[]} low
 */
function lowStockTable(low) {
  if (low.length === 0) return h('p', { 'data-testid': 'low-stock-list' }, 'Nothing is low on stock.');
  const { wrap, tbody } = dataTable('Products low on stock', [['Product'], ['Available', true], ['Threshold', true]], 'low-stock-list');
  for (const product of low) {
    tbody.append(h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: `/products/${product.product_id}` }, product.name)),
      h('td', { class: 'number' }, h('span', { class: product.available === 0 ? 'stock sold-out' : 'stock low' }, String(product.available))),
      h('td', { class: 'number' }, String(product.threshold))));
  }
  return [wrap, h('p', {}, h('a', { href: '/seller/inventory' }, 'Restock on the inventory page'))];
}

/**
 * An SVG element with a `<title>` (its tooltip and accessible name).
 * @param {string} tag
 * @param {Record<string, string | number>} attributes
 * @param {string} title
 */
function titled(tag, attributes, title) {
  const element = svg(tag, attributes, svg('title'));
  /** @type {SVGElement} */ (element.firstChild).textContent = title;
  return element;
}

/**
 * An SVG text.
 * @param {Record<string, string | number>} attributes
 * @param {string} content
 */
function text(attributes, content) {
  const element = svg('text', attributes);
  element.textContent = content;
  return element;
}

/**
 * @param {string} name
 * @param {number} max
 */
function shorten(name, max) {
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}

/**
 * Every day from `from` to `to`, both included, as `YYYY-MM-DD`.
 * @param {string} from
 * @param {string} to
 */
function daysBetween(from, to) {
  const days = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end; at += DAY_MS) days.push(isoDay(at));
  return days;
}

/**
 * The UTC day of a moment, `YYYY-MM-DD`.
 * @param {number} ms
 */
function isoDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * A UTC day (`YYYY-MM-DD`) in the reader's format.
 * @param {string} iso
 */
function dayLabel(iso) {
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: 'UTC' });
}
