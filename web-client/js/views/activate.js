// @ts-check
/**
 * @file Account activation (`/activate?token=`): the link of the activation message lands here,
 * and the token is sent to the server at once. Success leads to sign-in; an invalid, expired or
 * used token says so and offers a new link from the sign-in page.
 */

import { api } from '../api.js';
import { h, replace } from '../dom.js';

/** @param {import('../router.js').ViewContext} ctx */
export default async function activateView(ctx) {
  const token = ctx.query.get('token');
  const status = h('p', { class: 'loading', role: 'status' }, 'Activating your account…');
  replace(ctx.root, h('h1', {}, 'Activate your account'), status);
  if (!token) {
    status.replaceWith(h('p', { class: 'alert', role: 'alert', 'data-testid': 'activate-error' },
      'This link has no activation token. Open the link from your activation message.'));
    return;
  }
  try {
    const { user } = /** @type {{user: import('../api.js').User}} */ (
      await api('/auth/activate', { method: 'POST', body: { token }, anonymous: true }));
    status.replaceWith(h('p', { class: 'notice', role: 'status', 'data-testid': 'activated' },
      `Your account ${user.email} is active. `, h('a', { href: '/login' }, 'Sign in')));
  } catch (error) {
    const problem = /** @type {{detail?: string, errors?: {message: string}[]}} */ (
      error && typeof error === 'object' && 'problem' in error ? error.problem : {});
    const message = problem.errors?.[0]?.message ?? problem.detail ?? (error instanceof Error ? error.message : String(error));
    status.replaceWith(
      h('p', { class: 'alert', role: 'alert', 'data-testid': 'activate-error' }, `The account could not be activated: ${message.replace(/\.$/, '')}.`),
      h('p', {}, 'If the link has expired, try to ', h('a', { href: '/login' }, 'sign in'),
        ' and ask for a new activation link there.'));
  }
}
