// @ts-check
/**
 * @file Coupons (`/seller/coupons`): the seller's live coupons (`GET /coupons`; an admin's: all)
 * with their terms and how often each was redeemed, a form to create one (`POST /coupons`:
 * percent or fixed; amounts typed in currency units; start and end picked in local time and sent
 * as RFC 3339 UTC), and "Withdraw" (`DELETE /coupons/{code}`, after a confirmation).
 */

import { api } from '../../api.js';
import { clearProblem, dateTime, field, formValues, h, money, replace, select, showProblem, toast } from '../../dom.js';
import { beginPage, dataTable, failure, problemText, showFieldErrors, toCents, wholeNumber } from './common.js';

/**
 * @typedef {{id: string, code: string, kind: 'percent' | 'fixed', value: number, currency: string | null,
 *   min_subtotal_cents: number, starts_at: string | null, ends_at: string | null,
 *   max_redemptions: number | null, max_per_customer: number | null, redemptions: number, public: boolean,
 *   seller_id: string | null, created_at: string}} Coupon
 * @typedef {{field: string, message: string}} FieldProblem
 */

const COLUMNS = /** @type {Array<[string, boolean?]>} */ ([
  ['Code'], ['Discount'], ['Minimum subtotal', true], ['Valid'], ['Redeemed', true], ['Per customer', true],
  ['Announced'], ['Actions'],
]);

/** @param {import('../../router.js').ViewContext} ctx */
export default async function coupons(ctx) {
  const page = beginPage(ctx, '/seller/coupons', 'Coupons');
  if (!page) return;
  const { user, body } = page;

  /** @type {{items: Coupon[], total: number}} */
  let listed;
  try {
    listed = await api('/coupons', { query: { per_page: 100 } });
  } catch (error) {
    replace(body, failure('Your coupons could not be loaded', error));
    return;
  }

  const alert = h('p', { class: 'alert', role: 'alert' });
  const { wrap, tbody } = dataTable('Your live coupons', COLUMNS, 'coupons-table');
  const emptyRow = () => h('tr', { class: 'empty' }, h('td', { colSpan: COLUMNS.length }, 'No live coupons.'));

  /** @param {Coupon} coupon */
  function row(coupon) {
    const withdraw = h('button', {
      type: 'button',
      class: 'danger',
      'aria-label': `Withdraw ${coupon.code}`,
      onclick: async () => {
        if (!confirm(`Withdraw ${coupon.code}? It can no longer be used; orders that used it keep their discount.`)) return;
        withdraw.disabled = true;
        alert.textContent = '';
        try {
          await api(`/coupons/${encodeURIComponent(coupon.code)}`, { method: 'DELETE' });
        } catch (error) {
          withdraw.disabled = false;
          alert.textContent = `${coupon.code} could not be withdrawn: ${problemText(error)}`;
          return;
        }
        tr.remove();
        if (!tbody.firstChild) tbody.append(emptyRow());
        toast(`Withdrew ${coupon.code}.`);
        form.querySelector('input')?.focus();
      },
    }, 'Withdraw');
    const tr = h('tr', { 'data-testid': 'coupon-row', 'data-code': coupon.code },
      h('th', { scope: 'row' }, coupon.code),
      h('td', {}, coupon.kind === 'percent' ? `${coupon.value} % off` : `${money(coupon.value, coupon.currency ?? 'EUR')} off`),
      h('td', { class: 'number' }, coupon.min_subtotal_cents > 0 ? amount(coupon.min_subtotal_cents, coupon.currency) : '—'),
      h('td', {}, validity(coupon)),
      h('td', { class: 'number', 'data-testid': 'redemptions' },
        coupon.max_redemptions === null ? String(coupon.redemptions) : `${coupon.redemptions} of ${coupon.max_redemptions}`),
      h('td', { class: 'number' }, coupon.max_per_customer === null ? 'no limit' : String(coupon.max_per_customer)),
      h('td', {}, coupon.public ? 'yes' : 'no'),
      h('td', {}, withdraw));
    return tr;
  }

  const form = couponForm(async (created) => {
    tbody.querySelector('tr.empty')?.remove();
    tbody.prepend(row(created));
    toast(`Created ${created.code}.`);
  });

  if (listed.items.length === 0) tbody.append(emptyRow());
  for (const coupon of listed.items) tbody.append(row(coupon));
  replace(body,
    user.role === 'admin' && h('p', { class: 'muted' }, 'As an admin you see every live coupon; yours apply to every seller\'s lines.'),
    form,
    alert,
    h('h2', {}, 'Live coupons'),
    wrap,
    listed.total > listed.items.length && h('p', { class: 'muted' }, `The newest ${listed.items.length} of ${listed.total} are shown.`));
}

/**
 * The form creating a coupon. The currency field is enabled for fixed coupons only (the API
 * refuses it on a percentage).
 * @param {(coupon: Coupon) => Promise<void>} onCreated
 */
function couponForm(onCreated) {
  const kind = select('Kind', 'kind', [['percent', 'Percent off'], ['fixed', 'Fixed amount off']], 'percent');
  const kindSelect = /** @type {HTMLSelectElement} */ (kind.querySelector('select'));
  const valueField = field('Percent off (1 to 100)', 'value', { required: true, inputMode: 'decimal', autocomplete: 'off' });
  const valueLabel = /** @type {HTMLLabelElement} */ (valueField.querySelector('label'));
  const currency = field('Currency (fixed amounts only)', 'currency', { maxLength: 3, defaultValue: 'EUR', autocomplete: 'off' });
  const currencyInput = /** @type {HTMLInputElement} */ (currency.querySelector('input'));
  const showKind = () => {
    const fixed = kindSelect.value === 'fixed';
    valueLabel.textContent = fixed ? 'Amount off (in currency units, like 5.00)' : 'Percent off (1 to 100)';
    currencyInput.disabled = !fixed; // a disabled field is not sent
  };
  kindSelect.addEventListener('change', showKind);
  showKind();

  const submit = h('button', { type: 'submit' }, 'Create coupon');
  const form = h('form', {
    class: 'form',
    noValidate: true,
    'data-testid': 'coupon-form',
    'aria-labelledby': 'coupon-form-title',
    onsubmit: async (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      clearProblem(form);
      const { coupon, errors } = readCoupon(form);
      if (errors.length > 0) {
        showFieldErrors(form, errors);
        return;
      }
      submit.disabled = true;
      try {
        /** @type {Coupon} */
        const created = await api('/coupons', { method: 'POST', body: coupon });
        form.reset();
        showKind();
        await onCreated(created);
      } catch (error) {
        showProblem(form, error);
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h2', { id: 'coupon-form-title' }, 'New coupon'),
  h('div', { class: 'form-row' },
    field('Code (3 to 32 letters, digits, - and _)', 'code', { required: true, maxLength: 32, autocomplete: 'off' }),
    kind),
  h('div', { class: 'form-row' }, valueField, currency),
  field('Minimum subtotal (in currency units, optional)', 'min_subtotal_cents', { inputMode: 'decimal', autocomplete: 'off' }),
  h('div', { class: 'form-row' },
    field('Starts (optional; your local time)', 'starts_at', { type: 'datetime-local' }),
    field('Ends (optional; your local time)', 'ends_at', { type: 'datetime-local' })),
  h('div', { class: 'form-row' },
    field('Most redemptions in total (optional)', 'max_redemptions', { type: 'number', min: 1, step: 1 }),
    field('Most redemptions per customer (optional)', 'max_per_customer', { type: 'number', min: 1, step: 1 })),
  h('label', { class: 'checkbox' }, h('input', { type: 'checkbox', name: 'public' }), 'Announce it to customers who asked for offers'),
  h('p', { class: 'alert', role: 'alert' }),
  h('div', { class: 'actions' }, submit));
  return form;
}

/**
 * The body of `POST /coupons` from the form, and what is wrong with it before sending.
 * @param {HTMLFormElement} form
 */
function readCoupon(form) {
  const values = formValues(form);
  /** @type {FieldProblem[]} */
  const errors = [];
  const fixed = values.kind === 'fixed';
  /** @type {Record<string, unknown>} */
  const coupon = { code: values.code ?? '', kind: values.kind ?? 'percent' };

  const value = fixed ? toCents(values.value ?? '') : wholeNumber(values.value);
  if (value === null) errors.push({ field: 'value', message: fixed ? 'Enter an amount like 5.00' : 'Enter a whole percentage' });
  else coupon.value = value;
  if (fixed) coupon.currency = (values.currency ?? '').toUpperCase();

  if (values.min_subtotal_cents !== undefined) {
    const cents = toCents(values.min_subtotal_cents);
    if (cents === null) errors.push({ field: 'min_subtotal_cents', message: 'Enter an amount like 20.00' });
    else coupon.min_subtotal_cents = cents;
  }
  for (const name of ['starts_at', 'ends_at']) {
    if (values[name] === undefined) continue;
    const at = new Date(values[name]);
    if (Number.isNaN(at.getTime())) errors.push({ field: name, message: 'Enter a date and time' });
    else coupon[name] = at.toISOString();
  }
  for (const name of ['max_redemptions', 'max_per_customer']) {
    if (values[name] === undefined) continue;
    const count = wholeNumber(values[name]);
    if (count === null || count < 1) errors.push({ field: name, message: 'Enter a whole number, 1 or more' });
    else coupon[name] = count;
  }
  if (values.public === 'on') coupon.public = true;
  return { coupon, errors };
}

/**
 * An amount in minor units, with its currency when it has one.
 * @param {number} cents
 * @param {string | null} currency
 */
function amount(cents, currency) {
  return currency ? money(cents, currency) : (cents / 100).toFixed(2);
}

/**
 * When a coupon can be used, in words.
 * @param {Coupon} coupon
 */
function validity(coupon) {
  if (coupon.starts_at && coupon.ends_at) return `${dateTime(coupon.starts_at)} to ${dateTime(coupon.ends_at)}`;
  if (coupon.starts_at) return `from ${dateTime(coupon.starts_at)}`;
  if (coupon.ends_at) return `until ${dateTime(coupon.ends_at)}`;
  return 'always';
}
