// @ts-check
/**
 * @file Sign-in (`/login`): email and password. On success the reader goes back to where they
 * were sent from (`?next=`, a path of this site only, so the page cannot be used to send people
 * to another site), or to their role's home. An account that is not activated yet offers to send
 * a new activation link; a disabled one says so.
 */

import { ApiError, api, currentUser, login } from '../api.js';
import { clearProblem, field, h, replace, showProblem } from '../dom.js';
import { navigate } from '../router.js';

/** Where each role starts. @type {Record<string, string>} */
const HOME = { customer: '/', seller: '/seller', courier: '/courier', admin: '/admin' };

/**
 * `raw` if it is a path of this site (`/orders`, not `//evil.example` or `/\evil.example`), else null.
 * @param {string | null} raw
 */
export function safeNext(raw) {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return null;
  try {
    const url = new URL(raw, location.origin);
    if (url.origin !== location.origin || url.pathname === '/login') return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}

/**
 * The value of a form's input as typed (passwords are never trimmed).
 * @param {HTMLFormElement} form
 * @param {string} name
 */
function typed(form, name) {
  return /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value;
}

/**
 * The offer to send a new activation link to `email`, shown when sign-in is refused because the
 * account is not activated yet.
 * @param {string} email
 */
function resendOffer(email) {
  const status = h('p', { role: 'status' });
  const button = h('button', {
    type: 'button',
    class: 'secondary',
    'data-testid': 'resend-activation',
    onclick: async () => {
      button.disabled = true;
      status.className = '';
      status.textContent = 'Sending…';
      try {
        await api('/auth/activation/resend', { method: 'POST', body: { email }, anonymous: true });
        status.className = 'notice';
        status.textContent = `If ${email} still needs activating, a new link is on its way. Check your mail.`;
      } catch (error) {
        status.className = 'alert';
        status.textContent = error instanceof Error ? error.message : String(error);
        button.disabled = false;
      }
    },
  }, 'Send a new activation link');
  return h('div', { class: 'actions', 'data-testid': 'resend-offer' }, button, status);
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function loginView(ctx) {
  const next = safeNext(ctx.query.get('next'));
  const user = currentUser();
  if (user) {
    replace(ctx.root,
      h('h1', {}, 'Sign in'),
      h('p', { class: 'notice' }, `You are signed in as ${user.email}. `,
        h('a', { href: next ?? HOME[user.role] ?? '/' }, 'Continue')));
    return;
  }

  const offer = h('div', {});
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'form', 'data-testid': 'login-form', onsubmit: signIn },
    field('Email', 'email', { type: 'email', required: true, autocomplete: 'email' }),
    field('Password', 'password', { type: 'password', required: true, autocomplete: 'current-password' }),
    h('p', { class: 'alert', role: 'alert' }),
    offer,
    h('div', { class: 'actions' }, submit));

  replace(ctx.root,
    h('h1', {}, 'Sign in'),
    form,
    h('p', {}, 'New here? ', h('a', { href: '/register' }, 'Create an account')),
    h('p', {}, h('a', { href: '/forgot-password' }, 'Forgot your password?')));

  /** @param {SubmitEvent} event */
  async function signIn(event) {
    event.preventDefault();
    clearProblem(form);
    replace(offer);
    const email = typed(form, 'email').trim();
    submit.disabled = true;
    try {
      const signedIn = await login(email, typed(form, 'password'));
      navigate(next ?? HOME[signedIn.role] ?? '/', { replace: true });
    } catch (error) {
      showProblem(form, error);
      if (error instanceof ApiError && error.code === 'account_not_activated') replace(offer, resendOffer(email));
      submit.disabled = false;
    }
  }
}
