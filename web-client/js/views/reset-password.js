// @ts-check
/**
 * @file A new password (`/reset-password?token=`): the link of the reset message lands here.
 * The new password is typed twice; the server checks its rule and the token, and signs the user
 * out everywhere once it is changed.
 */

import { api } from '../api.js';
import { clearProblem, field, h, replace, showProblem } from '../dom.js';
import { passwordField } from './register.js';

/** @param {import('../router.js').ViewContext} ctx */
export default async function resetPasswordView(ctx) {
  const token = ctx.query.get('token');
  const askAgain = h('p', {}, 'Link expired or already used? ', h('a', { href: '/forgot-password' }, 'Ask for a new one'));
  if (!token) {
    replace(ctx.root,
      h('h1', {}, 'Choose a new password'),
      h('p', { class: 'alert', role: 'alert', 'data-testid': 'reset-error' },
        'This link has no reset token. Open the link from your password-reset message.'),
      askAgain);
    return;
  }

  const submit = h('button', { type: 'submit' }, 'Change password');
  const form = h('form', { class: 'form', 'data-testid': 'reset-form', onsubmit: reset },
    passwordField('New password', 'new_password'),
    field('Repeat the new password', 'repeat', { type: 'password', required: true, autocomplete: 'new-password' }),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, submit));

  replace(ctx.root, h('h1', {}, 'Choose a new password'), form, askAgain);

  /** @param {SubmitEvent} event */
  async function reset(event) {
    event.preventDefault();
    clearProblem(form);
    const value = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value;
    const newPassword = value('new_password');
    if (newPassword !== value('repeat')) {
      showProblem(form, { problem: { detail: 'The two passwords differ.', errors: [{ field: 'repeat', message: 'must be the same as the new password' }] } });
      return;
    }
    submit.disabled = true;
    try {
      await api('/auth/password/reset', { method: 'POST', body: { token, new_password: newPassword }, anonymous: true });
      const done = h('p', { class: 'notice', role: 'status', tabIndex: -1, 'data-testid': 'reset-done' },
        'Your password is changed, and every session of your account was signed out. ',
        h('a', { href: '/login' }, 'Sign in'), ' with the new password.');
      form.replaceWith(done);
      done.focus();
    } catch (error) {
      showProblem(form, error);
      submit.disabled = false;
    }
  }
}
