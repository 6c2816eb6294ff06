// @ts-check
/**
 * @file The outbox (`/admin/outbox`), for admins: the mail the shop wrote, newest first, paged
 * and filtered by recipient (both kept in the URL). Each message opens to its plain-text body,
 * shown as text (never as HTML), and an activation or reset link in it is offered as a link to
 * this site (`http://host/activate?token=X` becomes `/activate?token=X`), which is how such
 * links reach people when no mail server is configured. Links the server redacted are not
 * offered.
 */

import { api } from '../../api.js';
import { signedInAs } from '../../access.js';
import { clearProblem, dateTime, field, formValues, h, pageButtons, replace, scrollBox, showProblem, words } from '../../dom.js';

/**
 * @typedef {{id: string, to: string, kind: string, subject: string, body: string, status?: string,
 *   created_at: string}} OutboxMessage
 * @typedef {{items: OutboxMessage[], page: number, per_page: number, total: number}} OutboxPage
 */

const PER_PAGE = 20;

/** The pages of this site that one-time links open. */
const TOKEN_PAGES = ['/activate', '/reset-password'];

/**
 * The one-time links of a body as paths of this site: every absolute URL to an activation or
 * reset page whose `token` parameter holds a real token (a redacted one does not look like one).
 * Anything else, such as a link a seller typed into a tracking number, stays text: a link built
 * from it could lead off the site.
 * @param {string} body
 * @returns {string[]}
 */
export function tokenLinks(body) {
  const links = [];
  for (const [candidate] of body.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    try {
      const url = new URL(candidate);
      const token = url.searchParams.get('token');
      if (!TOKEN_PAGES.includes(url.pathname) || !token || !/^[A-Za-z0-9._~-]+$/.test(token)) continue;
      const path = `${url.pathname}?token=${encodeURIComponent(token)}`;
      if (new URL(path, location.origin).origin === location.origin) links.push(path);
    } catch {
      // Not a URL after all: it stays text in the body.
    }
  }
  return [...new Set(links)];
}

/** @param {import('../../router.js').ViewContext} ctx */
export default async function outboxView(ctx) {
  const me = signedInAs(ctx.root, ['admin'], 'Outbox');
  if (!me) return;

  let to = ctx.query.get('to') ?? '';
  let page = Math.max(1, Number(ctx.query.get('page')) || 1);

  const showAll = h('button', { type: 'button', class: 'secondary', hidden: !to, onclick: () => filter('') }, 'Show all');
  const filterForm = h('form', { class: 'form-row', role: 'search', 'aria-label': 'Filter the outbox', 'data-testid': 'outbox-filter', onsubmit: submitFilter },
    field('Recipient', 'to', { type: 'email', value: to, autocomplete: 'off' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Filter'), showAll),
    h('p', { class: 'alert', role: 'alert' }));
  const status = h('p', { role: 'status', class: 'loading' }, 'Loading messages…');
  const body = h('tbody', {});
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of the outbox' });

  replace(ctx.root,
    h('h1', {}, 'Outbox'),
    h('p', { class: 'muted' }, 'The mail the shop sent or will send, newest first. Open a message to read it.'),
    filterForm,
    status,
    scrollBox('Outgoing messages',
      h('table', { 'data-testid': 'outbox-table' },
        h('caption', { class: 'visually-hidden' }, 'Outgoing messages, newest first'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'To'),
          h('th', { scope: 'col' }, 'Kind'),
          h('th', { scope: 'col' }, 'Subject'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Created'))),
        body)),
    pager);

  /** @param {SubmitEvent} event */
  function submitFilter(event) {
    event.preventDefault();
    filter(formValues(filterForm).to ?? '');
  }

  /** @param {string} recipient */
  function filter(recipient) {
    to = recipient;
    page = 1;
    /** @type {HTMLInputElement} */ (filterForm.elements.namedItem('to')).value = recipient;
    showAll.hidden = !recipient;
    load();
  }

  async function load() {
    clearProblem(filterForm);
    const params = new URLSearchParams();
    if (to) params.set('to', to);
    if (page > 1) params.set('page', String(page));
    const query = params.toString();
    history.replaceState(null, '', query ? `/admin/outbox?${query}` : '/admin/outbox');
    body.setAttribute('aria-busy', 'true');
    try {
      /** @type {OutboxPage} */
      const answer = await api('/admin/outbox', { query: { to, page, per_page: PER_PAGE } });
      replace(body, answer.items.length
        ? answer.items.map(row)
        : h('tr', {}, h('td', { colSpan: 5, class: 'muted' }, to ? `No messages to ${to}.` : 'No messages yet.')));
      status.className = 'muted';
      status.textContent = `${answer.total} ${answer.total === 1 ? 'message' : 'messages'}${to ? ` to ${to}` : ''}.`;
      drawPager(answer);
    } catch (error) {
      status.className = 'alert';
      status.textContent = 'The outbox could not be loaded.';
      showProblem(filterForm, error);
    } finally {
      body.removeAttribute('aria-busy');
    }
  }

  /** @param {OutboxPage} answer */
  function drawPager(answer) {
    replace(pager, pageButtons(page, answer.total, answer.per_page, (asked) => {
      page = asked;
      load();
    }));
  }

  /**
   * One message: its subject opens the body and the links in it.
   * @param {OutboxMessage} message
   */
  function row(message) {
    const text = h('pre', {}, message.body);
    const links = tokenLinks(message.body);
    return h('tr', { 'data-testid': 'outbox-message', 'data-message-id': message.id },
      h('td', {}, h('button', {
        type: 'button',
        class: 'link-button',
        title: `Show only messages to ${message.to}`,
        onclick: () => filter(message.to),
      }, message.to)),
      h('td', {}, words(message.kind)),
      h('td', {},
        h('details', {},
          h('summary', {}, message.subject),
          text,
          links.map((link) => h('p', {}, h('a', { href: link, 'data-testid': 'outbox-link' }, link))))),
      h('td', {}, message.status ? words(message.status) : ''),
      h('td', {}, dateTime(message.created_at)));
  }

  await load();
}
