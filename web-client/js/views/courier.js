// @ts-check
/**
 * @file The courier's deliveries (`/courier`), laid out for a phone: one card per shipment
 * handed to the courier (open ones first, as the server orders them) with the order, where it
 * goes, the contact phone, what is in the parcel and its status, and two big buttons that move
 * it on: "Out for delivery", then "Delivered". Order events refetch the list, and a card is
 * redrawn only when its shipment changed, so focus stays where the courier left it.
 */

import { addressBlock } from '../addresses.js';
import { api } from '../api.js';
import { signedInAs } from '../access.js';
import { dateTime, h, replace, words } from '../dom.js';
import { on } from '../live.js';
import { orderNumber } from './orders.js';

/**
 * @typedef {{product_id: string, sku: string, name: string, qty: number}} ParcelItem
 * @typedef {{name?: string, line1?: string, line2?: string | null, city?: string, region?: string | null,
 *   postal_code?: string, country?: string, phone?: string | null, label?: string | null}} ShippingAddress
 * @typedef {{order_id: string, seller_id: string, status: string, tracking_number?: string | null,
 *   shipped_at?: string | null, delivered_at?: string | null, shipping_address: ShippingAddress,
 *   items: ParcelItem[]}} Delivery
 * @typedef {{seller_id: string, status: string, delivered_at?: string | null, courier_id?: string | null}} Shipment
 */

/** The step each button takes, and the status it starts from. */
const STEPS = /** @type {const} */ ([
  { status: 'out_for_delivery', from: 'shipped', text: 'Out for delivery' },
  { status: 'delivered', from: 'out_for_delivery', text: 'Delivered' },
]);

/** @param {Delivery} delivery */
function keyOf(delivery) {
  return `${delivery.order_id}:${delivery.seller_id}`;
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function courierView(ctx) {
  const user = signedInAs(ctx.root, ['courier'], 'Deliveries');
  if (!user) return;

  const status = h('p', { role: 'status', class: 'loading' }, 'Loading your deliveries…');
  const column = h('div', { class: 'deliveries', 'data-testid': 'deliveries' });
  replace(ctx.root, h('h1', {}, 'Your deliveries'), status, column);

  /** The cards shown, by shipment, with the data each was drawn from. @type {Map<string, {card: HTMLElement, drawn: string}>} */
  let cards = new Map();

  async function load() {
    try {
      /** @type {{items: Delivery[], total: number}} */
      const page = await api('/deliveries', { query: { per_page: 100 } });
      show(page.items);
      status.className = 'muted';
      status.textContent = page.items.length ? '' : 'Nothing to deliver right now.';
    } catch (error) {
      status.className = 'alert';
      status.textContent = `Your deliveries could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /**
   * Shows `deliveries`, redrawing only the cards whose shipment changed; the column is rebuilt
   * only when the set or order of shipments changed.
   * @param {Delivery[]} deliveries
   */
  function show(deliveries) {
    const sameOrder = deliveries.length === cards.size && deliveries.every((d, i) => [...cards.keys()][i] === keyOf(d));
    /** @type {typeof cards} */
    const next = new Map();
    for (const delivery of deliveries) {
      const drawn = JSON.stringify(delivery);
      const known = cards.get(keyOf(delivery));
      if (known && known.drawn === drawn) {
        next.set(keyOf(delivery), known);
      } else if (known) {
        draw(known.card, delivery);
        next.set(keyOf(delivery), { card: known.card, drawn });
      } else {
        const card = h('section', { class: 'panel delivery', 'data-testid': 'delivery' });
        draw(card, delivery);
        next.set(keyOf(delivery), { card, drawn });
      }
    }
    cards = next;
    if (!sameOrder) {
      const focused = document.activeElement instanceof HTMLElement && column.contains(document.activeElement)
        ? document.activeElement
        : null;
      replace(column, [...next.values()].map(({ card }) => card));
      if (focused?.isConnected) focused.focus({ preventScroll: true });
    }
  }

  /**
   * Draws one shipment's card.
   * @param {HTMLElement} card
   * @param {Delivery} delivery
   */
  function draw(card, delivery) {
    const number = orderNumber(delivery.order_id);
    const headingId = `delivery-${delivery.order_id}-${delivery.seller_id}`;
    const address = delivery.shipping_address ?? {};
    const alert = h('p', { class: 'alert', role: 'alert' });
    card.setAttribute('aria-labelledby', headingId);
    card.dataset.orderId = delivery.order_id;
    card.dataset.status = delivery.status;
    replace(card,
      h('h2', { id: headingId, tabIndex: -1 }, `Order ${number}`),
      h('p', {}, 'Status: ',
        h('span', { class: delivery.status === 'delivered' ? 'badge ok' : 'badge', 'data-testid': 'delivery-status' },
          words(delivery.status))),
      addressBlock(address, { phone: false }),
      address.phone
        ? h('p', {}, 'Contact: ', h('a', { href: `tel:${address.phone.replace(/[^+\d]/g, '')}` }, address.phone))
        : h('p', { class: 'muted' }, 'No contact phone given.'),
      h('h3', {}, 'In the parcel'),
      h('ul', {}, delivery.items.map((item) => h('li', {}, `${item.qty} × ${item.name} `, h('span', { class: 'muted' }, `(${item.sku})`)))),
      delivery.tracking_number && h('p', { class: 'muted' }, `Tracking number ${delivery.tracking_number}`),
      delivery.shipped_at && h('p', { class: 'muted' }, `Shipped ${dateTime(delivery.shipped_at)}`),
      delivery.status === 'delivered'
        ? h('p', {}, `Delivered ${dateTime(delivery.delivered_at)}`)
        : h('div', { class: 'actions' }, STEPS.map((step) => h('button', {
          type: 'button',
          'data-step': step.status,
          disabled: delivery.status !== step.from,
          onclick: () => move(card, delivery, step.status, alert),
        }, step.text))),
      alert,
      h('p', {}, h('a', { href: `/orders/${delivery.order_id}` }, 'Order details',
        h('span', { class: 'visually-hidden' }, ` of order ${number}`))));
  }

  /**
   * Moves a shipment on and redraws its card from the server's answer.
   * @param {HTMLElement} card
   * @param {Delivery} delivery
   * @param {string} next
   * @param {HTMLElement} alert
   */
  async function move(card, delivery, next, alert) {
    const buttons = card.querySelectorAll('button');
    for (const button of buttons) button.disabled = true;
    alert.textContent = '';
    try {
      /** @type {{deliveries?: Shipment[]}} */
      const order = await api(`/orders/${delivery.order_id}/status`, { method: 'POST', body: { status: next } });
      const shipment = order.deliveries?.find((s) => s.seller_id === delivery.seller_id);
      const updated = {
        ...delivery,
        status: shipment?.status ?? next,
        delivered_at: shipment?.delivered_at ?? delivery.delivered_at,
      };
      draw(card, updated);
      cards.set(keyOf(updated), { card, drawn: JSON.stringify(updated) });
      status.className = 'muted';
      status.textContent = `Order ${orderNumber(delivery.order_id)}: ${words(updated.status)}.`;
      card.querySelector('h2')?.focus();
      // The server's own view of the list (timestamps, order) follows through the live event.
    } catch (error) {
      alert.textContent = error instanceof Error ? error.message : String(error);
      for (const button of card.querySelectorAll('button')) {
        button.disabled = button.dataset.step !== STEPS.find((step) => step.from === delivery.status)?.status;
      }
    }
  }

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pending;
  const reload = () => {
    clearTimeout(pending);
    pending = setTimeout(load, 250);
  };
  ctx.onLeave(on('order', reload));
  ctx.onLeave(on('reconnected', reload));
  ctx.onLeave(() => clearTimeout(pending));

  await load();
}
