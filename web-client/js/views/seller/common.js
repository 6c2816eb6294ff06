// @ts-check
/**
 * @file What the seller dashboard's views share: the page frame (sign-in and role checks, the
 * sub-navigation, the heading), loading and error lines, tables and pagers, money typed in
 * currency units, the category list, bounded parallel requests, and the seller's own products
 * (`GET /seller/products`: drafts and archived ones included, which search leaves out).
 */

import { api, currentUser } from '../../api.js';
import { h, replace, scrollBox, showProblem } from '../../dom.js';
import { navigate } from '../../router.js';
import { sellerNav } from './nav.js';

/**
 * @typedef {import('../../api.js').User} User
 * @typedef {import('../../router.js').ViewContext} ViewContext
 * @typedef {{id: string, seller_id: string, sku: string, name: string, description: string,
 *   brand: string | null, category_id: string, price_cents: number, currency: string,
 *   images: string[], attributes: Record<string, unknown>, status: 'draft' | 'published' | 'archived',
 *   available: number, created_at: string, updated_at: string}} Product
 * @typedef {{on_hand: number, reserved: number, available: number, low_stock_threshold: number}} Inventory
 * @typedef {{id: string, name: string, slug: string, parent_id: string | null, children: CategoryNode[]}} CategoryNode
 */

/**
 * @template T
 * @typedef {{items: T[], page: number, per_page: number, total: number}} Paged
 */

/** Products per page of the product and inventory tables (the API's maximum). */
export const PER_PAGE = 100;

/**
 * Starts a dashboard page: sends a signed-out visitor to sign in, tells other roles the page is
 * for sellers, and otherwise draws the sub-navigation and the heading. Returns the user and the
 * element to draw the page's content into, or null when the page stops here.
 * @param {ViewContext} ctx
 * @param {string} path the page's path in the sub-navigation
 * @param {string} title the heading
 * @returns {{user: User, body: HTMLElement} | null}
 */
export function beginPage(ctx, path, title) {
  const user = currentUser();
  if (!user) {
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    return null;
  }
  if (user.role !== 'seller' && user.role !== 'admin') {
    replace(ctx.root,
      h('h1', {}, title),
      h('p', {}, 'This page is for sellers. ', h('a', { href: '/' }, 'Back to the shop')));
    return null;
  }
  const body = h('div', {}, loading());
  replace(ctx.root, sellerNav(path), h('h1', {}, title), body);
  return { user, body };
}

/** A loading line. */
export function loading() {
  return h('p', { class: 'loading', role: 'status' }, 'Loading…');
}

/**
 * The text of an error: the problem's detail and any field messages.
 * @param {unknown} error
 */
export function problemText(error) {
  const problem = /** @type {{errors?: {field: string, message: string}[]}} */ (
    error && typeof error === 'object' && 'problem' in error ? error.problem : {});
  const fields = (problem.errors ?? []).map(({ field, message }) => `${field}: ${message}`);
  const main = error instanceof Error ? error.message : String(error);
  return [main, ...fields].join(' — ');
}

/**
 * An error line read out at once.
 * @param {string} what what failed ("The products could not be loaded")
 * @param {unknown} error
 */
export function failure(what, error) {
  return h('p', { class: 'alert', role: 'alert' }, `${what}: ${problemText(error)}`);
}

/**
 * Shows problems found before sending, the way `showProblem` shows the server's.
 * @param {HTMLFormElement} form
 * @param {Array<{field: string, message: string}>} errors
 */
export function showFieldErrors(form, errors) {
  showProblem(form, { problem: { detail: 'Please correct the marked fields.', errors } });
}

/**
 * A table in a horizontally scrolling wrapper, with a caption for screen readers and column
 * headers (`true` marks a numeric column).
 * @param {string} caption
 * @param {Array<[string, boolean?]>} columns
 * @param {string} [testid]
 */
export function dataTable(caption, columns, testid) {
  const tbody = h('tbody', {});
  const table = h('table', { 'data-testid': testid },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {},
      columns.map(([text, numeric]) => h('th', { scope: 'col', class: numeric ? 'number' : undefined }, text)))),
    tbody);
  return { wrap: scrollBox(caption, table), table, tbody };
}

/**
 * Links to the previous and next pages, or null when everything fits on one.
 * @param {number} page
 * @param {number} perPage
 * @param {number} total
 * @param {(page: number) => string} href the URL of a page
 */
export function pager(page, perPage, total, href) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1) return null;
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    page > 1 && h('a', { href: href(page - 1) }, 'Previous page'),
    h('span', {}, `Page ${page} of ${pages}`),
    page < pages && h('a', { href: href(page + 1) }, 'Next page'));
}

/**
 * The page number of the URL's `page` parameter (1 when absent or bad).
 * @param {URLSearchParams} query
 */
export function pageOf(query) {
  const page = Number.parseInt(query.get('page') ?? '', 10);
  return Number.isFinite(page) && page > 0 ? page : 1;
}

/**
 * Minor units from an amount typed in currency units ("12", "12.5", "12,50"), or null when the
 * text is not such an amount.
 * @param {string} text
 */
export function toCents(text) {
  const match = /^(\d{1,12})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}

/**
 * Minor units as an amount to edit ("12.50").
 * @param {number} cents
 */
export function centsText(cents) {
  return (cents / 100).toFixed(2);
}

/**
 * A whole number typed in a field, or null.
 * @param {string | undefined} text
 */
export function wholeNumber(text) {
  if (text === undefined || !/^-?\d{1,13}$/.test(text.trim())) return null;
  return Number(text.trim());
}

/**
 * The category tree as select options, each name indented by its depth.
 * @param {CategoryNode[]} tree
 * @param {number} [depth]
 * @returns {Array<[string, string]>}
 */
export function categoryOptions(tree, depth = 0) {
  return tree.flatMap((node) => [
    /** @type {[string, string]} */ ([node.id, `${'\u00a0\u00a0\u00a0'.repeat(depth)}${node.name}`]),
    ...categoryOptions(node.children, depth + 1),
  ]);
}

/**
 * Runs `task` on every item, at most `limit` at a time. A task's failure rejects the whole run,
 * so tasks that may fail alone catch their own errors.
 * @template T
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T) => Promise<void>} task
 * @param {() => boolean} [alive] while true, items are taken (false once the page is left)
 */
export async function eachLimited(items, limit, task, alive = () => true) {
  let next = 0;
  const worker = async () => {
    while (next < items.length && alive()) {
      const item = items[next];
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Whose products the page manages: the seller's own; an admin's choice (`?seller=`), by default
 * their own.
 * @param {ViewContext} ctx
 * @param {User} user
 */
export function managedSeller(ctx, user) {
  return user.role === 'admin' ? ctx.query.get('seller') || user.id : user.id;
}

/** The sellers an admin can pick, as select options (the first hundred, newest first). */
export async function sellerOptions() {
  /** @type {Paged<User>} */
  const sellers = await api('/admin/users', { query: { role: 'seller', per_page: 100 } });
  return sellers.items.map((seller) => /** @type {[string, string]} */ ([seller.id, `${seller.name} (${seller.email})`]));
}

/**
 * For admins, a form choosing whose products `path` shows (their own or a seller's), or what
 * went wrong reading the sellers; for sellers, nothing.
 * @param {string} path
 * @param {User} user
 * @param {string} selected
 * @returns {Promise<HTMLElement | null>}
 */
export async function sellerPicker(path, user, selected) {
  if (user.role !== 'admin') return null;
  try {
    return await pickerForm(path, user, selected);
  } catch (error) {
    return failure('The sellers could not be loaded', error);
  }
}

/**
 * @param {string} path
 * @param {User} admin
 * @param {string} selected
 */
async function pickerForm(path, admin, selected) {
  const options = [/** @type {[string, string]} */ ([admin.id, 'My own products']), ...await sellerOptions()];
  const id = `seller-pick-${path.replaceAll('/', '-')}`;
  const choice = h('select', { id, name: 'seller' },
    options.map(([value, text]) => h('option', { value, selected: value === selected }, text)));
  return h('form', {
    class: 'actions',
    onsubmit: (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      navigate(`${path}?seller=${encodeURIComponent(choice.value)}`);
    },
  }, h('label', { for: id }, 'Whose products'), choice, h('button', { type: 'submit', class: 'secondary' }, 'Show'));
}

/**
 * One page of a seller's products of every status (or only `status`), newest first, from
 * `GET /seller/products` (`seller_id` names the seller: an admin may name anyone, a seller only
 * themselves).
 * @param {string} sellerId
 * @param {number} page
 * @param {string} [status] draft, published or archived
 * @returns {Promise<Paged<Product>>}
 */
export function loadOwnProducts(sellerId, page, status) {
  return api('/seller/products', { query: { seller_id: sellerId, status, page, per_page: PER_PAGE } });
}

/**
 * Every product of a seller, newest first: the pages of `GET /seller/products` one after another.
 * @param {string} sellerId
 */
export async function allOwnProducts(sellerId) {
  /** @type {Product[]} */
  const products = [];
  for (let page = 1; ; page += 1) {
    const found = await loadOwnProducts(sellerId, page);
    products.push(...found.items);
    if (found.items.length < PER_PAGE || products.length >= found.total) return products;
  }
}
