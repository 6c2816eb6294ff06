// @ts-check
/**
 * @file Building the page: `h()` makes elements from a tag, properties and children (text is
 * always set as text, never parsed as HTML), and small formatters for money, dates and problems.
 */

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Child | Child[]} Children
 */

/** Properties that would parse a string as markup: `h()` refuses them. */
const HTML_SINKS = new Set(['innerHTML', 'outerHTML', 'srcdoc']);

/**
 * Makes an element. Properties starting with `on` add listeners; `class`, `for` and `aria-*` /
 * `data-*` / `role` become attributes; everything else is set as a property.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [props]
 * @param {...Children} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (HTML_SINKS.has(name)) throw new Error(`h() sets text only, never ${name}`);
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'class' || name === 'for' || name === 'role' || name.includes('-')) {
      element.setAttribute(name, value === true ? '' : String(value));
    } else {
      /** @type {any} */ (element)[name] = value;
    }
  }
  append(element, children);
  return element;
}

/**
 * Appends children (nested arrays flattened; null, undefined and false skipped).
 * @param {Node} parent
 * @param {Children[]} children
 */
export function append(parent, children) {
  for (const child of children.flat(2)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces every child of `parent`.
 * @param {Element} parent
 * @param {...Children} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * A box that scrolls sideways when its content (a table) is wider than the screen; it takes focus,
 * so keyboard users can scroll it too, and is announced by `label`.
 * @param {string} label
 * @param {...Children} children
 */
export function scrollBox(label, ...children) {
  return h('div', { class: 'table-wrap', tabIndex: 0, role: 'region', 'aria-label': label }, ...children);
}

/**
 * "Previous" and "Next" buttons around "Page N of M", for a list of `total` items shown
 * `perPage` at a time; `go` is called with the page asked for.
 * @param {number} page
 * @param {number} total
 * @param {number} perPage
 * @param {(page: number) => void} go
 */
export function pageButtons(page, total, perPage, go) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return [
    h('button', { type: 'button', class: 'secondary', disabled: page <= 1, onclick: () => go(page - 1) }, 'Previous'),
    h('span', {}, `Page ${page} of ${pages}`),
    h('button', { type: 'button', class: 'secondary', disabled: page >= pages, onclick: () => go(page + 1) }, 'Next'),
  ];
}

/**
 * An SVG element (charts).
 * @param {string} tag
 * @param {Record<string, string | number>} [attributes]
 * @param {...Node} children
 * @returns {SVGElement}
 */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.appendChild(child);
  return /** @type {SVGElement} */ (element);
}

/**
 * Money from minor units: `money(1999, 'EUR')` is "€19.99".
 * @param {number} cents
 * @param {string} [currency]
 */
export function money(cents, currency = 'EUR') {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
}

/**
 * A date and time in the reader's locale.
 * @param {string | null | undefined} rfc3339
 */
export function dateTime(rfc3339) {
  return rfc3339 ? new Date(rfc3339).toLocaleString() : '';
}

/**
 * A day in the reader's locale.
 * @param {string | null | undefined} rfc3339
 */
export function day(rfc3339) {
  return rfc3339 ? new Date(rfc3339).toLocaleDateString() : '';
}

/** A status such as `out_for_delivery` as words: "out for delivery". @param {string} status */
export function words(status) {
  return status.replaceAll('_', ' ');
}

/**
 * The values of a form's named fields, as strings (empty fields left out).
 * @param {HTMLFormElement} form
 * @returns {Record<string, string>}
 */
export function formValues(form) {
  /** @type {Record<string, string>} */
  const values = {};
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string' && value.trim() !== '') values[name] = value.trim();
  }
  return values;
}

/**
 * A labelled input. The label is tied to the input, and an error slot (filled by
 * `showProblem`) follows it.
 * @param {string} label
 * @param {string} name
 * @param {Record<string, any>} [props] extra input properties (`type`, `required`, `value`, ...)
 */
export function field(label, name, props = {}) {
  const id = `f-${name}-${++fieldCount}`;
  const input = props.type === 'textarea'
    ? h('textarea', { id, name, ...props, type: undefined })
    : h('input', { id, name, type: 'text', ...props });
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    h('span', { class: 'field-error', 'data-error-for': name, 'aria-live': 'polite' }));
}
let fieldCount = 0;

/**
 * A labelled select.
 * @param {string} label
 * @param {string} name
 * @param {Array<[string, string]>} options value and text of each option
 * @param {string} [selected]
 */
export function select(label, name, options, selected) {
  const id = `f-${name}-${++fieldCount}`;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, name },
      options.map(([value, text]) => h('option', { value, selected: value === selected }, text))),
    h('span', { class: 'field-error', 'data-error-for': name, 'aria-live': 'polite' }));
}

/**
 * Shows an API problem in a form: each named field's message beside it, the rest in the form's
 * alert. Clears earlier messages.
 * @param {HTMLFormElement | HTMLElement} form
 * @param {unknown} error
 */
export function showProblem(form, error) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const alert = form.querySelector('.alert') ?? form.appendChild(h('p', { class: 'alert', role: 'alert' }));
  alert.textContent = '';
  const problem = /** @type {{detail?: string, title?: string, errors?: {field: string, message: string}[]}} */ (
    error && typeof error === 'object' && 'problem' in error ? error.problem : {});
  const unplaced = [];
  for (const { field: name, message } of problem.errors ?? []) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) {
      slot.textContent = message;
      form.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute('aria-invalid', 'true');
    } else {
      unplaced.push(`${name}: ${message}`);
    }
  }
  const message = problem.detail ?? problem.title ?? (error instanceof Error ? error.message : String(error));
  alert.textContent = [message, ...unplaced].join(' — ');
}

/**
 * Clears a form's messages.
 * @param {HTMLElement} form
 */
export function clearProblem(form) {
  for (const slot of form.querySelectorAll('[data-error-for], .alert')) slot.textContent = '';
}

/**
 * A short-lived message at the bottom of the screen, read by screen readers.
 * @param {string} text
 */
export function toast(text) {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h('div', { class: 'toast' }, text);
  region.appendChild(item);
  setTimeout(() => item.remove(), 5000);
}
