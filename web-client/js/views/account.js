// @ts-check
/**
 * @file The signed-in user's account (`/account`), one panel per concern, each loading and
 * failing on its own: the profile (name, phone), the promotions opt-in, the address book, the
 * wallet (balance, ledger, top-up by card with an Idempotency-Key so a retried top-up credits
 * once) and the notifications, which arrive live and are marked read one by one.
 */

import { addressBlock } from '../addresses.js';
import { ApiError, api, idempotencyKey, updateUser } from '../api.js';
import { signedIn } from '../access.js';
import { clearProblem, dateTime, field, formValues, h, money, replace, scrollBox, showProblem, toast, words } from '../dom.js';
import { on } from '../live.js';
import { orderNumber } from './orders.js';

/**
 * @typedef {import('../api.js').User & {promotions_opt_in?: boolean}} Me
 * @typedef {{id: string, label?: string | null, name: string, line1: string, line2?: string | null, city: string,
 *   region?: string | null, postal_code: string, country: string, phone?: string | null, is_default: boolean}} Address
 * @typedef {{id: string, kind: string, amount_cents: number, balance_after_cents: number, order_id?: string | null,
 *   card_brand?: string | null, card_last4?: string | null, created_at: string}} WalletTransaction
 * @typedef {{balance_cents: number, currency: string, transactions: Paged<WalletTransaction>}} Wallet
 * @typedef {{id: string, kind: string, title: string, body: string, order_id?: string | null,
 *   product_id?: string | null, read_at?: string | null, created_at: string}} Notification
 */
/**
 * @template T
 * @typedef {{items: T[], page: number, per_page: number, total: number}} Paged
 */

/** How many notifications one "Show older" brings. */
const NOTIFICATIONS_PER_PAGE = 20;

/** @param {import('../router.js').ViewContext} ctx */
export default async function accountView(ctx) {
  if (!signedIn()) return;
  const loading = h('p', { class: 'loading', role: 'status' }, 'Loading your account…');
  replace(ctx.root, h('h1', {}, 'Your account'), loading);
  /** @type {Me} */
  let me;
  try {
    me = await api('/users/me');
  } catch (error) {
    loading.replaceWith(h('p', { class: 'alert', role: 'alert' }, `Your account could not be loaded: ${message(error)}`));
    return;
  }
  updateUser(me);
  loading.replaceWith(
    profilePanel(me),
    promotionsPanel(me),
    addressesPanel(),
    walletPanel(),
    notificationsPanel(ctx));
}

/** @param {unknown} error */
function message(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A panel with its heading.
 * @param {string} title
 * @param {string} testid
 * @param {...import('../dom.js').Children} children
 */
function panel(title, testid, ...children) {
  const id = `panel-${testid}`;
  return h('section', { class: 'panel', 'aria-labelledby': id, 'data-testid': testid },
    h('h2', { id }, title), ...children);
}

/**
 * A field with a hint read with it.
 * @param {HTMLElement} wrapper made by `field()`
 * @param {string} text
 */
function withHint(wrapper, text) {
  const input = /** @type {HTMLElement} */ (wrapper.querySelector('input, select, textarea'));
  const hint = h('span', { class: 'muted', id: `${input.id}-hint` }, text);
  input.setAttribute('aria-describedby', hint.id);
  wrapper.append(hint);
  return wrapper;
}

// ---------------------------------------------------------------------------------------------
// Profile

/** @param {Me} me */
function profilePanel(me) {
  const saved = h('span', { role: 'status', class: 'muted' });
  const submit = h('button', { type: 'submit' }, 'Save profile');
  const form = h('form', { class: 'form', 'data-testid': 'profile-form', onsubmit: save },
    h('p', {}, 'Email: ', h('strong', {}, me.email)),
    field('Name', 'name', { value: me.name, required: true, autocomplete: 'name', maxLength: 100 }),
    withHint(field('Phone', 'phone', { type: 'tel', value: me.phone ?? '', autocomplete: 'tel' }),
      'International format, like +44 20 7946 0958. Leave it empty to remove it.'),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, submit, saved));

  /** @param {SubmitEvent} event */
  async function save(event) {
    event.preventDefault();
    clearProblem(form);
    saved.textContent = '';
    const values = formValues(form);
    submit.disabled = true;
    try {
      const user = await api('/users/me', { method: 'PATCH', body: { name: values.name ?? '', phone: values.phone ?? null } });
      updateUser(user);
      saved.textContent = 'Saved.';
    } catch (error) {
      showProblem(form, error);
    } finally {
      submit.disabled = false;
    }
  }

  return panel('Profile', 'profile', form);
}

// ---------------------------------------------------------------------------------------------
// Promotions

/** @param {Me} me */
function promotionsPanel(me) {
  const status = h('p', { role: 'status', class: 'muted' });
  const box = h('input', {
    type: 'checkbox',
    name: 'promotions_opt_in',
    checked: Boolean(me.promotions_opt_in),
    'data-testid': 'promotions-opt-in',
    onchange: async () => {
      const wanted = box.checked;
      box.disabled = true;
      status.className = 'muted';
      status.textContent = 'Saving…';
      try {
        const user = await api('/users/me', { method: 'PATCH', body: { promotions_opt_in: wanted } });
        updateUser(user);
        status.textContent = wanted ? 'Saved: you will receive promotions.' : 'Saved: you will not receive promotions.';
      } catch (error) {
        box.checked = !wanted;
        status.className = 'alert';
        status.textContent = `Not saved: ${message(error)}`;
      } finally {
        box.disabled = false;
      }
    },
  });
  return panel('Promotions', 'promotions',
    h('label', { class: 'checkbox' }, box, 'Send me promotions'),
    h('p', { class: 'muted' }, 'New coupons of the sellers you bought from, here and by mail.'),
    status);
}

// ---------------------------------------------------------------------------------------------
// Addresses

function addressesPanel() {
  const list = h('ul', { class: 'addresses', 'data-testid': 'addresses', 'aria-busy': 'true' },
    h('li', { class: 'loading' }, 'Loading addresses…'));
  const alert = h('p', { class: 'alert', role: 'alert' });

  async function load() {
    list.setAttribute('aria-busy', 'true');
    try {
      /** @type {Paged<Address>} */
      const page = await api('/users/me/addresses', { query: { per_page: 100 } });
      replace(list, page.items.length
        ? page.items.map(item)
        : h('li', { class: 'muted' }, 'No addresses yet.'));
    } catch (error) {
      replace(list, h('li', { class: 'alert' }, `Addresses could not be loaded: ${message(error)}`));
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  /**
   * Runs one change of an address, then reloads the list.
   * @param {HTMLButtonElement} button
   * @param {() => Promise<unknown>} change
   * @param {string} done announced when it worked
   */
  async function act(button, change, done) {
    alert.textContent = '';
    button.disabled = true;
    try {
      await change();
      toast(done);
      await load();
    } catch (error) {
      alert.textContent = message(error);
      button.disabled = false;
    }
  }

  /** @param {Address} address */
  function item(address) {
    const title = address.label || address.line1;
    const makeDefault = h('button', {
      type: 'button',
      class: 'secondary',
      'data-testid': 'make-default',
      onclick: () => act(makeDefault,
        () => api(`/users/me/addresses/${address.id}`, { method: 'PATCH', body: { is_default: true } }),
        `${title} is now your default address.`),
    }, 'Make default', h('span', { class: 'visually-hidden' }, ` (${title})`));
    const remove = h('button', {
      type: 'button',
      class: 'danger',
      'data-testid': 'delete-address',
      onclick: () => act(remove,
        () => api(`/users/me/addresses/${address.id}`, { method: 'DELETE' }),
        `${title} was deleted.`),
    }, 'Delete', h('span', { class: 'visually-hidden' }, ` (${title})`));
    return h('li', { 'data-testid': 'address', 'data-address-id': address.id },
      h('p', {},
        address.label && h('strong', {}, address.label, ' '),
        address.is_default && h('span', { class: 'badge ok' }, 'Default')),
      addressBlock(address),
      h('div', { class: 'actions' }, !address.is_default && makeDefault, remove));
  }

  const submit = h('button', { type: 'submit' }, 'Add address');
  const form = h('form', { class: 'form', 'data-testid': 'address-form', onsubmit: add },
    h('h3', {}, 'Add an address'),
    field('Label (optional, like Home or Work)', 'label', { maxLength: 100 }),
    field('Full name', 'name', { required: true, autocomplete: 'name', maxLength: 100 }),
    field('Address line 1', 'line1', { required: true, autocomplete: 'address-line1', maxLength: 200 }),
    field('Address line 2 (optional)', 'line2', { autocomplete: 'address-line2', maxLength: 200 }),
    h('div', { class: 'form-row' },
      field('Postal code', 'postal_code', { required: true, autocomplete: 'postal-code', maxLength: 20 }),
      field('City', 'city', { required: true, autocomplete: 'address-level2', maxLength: 100 })),
    field('Region (optional)', 'region', { autocomplete: 'address-level1', maxLength: 100 }),
    withHint(field('Country', 'country', { required: true, autocomplete: 'country', maxLength: 2 }),
      'Two letters, like DE or GB.'),
    withHint(field('Phone (optional)', 'phone', { type: 'tel', autocomplete: 'tel' }),
      'For the courier; international format, like +44 20 7946 0958.'),
    h('label', { class: 'checkbox' }, h('input', { type: 'checkbox', name: 'is_default' }), 'Make this my default address'),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, submit));

  /** @param {SubmitEvent} event */
  async function add(event) {
    event.preventDefault();
    clearProblem(form);
    const { is_default: isDefault, ...values } = formValues(form);
    submit.disabled = true;
    try {
      await api('/users/me/addresses', {
        method: 'POST',
        body: { ...values, name: values.name ?? '', line1: values.line1 ?? '', city: values.city ?? '',
          postal_code: values.postal_code ?? '', country: values.country ?? '', is_default: Boolean(isDefault) },
      });
      form.reset();
      toast('Address added.');
      await load();
    } catch (error) {
      showProblem(form, error);
    } finally {
      submit.disabled = false;
    }
  }

  load();
  return panel('Addresses', 'addresses-panel', alert, list, form);
}

// ---------------------------------------------------------------------------------------------
// Wallet

/**
 * Minor units from an amount typed in currency units ("12.5" is 1250), or null when it is not
 * a positive amount with at most two decimals.
 * @param {string} typed
 */
export function toCents(typed) {
  const match = /^(\d+)(?:[.,](\d{1,2}))?$/.exec(typed.trim());
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return cents > 0 && Number.isSafeInteger(cents) ? cents : null;
}

/**
 * What a ledger entry was, in words.
 * @param {WalletTransaction} entry
 */
function entryText(entry) {
  const card = entry.card_brand && entry.card_last4 ? ` (${entry.card_brand} ending ${entry.card_last4})` : '';
  const what = `${words(entry.kind)}${card}`;
  return entry.order_id
    ? [what, ' · ', h('a', { href: `/orders/${entry.order_id}` }, `order ${orderNumber(entry.order_id)}`)]
    : what;
}

function walletPanel() {
  const balance = h('strong', { 'data-testid': 'wallet-balance', 'aria-live': 'polite' }, '…');
  const ledger = h('div', { 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading the wallet…'));
  let currency = 'EUR';

  async function load() {
    ledger.setAttribute('aria-busy', 'true');
    try {
      /** @type {Wallet} */
      const wallet = await api('/wallet', { query: { per_page: 20 } });
      currency = wallet.currency;
      amountLabel.textContent = `Amount (${currency})`;
      balance.textContent = money(wallet.balance_cents, currency);
      const { items, total } = wallet.transactions;
      replace(ledger, items.length
        ? [
          scrollBox('Wallet transactions',
            h('table', { 'data-testid': 'wallet-transactions' },
              h('caption', { class: 'visually-hidden' }, 'Wallet transactions, newest first'),
              h('thead', {}, h('tr', {},
                h('th', { scope: 'col' }, 'Date'),
                h('th', { scope: 'col' }, 'What'),
                h('th', { scope: 'col', class: 'number' }, 'Amount'),
                h('th', { scope: 'col', class: 'number' }, 'Balance after'))),
              h('tbody', {}, items.map((entry) => h('tr', {},
                h('td', {}, dateTime(entry.created_at)),
                h('td', {}, entryText(entry)),
                h('td', { class: 'number' }, money(entry.amount_cents, currency)),
                h('td', { class: 'number' }, money(entry.balance_after_cents, currency))))))),
          total > items.length && h('p', { class: 'muted' }, `The latest ${items.length} of ${total} transactions.`),
        ]
        : h('p', { class: 'muted' }, 'No transactions yet.'));
    } catch (error) {
      balance.textContent = 'unavailable';
      replace(ledger, h('p', { class: 'alert', role: 'alert' }, `The wallet could not be loaded: ${message(error)}`));
    } finally {
      ledger.removeAttribute('aria-busy');
    }
  }

  const amount = field('Amount', 'amount', { type: 'text', inputMode: 'decimal', required: true, autocomplete: 'off' });
  const amountLabel = /** @type {HTMLLabelElement} */ (amount.querySelector('label'));
  const amountInput = /** @type {HTMLInputElement} */ (amount.querySelector('input'));
  const amountError = /** @type {HTMLElement} */ (amount.querySelector('[data-error-for]'));
  // The server names the amount in minor units; its message belongs beside this field.
  amountError.setAttribute('data-error-for', 'amount_cents');

  const submit = h('button', { type: 'submit' }, 'Top up');
  const form = h('form', { class: 'form', 'data-testid': 'top-up-form', onsubmit: topUp },
    h('h3', {}, 'Top up by card'),
    amount,
    field('Card number', 'card.number', { required: true, inputMode: 'numeric', autocomplete: 'cc-number', maxLength: 23 }),
    h('div', { class: 'form-row' },
      field('Expiry month', 'card.exp_month', { type: 'number', min: 1, max: 12, required: true, autocomplete: 'cc-exp-month' }),
      field('Expiry year', 'card.exp_year', { type: 'number', min: 0, required: true, autocomplete: 'cc-exp-year', placeholder: 'YYYY' }),
      field('CVC', 'card.cvc', { required: true, inputMode: 'numeric', autocomplete: 'cc-csc', maxLength: 4 })),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, submit));

  /**
   * The key of the top-up being tried and the body it was sent with: a retry of the same top-up
   * after a lost answer reuses the key, so the server credits once.
   * @type {{key: string, body: string} | null}
   */
  let pending = null;

  /** @param {SubmitEvent} event */
  async function topUp(event) {
    event.preventDefault();
    clearProblem(form);
    amountInput.removeAttribute('aria-invalid');
    const values = formValues(form);
    const cents = toCents(values.amount ?? '');
    if (cents === null) {
      amountError.textContent = 'must be a positive amount, like 20 or 12.50';
      amountInput.setAttribute('aria-invalid', 'true');
      amountInput.focus();
      return;
    }
    const body = {
      amount_cents: cents,
      card: {
        number: values['card.number'] ?? '',
        exp_month: Number(values['card.exp_month'] ?? 0),
        exp_year: Number(values['card.exp_year'] ?? 0),
        cvc: values['card.cvc'] ?? '',
      },
    };
    const serialized = JSON.stringify(body);
    if (!pending || pending.body !== serialized) pending = { key: idempotencyKey(), body: serialized };
    submit.disabled = true;
    try {
      await api('/wallet/top-up', { method: 'POST', body, headers: { 'Idempotency-Key': pending.key } });
      pending = null;
      form.reset();
      toast(`${money(cents, currency)} added to your wallet.`);
      await load();
    } catch (error) {
      // A definite refusal ends this attempt; a lost answer or a server failure may be retried.
      if (error instanceof ApiError && error.status < 500) pending = null;
      showProblem(form, error);
      if (amountError.textContent) amountInput.setAttribute('aria-invalid', 'true');
    } finally {
      submit.disabled = false;
    }
  }

  load();
  return panel('Wallet', 'wallet', h('p', {}, 'Balance: ', balance), ledger, form);
}

// ---------------------------------------------------------------------------------------------
// Notifications

/** @param {import('../router.js').ViewContext} ctx */
function notificationsPanel(ctx) {
  const list = h('ul', { class: 'notifications', 'data-testid': 'notifications', 'aria-busy': 'true' });
  const status = h('p', { role: 'status', class: 'muted' }, 'Loading notifications…');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => load(page + 1) }, 'Show older');
  /** Ids shown, so a live one is never listed twice. @type {Set<string>} */
  const shown = new Set();
  let page = 0;

  /** @param {number} next */
  async function load(next) {
    more.disabled = true;
    list.setAttribute('aria-busy', 'true');
    try {
      /** @type {Paged<Notification>} */
      const answer = await api('/notifications', { query: { page: next, per_page: NOTIFICATIONS_PER_PAGE } });
      page = next;
      for (const notification of answer.items) {
        if (!shown.has(notification.id)) list.append(item(notification));
      }
      more.hidden = answer.page * answer.per_page >= answer.total;
      status.textContent = shown.size ? '' : 'No notifications yet.';
    } catch (error) {
      status.className = 'alert';
      status.textContent = `Notifications could not be loaded: ${message(error)}`;
    } finally {
      list.removeAttribute('aria-busy');
      more.disabled = false;
    }
  }

  /** @param {Notification} notification */
  function item(notification) {
    shown.add(notification.id);
    const unread = !notification.read_at;
    const badge = unread ? h('span', { class: 'badge hot' }, 'New') : null;
    const li = h('li', {
      class: unread ? 'notification unread' : 'notification',
      tabIndex: -1,
      'data-testid': 'notification',
      'data-notification-id': notification.id,
    },
    h('p', {}, h('strong', {}, notification.title), ' ', badge),
    h('p', {}, notification.body),
    h('p', { class: 'muted' }, dateTime(notification.created_at),
      notification.order_id && [' · ', h('a', { href: `/orders/${notification.order_id}` }, 'View the order')],
      notification.product_id && [' · ', h('a', { href: `/products/${notification.product_id}` }, 'View the product')]));
    if (unread) {
      const markRead = h('button', {
        type: 'button',
        class: 'secondary',
        'data-testid': 'mark-read',
        onclick: async () => {
          markRead.disabled = true;
          try {
            await api(`/notifications/${notification.id}/read`, { method: 'POST' });
            li.classList.remove('unread');
            badge?.remove();
            markRead.remove();
            li.focus();
          } catch (error) {
            markRead.disabled = false;
            toast(`Not marked read: ${message(error)}`);
          }
        },
      }, 'Mark read', h('span', { class: 'visually-hidden' }, `: ${notification.title}`));
      li.append(h('div', { class: 'actions' }, markRead));
    }
    return li;
  }

  ctx.onLeave(on('notification', (live) => {
    if (typeof live.id !== 'string' || shown.has(live.id)) return;
    list.prepend(item({
      id: live.id,
      kind: String(live.kind ?? ''),
      title: String(live.title ?? ''),
      body: String(live.body ?? ''),
      order_id: live.order_id ?? null,
      product_id: live.product_id ?? null,
      read_at: null,
      created_at: live.at ?? new Date().toISOString(),
    }));
    status.className = 'muted';
    status.textContent = `New notification: ${live.title ?? ''}`;
  }));

  load(1);
  return panel('Notifications', 'notifications-panel', status, list, more);
}
