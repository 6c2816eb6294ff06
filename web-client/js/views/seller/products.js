// @ts-check
/**
 * @file The seller's products (`/seller`): a table of their products with each one's status,
 * price and live availability; a form to create one (`POST /products`); an "Edit" button per row
 * that opens the same form filled in below the row and sends only the fields that changed
 * (`PATCH /products/{id}`); and "Archive" (`DELETE /products/{id}`, after a confirmation).
 * Prices are typed in currency units and sent as `price_cents`. The table lists every status,
 * drafts and archived products included (`GET /seller/products`), or one (`?status=`). Admins see
 * their own products or, with `?seller=`, a seller's.
 */

import { api } from '../../api.js';
import { clearProblem, field, formValues, h, money, replace, select, showProblem, toast, words } from '../../dom.js';
import { navigate } from '../../router.js';
import {
  PER_PAGE, beginPage, categoryOptions, centsText, dataTable, failure, loadOwnProducts, managedSeller,
  pageOf, pager, problemText, sellerPicker, showFieldErrors, toCents, wholeNumber,
} from './common.js';

/**
 * @typedef {import('./common.js').Product} Product
 * @typedef {import('./common.js').Inventory} Inventory
 * @typedef {import('./common.js').CategoryNode} CategoryNode
 * @typedef {{field: string, message: string}} FieldProblem
 * @typedef {{sku: string, name: string, description: string, brand: string | null, category_id: string,
 *   price_cents: number, currency: string, images: string[], attributes: Record<string, unknown>,
 *   status: string, stock?: number, low_stock_threshold?: number}} ProductBody
 */

/** The status filter's choices: [status, label] ("" lists every status). */
const STATUS_FILTERS = /** @type {Array<[string, string]>} */ ([
  ['', 'Every status'], ['published', 'Published'], ['draft', 'Drafts'], ['archived', 'Archived'],
]);

const COLUMNS = /** @type {Array<[string, boolean?]>} */ ([
  ['Name'], ['SKU'], ['Status'], ['Category'], ['Price', true], ['Available', true], ['Actions'],
]);

/** @param {import('../../router.js').ViewContext} ctx */
export default async function products(ctx) {
  const page = beginPage(ctx, '/seller', 'Products');
  if (!page) return;
  const { user, body } = page;
  const sellerId = managedSeller(ctx, user);
  const pageNo = pageOf(ctx.query);
  const wanted = ctx.query.get('status') ?? '';
  const status = STATUS_FILTERS.some(([value]) => value === wanted) ? wanted : '';

  /** @type {CategoryNode[]} */
  let tree;
  /** @type {import('./common.js').Paged<Product>} */
  let listed;
  try {
    [tree, listed] = await Promise.all([api('/categories'), loadOwnProducts(sellerId, pageNo, status || undefined)]);
  } catch (error) {
    replace(body, failure('Your products could not be loaded', error));
    return;
  }
  const picker = await sellerPicker('/seller', user, sellerId);

  const categories = categoryOptions(tree);
  const categoryNames = new Map(categories.map(([id, label]) => [id, label.trim()]));
  const own = sellerId === user.id;
  const alert = h('p', { class: 'alert', role: 'alert' });
  const formSlot = h('div', {});
  const { wrap, tbody } = dataTable('Your products', COLUMNS, 'products-table');
  /** The open form's closer (one form at a time). @type {(() => void) | null} */
  let closeOpen = null;

  /** @param {string} status */
  const statusBadge = (status) => h('span', { class: status === 'published' ? 'badge ok' : 'badge' }, status);

  /** @param {Product} product */
  function row(product) {
    const tr = h('tr', { 'data-testid': 'product-row', 'data-product-id': product.id },
      h('td', {}, h('a', { href: `/products/${product.id}` }, product.name)),
      h('td', {}, product.sku),
      h('td', { 'data-testid': 'product-status' }, statusBadge(product.status)),
      h('td', {}, categoryNames.get(product.category_id) ?? ''),
      h('td', { class: 'number' }, money(product.price_cents, product.currency)),
      h('td', { class: 'number' }, String(product.available)),
      h('td', {}, h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'secondary', 'aria-label': `Edit ${product.name}`,
          onclick: (/** @type {MouseEvent} */ event) => openEditor(product, tr, /** @type {HTMLButtonElement} */ (event.currentTarget)),
        }, 'Edit'),
        product.status !== 'archived' && h('button', {
          type: 'button', class: 'danger', 'aria-label': `Archive ${product.name}`,
          onclick: (/** @type {MouseEvent} */ event) => archive(product, tr, /** @type {HTMLButtonElement} */ (event.currentTarget)),
        }, 'Archive'))));
    return tr;
  }

  function emptyRow() {
    return h('tr', { class: 'empty' }, h('td', { colSpan: COLUMNS.length }, status ? `No ${words(status)} products.` : 'No products yet.'));
  }

  /**
   * Opens the filled form below `tr`, with the product's current fields and threshold.
   * @param {Product} product
   * @param {HTMLTableRowElement} tr
   * @param {HTMLButtonElement} opener
   */
  async function openEditor(product, tr, opener) {
    closeOpen?.();
    const cell = h('td', { colSpan: COLUMNS.length }, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    const editorRow = h('tr', { class: 'editor' }, cell);
    tr.after(editorRow);
    const close = () => {
      editorRow.remove();
      if (closeOpen === close) closeOpen = null;
      opener.focus();
    };
    closeOpen = close;
    /** @type {Product} */
    let fresh;
    /** @type {Inventory} */
    let inventory;
    try {
      [fresh, inventory] = await Promise.all([api(`/products/${product.id}`), api(`/products/${product.id}/inventory`)]);
    } catch (error) {
      replace(cell, failure('This product could not be opened', error),
        h('button', { type: 'button', class: 'secondary', onclick: close }, 'Close'));
      return;
    }
    if (closeOpen !== close) return; // another form was opened meanwhile
    const form = productForm(categories, {
      product: fresh,
      threshold: inventory.low_stock_threshold,
      onCancel: close,
      onSubmit: async (fields) => {
        const patch = changes(fresh, inventory.low_stock_threshold, fields);
        if (Object.keys(patch).length === 0) {
          toast('Nothing changed.');
          close();
          return;
        }
        /** @type {Product} */
        const saved = await api(`/products/${product.id}`, { method: 'PATCH', body: patch });
        const next = row(saved);
        close();
        tr.replaceWith(next);
        next.querySelector('button')?.focus();
        toast(`Saved ${saved.name}.`);
      },
    });
    replace(cell, form);
    form.querySelector('input')?.focus();
  }

  /**
   * @param {Product} product
   * @param {HTMLTableRowElement} tr
   * @param {HTMLButtonElement} button
   */
  async function archive(product, tr, button) {
    if (!confirm(`Archive ${product.name}? It leaves the shop; orders that have it keep it.`)) return;
    button.disabled = true;
    alert.textContent = '';
    try {
      await api(`/products/${product.id}`, { method: 'DELETE' });
    } catch (error) {
      button.disabled = false;
      alert.textContent = `${product.name} could not be archived: ${problemText(error)}`;
      return;
    }
    if (closeOpen && tr.nextElementSibling?.classList.contains('editor')) closeOpen();
    const next = row({ ...product, status: 'archived' });
    tr.replaceWith(next);
    next.querySelector('button')?.focus();
    toast(`Archived ${product.name}.`);
  }

  const newButton = h('button', {
    type: 'button',
    'aria-expanded': 'false',
    onclick: () => {
      if (closeOpen && formSlot.firstChild) {
        closeOpen();
        return;
      }
      closeOpen?.();
      const close = () => {
        formSlot.replaceChildren();
        newButton.setAttribute('aria-expanded', 'false');
        if (closeOpen === close) closeOpen = null;
        newButton.focus();
      };
      closeOpen = close;
      const form = productForm(categories, {
        onCancel: close,
        onSubmit: async (fields) => {
          /** @type {Product} */
          const created = await api('/products', { method: 'POST', body: createBody(fields) });
          close();
          tbody.querySelector('tr.empty')?.remove();
          tbody.prepend(row(created));
          toast(`Created ${created.name}.`);
        },
      });
      replace(formSlot, form);
      newButton.setAttribute('aria-expanded', 'true');
      form.querySelector('input')?.focus();
    },
  }, 'New product');

  if (listed.items.length === 0) tbody.append(emptyRow());
  for (const product of listed.items) tbody.append(row(product));
  /** @param {{page?: number, status?: string}} change */
  const query = ({ page: n = 1, status: shown = status }) => `/seller?${new URLSearchParams({
    ...(own ? {} : { seller: sellerId }), ...(shown ? { status: shown } : {}), ...(n > 1 ? { page: String(n) } : {}),
  })}`;
  const filter = select('Show', 'status', STATUS_FILTERS, status);
  const filterSelect = /** @type {HTMLSelectElement} */ (filter.querySelector('select'));
  const filterForm = h('form', {
    class: 'actions',
    'aria-label': 'Filter by status',
    onsubmit: (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      navigate(query({ status: filterSelect.value }));
    },
  }, filter, h('button', { type: 'submit', class: 'secondary' }, 'Filter'));
  const counted = status ? `${listed.total} ${words(status)}` : String(listed.total);

  replace(body,
    picker,
    h('p', { class: 'muted' },
      'Every product you made is listed here, drafts and archived ones too; stock changes on the ',
      h('a', { href: '/seller/inventory' }, 'inventory'), ' page.'),
    own
      ? h('div', { class: 'actions' }, newButton)
      : h('p', { class: 'muted' }, 'New products you create belong to you, so creating is on your own products.'),
    formSlot,
    alert,
    h('h2', {}, `Products (${counted})`),
    filterForm,
    wrap,
    pager(pageNo, PER_PAGE, listed.total, (n) => query({ page: n })));
}

/**
 * The product form, empty to create or filled to edit.
 * @param {Array<[string, string]>} categories
 * @param {{product?: Product, threshold?: number, onCancel: () => void,
 *   onSubmit: (fields: ProductBody) => Promise<void>}} options
 */
function productForm(categories, { product, threshold, onCancel, onSubmit }) {
  const editing = product !== undefined;
  /** @type {Array<[string, string]>} */
  const statuses = [['draft', 'Draft (only you see it)'], ['published', 'Published']];
  if (product?.status === 'archived') statuses.push(['archived', 'Archived']);
  const category = select('Category', 'category_id', [['', 'Choose a category'], ...categories], product?.category_id ?? '');
  category.querySelector('select')?.setAttribute('required', '');
  const submit = h('button', { type: 'submit' }, editing ? 'Save changes' : 'Create product');
  const form = h('form', {
    class: 'form',
    noValidate: true,
    'data-testid': 'product-form',
    'aria-label': editing ? `Edit ${product.name}` : 'New product',
    onsubmit: async (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      clearProblem(form);
      const { fields, errors } = readProduct(form, product);
      if (errors.length > 0) {
        showFieldErrors(form, errors);
        return;
      }
      submit.disabled = true;
      try {
        await onSubmit(fields);
      } catch (error) {
        showProblem(form, error);
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h2', {}, editing ? `Edit ${product.name}` : 'New product'),
  h('div', { class: 'form-row' },
    field('SKU', 'sku', { required: true, maxLength: 64, autocomplete: 'off', value: product?.sku ?? '' }),
    field('Name', 'name', { required: true, maxLength: 200, value: product?.name ?? '' })),
  field('Description', 'description', { type: 'textarea', rows: 4, value: product?.description ?? '' }),
  h('div', { class: 'form-row' },
    field('Brand (optional)', 'brand', { maxLength: 100, value: product?.brand ?? '' }),
    category),
  h('div', { class: 'form-row' },
    field('Price (in currency units, like 12.99)', 'price_cents', {
      required: true, inputMode: 'decimal', value: product ? centsText(product.price_cents) : '',
    }),
    field('Currency', 'currency', { required: true, maxLength: 3, autocomplete: 'off', value: product?.currency ?? 'EUR' })),
  h('div', { class: 'form-row' },
    !editing && field('Stock', 'stock', { type: 'number', min: 0, step: 1, value: '0' }),
    field('Low-stock threshold', 'low_stock_threshold', {
      type: 'number', min: 0, step: 1, value: threshold === undefined ? '' : String(threshold),
    })),
  field('Image URLs (one per line)', 'images', { type: 'textarea', rows: 3, value: product?.images.join('\n') ?? '' }),
  field('Attributes (one key=value per line)', 'attributes', {
    type: 'textarea', rows: 3, value: product ? attributesText(product.attributes) : '',
  }),
  select('Status', 'status', statuses, product?.status ?? 'published'),
  h('p', { class: 'alert', role: 'alert' }),
  h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'secondary', onclick: onCancel }, 'Cancel')));
  return form;
}

/**
 * The form's fields as the API takes them, and what is wrong with them before sending.
 * @param {HTMLFormElement} form
 * @param {Product} [original] the product being edited (keeps its non-text attribute values)
 * @returns {{fields: ProductBody, errors: FieldProblem[]}}
 */
function readProduct(form, original) {
  const values = formValues(form);
  /** @type {FieldProblem[]} */
  const errors = [];
  const price = toCents(values.price_cents ?? '');
  if (price === null) errors.push({ field: 'price_cents', message: 'Enter a price like 12.99' });
  if (!values.category_id) errors.push({ field: 'category_id', message: 'Choose a category' });
  /** @param {string} name */
  const count = (name) => {
    if (values[name] === undefined) return undefined;
    const units = wholeNumber(values[name]);
    if (units === null || units < 0) errors.push({ field: name, message: 'Enter a whole number, 0 or more' });
    return units ?? undefined;
  };
  const stock = count('stock');
  const threshold = count('low_stock_threshold');
  const attributes = parseAttributes(values.attributes ?? '', original?.attributes ?? {}, errors);
  /** @type {ProductBody} */
  const fields = {
    sku: values.sku ?? '',
    name: values.name ?? '',
    description: values.description ?? '',
    brand: values.brand ?? null,
    category_id: values.category_id ?? '',
    price_cents: price ?? 0,
    currency: (values.currency ?? '').toUpperCase(),
    images: (values.images ?? '').split('\n').map((url) => url.trim()).filter((url) => url !== ''),
    attributes,
    status: values.status ?? 'published',
  };
  if (stock !== undefined) fields.stock = stock;
  if (threshold !== undefined) fields.low_stock_threshold = threshold;
  return { fields, errors };
}

/**
 * The body of `POST /products` (no brand when none was given).
 * @param {ProductBody} fields
 */
function createBody(fields) {
  const { brand, ...rest } = fields;
  return brand === null ? rest : fields;
}

/**
 * The fields of `fields` that differ from `product` (and its threshold): the body of
 * `PATCH /products/{id}`. An emptied brand is sent as `null`, which clears it.
 * @param {Product} product
 * @param {number} threshold
 * @param {ProductBody} fields
 */
function changes(product, threshold, fields) {
  /** @type {Record<string, unknown>} */
  const patch = {};
  for (const key of /** @type {const} */ (['sku', 'name', 'description', 'category_id', 'price_cents', 'currency', 'status'])) {
    if (fields[key] !== product[key]) patch[key] = fields[key];
  }
  if (fields.brand !== (product.brand || null)) patch.brand = fields.brand;
  if (JSON.stringify(fields.images) !== JSON.stringify(product.images)) patch.images = fields.images;
  if (JSON.stringify(fields.attributes) !== JSON.stringify(product.attributes ?? {})) patch.attributes = fields.attributes;
  if (fields.low_stock_threshold !== undefined && fields.low_stock_threshold !== threshold) {
    patch.low_stock_threshold = fields.low_stock_threshold;
  }
  return patch;
}

/**
 * Attributes as `key=value` lines (values that are not text as JSON).
 * @param {Record<string, unknown>} attributes
 */
function attributesText(attributes) {
  return Object.entries(attributes ?? {})
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n');
}

/**
 * `key=value` lines as an attributes object. A value shown as JSON that was not edited keeps
 * its original type; every other value is text.
 * @param {string} text
 * @param {Record<string, unknown>} original
 * @param {FieldProblem[]} errors where a line without `=` is reported
 */
function parseAttributes(text, original, errors) {
  /** @type {Record<string, unknown>} */
  const attributes = {};
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const at = line.indexOf('=');
    const key = at > 0 ? line.slice(0, at).trim() : '';
    if (key === '') {
      errors.push({ field: 'attributes', message: `Line ${index + 1}: write key=value` });
      return;
    }
    const value = line.slice(at + 1).trim();
    const before = original[key];
    attributes[key] = before !== undefined && typeof before !== 'string' && JSON.stringify(before) === value ? before : value;
  });
  return attributes;
}
