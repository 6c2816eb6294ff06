// @ts-check
/**
 * @file The cart (`/cart`): one row per line with its unit price, an editable quantity (saved
 * with `PATCH /cart/items/{product_id}` as soon as it changes), the units still available and a
 * Remove button; the coupon form; the totals; and the way on to checkout. Every line's product
 * is followed live (`product:<id>`), so a line whose quantity no longer fits the stock is flagged
 * the moment someone else buys the last units. Rows are updated in place, never redrawn, so the
 * keyboard focus stays where the user left it.
 */

import { ApiError, api } from '../api.js';
import { signedIn } from '../access.js';
import { clearProblem, field, h, money, replace, scrollBox, showProblem, toast } from '../dom.js';
import { on, subscribe } from '../live.js';

/**
 * @typedef {{product_id: string, name: string, unit_price_cents: number, qty: number, line_total_cents: number, discount_cents: number, available: number}} CartItem
 * @typedef {{code: string, kind: 'percent' | 'fixed', value: number, currency: string | null, applies_to: string[], problem: {code: string, detail: string} | null}} CartCoupon
 * @typedef {{items: CartItem[], subtotal_cents: number, discount_cents: number, total_cents: number, currency: string | null, coupon: CartCoupon | null}} Cart
 * @typedef {{row: HTMLTableRowElement, qty: HTMLInputElement, price: HTMLElement, available: HTMLElement, warning: HTMLElement, total: HTMLElement, message: HTMLElement, remove: HTMLButtonElement, item: CartItem}} Line
 */

/** The most units one line may hold (the server's `Quantity::MAX`). */
const MAX_QTY = 1000;

/** @param {unknown} error */
function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A coupon in words: "10% off", "€5.00 off".
 * @param {CartCoupon} coupon
 * @param {string | null} currency the cart's
 */
function couponWords(coupon, currency) {
  return coupon.kind === 'percent'
    ? `${coupon.value}% off`
    : `${money(coupon.value, coupon.currency ?? currency ?? undefined)} off`;
}

/**
 * Shows how many units of a line can be bought, and warns when the line asks for more.
 * @param {Line} line
 */
function showAvailable(line) {
  const { qty, available } = line.item;
  line.available.className = available <= 0 ? 'stock sold-out' : qty > available ? 'stock low' : 'stock';
  line.available.textContent = available <= 0 ? 'Sold out' : `${available} available`;
  line.warning.textContent = qty <= available ? ''
    : available <= 0 ? 'Sold out: remove this line to check out.'
      : `Only ${available} available: lower the quantity to check out.`;
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function cartView(ctx) {
  const user = signedIn();
  if (!user) return;
  const heading = h('h1', {}, 'Your cart');
  replace(ctx.root, heading, h('p', { class: 'loading', role: 'status' }, 'Loading your cart…'));

  /** @type {Cart} */
  let cart;
  try {
    cart = await api('/cart');
  } catch (error) {
    replace(ctx.root, heading, h('p', { class: 'alert', role: 'alert' }, `Your cart could not be loaded: ${errorText(error)}`));
    return;
  }

  /** @type {Map<string, Line>} */
  const lines = new Map();
  /** Live subscriptions, one per line's product. @type {Map<string, () => void>} */
  const following = new Map();
  ctx.onLeave(() => {
    for (const unsubscribe of following.values()) unsubscribe();
    following.clear();
  });
  ctx.onLeave(on('stock', (message) => {
    const line = lines.get(String(message.product_id));
    if (!line || typeof message.available !== 'number') return;
    line.item = { ...line.item, available: message.available };
    showAvailable(line);
  }));
  // Stock changes made while the connection was down were not heard: read the cart again.
  ctx.onLeave(on('reconnected', () => {
    void enqueue(async () => {
      try {
        draw(await api('/cart'));
      } catch {
        // The cart stays as drawn; the next change or reload reads it again.
      }
    });
  }));

  // Changes are sent one after another, so answers never arrive out of order.
  /** @type {Promise<void>} */
  let queue = Promise.resolve();
  /** @param {() => Promise<void>} task */
  const enqueue = (task) => {
    queue = queue.then(task, task);
    return queue;
  };

  const tbody = h('tbody');
  const table = scrollBox('Cart lines',
    h('table', {},
      h('caption', { class: 'visually-hidden' }, 'Items in your cart'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Product'),
        h('th', { scope: 'col', class: 'number' }, 'Price'),
        h('th', { scope: 'col' }, 'Quantity'),
        h('th', { scope: 'col' }, 'Availability'),
        h('th', { scope: 'col', class: 'number' }, 'Total'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
      tbody));
  const empty = h('p', { 'data-testid': 'cart-empty' }, 'Your cart is empty. ', h('a', { href: '/' }, 'Browse the shop'));

  const subtotal = h('dd');
  const discount = h('dd');
  const total = h('dd', { class: 'grand', 'data-testid': 'cart-total' });
  const totals = h('dl', { class: 'totals', 'aria-live': 'polite', 'data-testid': 'cart-totals' },
    h('dt', {}, 'Subtotal'), subtotal,
    h('dt', {}, 'Discount'), discount,
    h('dt', { class: 'grand' }, 'Total'), total);

  const couponInput = /** @type {HTMLInputElement} */ (
    field('Coupon code', 'code', { autocomplete: 'off', required: true, maxLength: 64 }).querySelector('input'));
  const couponForm = h('form', { class: 'form', 'data-testid': 'coupon-form', onsubmit: applyCoupon },
    /** @type {HTMLElement} */ (couponInput.parentElement),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply')),
    h('p', { class: 'alert', role: 'alert' }));
  const appliedText = h('p');
  const appliedProblem = h('p', { class: 'alert' });
  const removeCouponButton = h('button', { type: 'button', class: 'secondary', onclick: removeCoupon }, 'Remove coupon');
  const applied = h('div', { 'data-testid': 'applied-coupon', hidden: true },
    appliedText, appliedProblem,
    h('div', { class: 'actions' }, removeCouponButton),
    h('p', { class: 'alert', role: 'alert' }));
  const couponStatus = h('div', { 'aria-live': 'polite' }, applied);

  const toCheckout = h('a', { class: 'button', href: '/checkout', 'data-testid': 'to-checkout' }, 'Checkout');
  // `hidden` loses to `.button`'s display: hide a plain wrapper instead.
  const toCheckoutBox = h('div', {}, toCheckout);
  const checkoutNote = user.role === 'customer' ? null
    : h('p', { class: 'muted' }, 'Only customer accounts can check out.');
  const summary = h('section', { class: 'panel', 'aria-labelledby': 'cart-summary-title' },
    h('h2', { id: 'cart-summary-title' }, 'Summary'),
    couponStatus, couponForm,
    totals,
    h('p', { class: 'muted' }, 'Shipping and tax are added at checkout.'),
    toCheckoutBox,
    checkoutNote);

  replace(ctx.root, heading, empty, table, summary);
  draw(cart);

  /**
   * Makes the row of a new line.
   * @param {CartItem} item
   * @returns {Line}
   */
  function buildLine(item) {
    const id = `qty-${item.product_id}`;
    const qty = h('input', {
      id, type: 'number', name: 'qty', min: '0', max: String(MAX_QTY), step: '1', inputMode: 'numeric',
      value: String(item.qty), 'data-testid': 'line-qty',
    });
    const message = h('p', { class: 'alert', role: 'alert', 'data-testid': 'line-error' });
    const available = h('span', { class: 'stock', 'data-testid': 'line-available' });
    const warning = h('p', { class: 'alert', 'data-testid': 'line-warning' });
    const price = h('td', { class: 'number' });
    const lineTotal = h('td', { class: 'number', 'data-testid': 'line-total' });
    const remove = h('button', {
      type: 'button', class: 'secondary', 'aria-label': `Remove ${item.name}`, 'data-testid': 'remove-line',
      onclick: () => enqueue(() => removeLine(item.product_id)),
    }, 'Remove');
    const row = h('tr', { 'data-testid': 'cart-line', 'data-product-id': item.product_id },
      h('td', {}, h('a', { href: `/products/${encodeURIComponent(item.product_id)}` }, item.name), message),
      price,
      h('td', {}, h('label', { for: id, class: 'visually-hidden' }, `Quantity of ${item.name}`), qty),
      h('td', { 'aria-live': 'polite' }, available, warning),
      lineTotal,
      h('td', {}, remove));
    /** @type {Line} */
    const line = { row, qty, price, available, warning, total: lineTotal, message, remove, item };
    qty.addEventListener('change', () => enqueue(() => setQty(line)));
    return line;
  }

  /**
   * Shows `next`: updates rows in place, adds new ones, drops gone ones, follows their stock.
   * @param {Cart} next
   */
  function draw(next) {
    cart = next;
    const present = new Set(next.items.map((item) => item.product_id));
    for (const [productId, line] of lines) {
      if (present.has(productId)) continue;
      line.row.remove();
      lines.delete(productId);
      following.get(productId)?.();
      following.delete(productId);
    }
    next.items.forEach((item, index) => {
      let line = lines.get(item.product_id);
      if (!line) {
        line = buildLine(item);
        lines.set(item.product_id, line);
        following.set(item.product_id, subscribe(`product:${item.product_id}`));
      }
      line.item = item;
      line.price.textContent = money(item.unit_price_cents, next.currency ?? undefined);
      line.total.textContent = money(item.line_total_cents, next.currency ?? undefined);
      if (line.qty.value !== String(item.qty)) line.qty.value = String(item.qty);
      showAvailable(line);
      // Moving a row that holds the focus would drop the focus: move only rows out of place.
      if (tbody.children[index] !== line.row) tbody.insertBefore(line.row, tbody.children[index] ?? null);
    });

    const hasItems = next.items.length > 0;
    empty.hidden = hasItems;
    table.hidden = !hasItems;
    summary.hidden = !hasItems;
    toCheckoutBox.hidden = !hasItems || user?.role !== 'customer';

    const currency = next.currency ?? undefined;
    subtotal.textContent = money(next.subtotal_cents, currency);
    discount.textContent = next.discount_cents > 0 ? `−${money(next.discount_cents, currency)}` : money(0, currency);
    total.textContent = money(next.total_cents, currency);

    const coupon = next.coupon;
    applied.hidden = !coupon;
    couponForm.hidden = Boolean(coupon);
    if (coupon) {
      replace(appliedText, 'Coupon ', h('strong', {}, coupon.code), `: ${couponWords(coupon, next.currency)}`);
      appliedProblem.textContent = coupon.problem ? `It gives no discount now: ${coupon.problem.detail}` : '';
    }
  }

  /**
   * Saves a line's new quantity (0 removes the line); a refusal puts the old one back.
   * @param {Line} line
   */
  async function setQty(line) {
    const wanted = Number(line.qty.value);
    line.message.textContent = '';
    if (!Number.isInteger(wanted) || wanted < 0 || wanted > MAX_QTY) {
      line.message.textContent = `Enter a whole number from 0 to ${MAX_QTY}.`;
      line.qty.value = String(line.item.qty);
      return;
    }
    if (wanted === line.item.qty) return;
    if (wanted === 0) {
      await removeLine(line.item.product_id);
      return;
    }
    try {
      draw(await api(`/cart/items/${encodeURIComponent(line.item.product_id)}`, { method: 'PATCH', body: { qty: wanted } }));
    } catch (error) {
      line.qty.value = String(line.item.qty);
      if (error instanceof ApiError && error.code === 'out_of_stock' && typeof error.problem.available === 'number') {
        line.item = { ...line.item, available: error.problem.available };
        showAvailable(line);
        line.message.textContent = `Only ${error.problem.available} of ${line.item.name} available.`;
      } else {
        line.message.textContent = `The quantity could not be changed: ${errorText(error)}`;
      }
    }
  }

  /**
   * Removes a line, then moves the focus to a neighbouring line (or the heading).
   * @param {string} productId
   */
  async function removeLine(productId) {
    const line = lines.get(productId);
    if (!line) return;
    const rows = [...lines.keys()];
    const at = rows.indexOf(productId);
    const neighbour = rows[at + 1] ?? rows[at - 1];
    line.remove.disabled = true;
    try {
      draw(await api(`/cart/items/${encodeURIComponent(productId)}`, { method: 'DELETE' }));
      toast(`Removed ${line.item.name} from your cart.`);
      const next = neighbour ? lines.get(neighbour) : undefined;
      if (next) {
        next.qty.focus();
      } else {
        heading.tabIndex = -1;
        heading.focus();
      }
    } catch (error) {
      line.remove.disabled = false;
      line.message.textContent = `${line.item.name} could not be removed: ${errorText(error)}`;
    }
  }

  /** @param {SubmitEvent} event */
  async function applyCoupon(event) {
    event.preventDefault();
    clearProblem(couponForm);
    const button = /** @type {HTMLButtonElement} */ (couponForm.querySelector('button[type="submit"]'));
    const code = couponInput.value.trim();
    if (!code) return;
    button.disabled = true;
    try {
      await enqueue(async () => {
        draw(await api('/cart/coupon', { method: 'POST', body: { code } }));
        couponInput.value = '';
        removeCouponButton.focus();
      });
    } catch (error) {
      showProblem(couponForm, error);
    } finally {
      button.disabled = false;
    }
  }

  async function removeCoupon() {
    const alert = /** @type {HTMLElement} */ (applied.querySelector('[role="alert"]'));
    alert.textContent = '';
    removeCouponButton.disabled = true;
    try {
      await enqueue(async () => {
        draw(await api('/cart/coupon', { method: 'DELETE' }));
        couponInput.focus();
      });
    } catch (error) {
      alert.textContent = `The coupon could not be removed: ${errorText(error)}`;
    } finally {
      removeCouponButton.disabled = false;
    }
  }
}
