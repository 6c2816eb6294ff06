// @ts-check
/**
 * @file Live inventory (`/seller/inventory`): the seller's products with on hand, reserved,
 * available and low-stock threshold, each read from `GET /products/{id}/inventory` (eight at a
 * time). The table stays live: an `inventory` message updates its product's row and flashes it; a
 * `low_stock` message adds an alert at the top and marks the row. Each row restocks with
 * `POST /products/{id}/inventory/adjustments` (`reason: restock`). Every draft and published
 * product is listed (each page of `GET /seller/products`), so every live message finds its row;
 * archived products are left out.
 */

import { api } from '../../api.js';
import { clearProblem, h, replace, showProblem, toast } from '../../dom.js';
import { on } from '../../live.js';
import {
  allOwnProducts, beginPage, dataTable, eachLimited, failure, managedSeller, sellerPicker, showFieldErrors,
  wholeNumber,
} from './common.js';

/**
 * @typedef {import('./common.js').Product} Product
 * @typedef {import('./common.js').Inventory} Inventory
 * @typedef {{on_hand: number, reserved: number, available: number, low_stock_threshold?: number}} Levels
 * @typedef {{name: string, tr: HTMLTableRowElement, onHand: HTMLElement, reserved: HTMLElement,
 *   available: HTMLElement, threshold: HTMLElement, low: HTMLElement, limit: number | null}} Row
 */

/** How many alerts the list keeps. */
const MAX_ALERTS = 20;

/** @param {import('../../router.js').ViewContext} ctx */
export default async function inventory(ctx) {
  const page = beginPage(ctx, '/seller/inventory', 'Live inventory');
  if (!page) return;
  const { user, body } = page;
  const sellerId = managedSeller(ctx, user);

  /** @type {Product[]} */
  let listed;
  try {
    listed = await allOwnProducts(sellerId);
  } catch (error) {
    replace(body, failure('Your products could not be loaded', error));
    return;
  }
  const picker = await sellerPicker('/seller/inventory', user, sellerId);

  const products = listed.filter((product) => product.status !== 'archived');
  const alerts = h('div', { 'data-testid': 'low-stock-alerts', 'aria-live': 'polite' });
  const { wrap, tbody } = dataTable('Stock of your products',
    [['Product'], ['On hand', true], ['Reserved', true], ['Available', true], ['Threshold', true], ['Restock']],
    'inventory-table');
  /** @type {Map<string, Row>} */
  const rows = new Map();
  for (const product of products) {
    const row = inventoryRow(product);
    rows.set(product.id, row);
    tbody.append(row.tr);
  }
  if (products.length === 0) {
    tbody.append(h('tr', {}, h('td', { colSpan: 6 }, 'No products yet: ', h('a', { href: '/seller' }, 'add one'), '.')));
  }

  ctx.onLeave(on('inventory', (message) => {
    const row = rows.get(message.product_id);
    if (!row) return;
    setLevels(row, { on_hand: message.on_hand, reserved: message.reserved, available: message.available });
    flash(row.tr);
  }));
  ctx.onLeave(on('low_stock', async (message) => {
    const row = rows.get(message.product_id);
    if (row) {
      row.limit = message.threshold;
      row.threshold.textContent = String(message.threshold);
      row.available.textContent = String(message.available);
      markLow(row, message.available);
    }
    const name = row?.name ?? await productName(message.product_id);
    alerts.prepend(h('p', { class: 'alert', 'data-product-id': message.product_id },
      `Low stock: ${name} has ${message.available} left (threshold ${message.threshold})`));
    while (alerts.children.length > MAX_ALERTS) alerts.lastElementChild?.remove();
  }));

  replace(body,
    picker,
    alerts,
    h('p', { class: 'muted' }, 'Rows update as orders reserve and release stock; a row flashes when it changes.'),
    wrap);

  // The levels arrive after the page is drawn, eight requests at a time, and are read again
  // after a reconnection (changes made while the connection was down were not heard).
  let shown = true;
  ctx.onLeave(() => {
    shown = false;
  });
  const readLevels = () => void eachLimited(products, 8, async (product) => {
    const row = /** @type {Row} */ (rows.get(product.id));
    try {
      /** @type {Inventory} */
      const levels = await api(`/products/${product.id}/inventory`);
      setLevels(row, levels);
    } catch (error) {
      row.low.replaceChildren(failure('Stock not loaded', error));
    }
  }, () => shown);
  ctx.onLeave(on('reconnected', readLevels));
  readLevels();
}

/**
 * A product's row, with its available units from the product list until its levels arrive.
 * @param {Product} product
 * @returns {Row}
 */
function inventoryRow(product) {
  const cell = (/** @type {string} */ text) => h('td', { class: 'number' }, text);
  const onHand = cell('…');
  const reserved = cell('…');
  const available = h('td', { class: 'number', 'data-testid': 'available' }, String(product.available));
  const threshold = cell('…');
  const low = h('span', {});
  const tr = h('tr', { 'data-testid': 'inventory-row', 'data-product-id': product.id },
    h('td', {}, h('a', { href: `/products/${product.id}` }, product.name), ' ',
      product.status === 'draft' && h('span', { class: 'badge' }, 'draft'), ' ', low),
    onHand, reserved, available, threshold,
    h('td', {}, restockForm(product)));
  /** @type {Row} */
  const row = { name: product.name, tr, onHand, reserved, available, threshold, low, limit: null };
  return row;

  /** @param {Product} item */
  function restockForm(item) {
    // Named by aria-label: a visually hidden label is positioned absolutely, and inside the
    // scrolling table it would widen the page on a phone.
    const input = h('input', {
      name: 'delta', type: 'number', min: 1, step: 1, required: true, inputMode: 'numeric',
      'aria-label': `Units to add for ${item.name}`,
    });
    const button = h('button', { type: 'submit', 'aria-label': `Restock ${item.name}` }, 'Restock');
    const form = h('form', {
      class: 'actions',
      noValidate: true,
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        clearProblem(form);
        const delta = wholeNumber(input.value);
        if (delta === null || delta < 1) {
          showFieldErrors(form, [{ field: 'delta', message: 'Enter 1 or more units' }]);
          return;
        }
        button.disabled = true;
        try {
          /** @type {Inventory} */
          const levels = await api(`/products/${item.id}/inventory/adjustments`, {
            method: 'POST', body: { delta, reason: 'restock' },
          });
          setLevels(row, levels);
          flash(tr);
          form.reset();
          toast(`Added ${delta} units of ${item.name}.`);
        } catch (error) {
          showProblem(form, error);
        } finally {
          button.disabled = false;
        }
      },
    },
    input,
    button,
    h('span', { class: 'field-error', 'data-error-for': 'delta', 'aria-live': 'polite' }),
    h('p', { class: 'alert', role: 'alert' }));
    return form;
  }
}

/**
 * Shows new levels in a row, and marks it when its available units are at or below its threshold.
 * @param {Row} row
 * @param {Levels} levels
 */
function setLevels(row, levels) {
  row.onHand.textContent = String(levels.on_hand);
  row.reserved.textContent = String(levels.reserved);
  row.available.textContent = String(levels.available);
  if (levels.low_stock_threshold !== undefined) {
    row.limit = levels.low_stock_threshold;
    row.threshold.textContent = String(levels.low_stock_threshold);
  }
  markLow(row, levels.available);
}

/**
 * Marks a row whose available units are at or below its threshold (as the server judges low
 * stock), and unmarks it otherwise.
 * @param {Row} row
 * @param {number} available
 */
function markLow(row, available) {
  const low = row.limit !== null && available <= row.limit;
  row.tr.toggleAttribute('data-low-stock', low);
  row.available.classList.toggle('stock', low);
  row.available.classList.toggle('low', low);
  row.low.replaceChildren(low ? h('span', { class: 'badge hot' }, 'Low stock') : '');
}

/**
 * Replays a row's highlight.
 * @param {HTMLElement} tr
 */
function flash(tr) {
  tr.classList.remove('flash');
  void tr.offsetWidth;
  tr.classList.add('flash');
}

/**
 * The name of a product that is not in the table (made since the page was drawn, or archived).
 * @param {string} id
 */
async function productName(id) {
  try {
    /** @type {Product} */
    const product = await api(`/products/${id}`);
    return product.name;
  } catch {
    return `product ${id.slice(0, 8)}`;
  }
}
