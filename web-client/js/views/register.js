// @ts-check
/**
 * @file Registration (`/register`): name, email, password and whether the account is for
 * shopping or selling. The server sends an activation link by mail; the page says so (or, where
 * the shop needs no activation, that the account can sign in at once).
 */

import { api } from '../api.js';
import { clearProblem, field, h, replace, showProblem } from '../dom.js';

/** The server's password rule (`domain/password.rs`: 10 to 128 characters). */
export const PASSWORD_HINT = 'Use 10 to 128 characters. A few unrelated words make a strong, memorable password.';

/**
 * A password field with the server's rule as its description.
 * @param {string} label
 * @param {string} name
 */
export function passwordField(label, name) {
  const wrapper = field(label, name, { type: 'password', required: true, autocomplete: 'new-password', maxLength: 128 });
  const input = /** @type {HTMLInputElement} */ (wrapper.querySelector('input'));
  const hint = h('span', { class: 'muted', id: `${input.id}-hint` }, PASSWORD_HINT);
  input.setAttribute('aria-describedby', hint.id);
  wrapper.append(hint);
  return wrapper;
}

/**
 * One choice of the account kind.
 * @param {string} value
 * @param {string} text
 * @param {boolean} checked
 */
function roleChoice(value, text, checked) {
  return h('label', { class: 'checkbox' }, h('input', { type: 'radio', name: 'role', value, checked }), text);
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function registerView(ctx) {
  const submit = h('button', { type: 'submit' }, 'Create account');
  const form = h('form', { class: 'form', 'data-testid': 'register-form', onsubmit: register },
    field('Name', 'name', { required: true, autocomplete: 'name', maxLength: 100 }),
    field('Email', 'email', { type: 'email', required: true, autocomplete: 'email' }),
    passwordField('Password', 'password'),
    h('fieldset', { class: 'field' },
      h('legend', {}, 'What will you do on Bazaar?'),
      roleChoice('customer', 'Shop (customer account)', true),
      roleChoice('seller', 'Sell my products (seller account)', false),
      h('span', { class: 'field-error', 'data-error-for': 'role', 'aria-live': 'polite' })),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, submit));

  replace(ctx.root,
    h('h1', {}, 'Create an account'),
    form,
    h('p', {}, 'Already have an account? ', h('a', { href: '/login' }, 'Sign in')));

  /** @param {SubmitEvent} event */
  async function register(event) {
    event.preventDefault();
    clearProblem(form);
    const data = new FormData(form);
    const body = {
      name: String(data.get('name') ?? '').trim(),
      email: String(data.get('email') ?? '').trim(),
      password: String(data.get('password') ?? ''),
      role: String(data.get('role') ?? 'customer'),
    };
    submit.disabled = true;
    try {
      const { user } = /** @type {{user: import('../api.js').User}} */ (
        await api('/auth/register', { method: 'POST', body, anonymous: true }));
      const done = user.status === 'active'
        ? h('p', { class: 'notice', role: 'status', 'data-testid': 'register-done' },
          `Your account ${user.email} is ready. `, h('a', { href: '/login' }, 'Sign in'))
        : h('p', { class: 'notice', role: 'status', 'data-testid': 'register-done' },
          `Check your mail for the activation link. We sent it to ${user.email}.`);
      done.tabIndex = -1;
      form.replaceWith(done);
      done.focus();
    } catch (error) {
      showProblem(form, error);
      submit.disabled = false;
    }
  }
}
