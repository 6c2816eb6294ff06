// @ts-check
/**
 * @file The seller dashboard's sub-navigation: a `nav` of links to its six pages, the current one
 * marked with `aria-current="page"`. Every seller view draws it first, above its heading.
 */

import { h } from '../../dom.js';

/** The dashboard's pages, in the order the navigation lists them. @type {Array<[string, string]>} */
export const SELLER_PAGES = [
  ['/seller', 'Products'],
  ['/seller/import', 'Import'],
  ['/seller/inventory', 'Inventory'],
  ['/seller/orders', 'Orders'],
  ['/seller/coupons', 'Coupons'],
  ['/seller/analytics', 'Analytics'],
];

/**
 * The sub-navigation, with `current` (a path of {@link SELLER_PAGES}) marked as the page shown.
 * @param {string} current
 */
export function sellerNav(current) {
  return h('nav', { class: 'subnav', 'aria-label': 'Seller' },
    h('ul', {},
      SELLER_PAGES.map(([href, text]) => h('li', {},
        h('a', { href, 'aria-current': href === current ? 'page' : undefined }, text)))));
}
