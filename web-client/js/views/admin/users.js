// @ts-check
/**
 * @file User management (`/admin`), for admins: the users, newest first, searchable by part of
 * the email or name and filtered by role (the filter lives in the URL, so it survives a reload
 * and can be shared); a form that creates a user of any role, active at once; and, per user, a
 * role change and a Disable/Enable switch (disabling asks first: it signs the user out at once).
 * An admin's own row cannot be changed here, as the server refuses it.
 */

import { api } from '../../api.js';
import { signedInAs } from '../../access.js';
import { clearProblem, dateTime, field, formValues, h, pageButtons, replace, scrollBox, select, showProblem, toast, words } from '../../dom.js';
import { passwordField } from '../register.js';

/**
 * @typedef {import('../../api.js').User} User
 * @typedef {{items: User[], page: number, per_page: number, total: number}} UserPage
 */

const PER_PAGE = 20;
/** @type {Array<[string, string]>} */
const ROLES = [['customer', 'Customer'], ['seller', 'Seller'], ['courier', 'Courier'], ['admin', 'Admin']];

/** @param {import('../../router.js').ViewContext} ctx */
export default async function usersView(ctx) {
  const me = signedInAs(ctx.root, ['admin'], 'Users');
  if (!me) return;

  let q = ctx.query.get('q') ?? '';
  let role = ctx.query.get('role') ?? '';
  let page = Math.max(1, Number(ctx.query.get('page')) || 1);

  const search = h('form', { class: 'form-row', role: 'search', 'aria-label': 'Find users', 'data-testid': 'user-search', onsubmit: find },
    field('Email or name', 'q', { type: 'search', value: q }),
    select('Role', 'role', [['', 'Any role'], ...ROLES], role),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Search')));
  const status = h('p', { role: 'status', class: 'loading' }, 'Loading users…');
  const alert = h('p', { class: 'alert', role: 'alert' });
  const body = h('tbody', {});
  const table = scrollBox('Users',
    h('table', { 'data-testid': 'users-table' },
      h('caption', { class: 'visually-hidden' }, 'Users, newest first'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Email'),
        h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col' }, 'Role'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Created'),
        h('th', { scope: 'col' }, 'Access'))),
      body));
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of users' });

  replace(ctx.root,
    h('h1', {}, 'Users'),
    h('section', { class: 'panel', 'aria-labelledby': 'users-list' },
      h('h2', { id: 'users-list' }, 'All users'),
      search, alert, status, table, pager),
    createPanel());

  /** @param {SubmitEvent} event */
  function find(event) {
    event.preventDefault();
    const values = formValues(search);
    q = values.q ?? '';
    role = values.role ?? '';
    page = 1;
    load();
  }

  async function load() {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (role) params.set('role', role);
    if (page > 1) params.set('page', String(page));
    const query = params.toString();
    history.replaceState(null, '', query ? `/admin?${query}` : '/admin');
    body.setAttribute('aria-busy', 'true');
    try {
      /** @type {UserPage} */
      const answer = await api('/admin/users', { query: { q, role, page, per_page: PER_PAGE } });
      replace(body, answer.items.length
        ? answer.items.map(row)
        : h('tr', {}, h('td', { colSpan: 6, class: 'muted' }, 'No users match.')));
      status.className = 'muted';
      status.textContent = `${answer.total} ${answer.total === 1 ? 'user' : 'users'}${q || role ? ' match' : ''}.`;
      drawPager(answer);
    } catch (error) {
      status.className = 'alert';
      status.textContent = `Users could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      body.removeAttribute('aria-busy');
    }
  }

  /** @param {UserPage} answer */
  function drawPager(answer) {
    replace(pager, pageButtons(page, answer.total, answer.per_page, (asked) => {
      page = asked;
      load();
    }));
  }

  /**
   * One user's row with its controls.
   * @param {User} user
   */
  function row(user) {
    const own = user.id === me?.id;
    const selectId = `role-${user.id}`;
    const roleSelect = h('select', { id: selectId, name: 'role', disabled: own },
      ROLES.map(([value, text]) => h('option', { value, selected: value === user.role }, text)));
    const change = h('button', {
      type: 'button',
      class: 'secondary',
      disabled: own,
      'data-testid': 'change-role',
      onclick: () => {
        if (roleSelect.value === user.role) {
          status.textContent = `${user.email} already has the role ${user.role}.`;
          return;
        }
        patch(user, { role: roleSelect.value }, `${user.email} is now ${words(roleSelect.value)}.`, tr);
      },
    }, 'Change role');
    const disabling = user.status === 'active';
    const toggle = h('button', {
      type: 'button',
      class: disabling ? 'danger' : undefined,
      disabled: own,
      'data-testid': 'toggle-status',
      onclick: () => {
        if (disabling && !confirm(`Disable ${user.email}? They are signed out at once and cannot sign in until enabled again.`)) return;
        const next = disabling ? 'disabled' : 'active';
        patch(user, { status: next }, `${user.email} is ${disabling ? 'disabled' : 'enabled'}.`, tr);
      },
    }, disabling ? 'Disable' : 'Enable', h('span', { class: 'visually-hidden' }, ` ${user.email}`));
    const tr = h('tr', { 'data-testid': 'user-row', 'data-user-id': user.id },
      h('td', {}, user.email, own && h('span', { class: 'muted' }, ' (you)')),
      h('td', {}, user.name),
      h('td', {},
        h('div', { class: 'actions' },
          h('label', { for: selectId, class: 'visually-hidden' }, `Role of ${user.email}`),
          roleSelect,
          change)),
      h('td', {}, h('span', { class: user.status === 'active' ? 'badge ok' : 'badge' }, words(user.status))),
      h('td', {}, dateTime(user.created_at)),
      h('td', {}, toggle));
    return tr;
  }

  /**
   * Changes a user and redraws their row.
   * @param {User} user
   * @param {{role?: string, status?: string}} change
   * @param {string} done
   * @param {HTMLTableRowElement} tr
   */
  async function patch(user, change, done, tr) {
    alert.textContent = '';
    const buttons = tr.querySelectorAll('button, select');
    for (const control of buttons) /** @type {HTMLButtonElement | HTMLSelectElement} */ (control).disabled = true;
    try {
      /** @type {User} */
      const updated = await api(`/admin/users/${user.id}`, { method: 'PATCH', body: change });
      const fresh = row(updated);
      tr.replaceWith(fresh);
      fresh.classList.add('flash');
      status.className = 'muted';
      status.textContent = done;
      const focusTarget = change.role ? fresh.querySelector('[data-testid="change-role"]') : fresh.querySelector('[data-testid="toggle-status"]');
      if (focusTarget instanceof HTMLElement) focusTarget.focus();
    } catch (error) {
      alert.textContent = `${user.email}: ${error instanceof Error ? error.message : String(error)}`;
      for (const control of buttons) /** @type {HTMLButtonElement | HTMLSelectElement} */ (control).disabled = false;
    }
  }

  function createPanel() {
    const submit = h('button', { type: 'submit' }, 'Create user');
    const form = h('form', { class: 'form', 'data-testid': 'create-user-form', onsubmit: create },
      field('Email', 'email', { type: 'email', required: true, autocomplete: 'off' }),
      field('Name', 'name', { required: true, autocomplete: 'off', maxLength: 100 }),
      passwordField('Password', 'password'),
      select('Role', 'role', ROLES, 'customer'),
      field('Phone (optional)', 'phone', { type: 'tel', autocomplete: 'off' }),
      h('p', { class: 'alert', role: 'alert' }),
      h('div', { class: 'actions' }, submit));

    /** @param {SubmitEvent} event */
    async function create(event) {
      event.preventDefault();
      clearProblem(form);
      const values = formValues(form);
      const password = /** @type {HTMLInputElement} */ (form.elements.namedItem('password')).value;
      submit.disabled = true;
      try {
        /** @type {User} */
        const user = await api('/admin/users', {
          method: 'POST',
          body: { email: values.email ?? '', name: values.name ?? '', password, role: values.role ?? 'customer', phone: values.phone },
        });
        form.reset();
        toast(`${user.email} was created as ${words(user.role)}.`);
        q = '';
        role = '';
        page = 1;
        for (const input of search.querySelectorAll('input, select')) /** @type {HTMLInputElement} */ (input).value = '';
        await load();
      } catch (error) {
        showProblem(form, error);
      } finally {
        submit.disabled = false;
      }
    }

    return h('section', { class: 'panel', 'aria-labelledby': 'users-create' },
      h('h2', { id: 'users-create' }, 'Create a user'),
      h('p', { class: 'muted' }, 'The account is active at once; no activation mail is sent.'),
      form);
  }

  await load();
}
