// @ts-check
/**
 * @file Who may see a page: views that need a signed-in user send a signed-out visitor to sign in
 * (and back here afterwards), and views for some roles tell anyone else, in a sentence, that the
 * page is not for them.
 */

import { currentUser } from './api.js';
import { h, replace } from './dom.js';
import { navigate } from './router.js';

/** What each role is called in a refusal. */
const ROLE_NAMES = { customer: 'customers', seller: 'sellers', courier: 'couriers', admin: 'admins' };

/**
 * The signed-in user; null, after sending the visitor to sign in, when nobody is.
 * @returns {import('./api.js').User | null}
 */
export function signedIn() {
  const user = currentUser();
  if (!user) navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
  return user;
}

/**
 * The signed-in user if their role is one of `roles`; otherwise null, after drawing the page's
 * `title` and a refusal into `root` (or sending a signed-out visitor to sign in).
 * @param {HTMLElement} root
 * @param {Array<import('./api.js').User['role']>} roles
 * @param {string} title
 */
export function signedInAs(root, roles, title) {
  const user = signedIn();
  if (!user || roles.includes(user.role)) return user;
  replace(root,
    h('h1', {}, title),
    h('p', {}, `This page is for ${roles.map((role) => ROLE_NAMES[role]).join(' and ')}. `,
      h('a', { href: '/' }, 'Back to the shop')));
  return null;
}
