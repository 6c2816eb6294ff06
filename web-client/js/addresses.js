// @ts-check
/**
 * @file Postal addresses as people read them: the lines of an address, and the `<address>`
 * element that shows them (the account's address book, a parcel's label, an order's ship-to).
 */

import { h } from './dom.js';

/**
 * Every part optional: couriers and sellers see what the order carries.
 * @typedef {{name?: string, line1?: string, line2?: string | null, city?: string, region?: string | null, postal_code?: string, country?: string, phone?: string | null}} PostalAddress
 */

/**
 * The lines of `address`, empty parts left out; the phone last, unless `phone` is false.
 * @param {PostalAddress} address
 * @param {{phone?: boolean}} [options]
 * @returns {string[]}
 */
export function addressLines(address, { phone = true } = {}) {
  return [
    address.name,
    address.line1,
    address.line2,
    [address.postal_code, address.city].filter(Boolean).join(' '),
    address.region,
    address.country,
    phone ? address.phone : null,
  ].filter(/** @returns {line is string} */ (line) => typeof line === 'string' && line !== '');
}

/**
 * `address` as an `<address>` element, a line each.
 * @param {PostalAddress} address
 * @param {{phone?: boolean}} [options] as for `addressLines`
 */
export function addressBlock(address, options) {
  return h('address', {}, addressLines(address, options).flatMap((line, i) => (i === 0 ? [line] : [h('br'), line])));
}
