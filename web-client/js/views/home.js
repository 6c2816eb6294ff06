// @ts-check
/**
 * @file The shop's front page (`/`): the category tree as nested links into search, and two rows
 * of featured products (top rated, then new arrivals, without repeats) as cards. Each shown
 * product's `product:<id>` topic is followed: a card gets a "Selling fast" badge when at least
 * three units sold in the last minute, or once it has sold while ten or fewer are left, and a
 * "Sold out" badge at zero.
 */

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { on, subscribe } from '../live.js';
import { LOW_STOCK, categoryTree, productCard, soldOutBadge } from '../products.js';

/**
 * @typedef {import('../products.js').Product} Product
 * @typedef {import('../products.js').ProductPage} ProductPage
 * @typedef {import('../products.js').CategoryNode} CategoryNode
 */

/** Units sold within `HOT_WINDOW_MS` that make a product "selling fast". */
const HOT_UNITS = 3;
const HOT_WINDOW_MS = 60_000;
const FEATURED_PER_ROW = 8;

/** The "Selling fast" badge. */
function hotBadge() {
  return h('span', { class: 'badge hot', 'data-testid': 'selling-fast' }, 'Selling fast');
}

/**
 * The category tree as nested lists of links into search.
 * @param {CategoryNode[]} nodes
 * @returns {HTMLUListElement}
 */
function treeList(nodes) {
  return h('ul', {}, nodes.map((node) => h('li', {},
    h('a', { href: `/search?category=${encodeURIComponent(node.id)}` }, node.name),
    node.children.length > 0 && treeList(node.children))));
}

/**
 * @typedef {object} Watch what the page knows of one shown product's sales
 * @property {number} available
 * @property {Array<{at: number, units: number}>} sales drops seen within the last minute
 * @property {boolean} sold whether any drop was seen since the page opened
 * @property {HTMLElement[]} slots the badge slots of its cards
 * @property {'' | 'hot' | 'sold-out'} shown
 */

/**
 * Draws a product's badge from its recent sales, if it changed.
 * @param {Watch} watch
 * @param {number} now
 */
function drawBadge(watch, now) {
  watch.sales = watch.sales.filter((sale) => now - sale.at < HOT_WINDOW_MS);
  const recent = watch.sales.reduce((sum, sale) => sum + sale.units, 0);
  /** @type {Watch['shown']} */
  const state = watch.available <= 0
    ? 'sold-out'
    : recent >= HOT_UNITS || (watch.sold && watch.available <= LOW_STOCK) ? 'hot' : '';
  if (state === watch.shown) return;
  watch.shown = state;
  for (const slot of watch.slots) {
    replace(slot, state === 'sold-out' ? soldOutBadge() : state === 'hot' ? hotBadge() : null);
  }
}

/**
 * Follows the stock of the shown products and keeps their badges current.
 * @param {import('../router.js').ViewContext} ctx
 * @param {Product[]} products
 * @param {HTMLElement} container holding their cards
 */
function watchSales(ctx, products, container) {
  /** @type {Map<string, Watch>} */
  const watches = new Map();
  for (const product of products) {
    watches.set(product.id, {
      available: product.available,
      sales: [],
      sold: false,
      slots: [],
      shown: product.available <= 0 ? 'sold-out' : '',
    });
  }
  for (const card of container.querySelectorAll('[data-testid="product-card"]')) {
    const watch = watches.get(card.getAttribute('data-product-id') ?? '');
    const slot = card.querySelector('[data-badges]');
    if (watch && slot instanceof HTMLElement) watch.slots.push(slot);
  }
  for (const id of watches.keys()) ctx.onLeave(subscribe(`product:${id}`));
  ctx.onLeave(on('stock', (message) => {
    const watch = watches.get(String(message.product_id));
    const available = Number(message.available);
    if (!watch || !Number.isFinite(available)) return;
    if (available < watch.available) {
      watch.sales.push({ at: Date.now(), units: watch.available - available });
      watch.sold = true;
    }
    watch.available = available;
    drawBadge(watch, Date.now());
  }));
  // Sales age out of the last minute without any message: look again every few seconds.
  const timer = setInterval(() => {
    for (const watch of watches.values()) drawBadge(watch, Date.now());
  }, 5000);
  ctx.onLeave(() => clearInterval(timer));
}

/**
 * @param {string} message
 */
function failure(message) {
  return h('p', { class: 'alert', role: 'alert' }, message);
}

/** @param {unknown} error */
function reason(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A titled row of product cards.
 * @param {string} title
 * @param {string} testid
 * @param {Product[]} products
 * @param {string} moreHref where "See all" leads
 */
function row(title, testid, products, moreHref) {
  return h('section', { class: 'panel', 'data-testid': testid },
    h('h2', {}, title),
    h('div', { class: 'grid' }, products.map(productCard)),
    h('p', {}, h('a', { href: moreHref }, `See all: ${title.toLowerCase()}`)));
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function home(ctx) {
  replace(ctx.root, h('h1', {}, 'Welcome to Bazaar'), h('p', { class: 'loading', role: 'status' }, 'Loading the shop…'));
  const [tree, top, fresh] = await Promise.allSettled([
    categoryTree(),
    /** @type {Promise<ProductPage>} */ (api('/products', { query: { sort: 'rating', per_page: FEATURED_PER_ROW } })),
    /** @type {Promise<ProductPage>} */ (api('/products', { query: { sort: 'newest', per_page: FEATURED_PER_ROW } })),
  ]);

  const categories = tree.status === 'fulfilled'
    ? (tree.value.length > 0 ? treeList(tree.value) : h('p', { class: 'muted' }, 'No categories yet.'))
    : failure(`The categories could not be loaded: ${reason(tree.reason)}`);

  /** @type {Product[]} */
  const shown = [];
  const topItems = top.status === 'fulfilled' ? top.value.items.filter((product) => product.rating_avg !== null) : [];
  const seen = new Set(topItems.map((product) => product.id));
  const freshItems = fresh.status === 'fulfilled' ? fresh.value.items.filter((product) => !seen.has(product.id)) : [];
  shown.push(...topItems, ...freshItems);

  const featured = h('div', {},
    top.status === 'rejected' && failure(`Top rated products could not be loaded: ${reason(top.reason)}`),
    fresh.status === 'rejected' && failure(`New arrivals could not be loaded: ${reason(fresh.reason)}`),
    topItems.length > 0 && row('Top rated', 'top-rated', topItems, '/search?sort=rating'),
    freshItems.length > 0 && row('New arrivals', 'new-arrivals', freshItems, '/search?sort=newest'),
    top.status === 'fulfilled' && fresh.status === 'fulfilled' && shown.length === 0
      && h('p', { class: 'muted' }, 'Nothing is for sale yet. Please come back soon.'));

  replace(ctx.root,
    h('h1', {}, 'Welcome to Bazaar'),
    h('div', { class: 'layout-sidebar' },
      h('nav', { class: 'category-tree panel', 'aria-labelledby': 'home-categories' },
        h('h2', { id: 'home-categories' }, 'Categories'),
        categories),
      featured));

  if (shown.length > 0) watchSales(ctx, shown, featured);
}
