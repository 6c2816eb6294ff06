// @ts-check
/**
 * @file One order (`/orders/:id`): its status, its timeline, what is in it, its totals, where it
 * goes, its shipments, payments and refunds. The page moves by itself: each live `order` message
 * about this order fetches it again and redraws it, so a customer watches it go from paid to
 * shipped to delivered without reloading. Its customer can pay it while it waits for payment
 * (with an `Idempotency-Key` kept while the same card is retried), cancel it before it ships (as
 * can an admin), and ask to return lines once it is delivered. Its returns
 * (`GET /orders/{id}/returns`: every one for its customer and admins, a seller's own for a seller)
 * are read with it, live messages included, and show their status, lines, reason and the seller's
 * note. Sellers and couriers read the same page cut down to what the server lets them see.
 */

import { ApiError, api } from '../api.js';
import { signedIn } from '../access.js';
import { clearProblem, dateTime, field, formValues, h, money, replace, scrollBox, showProblem, words } from '../dom.js';
import { on } from '../live.js';
import { cardFields, declinedText, keyPerBody, readCard } from './checkout.js';
import { WAS_PAID, orderNumber } from './orders.js';

/**
 * @typedef {{product_id: string, seller_id?: string, sku: string, name: string, unit_price_cents?: number, qty: number, line_total_cents?: number, discount_cents?: number, tax_cents?: number}} OrderItem
 * @typedef {{status: string, by: string | null, note: string | null, at: string}} OrderEvent
 * @typedef {{seller_id: string, status: string, courier_id: string | null, courier_name: string | null, tracking_number: string | null, shipped_at: string | null, delivered_at: string | null}} Shipment
 * @typedef {{id: string, amount_cents: number, currency: string, method: 'card' | 'wallet', status: 'succeeded' | 'declined' | 'refunded', card_brand: string | null, card_last4: string | null, decline_code: string | null, created_at: string}} PaymentRecord
 * @typedef {{id: string, amount_cents: number, reason: string, restocked: boolean, status: 'pending' | 'succeeded' | 'failed', seller_id: string | null, created_at: string}} RefundRecord
 * @typedef {{product_id: string, qty: number, unit_price_cents: number, refund_cents: number}} ReturnLine
 * @typedef {{id: string, order_id: string, seller_id: string, status: 'requested' | 'approved' | 'rejected', reason: string, note: string | null, refund_id: string | null, created_at: string, decided_at: string | null, lines: ReturnLine[]}} Return
 */

/**
 * An order as its reader may see it: whole (its customer, admins), a seller's cut (their lines
 * and share, no payments), or a courier's (`parcel_items`, `deliveries`, no prices).
 * @typedef {object} Order
 * @property {string} id
 * @property {string} status
 * @property {string} created_at
 * @property {OrderEvent[]} [events]
 * @property {string} [user_id]
 * @property {string} [currency]
 * @property {number} [subtotal_cents]
 * @property {number} [discount_cents]
 * @property {number} [shipping_cents]
 * @property {number} [tax_cents]
 * @property {number} [total_cents]
 * @property {Record<string, string | null>} [shipping_address]
 * @property {string} [shipping_method]
 * @property {string | null} [coupon_code]
 * @property {string} [payment_due_at]
 * @property {OrderItem[]} [items]
 * @property {OrderItem[]} [parcel_items]
 * @property {PaymentRecord[]} [payments]
 * @property {RefundRecord[]} [refunds]
 * @property {Shipment[]} [shipments]
 * @property {Shipment[]} [deliveries]
 */

/** Statuses in which the customer may still cancel: it has not shipped. */
const CANCELLABLE = ['pending_payment', 'paid', 'processing'];

/** @param {unknown} error */
function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

/** "Out for delivery" from `out_for_delivery`. @param {string} status */
function sentence(status) {
  const text = words(status);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A time element. @param {string | null | undefined} at */
function time(at) {
  return at ? h('time', { dateTime: at }, dateTime(at)) : '—';
}

/**
 * A table with a hidden caption and column headers.
 * @param {string} caption
 * @param {Array<[string, boolean?]>} columns heading, and whether it holds numbers
 * @param {HTMLTableRowElement[]} rows
 * @param {string} testid
 */
function table(caption, columns, rows, testid) {
  return scrollBox('Items',
    h('table', { 'data-testid': testid },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, columns.map(([text, number]) => h('th', { scope: 'col', class: number ? 'number' : undefined }, text)))),
      h('tbody', {}, rows)));
}

/**
 * A section with a heading.
 * @param {string} title
 * @param {...import('../dom.js').Children} children
 */
function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

/** @param {Order} order */
function itemsSection(order) {
  const items = order.items ?? order.parcel_items ?? [];
  const priced = items.some((item) => item.unit_price_cents !== undefined);
  const cur = order.currency;
  const rows = items.map((item) => h('tr', { 'data-testid': 'order-item', 'data-product-id': item.product_id },
    h('td', {}, h('a', { href: `/products/${encodeURIComponent(item.product_id)}` }, item.name)),
    priced && h('td', { class: 'number' }, money(item.unit_price_cents ?? 0, cur)),
    h('td', { class: 'number' }, String(item.qty)),
    priced && h('td', { class: 'number' }, money(item.line_total_cents ?? 0, cur))));
  /** @type {Array<[string, boolean?]>} */
  const columns = priced ? [['Product'], ['Unit price', true], ['Quantity', true], ['Line total', true]] : [['Product'], ['Quantity', true]];
  return section('Items', table('Items of this order', columns, rows, 'order-items'));
}

/** @param {Order} order */
function totalsSection(order) {
  if (order.total_cents === undefined) return null;
  const cur = order.currency;
  /** @type {Array<[string, number | undefined, string]>} */
  const lines = [
    ['Subtotal', order.subtotal_cents, 'subtotal'],
    ['Discount', order.discount_cents, 'discount'],
    ['Shipping', order.shipping_cents, 'shipping'],
    ['Tax', order.tax_cents, 'tax'],
  ];
  return section('Totals',
    h('dl', { class: 'totals', 'data-testid': 'order-totals' },
      lines.filter(([, cents]) => cents !== undefined).flatMap(([label, cents, key]) => [
        h('dt', {}, label),
        h('dd', { 'data-testid': `order-${key}` },
          key === 'discount' && (cents ?? 0) > 0 ? `−${money(cents ?? 0, cur)}` : money(cents ?? 0, cur)),
      ]),
      h('dt', { class: 'grand' }, 'Total'),
      h('dd', { class: 'grand', 'data-testid': 'order-total' }, money(order.total_cents, cur))),
    order.coupon_code && h('p', { class: 'muted' }, `Coupon ${order.coupon_code} applied.`));
}

/** @param {Order} order */
function addressSection(order) {
  const a = order.shipping_address;
  if (!a) return null;
  const lines = [a.name, a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(' '), a.region, a.country, a.phone]
    .filter((line) => typeof line === 'string' && line !== '');
  return section('Shipping address',
    h('address', { 'data-testid': 'order-address' }, lines.flatMap((line, i) => [i > 0 && h('br'), line])),
    order.shipping_method && h('p', { class: 'muted' }, `Shipping method: ${order.shipping_method}`));
}

/** @param {Order} order */
function shipmentsSection(order) {
  const shipments = order.shipments ?? order.deliveries ?? [];
  if (shipments.length === 0) return null;
  const rows = shipments.map((s) => h('tr', { 'data-testid': 'shipment' },
    h('td', {}, words(s.status)),
    h('td', {}, s.courier_name ?? '—'),
    h('td', { 'data-testid': 'tracking-number' }, s.tracking_number ?? '—'),
    h('td', {}, time(s.shipped_at)),
    h('td', {}, time(s.delivered_at))));
  return section('Shipments', table('Shipments of this order',
    [['Status'], ['Courier'], ['Tracking number'], ['Shipped'], ['Delivered']], rows, 'shipments'));
}

/** @param {Order} order */
function paymentsSection(order) {
  if (!order.payments || order.payments.length === 0) return null;
  const rows = order.payments.map((p) => h('tr', { 'data-testid': 'payment' },
    h('td', {}, time(p.created_at)),
    h('td', {}, p.method === 'wallet' ? 'Wallet' : `Card${p.card_brand ? ` ${p.card_brand}` : ''}${p.card_last4 ? ` ending ${p.card_last4}` : ''}`),
    h('td', {}, words(p.status), p.decline_code ? ` (${words(p.decline_code)})` : ''),
    h('td', { class: 'number' }, money(p.amount_cents, p.currency))));
  return section('Payments', table('Payments of this order',
    [['Date'], ['Method'], ['Result'], ['Amount', true]], rows, 'payments'));
}

/** @param {Order} order */
function refundsSection(order) {
  if (!order.refunds || order.refunds.length === 0) return null;
  const rows = order.refunds.map((r) => h('tr', { 'data-testid': 'refund' },
    h('td', {}, time(r.created_at)),
    h('td', {}, r.reason),
    h('td', {}, words(r.status), r.restocked ? ', restocked' : ''),
    h('td', { class: 'number' }, money(r.amount_cents, order.currency))));
  return section('Refunds', table('Refunds of this order',
    [['Date'], ['Reason'], ['Status'], ['Amount', true]], rows, 'refunds'));
}

/**
 * The order's returns, oldest first.
 * @param {Return[]} returns
 * @param {Order} order
 */
function returnsList(returns, order) {
  const items = order.items ?? [];
  /** @param {string} id */
  const name = (id) => items.find((item) => item.product_id === id)?.name ?? `product ${id.slice(0, 8)}`;
  return h('ul', { 'data-testid': 'returns' }, returns.map((r) => {
    const value = money(r.lines.reduce((sum, line) => sum + line.refund_cents, 0), order.currency);
    return h('li', { 'data-testid': 'return', 'data-return-id': r.id, 'data-status': r.status },
      h('strong', { 'data-testid': 'return-status' }, sentence(r.status)),
      ' · asked ', time(r.created_at),
      r.decided_at && [', decided ', time(r.decided_at)],
      h('ul', {}, r.lines.map((line) => h('li', {}, `${line.qty} × ${name(line.product_id)}`))),
      h('p', {}, `Reason: ${r.reason}`),
      r.note && h('p', { 'data-testid': 'return-note' }, `The seller's note: ${r.note}`),
      h('p', {}, {
        requested: `Waiting for the seller: ${value} back if approved.`,
        approved: `Approved: ${value} refunded.`,
        rejected: 'Rejected: nothing refunded.',
      }[r.status]));
  }));
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function orderView(ctx) {
  const user = signedIn();
  if (!user) return;
  const id = ctx.params.id;
  const path = `/orders/${encodeURIComponent(id)}`;
  const heading = h('h1', {}, `Order ${orderNumber(id)}`);
  replace(ctx.root, heading, h('p', { class: 'loading', role: 'status' }, 'Loading the order…'));

  /** @type {Order} */
  let order;
  try {
    order = await api(path);
  } catch (error) {
    replace(ctx.root, heading, h('p', { class: 'alert', role: 'alert' },
      error instanceof ApiError && error.status === 404 ? 'There is no such order among yours. ' : `The order could not be loaded: ${errorText(error)} `,
      h('a', { href: '/orders' }, 'Your orders')));
    return;
  }

  const status = h('strong', { class: 'badge', 'data-testid': 'order-status', 'aria-live': 'polite' });
  const due = h('p', { 'data-testid': 'payment-due' });
  const liveError = h('p', { class: 'alert', role: 'alert' });
  const timeline = h('ol', { class: 'timeline', 'data-testid': 'order-timeline' });
  const actions = h('div', { 'data-testid': 'order-actions' });
  const details = h('div');
  const returnsNews = h('p', { role: 'status' });
  const returnsBody = h('div');
  const returnsBox = section(order.user_id === user.id ? 'Your returns' : 'Returns', returnsNews, returnsBody);
  returnsBox.hidden = true;
  /** How many reads of the returns started (the latest one draws). */
  let returnsRuns = 0;
  /** The status the actions were drawn for. @type {string | null} */
  let actionsFor = null;
  const payKey = keyPerBody();

  replace(ctx.root,
    heading,
    h('p', {}, 'Placed ', time(order.created_at), ' · Status: ', status),
    h('p', { class: 'muted' }, `Reference ${order.id}`),
    due, liveError,
    actions, returnsBox,
    section('Timeline', timeline),
    details);
  draw(order);
  void loadReturns();

  // Live: every `order` message about this order fetches it again.
  let fetching = false;
  let again = false;
  ctx.onLeave(on('order', (message) => {
    if (message.order_id === id) refresh();
  }));
  ctx.onLeave(on('reconnected', () => refresh()));

  /** Fetches the order again and redraws it; messages arriving meanwhile cause one more fetch. */
  async function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      do {
        again = false;
        draw(await api(path));
        liveError.textContent = '';
        await loadReturns();
      } while (again);
    } catch (error) {
      liveError.textContent = `The order could not be refreshed: ${errorText(error)}`;
    } finally {
      fetching = false;
    }
  }

  /**
   * Draws `next`; the actions only when the status changed, so a form being filled survives.
   * @param {Order} next
   */
  function draw(next) {
    order = next;
    status.textContent = words(next.status);
    due.textContent = next.status === 'pending_payment' && next.payment_due_at
      ? `Waiting for payment: pay by ${dateTime(next.payment_due_at)}, or the order expires.` : '';
    due.hidden = due.textContent === '';
    replace(timeline, (next.events ?? []).map((event) => h('li', {},
      h('strong', {}, sentence(event.status)),
      event.note ? ` — ${event.note}` : '',
      h('div', { class: 'when' }, time(event.at)))));
    replace(details,
      itemsSection(next), totalsSection(next), addressSection(next),
      shipmentsSection(next), paymentsSection(next), refundsSection(next));
    if (actionsFor !== next.status) {
      actionsFor = next.status;
      drawActions();
    }
  }

  /**
   * Reads the order's returns and draws them (unless a later read started meanwhile); an order
   * that never was paid has none, and a courier may not read them.
   */
  async function loadReturns() {
    if (!WAS_PAID.includes(order.status) || user?.role === 'courier') return;
    const run = ++returnsRuns;
    try {
      /** @type {{returns: Return[]}} */
      const found = await api(`${path}/returns`);
      if (run !== returnsRuns) return;
      returnsBox.hidden = found.returns.length === 0 && returnsNews.textContent === '';
      replace(returnsBody, found.returns.length > 0 && returnsList(found.returns, order));
    } catch (error) {
      if (run !== returnsRuns) return;
      returnsBox.hidden = false;
      replace(returnsBody, h('p', { class: 'alert', role: 'alert' }, `The returns could not be loaded: ${errorText(error)}`));
    }
  }

  function drawActions() {
    const owner = order.user_id === user?.id;
    const admin = user?.role === 'admin';
    replace(actions,
      owner && order.status === 'pending_payment' && payForm(),
      (owner || admin) && CANCELLABLE.includes(order.status) && cancelBox(),
      owner && user?.role === 'customer' && order.status === 'delivered' && returnForm());
  }

  /** "Pay now": a card form paying this order. */
  function payForm() {
    const form = h('form', { class: 'form', 'data-testid': 'pay-form', 'aria-labelledby': 'pay-title' },
      h('h2', { id: 'pay-title' }, 'Pay now'),
      cardFields('card.'),
      h('div', { class: 'alert', role: 'alert' }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'pay-now' }, 'Pay now')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
      clearProblem(form);
      button.disabled = true;
      const body = { method: 'card', card: readCard(formValues(form), 'card.') };
      try {
        await api(`${path}/pay`, { method: 'POST', body, headers: { 'Idempotency-Key': payKey(body) } });
        // Read back whole: the timeline and payments as the order page shows them.
        draw(await api(path));
        heading.tabIndex = -1;
        heading.focus();
      } catch (error) {
        showProblem(form, error);
        if (error instanceof ApiError && error.code === 'payment_declined') {
          const alert = /** @type {HTMLElement} */ (form.querySelector('.alert'));
          alert.textContent = `${declinedText(error, 'card')} Try another card.`;
          refresh();
        }
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  /** "Cancel order", confirmed in place before anything is sent. */
  function cancelBox() {
    const paid = order.status !== 'pending_payment';
    const alert = h('p', { class: 'alert', role: 'alert' });
    const cancel = h('button', { type: 'button', class: 'danger', 'data-testid': 'cancel-order' }, 'Cancel order');
    // `hidden` loses to the buttons' display: hide a plain wrapper instead.
    const cancelRow = h('div', {}, cancel);
    const yes = h('button', { type: 'button', class: 'danger', 'data-testid': 'confirm-cancel' }, 'Yes, cancel the order');
    const no = h('button', { type: 'button', class: 'secondary' }, 'Keep the order');
    const confirm = h('div', { class: 'notice', hidden: true },
      h('p', {}, paid ? 'Cancel this order? What you paid is refunded.' : 'Cancel this order? Its items go back on sale.'),
      h('div', { class: 'actions' }, yes, no));
    cancel.addEventListener('click', () => {
      confirm.hidden = false;
      cancelRow.hidden = true;
      yes.focus();
    });
    no.addEventListener('click', () => {
      confirm.hidden = true;
      cancelRow.hidden = false;
      cancel.focus();
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      no.disabled = true;
      alert.textContent = '';
      try {
        await api(`${path}/cancel`, { method: 'POST' });
        draw(await api(path));
        heading.tabIndex = -1;
        heading.focus();
      } catch (error) {
        alert.textContent = `The order could not be cancelled: ${errorText(error)}`;
        yes.disabled = false;
        no.disabled = false;
      }
    });
    return section('Cancel this order', cancelRow, confirm, alert);
  }

  /** "Request a return": how many of each line, and why. */
  function returnForm() {
    const items = order.items ?? [];
    const inputs = items.map((item) => ({
      item,
      field: field(`Quantity of ${item.name} to return (bought ${item.qty})`, `return.${item.product_id}`, {
        type: 'number', min: '0', max: String(item.qty), step: '1', value: '0', inputMode: 'numeric',
      }),
    }));
    const form = h('form', { class: 'form', 'data-testid': 'return-form', 'aria-labelledby': 'return-title' },
      h('h2', { id: 'return-title' }, 'Request a return'),
      h('fieldset', {}, h('legend', {}, 'What to return'), inputs.map((i) => i.field)),
      field('Reason', 'reason', { type: 'textarea', required: true, maxLength: 500, rows: 3 }),
      h('div', { class: 'alert', role: 'alert' }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'request-return' }, 'Request a return')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblem(form);
      const values = formValues(form);
      const lines = inputs
        .map(({ item }) => ({ product_id: item.product_id, qty: Number.parseInt(values[`return.${item.product_id}`] ?? '0', 10) || 0 }))
        .filter((line) => line.qty > 0);
      if (lines.length === 0) {
        showProblem(form, new Error('Choose how many of at least one item to return.'));
        return;
      }
      const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
      button.disabled = true;
      try {
        await api(`${path}/returns`, { method: 'POST', body: { lines, reason: values.reason ?? '' } });
        form.reset();
        await loadReturns();
        returnsBox.hidden = false;
        returnsNews.className = 'notice';
        returnsNews.textContent = 'Your return was requested; the seller will decide on it.';
      } catch (error) {
        showProblem(form, error);
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }
}
