// @ts-check
/**
 * @file Forgotten password (`/forgot-password`): the reader gives their email and is told, in
 * the same words whether or not an account exists (the server never says), that a reset link is
 * on its way.
 */

import { api } from '../api.js';
import { clearProblem, field, h, replace, showProblem } from '../dom.js';

/** What the page says after a request, whatever the address. */
export const NEUTRAL_MESSAGE = 'If an account exists for that address, a link to choose a new password is on its way. '
  + 'Check your mail; the link works once and expires soon.';

/** @param {import('../router.js').ViewContext} ctx */
export default async function forgotPasswordView(ctx) {
  const submit = h('button', { type: 'submit' }, 'Send the link');
  const form = h('form', { class: 'form', 'data-testid': 'forgot-form', onsubmit: ask },
    h('p', {}, 'Enter the email address of your account and we will send you a link to choose a new password.'),
    field('Email', 'email', { type: 'email', required: true, autocomplete: 'email' }),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, submit));

  replace(ctx.root,
    h('h1', {}, 'Forgotten password'),
    form,
    h('p', {}, h('a', { href: '/login' }, 'Back to sign in')));

  /** @param {SubmitEvent} event */
  async function ask(event) {
    event.preventDefault();
    clearProblem(form);
    const email = /** @type {HTMLInputElement} */ (form.elements.namedItem('email')).value.trim();
    submit.disabled = true;
    try {
      await api('/auth/password/forgot', { method: 'POST', body: { email }, anonymous: true });
      const done = h('p', { class: 'notice', role: 'status', tabIndex: -1, 'data-testid': 'forgot-done' }, NEUTRAL_MESSAGE);
      form.replaceWith(done);
      done.focus();
    } catch (error) {
      showProblem(form, error);
      submit.disabled = false;
    }
  }
}
