// @ts-check
/**
 * @file The order list (`/orders`): the caller's orders, newest first, as a table of date,
 * order number, status and total, filtered by status (`?status=`) and paged (`?page=`). The one
 * endpoint serves every role: a customer sees their orders, a seller the orders of their
 * products (with their share of each total), an admin every order. The filter and the page live
 * in the URL, so back and forward and shared links work.
 */

import { api } from '../api.js';
import { signedIn } from '../access.js';
import { dateTime, h, money, replace, scrollBox, select, words } from '../dom.js';
import { navigate } from '../router.js';

/** @typedef {import('./order.js').Order} Order */

/** Every order status, in the order of an order's life. */
export const STATUSES = ['pending_payment', 'paid', 'processing', 'shipped', 'out_for_delivery', 'delivered',
  'cancelled', 'expired', 'refunded', 'partially_refunded'];

const PER_PAGE = 20;

/**
 * Statuses of orders that were paid and not cancelled (`OrderStatus::was_paid`): the orders that
 * can have returns.
 */
export const WAS_PAID = ['paid', 'processing', 'shipped', 'out_for_delivery', 'delivered', 'partially_refunded', 'refunded'];

/**
 * The short number an order goes by: the last eight characters of its id (the random part of
 * a UUIDv7; its first characters are the time, shared by every order of the same minute), upper case.
 * @param {string} id
 */
export function orderNumber(id) {
  return id.replaceAll('-', '').slice(-8).toUpperCase();
}

/**
 * The list's URL for a status and page.
 * @param {string} status
 * @param {number} page
 */
function listUrl(status, page) {
  const query = new URLSearchParams();
  if (status) query.set('status', status);
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return text ? `/orders?${text}` : '/orders';
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function ordersView(ctx) {
  const user = signedIn();
  if (!user) return;
  const status = STATUSES.includes(ctx.query.get('status') ?? '') ? /** @type {string} */ (ctx.query.get('status')) : '';
  const page = Math.max(1, Number.parseInt(ctx.query.get('page') ?? '1', 10) || 1);
  const heading = h('h1', {}, user.role === 'customer' ? 'Your orders' : 'Orders');

  const filter = select('Status', 'status',
    [['', 'All statuses'], ...STATUSES.map((s) => /** @type {[string, string]} */ ([s, words(s)]))], status);
  filter.querySelector('select')?.addEventListener('change', (event) => {
    navigate(listUrl(/** @type {HTMLSelectElement} */ (event.target).value, 1));
  });
  const filterForm = h('form', { class: 'actions', role: 'search', 'aria-label': 'Filter orders', onsubmit: (/** @type {SubmitEvent} */ e) => e.preventDefault() }, filter);
  const body = h('div', {}, h('p', { class: 'loading', role: 'status' }, 'Loading orders…'));
  replace(ctx.root, heading, filterForm, body);

  /** @type {{items: Order[], page: number, per_page: number, total: number}} */
  let listed;
  try {
    listed = await api('/orders', { query: { status, page, per_page: PER_PAGE } });
  } catch (error) {
    replace(body, h('p', { class: 'alert', role: 'alert' },
      `Your orders could not be loaded: ${error instanceof Error ? error.message : String(error)}`));
    return;
  }

  if (listed.items.length === 0) {
    replace(body, h('p', { 'data-testid': 'orders-empty' },
      status ? `No orders are ${words(status)}. ` : 'No orders yet. ',
      status ? h('a', { href: '/orders' }, 'Show all orders') : h('a', { href: '/' }, 'Browse the shop')));
    return;
  }

  const pages = Math.max(1, Math.ceil(listed.total / listed.per_page));
  const seller = user.role === 'seller';
  replace(body,
    scrollBox('Orders',
      h('table', { 'data-testid': 'orders-table' },
        h('caption', { class: 'visually-hidden' },
          `Orders${status ? ` ${words(status)}` : ''}, page ${listed.page} of ${pages}, newest first`),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Date'),
          h('th', { scope: 'col' }, 'Order'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col', class: 'number' }, seller ? 'Your share' : 'Total'))),
        h('tbody', {}, listed.items.map((order) => h('tr', { 'data-testid': 'order-row', 'data-order-id': order.id },
          h('td', {}, h('time', { dateTime: order.created_at }, dateTime(order.created_at))),
          h('td', {}, h('a', { href: `/orders/${encodeURIComponent(order.id)}`, 'aria-label': `Order ${orderNumber(order.id)}` },
            orderNumber(order.id))),
          h('td', {}, h('span', { class: 'badge' }, words(order.status))),
          h('td', { class: 'number' }, order.total_cents === undefined ? '' : money(order.total_cents, order.currency))))))),
    pages > 1 && h('nav', { class: 'pager', 'aria-label': 'Pages' },
      listed.page > 1 && h('a', { href: listUrl(status, listed.page - 1), rel: 'prev' }, 'Previous'),
      h('span', {}, `Page ${listed.page} of ${pages}`),
      listed.page < pages && h('a', { href: listUrl(status, listed.page + 1), rel: 'next' }, 'Next')));
}
