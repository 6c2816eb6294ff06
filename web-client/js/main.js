// @ts-check
/**
 * @file The app shell: the route table, the header's navigation (by the signed-in user's role),
 * the offline banner, and the live connection.
 */

import { currentUser, logout, onSessionChange } from './api.js';
import { h, replace } from './dom.js';
import * as live from './live.js';
import { navigate, reload, route, start } from './router.js';

route('/', 'Shop', () => import('./views/home.js'));
route('/search', 'Search', () => import('./views/search.js'));
route('/products/:id', 'Product', () => import('./views/product.js'));
route('/cart', 'Cart', () => import('./views/cart.js'));
route('/checkout', 'Checkout', () => import('./views/checkout.js'));
route('/orders', 'Your orders', () => import('./views/orders.js'));
route('/orders/:id', 'Order', () => import('./views/order.js'));
route('/login', 'Sign in', () => import('./views/login.js'));
route('/register', 'Create an account', () => import('./views/register.js'));
route('/activate', 'Activate your account', () => import('./views/activate.js'));
route('/forgot-password', 'Forgotten password', () => import('./views/forgot-password.js'));
route('/reset-password', 'New password', () => import('./views/reset-password.js'));
route('/account', 'Your account', () => import('./views/account.js'));
route('/seller', 'Products', () => import('./views/seller/products.js'));
route('/seller/import', 'Import', () => import('./views/seller/import.js'));
route('/seller/inventory', 'Live inventory', () => import('./views/seller/inventory.js'));
route('/seller/orders', 'Orders to fulfil', () => import('./views/seller/orders.js'));
route('/seller/coupons', 'Coupons', () => import('./views/seller/coupons.js'));
route('/seller/analytics', 'Analytics', () => import('./views/seller/analytics.js'));
route('/courier', 'Deliveries', () => import('./views/courier.js'));
route('/admin', 'Users', () => import('./views/admin/users.js'));
route('/admin/categories', 'Categories', () => import('./views/admin/categories.js'));
route('/admin/outbox', 'Outbox', () => import('./views/admin/outbox.js'));
route('/flash/:id', 'Flash sale', () => import('./views/flash.js'));

/** @type {Record<string, Array<[string, string]>>} links of each role, after the shop's own */
const ROLE_LINKS = {
  customer: [['/cart', 'Cart'], ['/orders', 'Orders']],
  seller: [['/seller', 'Products'], ['/seller/inventory', 'Inventory'], ['/seller/orders', 'Fulfil'],
    ['/seller/coupons', 'Coupons'], ['/seller/analytics', 'Analytics'], ['/seller/import', 'Import']],
  courier: [['/courier', 'Deliveries']],
  admin: [['/admin', 'Users'], ['/admin/categories', 'Categories'], ['/admin/outbox', 'Outbox'],
    ['/orders', 'Orders'], ['/seller/analytics', 'Analytics']],
};

const nav = /** @type {HTMLElement} */ (document.querySelector('.site-nav'));
const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const banner = /** @type {HTMLElement} */ (document.querySelector('.offline-banner'));
const searchBox = /** @type {HTMLInputElement} */ (document.getElementById('site-search-q'));

function drawNav() {
  const user = currentUser();
  const links = user ? ROLE_LINKS[user.role] ?? [] : [['/login', 'Sign in'], ['/register', 'Create account']];
  replace(nav, h('ul', {},
    links.map(([href, text]) => h('li', {}, h('a', { href }, text))),
    user && h('li', {}, h('a', { href: '/account' }, 'Account')),
    user && h('li', {}, h('button', {
      type: 'button',
      class: 'link-button',
      onclick: async () => {
        await logout();
        navigate('/');
      },
    }, 'Sign out'))));
}

/** After each view: mark the current link, sync the search box, move focus for screen readers. */
function rendered(/** @type {string} */ path) {
  for (const link of nav.querySelectorAll('a')) {
    if (link.pathname === path) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  // The box follows the page's query, unless someone is typing in it (a view drawn late, such as
  // the one a sign-in redraws, must not wipe what they typed).
  if (document.activeElement !== searchBox) {
    searchBox.value = path === '/search' ? new URLSearchParams(location.search).get('q') ?? '' : '';
  }
  const heading = main.querySelector('h1');
  if (heading && document.activeElement === document.body) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

let lastUser = currentUser()?.id ?? null;
onSessionChange((user) => {
  drawNav();
  if ((user?.id ?? null) !== lastUser) {
    lastUser = user?.id ?? null;
    reload();
  }
});
live.onState((state) => {
  banner.hidden = state !== 'offline';
  document.body.classList.toggle('offline', state === 'offline');
});
document.querySelector('.site-search')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const q = searchBox.value.trim();
  navigate(q ? `/search?q=${encodeURIComponent(q)}` : '/search');
});

drawNav();
live.start();
start(main, rendered);
