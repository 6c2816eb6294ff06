// @ts-check
/**
 * @file Orders to fulfil (`/seller/orders`): the seller's orders by status (`GET /orders?status=`:
 * by default those to fulfil, paid and processing together, including partly refunded ones still
 * on their way; or paid, processing, shipped, or all), each with its number, date, the seller's
 * lines and where to ship. The actions follow the seller's own shipment
 * (`POST /orders/{id}/status`): a paid order starts processing; a processing one ships with a
 * tracking number and a courier picked from `GET /couriers`. Any paid order can be refunded in
 * part or whole (`POST /orders/{id}/refunds`, with an `Idempotency-Key` kept while the same refund
 * is retried). Each shown order that may have returns (paid once and not cancelled) has them read,
 * eight orders at a time (`GET /orders/{id}/returns`: a seller's own, every one for an admin); a
 * requested return shows its lines, reason and value with Approve and Reject
 * (`POST /returns/{id}/decision`, with a restock choice and an optional note), a decided one its
 * outcome. `order` messages refetch the list and the returns; orders and returns that did not
 * change keep their element, so a half-filled form survives.
 */

import { addressBlock } from '../../addresses.js';
import { api, idempotencyKey } from '../../api.js';
import { clearProblem, dateTime, field, formValues, h, money, replace, select, showProblem, toast, words } from '../../dom.js';
import { on } from '../../live.js';
import { WAS_PAID, orderNumber } from '../orders.js';
import { beginPage, eachLimited, failure, pageOf, pager, problemText, showFieldErrors, toCents } from './common.js';

/**
 * @typedef {{product_id: string, seller_id: string, sku: string, name: string, unit_price_cents: number,
 *   qty: number, line_total_cents: number}} OrderLine
 * @typedef {{seller_id: string, status: string, courier_id: string | null, courier_name: string | null,
 *   tracking_number: string | null, shipped_at: string | null, delivered_at: string | null}} Shipment
 * @typedef {{name?: string, line1?: string, line2?: string | null, city?: string, region?: string | null,
 *   postal_code?: string, country?: string}} Address
 * @typedef {{id: string, status: string, currency: string, items?: OrderLine[], total_cents: number,
 *   shipping_address: Address, shipping_method: string, shipments?: Shipment[], created_at: string,
 *   updated_at: string}} SellerOrder
 * @typedef {{id: string, amount_cents: number, status: string}} Refund
 * @typedef {{product_id: string, qty: number, unit_price_cents: number, refund_cents: number}} ReturnLine
 * @typedef {{id: string, order_id: string, seller_id: string, status: 'requested' | 'approved' | 'rejected',
 *   reason: string, note: string | null, refund_id: string | null, created_at: string, decided_at: string | null,
 *   lines: ReturnLine[]}} Return
 * @typedef {{id: string, name: string}} Courier
 */

/**
 * The list's filters: [status, label]. "fulfil" lists the paid and the processing orders together,
 * so an order stays in view from its start to its shipping; "all" sends no status.
 * @type {Array<[string, string]>}
 */
const FILTERS = [
  ['fulfil', 'To fulfil: paid and processing'],
  ['paid', 'Paid: to start'],
  ['processing', 'Processing: to ship'],
  ['shipped', 'Shipped'],
  ['delivered', 'Delivered: returns come from these'],
  ['all', 'All orders'],
];
const PER_PAGE = 20;
/** Statuses in which an order has money that can be given back. */
const REFUNDABLE = new Set(['paid', 'processing', 'shipped', 'out_for_delivery', 'delivered', 'partially_refunded']);
/** Statuses of orders whose seller may still have to start or ship their part (read whole for their shipments). */
const OPEN = new Set(['paid', 'processing', 'partially_refunded']);
/** The least time between two reads of the list that live changes cause. */
const REFRESH_EVERY_MS = 3_000;
/** The steps of fulfilment, in order. */
const STAGES = ['paid', 'processing', 'shipped', 'out_for_delivery', 'delivered'];

/** @param {import('../../router.js').ViewContext} ctx */
export default async function sellerOrders(ctx) {
  const page = beginPage(ctx, '/seller/orders', 'Orders to fulfil');
  if (!page) return;
  const { user, body } = page;
  const admin = user.role === 'admin';
  let status = FILTERS.some(([value]) => value === ctx.query.get('status')) ? /** @type {string} */ (ctx.query.get('status')) : 'fulfil';
  let pageNo = pageOf(ctx.query);

  const filter = select('Show', 'status', FILTERS, status);
  const filterSelect = /** @type {HTMLSelectElement} */ (filter.querySelector('select'));
  const summary = h('p', { role: 'status', class: 'muted' });
  const list = h('div', {});
  const pages = h('div', {});
  /** Each shown order's element and what it was drawn from. @type {Map<string, {drawn: string, element: HTMLElement}>} */
  const shown = new Map();
  /**
   * Per returns slot of an order's element: each return's element and what it was drawn from.
   * @type {WeakMap<HTMLElement, Map<string, {drawn: string, element: HTMLElement}>>}
   */
  const drawnReturns = new WeakMap();
  /** The names of the products seen in orders' lines, by id (return lines name only the id). @type {Map<string, string>} */
  const productNames = new Map();
  /** @type {Promise<Courier[]> | null} */
  let couriers = null;
  const courierList = () => {
    couriers ??= api('/couriers', { query: { per_page: 100 } }).then((/** @type {{items: Courier[]}} */ page) => page.items);
    couriers.catch(() => {
      couriers = null; // asked again by the next form
    });
    return couriers;
  };

  let runs = 0;
  /** Fetches the list and draws what changed (unless a later fetch started meanwhile). */
  async function refresh() {
    const run = ++runs;
    /** @type {{items: SellerOrder[], total: number, count?: number}} */
    let found;
    try {
      if (status === 'fulfil') {
        const [paid, processing, refunded] = await Promise.all(['paid', 'processing', 'partially_refunded'].map(fetchPage));
        // An order's status is its least advanced shipment's: the seller's own shipment (of an
        // order of several sellers, or partly refunded) says what is left for them to do.
        const open = (await withShipments([...paid.items, ...processing.items, ...refunded.items]))
          .filter((order) => ['paid', 'processing'].includes(stepOf(order)));
        found = {
          items: open.sort((a, b) => b.created_at.localeCompare(a.created_at)),
          // Pages run over each status's list: as many as the longest has.
          total: Math.max(paid.total, processing.total, refunded.total),
          count: open.length,
        };
      } else {
        found = await fetchPage(status === 'all' ? undefined : status);
        found.items = await withShipments(found.items);
      }
    } catch (error) {
      if (run !== runs) return;
      replace(list, failure('The orders could not be loaded', error));
      shown.clear();
      return;
    }
    if (run !== runs) return;
    const count = found.count ?? found.total;
    summary.textContent = count === 1 ? '1 order' : `${count} orders`;
    draw(found.items);
    replace(pages, pager(pageNo, PER_PAGE, found.total, (n) => `/seller/orders?status=${status}&page=${n}`));
    await loadReturns(found.items, run);
  }

  /**
   * The current page of the orders in `one` status (all orders without it).
   * @param {string | undefined} one
   * @returns {Promise<{items: SellerOrder[], total: number}>}
   */
  function fetchPage(one) {
    return api('/orders', { query: { status: one, page: pageNo, per_page: PER_PAGE } });
  }

  /**
   * `orders`, each one still to start or ship read whole (`GET /orders/{id}`) for its shipments,
   * which the list leaves out: an order is only as far along as its least advanced shipment, so
   * with several sellers the seller's own may be ahead of it, and the status of a partly refunded
   * order does not say how far its fulfilment went.
   * @param {SellerOrder[]} orders
   */
  async function withShipments(orders) {
    const read = new Map();
    await eachLimited(orders.filter((order) => OPEN.has(order.status)), 8, async (order) => {
      try {
        read.set(order.id, await api(`/orders/${order.id}`));
      } catch {
        // Drawn from the list's copy: without its step's action.
      }
    });
    return orders.map((order) => read.get(order.id) ?? order);
  }

  /**
   * Where an order is in fulfilment for this user: a seller's own shipment (none yet: paid); for
   * an admin, the least advanced shipment of a partly refunded order, else the order's status.
   * @param {SellerOrder} order
   */
  function stepOf(order) {
    const shipments = order.shipments ?? [];
    if (!admin) {
      const mine = shipments.find((shipment) => shipment.seller_id === user.id);
      if (mine) return mine.status;
      return order.status === 'partially_refunded' ? 'paid' : order.status;
    }
    if (order.status !== 'partially_refunded' || shipments.length === 0) return order.status;
    return STAGES[Math.min(...shipments.map((shipment) => STAGES.indexOf(shipment.status)))] ?? order.status;
  }

  /**
   * What an order's element shows that can change: its status and this user's step.
   * @param {SellerOrder} order
   */
  function drawnFrom(order) {
    return JSON.stringify([order.status, order.updated_at, stepOf(order)]);
  }

  /**
   * Draws `orders`, keeping the element of each order that did not change.
   * @param {SellerOrder[]} orders
   */
  function draw(orders) {
    for (const order of orders) remember(order);
    const before = [...shown.keys()].join();
    const next = orders.map((order) => {
      const drawn = drawnFrom(order);
      const old = shown.get(order.id);
      return { id: order.id, drawn, element: old && old.drawn === drawn ? old.element : block(order) };
    });
    if (before === next.map(({ id }) => id).join() && list.querySelector('[data-testid="seller-order"]')) {
      for (const { id, element } of next) {
        const old = shown.get(id)?.element;
        if (!old || old === element) continue;
        const focused = old.contains(document.activeElement);
        old.replaceWith(element);
        if (focused) /** @type {HTMLElement | null} */ (element.querySelector('h2 a'))?.focus();
      }
    } else if (orders.length === 0) {
      replace(list, h('p', {}, 'No orders here.'));
    } else {
      replace(list, next.map(({ element }) => element));
    }
    shown.clear();
    for (const { id, drawn, element } of next) shown.set(id, { drawn, element });
  }

  /**
   * Puts an order the server answered with in place of its element.
   * @param {SellerOrder} order
   */
  function redraw(order) {
    remember(order);
    const old = shown.get(order.id);
    const element = block(order);
    if (old) old.element.replaceWith(element);
    shown.set(order.id, { drawn: drawnFrom(order), element });
    /** @type {HTMLElement | null} */ (element.querySelector('[data-testid="ship-form"] input') ?? element.querySelector('h2 a'))?.focus();
    void loadReturns([order], runs);
  }

  /**
   * Keeps the names of an order's products, for its returns.
   * @param {SellerOrder} order
   */
  function remember(order) {
    for (const line of order.items ?? []) productNames.set(line.product_id, line.name);
  }

  /**
   * Whether an order may have returns: it was paid and not cancelled, and if it was read whole
   * for its shipments, one of this user's shipments (any, for an admin) was delivered.
   * @param {SellerOrder} order
   */
  function mayHaveReturns(order) {
    if (!WAS_PAID.includes(order.status)) return false;
    if (!OPEN.has(order.status)) return true;
    return (order.shipments ?? []).some((shipment) => shipment.status === 'delivered' && (admin || shipment.seller_id === user.id));
  }

  /**
   * Reads the returns of those of `orders` that may have some, eight orders at a time, and draws
   * each order's (unless a later fetch of the list started meanwhile).
   * @param {SellerOrder[]} orders
   * @param {number} run the fetch of the list they were drawn by
   */
  async function loadReturns(orders, run) {
    await eachLimited(orders.filter(mayHaveReturns), 8, async (order) => {
      /** @type {Return[]} */
      let returns;
      try {
        ({ returns } = await api(`/orders/${order.id}/returns`));
      } catch (error) {
        const slot = returnsSlot(order.id);
        if (run !== runs || !slot) return;
        drawnReturns.delete(slot);
        replace(slot, failure('The returns of this order could not be loaded', error));
        return;
      }
      await nameProducts(order, returns);
      if (run === runs) showReturns(order, returns);
    });
  }

  /**
   * The element an order's returns are drawn in, if the order is shown.
   * @param {string} id
   */
  function returnsSlot(id) {
    return /** @type {HTMLElement | null | undefined} */ (shown.get(id)?.element.querySelector('[data-testid="order-returns"]'));
  }

  /**
   * Learns the names of the products in `returns` that no shown line named (an admin's list has
   * no lines) from the order read whole; without it, the lines name the products by id.
   * @param {SellerOrder} order
   * @param {Return[]} returns
   */
  async function nameProducts(order, returns) {
    if (returns.every((item) => item.lines.every((line) => productNames.has(line.product_id)))) return;
    try {
      remember(await api(`/orders/${order.id}`));
    } catch {
      // Named by id.
    }
  }

  /**
   * Draws an order's returns, keeping the element of each return that did not change.
   * @param {SellerOrder} order
   * @param {Return[]} returns
   */
  function showReturns(order, returns) {
    const slot = returnsSlot(order.id);
    if (!slot) return;
    const before = drawnReturns.get(slot);
    const next = returns.map((item) => {
      const drawn = JSON.stringify(item);
      const old = before?.get(item.id);
      return { id: item.id, drawn, element: old && old.drawn === drawn ? old.element : returnBlock(order, item) };
    });
    drawnReturns.set(slot, new Map(next.map((entry) => [entry.id, entry])));
    if (before && [...before.keys()].join() === next.map(({ id }) => id).join()) {
      for (const { id, element } of next) {
        const old = before.get(id)?.element;
        if (old && old !== element) old.replaceWith(element);
      }
    } else {
      replace(slot, next.length > 0 && [
        h('h3', {}, admin ? 'Returns' : 'Returns of your lines'),
        h('div', { 'data-testid': 'returns' }, next.map(({ element }) => element)),
      ]);
    }
  }

  /**
   * One return: its lines, reason and value, and the decision form while it is requested.
   * @param {SellerOrder} order
   * @param {Return} item
   */
  function returnBlock(order, item) {
    const headingId = `return-${item.id}`;
    const value = item.lines.reduce((sum, line) => sum + line.refund_cents, 0);
    const requested = item.status === 'requested';
    const valueLabel = { requested: 'Refund if approved', approved: 'Refunded', rejected: 'Not refunded' }[item.status];
    return h('section', {
      class: 'panel', 'data-testid': 'return', 'data-return-id': item.id, 'data-status': item.status,
      'aria-labelledby': headingId,
    },
    h('h4', { id: headingId, tabIndex: -1 }, `Return asked ${dateTime(item.created_at)}`),
    h('p', {},
      h('span', { class: item.status === 'approved' ? 'badge ok' : requested ? 'badge hot' : 'badge', 'data-testid': 'return-status' },
        words(item.status)),
      item.decided_at && h('span', { class: 'muted' }, ` decided ${dateTime(item.decided_at)}`)),
    h('ul', {}, item.lines.map((line) => h('li', {},
      `${line.qty} × ${productNames.get(line.product_id) ?? `product ${line.product_id.slice(0, 8)}`}: `
      + money(line.refund_cents, order.currency)))),
    h('p', {}, `Reason: ${item.reason}`),
    item.note && h('p', {}, `Note to the customer: ${item.note}`),
    h('p', { 'data-testid': 'return-value' }, `${valueLabel}: ${money(value, order.currency)}`),
    requested && decisionForm(order, item));
  }

  /**
   * One order: what to ship where, and the actions its state allows.
   * @param {SellerOrder} order
   */
  function block(order) {
    const mine = admin ? undefined : order.shipments?.find((shipment) => shipment.seller_id === user.id);
    const step = stepOf(order);
    const headingId = `order-${order.id}`;
    const alert = h('p', { class: 'alert', role: 'alert' });
    const lines = order.items ?? [];
    return h('article', { class: 'panel', 'data-testid': 'seller-order', 'data-order-id': order.id, 'aria-labelledby': headingId },
      h('h2', { id: headingId }, h('a', { href: `/orders/${order.id}` }, `Order ${orderNumber(order.id)}`)),
      h('p', {},
        h('span', { class: 'badge', 'data-testid': 'order-status' }, words(order.status)), ' ',
        mine && mine.status !== order.status && h('span', { class: 'badge' }, `your shipment: ${words(mine.status)}`), ' ',
        h('span', { class: 'muted' }, `Placed ${dateTime(order.created_at)}`)),
      h('div', { class: 'form-row' },
        h('div', {},
          h('h3', {}, 'Lines'),
          lines.length > 0
            ? h('ul', {}, lines.map((line) => h('li', {},
              `${line.qty} × ${line.name} (${line.sku}): ${money(line.line_total_cents, order.currency)}`)))
            : h('p', {}, h('a', { href: `/orders/${order.id}` }, 'See the order'), ' for its lines.'),
          h('p', {}, `${admin ? 'Total' : 'Your share'}: ${money(order.total_cents, order.currency)}`)),
        h('div', {},
          h('h3', {}, 'Ship to'),
          addressBlock(order.shipping_address, { phone: false }),
          h('p', { class: 'muted' }, `Shipping: ${words(order.shipping_method)}`))),
      mine?.tracking_number && h('p', {},
        `Tracking number ${mine.tracking_number}`, mine.courier_name ? `, carried by ${mine.courier_name}` : ''),
      alert,
      step === 'paid' && startButton(order, alert),
      step === 'processing' && shipForm(order),
      REFUNDABLE.has(order.status) && refundForm(order),
      h('div', { 'data-testid': 'order-returns' }));
  }

  /**
   * @param {SellerOrder} order
   * @param {HTMLElement} alert
   */
  function startButton(order, alert) {
    const button = h('button', {
      type: 'button',
      'data-testid': 'start-processing',
      onclick: async () => {
        button.disabled = true;
        alert.textContent = '';
        try {
          redraw(await api(`/orders/${order.id}/status`, { method: 'POST', body: { status: 'processing' } }));
          toast(`Order ${orderNumber(order.id)} is processing.`);
        } catch (error) {
          button.disabled = false;
          alert.textContent = `The order could not move on: ${problemText(error)}`;
        }
      },
    }, 'Start processing');
    return h('div', { class: 'actions' }, button);
  }

  /** @param {SellerOrder} order */
  function shipForm(order) {
    const courierSlot = h('div', {}, h('p', { class: 'loading' }, 'Loading couriers…'));
    const submit = h('button', { type: 'submit' }, 'Mark shipped');
    const form = h('form', {
      class: 'form',
      noValidate: true,
      'data-testid': 'ship-form',
      'aria-label': `Ship order ${orderNumber(order.id)}`,
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        clearProblem(form);
        const values = formValues(form);
        const missing = [];
        if (!values.tracking_number) missing.push({ field: 'tracking_number', message: 'Enter the tracking number' });
        if (!values.courier_id) missing.push({ field: 'courier_id', message: 'Choose the courier' });
        if (missing.length > 0) {
          showFieldErrors(form, missing);
          return;
        }
        submit.disabled = true;
        try {
          redraw(await api(`/orders/${order.id}/status`, {
            method: 'POST',
            body: { status: 'shipped', tracking_number: values.tracking_number, courier_id: values.courier_id },
          }));
          toast(`Order ${orderNumber(order.id)} is shipped.`);
        } catch (error) {
          showProblem(form, error);
          submit.disabled = false;
        }
      },
    },
    h('h3', {}, 'Ship'),
    field('Tracking number', 'tracking_number', { required: true, maxLength: 64, autocomplete: 'off' }),
    courierSlot,
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, submit));
    courierList().then((found) => {
      replace(courierSlot, found.length > 0
        ? select('Courier', 'courier_id', [['', 'Choose a courier'], ...found.map((c) => /** @type {[string, string]} */ ([c.id, c.name]))])
        : [h('p', { class: 'notice' }, 'No courier is active: ask an admin to add one, or enter a courier id.'),
          field('Courier id', 'courier_id', { required: true, autocomplete: 'off' })]);
    }, (error) => {
      replace(courierSlot,
        h('p', { class: 'alert' }, `The couriers could not be loaded (${problemText(error)}): enter the courier id.`),
        field('Courier id', 'courier_id', { required: true, autocomplete: 'off' }));
    });
    return form;
  }

  /** @param {SellerOrder} order */
  function refundForm(order) {
    /** The key of the refund being tried, and the body it was tried with. @type {{key: string, sent: string} | null} */
    let attempt = null;
    const result = h('p', { role: 'status' });
    const submit = h('button', { type: 'submit', class: 'danger' }, 'Refund');
    const form = h('form', {
      class: 'form',
      noValidate: true,
      'data-testid': 'refund-form',
      'aria-label': `Refund order ${orderNumber(order.id)}`,
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        clearProblem(form);
        result.textContent = '';
        const values = formValues(form);
        const missing = [];
        /** @type {{reason: string, restock: boolean, amount_cents?: number}} */
        const refund = { reason: values.reason ?? '', restock: values.restock === 'on' };
        if (values.amount_cents !== undefined) {
          const cents = toCents(values.amount_cents);
          if (cents === null || cents < 1) missing.push({ field: 'amount_cents', message: 'Enter an amount like 5.00, or leave it empty' });
          else refund.amount_cents = cents;
        }
        if (!values.reason) missing.push({ field: 'reason', message: 'Give the reason' });
        if (missing.length > 0) {
          showFieldErrors(form, missing);
          return;
        }
        const sent = JSON.stringify(refund);
        if (attempt?.sent !== sent) attempt = { key: idempotencyKey(), sent };
        submit.disabled = true;
        try {
          /** @type {Refund} */
          const made = await api(`/orders/${order.id}/refunds`, {
            method: 'POST', body: refund, headers: { 'Idempotency-Key': attempt.key },
          });
          attempt = null;
          form.reset();
          result.textContent = `Refund of ${money(made.amount_cents, order.currency)}: ${words(made.status)}.`;
          toast(result.textContent);
          void refresh();
        } catch (error) {
          showProblem(form, error);
        } finally {
          submit.disabled = false;
        }
      },
    },
    field(`Amount in ${order.currency} (empty: all that is left of your share)`, 'amount_cents', { inputMode: 'decimal', autocomplete: 'off' }),
    field('Reason', 'reason', { required: true, maxLength: 500 }),
    h('label', { class: 'checkbox' }, h('input', { type: 'checkbox', name: 'restock' }), 'Put the units back in stock'),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, submit),
    result);
    return h('details', {}, h('summary', {}, 'Give a refund'), form);
  }

  /**
   * Approve or reject a requested return: approval refunds its lines at the prices paid, and puts
   * the units back in stock if asked; the note goes to the customer either way.
   * @param {SellerOrder} order
   * @param {Return} item
   */
  function decisionForm(order, item) {
    const buttons = [
      h('button', { type: 'submit', name: 'decision', value: 'approve' }, 'Approve'),
      h('button', { type: 'submit', name: 'decision', value: 'reject', class: 'secondary' }, 'Reject'),
    ];
    const form = h('form', {
      class: 'form',
      noValidate: true,
      'data-testid': 'return-form',
      'data-return-id': item.id,
      'aria-label': `Decide the return asked ${dateTime(item.created_at)}`,
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        clearProblem(form);
        const approve = /** @type {HTMLButtonElement | null} */ (event.submitter)?.value !== 'reject';
        const values = formValues(form);
        /** @type {{approve: boolean, restock: boolean, note?: string}} */
        const decision = { approve, restock: approve && values.restock === 'on' };
        if (values.note) decision.note = values.note;
        for (const button of buttons) button.disabled = true;
        try {
          /** @type {Return} */
          const decided = await api(`/returns/${item.id}/decision`, { method: 'POST', body: decision });
          placeDecided(order, decided, form);
          toast(`Return ${words(decided.status)} (order ${orderNumber(order.id)}).`);
          void refresh();
        } catch (error) {
          showProblem(form, error);
          for (const button of buttons) button.disabled = false;
        }
      },
    },
    field('Note to the customer (optional)', 'note', { type: 'textarea', rows: 2, maxLength: 500 }),
    h('label', { class: 'checkbox' }, h('input', { type: 'checkbox', name: 'restock' }), 'Put the returned units back in stock (when approving)'),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, buttons));
    return form;
  }

  /**
   * Puts a decided return in place of the element whose form decided it, and moves the focus to it.
   * @param {SellerOrder} order
   * @param {Return} decided
   * @param {HTMLElement} form
   */
  function placeDecided(order, decided, form) {
    const old = /** @type {HTMLElement | null} */ (form.closest('[data-testid="return"]'));
    const slot = /** @type {HTMLElement | null} */ (form.closest('[data-testid="order-returns"]'));
    if (!old || !slot) return;
    const element = returnBlock(order, decided);
    old.replaceWith(element);
    drawnReturns.get(slot)?.set(decided.id, { drawn: JSON.stringify(decided), element });
    element.querySelector('h4')?.focus();
  }

  filterSelect.addEventListener('change', () => {
    status = filterSelect.value;
    pageNo = 1;
    history.replaceState(null, '', `/seller/orders?status=${status}`);
    void refresh();
  });

  // During a sale orders change many times a second: after a change the list is read again, but
  // at most once every REFRESH_EVERY_MS.
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let lastRefresh = 0;
  const refreshSoon = () => {
    if (timer !== undefined) return;
    const wait = Math.max(0, lastRefresh + REFRESH_EVERY_MS - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      lastRefresh = Date.now();
      void refresh();
    }, wait);
  };
  ctx.onLeave(() => clearTimeout(timer));
  ctx.onLeave(on('order', refreshSoon));
  ctx.onLeave(on('reconnected', refreshSoon));

  replace(body,
    h('div', { class: 'actions' }, filter),
    admin && h('p', { class: 'muted' }, 'As an admin you see every order; a step moves every seller\'s shipment it applies to.'),
    summary,
    list,
    pages);
  list.append(h('p', { class: 'loading' }, 'Loading…'));
  await refresh();
}

