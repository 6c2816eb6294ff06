// @ts-check
/**
 * @file Checkout (`/checkout`, customers): the cart's summary, then one form: where to ship (a
 * saved address, or a new one that can be saved to the address book first), how to ship, and
 * how to pay (a card, or the wallet). "Place order" sends `POST /checkout` with an
 * `Idempotency-Key` that stays the same while the same form is retried, so a lost answer never
 * makes two orders. A declined card leaves the order waiting for payment: from then on the form
 * pays that order (`POST /orders/{id}/pay`) instead of placing another, and shows its totals with
 * shipping and tax. Every refusal of the server is said in plain words. Native inputs only, in
 * reading order, so the whole form works by keyboard; Enter places the order.
 *
 * The card fields and the key-per-form helper are shared with the order page.
 */

import { ApiError, api, idempotencyKey } from '../api.js';
import { signedIn } from '../access.js';
import { clearProblem, dateTime, field, formValues, h, money, replace, showProblem, words } from '../dom.js';
import { navigate } from '../router.js';
import { orderNumber } from './orders.js';

/**
 * @typedef {import('./cart.js').Cart} Cart
 * @typedef {import('./order.js').Order} Order
 * @typedef {{id: string, label: string | null, name: string, line1: string, line2: string | null, city: string, region: string | null, postal_code: string, country: string, phone: string | null, is_default: boolean}} Address
 * @typedef {{name: string, line1: string, line2?: string, city: string, region?: string, postal_code: string, country: string, phone?: string}} AddressBody
 * @typedef {{id: string, name: string, price_cents: number, currency: string | null, estimate_days: number, countries?: string[]}} ShippingMethod
 * @typedef {{balance_cents: number, currency: string}} Wallet
 * @typedef {{number: string, exp_month: number, exp_year: number, cvc: string}} CardBody
 * @typedef {{method: 'card', card: CardBody} | {method: 'wallet'}} PaymentBody
 */

let hintCount = 0;

/**
 * The card fields of a payment form, named `${prefix}number`, `${prefix}exp_month`,
 * `${prefix}exp_year` and `${prefix}cvc` after the request body, so the server's field errors
 * land beside them.
 * @param {string} prefix e.g. `payment.card.` at checkout, `card.` when paying an order
 */
export function cardFields(prefix) {
  const hint = `card-hint-${++hintCount}`;
  return [
    field('Card number', `${prefix}number`, {
      autocomplete: 'cc-number', inputMode: 'numeric', required: true, maxLength: 23, 'aria-describedby': hint,
    }),
    h('p', { id: hint, class: 'muted' }, 'Test card: 4242 4242 4242 4242, any future expiry date, any 3-digit CVC.'),
    h('div', { class: 'form-row' },
      field('Expiry month', `${prefix}exp_month`, {
        autocomplete: 'cc-exp-month', inputMode: 'numeric', required: true, maxLength: 2, pattern: '[0-9]{1,2}', placeholder: 'MM',
      }),
      field('Expiry year', `${prefix}exp_year`, {
        autocomplete: 'cc-exp-year', inputMode: 'numeric', required: true, maxLength: 4, pattern: '[0-9]{2}|[0-9]{4}', placeholder: 'YYYY',
      }),
      field('CVC', `${prefix}cvc`, {
        autocomplete: 'cc-csc', inputMode: 'numeric', required: true, maxLength: 4, pattern: '[0-9]{3,4}',
      })),
  ];
}

/**
 * The card of a form drawn with `cardFields(prefix)`.
 * @param {Record<string, string>} values `formValues()` of the form
 * @param {string} prefix
 * @returns {CardBody}
 */
export function readCard(values, prefix) {
  return {
    number: values[`${prefix}number`] ?? '',
    exp_month: Number.parseInt(values[`${prefix}exp_month`] ?? '', 10) || 0,
    exp_year: Number.parseInt(values[`${prefix}exp_year`] ?? '', 10) || 0,
    cvc: values[`${prefix}cvc`] ?? '',
  };
}

/**
 * The same error with its field names prefixed, so the errors of a request whose body is part
 * of the form's (an address, a payment) land beside the form's fields.
 * @param {unknown} error
 * @param {string} prefix
 */
export function withFieldPrefix(error, prefix) {
  if (!(error instanceof ApiError) || !error.problem.errors) return error;
  return new ApiError(error.status, {
    ...error.problem,
    errors: error.problem.errors.map((e) => ({ ...e, field: `${prefix}${e.field}` })),
  });
}

/**
 * One `Idempotency-Key` per intent: the returned function gives the same key for the same body
 * (a retry of the same form) and a new key once the body changed (a new intent).
 */
export function keyPerBody() {
  let body = '';
  let key = '';
  return (/** @type {unknown} */ payload) => {
    const text = JSON.stringify(payload);
    if (text !== body) {
      body = text;
      key = idempotencyKey();
    }
    return key;
  };
}

/**
 * "Your card was declined — <the server's detail>".
 * @param {ApiError} error
 * @param {string} method `card` or `wallet`
 */
export function declinedText(error, method) {
  const detail = error.problem.detail ?? error.message;
  return `${method === 'wallet' ? 'Your wallet payment was declined' : 'Your card was declined'} — ${detail}.`;
}

/**
 * The waiting-room ticket kept (by the product page) for a product of the cart.
 * @param {Cart} cart
 */
function queueTicket(cart) {
  for (const item of cart.items) {
    const stored = sessionStorage.getItem(`bazaar.queue.${item.product_id}`);
    if (stored) return stored;
  }
  return null;
}

/**
 * An address on one line.
 * @param {Address} address
 */
function addressLine(address) {
  return [address.name, address.line1, address.line2, `${address.postal_code} ${address.city}`, address.region, address.country]
    .filter(Boolean).join(', ');
}

/**
 * A radio button with its label.
 * @param {string} name
 * @param {string} value
 * @param {boolean} checked
 * @param {...import('../dom.js').Children} label
 */
function radio(name, value, checked, ...label) {
  const input = h('input', { type: 'radio', name, value, checked });
  return { input, label: h('label', { class: 'checkbox' }, input, h('span', {}, ...label)) };
}

/** @param {unknown} error */
function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function checkoutView(ctx) {
  const user = signedIn();
  if (!user) return;
  const heading = h('h1', {}, 'Checkout');
  if (user.role !== 'customer') {
    replace(ctx.root, heading, h('p', { role: 'status' },
      `Only customer accounts can place orders; you are signed in as ${user.role === 'admin' ? 'an' : 'a'} ${user.role}. `,
      h('a', { href: '/' }, 'Back to the shop')));
    return;
  }
  replace(ctx.root, heading, h('p', { class: 'loading', role: 'status' }, 'Loading checkout…'));

  /** @type {Cart} */
  let cart;
  /** @type {Address[]} */
  let addresses;
  /** @type {ShippingMethod[]} */
  let methods;
  /** @type {Wallet | null} */
  let wallet;
  try {
    [cart, addresses, methods, wallet] = await Promise.all([
      api('/cart'),
      api('/users/me/addresses', { query: { per_page: 100 } }).then((page) => /** @type {Address[]} */ (page.items)),
      api('/shipping-methods'),
      api('/wallet').catch(() => null),
    ]);
  } catch (error) {
    replace(ctx.root, heading, h('p', { class: 'alert', role: 'alert' }, `Checkout could not be loaded: ${errorText(error)}`));
    return;
  }
  if (cart.items.length === 0) {
    replace(ctx.root, heading, h('p', { 'data-testid': 'checkout-empty' }, 'Your cart is empty. ', h('a', { href: '/' }, 'Browse the shop')));
    return;
  }
  const currency = cart.currency ?? undefined;
  const nameOf = (/** @type {unknown} */ productId) =>
    cart.items.find((item) => item.product_id === productId)?.name ?? 'a product in your cart';

  // Summary of what is bought.
  const summary = h('section', { class: 'panel', 'aria-labelledby': 'checkout-summary-title', 'data-testid': 'checkout-summary' },
    h('h2', { id: 'checkout-summary-title' }, 'Your order'),
    h('ul', {}, cart.items.map((item) => h('li', { 'data-testid': 'checkout-line' },
      `${item.qty} × `, h('a', { href: `/products/${encodeURIComponent(item.product_id)}` }, item.name),
      ` — ${money(item.line_total_cents, currency)}`))),
    cart.coupon && h('p', {}, 'Coupon ', h('strong', {}, cart.coupon.code), ' applied.'),
    h('p', {}, h('a', { href: '/cart' }, 'Change your cart')));

  // Address.
  const defaultAddress = addresses.find((a) => a.is_default) ?? addresses[0];
  const addressRadios = addresses.map((address) => radio('address', address.id, address === defaultAddress,
    address.label ? h('strong', {}, `${address.label}: `) : null, addressLine(address),
    address.is_default ? ' (default)' : null));
  const newRadio = addresses.length > 0 ? radio('address', 'new', false, 'A new address') : null;
  const prefix = 'shipping_address.';
  const newAddress = h('fieldset', { 'data-testid': 'new-address' },
    h('legend', {}, 'New address'),
    field('Full name', `${prefix}name`, { autocomplete: 'name', required: true, maxLength: 100 }),
    field('Address line 1', `${prefix}line1`, { autocomplete: 'address-line1', required: true, maxLength: 200 }),
    field('Address line 2 (optional)', `${prefix}line2`, { autocomplete: 'address-line2', maxLength: 200 }),
    h('div', { class: 'form-row' },
      field('City', `${prefix}city`, { autocomplete: 'address-level2', required: true, maxLength: 100 }),
      field('Region (optional)', `${prefix}region`, { autocomplete: 'address-level1', maxLength: 100 })),
    h('div', { class: 'form-row' },
      field('Postal code', `${prefix}postal_code`, { autocomplete: 'postal-code', required: true, maxLength: 20 }),
      field('Country (2-letter code, e.g. DE)', `${prefix}country`, {
        autocomplete: 'country', required: true, minLength: 2, maxLength: 2, pattern: '[A-Za-z]{2}',
      })),
    field('Phone (optional)', `${prefix}phone`, { type: 'tel', autocomplete: 'tel', maxLength: 32 }),
    h('label', { class: 'checkbox' }, h('input', { type: 'checkbox', name: 'save_address' }), 'Save this address'));
  const addressSet = h('fieldset', {},
    h('legend', {}, 'Shipping address'),
    addressRadios.map((r) => r.label), newRadio?.label,
    newAddress,
    h('span', { class: 'field-error', 'data-error-for': 'shipping_address', 'aria-live': 'polite' }));

  // Shipping method: those that can ship in the cart's currency.
  const usable = methods.filter((m) => !m.currency || !cart.currency || m.currency === cart.currency);
  /** @type {Map<string, HTMLElement>} */
  const methodNotes = new Map();
  const methodRadios = usable.map((method, index) => {
    const note = h('span', { class: 'muted' });
    methodNotes.set(method.id, note);
    const price = method.price_cents === 0 ? 'free' : money(method.price_cents, method.currency ?? currency);
    const days = `${method.estimate_days} ${method.estimate_days === 1 ? 'day' : 'days'}`;
    return {
      method,
      ...radio('shipping_method', method.id, index === 0, h('strong', {}, method.name), ` — ${price}, about ${days}`,
        method.countries ? ` (ships to ${method.countries.join(', ')})` : null, ' ', note),
    };
  });
  const methodSet = h('fieldset', { 'data-testid': 'shipping-methods' },
    h('legend', {}, 'Shipping method'),
    methodRadios.length ? methodRadios.map((r) => r.label) : h('p', {}, 'The shop’s default shipping is used.'),
    h('span', { class: 'field-error', 'data-error-for': 'shipping_method', 'aria-live': 'polite' }));

  // Payment.
  const walletUsable = wallet !== null && wallet.currency === (cart.currency ?? wallet.currency);
  const cardRadio = radio('payment.method', 'card', true, 'Card');
  const walletRadio = radio('payment.method', 'wallet', false, 'Wallet',
    wallet === null ? ' (unavailable)'
      : walletUsable ? ` (balance ${money(wallet.balance_cents, wallet.currency)})`
        : ` (your wallet holds ${wallet.currency}; this order is in ${cart.currency})`);
  walletRadio.input.disabled = !walletUsable;
  const cardSet = h('fieldset', { 'data-testid': 'card-fields' }, h('legend', {}, 'Card details'), cardFields('payment.card.'));
  const walletNote = h('p', { 'data-testid': 'wallet-balance', hidden: true },
    wallet ? `Your wallet balance is ${money(wallet.balance_cents, wallet.currency)}.` : '');
  const paymentSet = h('fieldset', {},
    h('legend', {}, 'Payment'),
    cardRadio.label, walletRadio.label,
    h('span', { class: 'field-error', 'data-error-for': 'payment.method', 'aria-live': 'polite' }),
    cardSet, walletNote);

  // Totals, the messages and the button.
  const totals = h('dl', { class: 'totals', 'aria-live': 'polite', 'data-testid': 'checkout-totals' });
  const totalsNote = h('p', { class: 'muted' }, 'Tax is worked out when the order is placed.');
  const alert = h('div', { class: 'alert', role: 'alert', 'data-testid': 'checkout-error' });
  const placeButton = h('button', { type: 'submit', 'data-testid': 'place-order' }, 'Place order');
  const form = h('form', { class: 'form', 'aria-labelledby': 'checkout-form-title', 'data-testid': 'checkout-form' },
    h('h2', { id: 'checkout-form-title', class: 'visually-hidden' }, 'Shipping and payment'),
    addressSet, methodSet, paymentSet,
    h('h2', {}, 'Total'), totals, totalsNote,
    alert,
    h('div', { class: 'actions' }, placeButton));
  form.addEventListener('change', update);
  form.addEventListener('input', update);
  form.addEventListener('submit', submit);

  const checkoutKey = keyPerBody();
  const payKey = keyPerBody();
  /** The address saved from this form, so a retry does not save it twice. @type {{body: string, id: string} | null} */
  let saved = null;
  /** The order placed whose payment was declined: from then on the form pays it. @type {string | null} */
  let pendingOrder = null;
  /** The shipping method the totals show (none drawn yet). @type {string | null} */
  let totalsFor = null;

  replace(ctx.root, heading, summary, form);
  update();

  /** The chosen address radio (`new` when there is no saved address). */
  function addressChoice() {
    return /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="address"]:checked'))?.value ?? 'new';
  }

  /** The chosen shipping method, if any. */
  function chosenMethod() {
    return methodRadios.find((r) => r.input.checked)?.method;
  }

  /** The chosen payment method. */
  function paymentMethod() {
    return walletRadio.input.checked ? 'wallet' : 'card';
  }

  /** Follows the form's choices: which fields count, which methods ship there, the totals. */
  function update() {
    const choice = addressChoice();
    const usingNew = choice === 'new';
    newAddress.disabled = !usingNew;
    newAddress.hidden = !usingNew;

    const values = formValues(form);
    const country = (usingNew ? values[`${prefix}country`] ?? ''
      : addresses.find((a) => a.id === choice)?.country ?? '').toUpperCase();
    for (const { method, input } of methodRadios) {
      const serves = !method.countries || country.length !== 2 || method.countries.includes(country);
      input.disabled = !serves;
      /** @type {HTMLElement} */ (methodNotes.get(method.id)).textContent = serves ? '' : `(does not ship to ${country})`;
    }
    if (methodRadios.length && !chosenMethod()) {
      const first = methodRadios.find((r) => !r.input.disabled);
      if (first) first.input.checked = true;
    }

    const wallet = paymentMethod() === 'wallet';
    cardSet.disabled = wallet;
    cardSet.hidden = wallet;
    walletNote.hidden = !wallet;

    // Redrawn only when the shipping changes: the totals are a live region.
    const method = chosenMethod()?.id ?? '';
    if (!pendingOrder && method !== totalsFor) {
      totalsFor = method;
      drawCartTotals();
    }
  }

  /** Before placing: the cart's subtotal and discount and the chosen shipping price. */
  function drawCartTotals() {
    const method = chosenMethod();
    const shipping = method?.price_cents ?? 0;
    replace(totals,
      h('dt', {}, 'Subtotal'), h('dd', {}, money(cart.subtotal_cents, currency)),
      h('dt', {}, 'Discount'), h('dd', {}, cart.discount_cents > 0 ? `−${money(cart.discount_cents, currency)}` : money(0, currency)),
      h('dt', {}, 'Shipping'), h('dd', { 'data-testid': 'checkout-shipping' }, method ? money(shipping, method.currency ?? currency) : '—'),
      h('dt', { class: 'grand' }, 'Total before tax'),
      h('dd', { class: 'grand', 'data-testid': 'checkout-total' }, money(cart.total_cents + shipping, currency)));
  }

  /**
   * After placing: the order's own totals, with shipping and tax.
   * @param {Order} order
   */
  function drawOrderTotals(order) {
    const cur = order.currency;
    replace(totals,
      h('dt', {}, 'Subtotal'), h('dd', {}, money(order.subtotal_cents ?? 0, cur)),
      h('dt', {}, 'Discount'), h('dd', {}, (order.discount_cents ?? 0) > 0 ? `−${money(order.discount_cents ?? 0, cur)}` : money(0, cur)),
      h('dt', {}, 'Shipping'), h('dd', { 'data-testid': 'checkout-shipping' }, money(order.shipping_cents ?? 0, cur)),
      h('dt', {}, 'Tax'), h('dd', { 'data-testid': 'checkout-tax' }, money(order.tax_cents ?? 0, cur)),
      h('dt', { class: 'grand' }, 'Total'), h('dd', { class: 'grand', 'data-testid': 'checkout-total' }, money(order.total_cents ?? 0, cur)));
    totalsNote.textContent = order.payment_due_at
      ? `Pay by ${dateTime(order.payment_due_at)}, or the order expires and its items go back on sale.` : '';
  }

  /** The inline address of the form. @returns {AddressBody} */
  function readAddress() {
    const values = formValues(form);
    /** @param {string} name */
    const value = (name) => values[`${prefix}${name}`];
    return {
      name: value('name') ?? '',
      line1: value('line1') ?? '',
      ...(value('line2') ? { line2: value('line2') } : {}),
      city: value('city') ?? '',
      ...(value('region') ? { region: value('region') } : {}),
      postal_code: value('postal_code') ?? '',
      country: (value('country') ?? '').toUpperCase(),
      ...(value('phone') ? { phone: value('phone') } : {}),
    };
  }

  /** The payment of the form. @returns {PaymentBody} */
  function readPayment() {
    return paymentMethod() === 'wallet' ? { method: 'wallet' } : { method: 'card', card: readCard(formValues(form), 'payment.card.') };
  }

  /**
   * Saves the new address to the address book (once per distinct address) and gives its id.
   * @param {AddressBody} address
   */
  async function saveAddress(address) {
    const body = JSON.stringify(address);
    if (saved && saved.body === body) return saved.id;
    /** @type {Address} */
    const created = await api('/users/me/addresses', { method: 'POST', body: address });
    saved = { body, id: created.id };
    return created.id;
  }

  /** @param {SubmitEvent} event */
  async function submit(event) {
    event.preventDefault();
    if (placeButton.disabled) return;
    clearProblem(form);
    placeButton.disabled = true;
    try {
      if (pendingOrder) await payPending(pendingOrder);
      else await place();
    } finally {
      placeButton.disabled = false;
    }
  }

  async function place() {
    /** @type {Record<string, unknown>} */
    const body = {};
    const choice = addressChoice();
    if (choice !== 'new') {
      body.shipping_address_id = choice;
    } else {
      const address = readAddress();
      const save = /** @type {HTMLInputElement} */ (form.querySelector('input[name="save_address"]')).checked;
      if (save) {
        try {
          body.shipping_address_id = await saveAddress(address);
        } catch (error) {
          showProblem(form, withFieldPrefix(error, prefix));
          return;
        }
      } else {
        body.shipping_address = address;
      }
    }
    const method = chosenMethod();
    if (method) body.shipping_method = method.id;
    body.payment = readPayment();
    const ticket = queueTicket(cart);
    if (ticket) body.queue_ticket = ticket;
    try {
      /** @type {{order: Order}} */
      const placed = await api('/checkout', { method: 'POST', body, headers: { 'Idempotency-Key': checkoutKey(body) } });
      navigate(`/orders/${encodeURIComponent(placed.order.id)}`);
    } catch (error) {
      explain(error);
    }
  }

  /** @param {string} orderId */
  async function payPending(orderId) {
    const payment = readPayment();
    try {
      await api(`/orders/${encodeURIComponent(orderId)}/pay`, { method: 'POST', body: payment, headers: { 'Idempotency-Key': payKey(payment) } });
      navigate(`/orders/${encodeURIComponent(orderId)}`);
    } catch (error) {
      explain(withFieldPrefix(error, 'payment.'));
    }
  }

  /**
   * Says what went wrong, in words, with the way forward.
   * @param {unknown} error
   */
  function explain(error) {
    showProblem(form, error);
    if (!(error instanceof ApiError)) return;
    const problem = error.problem;
    const product = nameOf(problem.product_id);
    const toCart = h('a', { href: '/cart' }, 'Back to your cart');
    switch (error.code) {
      case 'payment_declined': {
        const orderId = typeof problem.order_id === 'string' ? problem.order_id : pendingOrder;
        if (!orderId) break;
        declined(orderId, error);
        break;
      }
      case 'out_of_stock': {
        const available = typeof problem.available === 'number' ? problem.available : 0;
        replace(alert, h('p', {}, available > 0
          ? `Only ${available} of ${product} ${available === 1 ? 'is' : 'are'} left: lower the quantity in your cart. `
          : `${product} is out of stock: remove it from your cart. `, toCart));
        break;
      }
      case 'limit_exceeded': {
        const per = problem.per === 'order' ? ' in one order' : '';
        replace(alert, h('p', {}, `You can buy at most ${problem.limit} of this product${per} (${product}). `, toCart));
        break;
      }
      case 'queue_required':
        replace(alert, h('p', {}, queueWords(problem, product), ' ',
          typeof problem.product_id === 'string'
            ? h('a', { href: `/flash/${encodeURIComponent(problem.product_id)}` }, 'Go to the sale page')
            : toCart));
        break;
      case 'not_on_sale_yet':
        replace(alert, h('p', {}, `${product} is not on sale yet`,
          typeof problem.starts_at === 'string' ? `: the sale starts ${dateTime(problem.starts_at)}. ` : '. ', toCart));
        break;
      case 'sale_ended':
        replace(alert, h('p', {}, `The sale of ${product} has ended`,
          typeof problem.ended_at === 'string' ? ` (${dateTime(problem.ended_at)})` : '', ': remove it from your cart to check out. ', toCart));
        break;
      case 'too_many_unpaid_orders':
        replace(alert, h('p', {}, `You already have ${problem.limit} orders waiting for payment: pay or cancel one first. `,
          h('a', { href: '/orders?status=pending_payment' }, 'Orders waiting for payment')));
        break;
    }
  }

  /**
   * The payment of order `orderId` was declined: the order stands, waiting for payment; the
   * form now pays it.
   * @param {string} orderId
   * @param {ApiError} error
   */
  function declined(orderId, error) {
    const first = pendingOrder === null;
    pendingOrder = orderId;
    addressSet.disabled = true;
    methodSet.disabled = true;
    placeButton.textContent = 'Pay for this order';
    const orderLink = h('a', { href: `/orders/${encodeURIComponent(orderId)}`, 'data-testid': 'pending-order-link' },
      `Order ${orderNumber(orderId)}`);
    replace(alert,
      h('p', {}, declinedText(error, paymentMethod())),
      h('p', {}, orderLink, ' was placed and waits for payment. Enter another card (or choose your wallet) and try again.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'try-another-card', onclick: () => form.requestSubmit() }, 'Try another card')));
    if (first) {
      api(`/orders/${encodeURIComponent(orderId)}`)
        .then((/** @type {Order} */ order) => drawOrderTotals(order))
        .catch(() => { totalsNote.textContent = 'The order’s totals could not be loaded; they are on the order page.'; });
    }
  }
}

/**
 * Why the waiting room refused the checkout, in words.
 * @param {import('../api.js').Problem} problem
 * @param {string} product
 */
function queueWords(problem, product) {
  switch (problem.reason) {
    case 'missing':
      return `${product} sells through a waiting room: join the queue on its sale page and check out once you are let in.`;
    case 'not_admitted':
      return typeof problem.position === 'number'
        ? `You are in the waiting room for ${product}: ${problem.position} ahead of you. You can check out once you are let in.`
        : `You are in the waiting room for ${product}: places are drawn when the sale starts.`;
    case 'several_rooms':
      return 'Your cart holds products of more than one waiting room: check them out one at a time.';
    default:
      return `Your waiting-room ticket for ${product} no longer counts (${words(String(problem.reason ?? 'invalid'))}): join the queue again.`;
  }
}
