// @ts-check
/**
 * @file What the storefront's views share about products: their type, cards, pictures (with a
 * fallback tile), prices with a sale's price and window, rating stars, and the category tree
 * (fetched at most once a minute).
 */

import { api } from './api.js';
import { dateTime, h, money } from './dom.js';

/**
 * A product as `GET /products` and `GET /products/{id}` answer it.
 * @typedef {object} Product
 * @property {string} id
 * @property {string} seller_id
 * @property {string} sku
 * @property {string} name
 * @property {string} description
 * @property {string | null} brand
 * @property {string} category_id
 * @property {number} price_cents
 * @property {string} currency
 * @property {string[]} images
 * @property {Record<string, unknown>} attributes
 * @property {string} status
 * @property {number} available
 * @property {number | null} rating_avg
 * @property {number} rating_count
 * @property {number | null} max_per_customer
 * @property {string | null} sale_starts_at
 * @property {string | null} sale_ends_at
 * @property {number | null} sale_price_cents
 * @property {boolean} waiting_room
 * @property {number | null} max_per_order
 * @property {string} created_at
 * @property {string} updated_at
 */

/**
 * @typedef {{id: string, name: string, slug: string, parent_id: string | null, children: CategoryNode[]}} CategoryNode
 * @typedef {'upcoming' | 'open' | 'ended'} SalePhase
 * @typedef {{items: Product[], page: number, per_page: number, total: number}} ProductPage
 */

/** At or below this many units a product counts as nearly gone (the public product carries no threshold). */
export const LOW_STOCK = 10;
const TREE_TTL_MS = 60_000;

/** @type {{at: number, tree: Promise<CategoryNode[]>} | null} */
let treeCache = null;

/** The category tree, fetched at most once a minute (search redraws on every query change). */
export function categoryTree() {
  if (!treeCache || Date.now() - treeCache.at > TREE_TTL_MS) {
    const tree = /** @type {Promise<CategoryNode[]>} */ (api('/categories'));
    treeCache = { at: Date.now(), tree };
    tree.catch(() => {
      if (treeCache?.tree === tree) treeCache = null;
    });
  }
  return treeCache.tree;
}

/**
 * Where a product's sale window stands at `now`, as the server decides it: a product without
 * a window is always open.
 * @param {Product} product
 * @param {number} [now]
 * @returns {SalePhase}
 */
function salePhase(product, now = Date.now()) {
  if (product.sale_starts_at && now < Date.parse(product.sale_starts_at)) return 'upcoming';
  if (product.sale_ends_at && now >= Date.parse(product.sale_ends_at)) return 'ended';
  return 'open';
}

/** @param {Product} product */
export function hasSaleWindow(product) {
  return Boolean(product.sale_starts_at || product.sale_ends_at);
}

/**
 * Follows a product's sale phase: computed from its window on the local clock, except that a
 * `sale` message from the server wins until the local clock reaches the next boundary.
 * @param {Product} product
 */
export function saleTracker(product) {
  /** @type {{phase: SalePhase, base: SalePhase} | null} */
  let told = null;
  return {
    /** @param {number} [now] @returns {SalePhase} */
    phase(now = Date.now()) {
      const local = salePhase(product, now);
      return told && told.base === local ? told.phase : local;
    },
    /**
     * Applies a `sale` message (`state`, `starts_at`, `ends_at`).
     * @param {Record<string, any>} message
     */
    apply(message) {
      product.sale_starts_at = message.starts_at ?? null;
      product.sale_ends_at = message.ends_at ?? null;
      const state = message.state;
      told = state === 'upcoming' || state === 'open' || state === 'ended'
        ? { phase: state, base: salePhase(product) }
        : null;
    },
  };
}

/**
 * The sale state in words, with its times.
 * @param {Product} product
 * @param {SalePhase} phase
 */
export function saleText(product, phase) {
  const salePrice = product.sale_price_cents !== null && product.sale_price_cents !== undefined
    ? ` at ${money(product.sale_price_cents, product.currency)}`
    : '';
  if (phase === 'upcoming') {
    return `Sale upcoming${salePrice}: starts ${dateTime(product.sale_starts_at)}${product.sale_ends_at ? `, ends ${dateTime(product.sale_ends_at)}` : ''}`;
  }
  if (phase === 'ended') {
    return product.sale_ends_at ? `Sale ended ${dateTime(product.sale_ends_at)}` : 'Sale ended';
  }
  return product.sale_ends_at
    ? `Sale open${salePrice} until ${dateTime(product.sale_ends_at)}`
    : `Sale open${salePrice}${product.sale_starts_at ? ` since ${dateTime(product.sale_starts_at)}` : ''}`;
}

/**
 * The price: the sale price with the regular one struck through while the sale is open.
 * @param {Product} product
 * @param {SalePhase} [phase]
 */
export function priceLine(product, phase = salePhase(product)) {
  const sale = product.sale_price_cents;
  if (sale !== null && sale !== undefined && phase === 'open' && sale !== product.price_cents) {
    return h('div', { class: 'price', 'data-testid': 'price' },
      h('span', { class: 'visually-hidden' }, 'Sale price: '),
      money(sale, product.currency),
      h('del', {}, h('span', { class: 'visually-hidden' }, 'regular price: '), money(product.price_cents, product.currency)));
  }
  return h('div', { class: 'price', 'data-testid': 'price' }, money(product.price_cents, product.currency));
}

/**
 * A neutral stand-in for a product without a picture: the first letter of its name.
 * @param {string} name
 */
function imageFallback(name) {
  return h('div', { class: 'img-fallback muted', 'aria-hidden': 'true' }, (name.trim().charAt(0) || '?').toUpperCase());
}

/**
 * One of a product's pictures (lazy, described by the product's name), or the fallback when it
 * has none or the picture fails to load.
 * @param {Product} product
 * @param {number} [index]
 * @param {string} [alt]
 * @returns {HTMLElement}
 */
export function productImage(product, index = 0, alt = product.name) {
  const src = product.images?.[index];
  if (!src) return imageFallback(product.name);
  const img = h('img', { src, alt, loading: 'lazy', decoding: 'async', referrerPolicy: 'no-referrer' });
  img.addEventListener('error', () => img.replaceWith(imageFallback(product.name)), { once: true });
  return img;
}

/**
 * Stars for an average rating, read out as "Rated 4.5 out of 5".
 * @param {number} rating
 * @param {number} [count] how many reviews it averages
 */
export function stars(rating, count) {
  const full = Math.max(0, Math.min(5, Math.round(rating)));
  const of = count === undefined ? '' : ` from ${count} review${count === 1 ? '' : 's'}`;
  return h('span', { class: 'stars', role: 'img', 'aria-label': `Rated ${rating.toFixed(1)} out of 5${of}` },
    '★'.repeat(full) + '☆'.repeat(5 - full));
}

/** The "Sold out" badge. */
export function soldOutBadge() {
  return h('span', { class: 'badge sold-out', 'data-testid': 'sold-out' }, 'Sold out');
}

/**
 * A product card: picture, name linking to its page, brand, price, rating and a badge slot
 * (`[data-badges]`, a polite live region).
 * @param {Product} product
 */
export function productCard(product) {
  return h('article', { class: 'card', 'data-testid': 'product-card', 'data-product-id': product.id },
    productImage(product),
    h('div', { class: 'card-body' },
      h('h3', {}, h('a', { href: `/products/${encodeURIComponent(product.id)}` }, product.name)),
      product.brand && h('div', { class: 'muted' }, product.brand),
      priceLine(product),
      product.rating_avg !== null && product.rating_avg !== undefined && h('div', {},
        stars(product.rating_avg, product.rating_count), ' ',
        h('span', { class: 'muted', 'aria-hidden': 'true' }, `(${product.rating_count})`)),
      h('div', { 'data-badges': '', 'aria-live': 'polite' }, product.available <= 0 && soldOutBadge())));
}

