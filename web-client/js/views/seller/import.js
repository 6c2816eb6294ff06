// @ts-check
/**
 * @file Bulk import (`/seller/import`): the seller picks one of their catalogs or creates one
 * (`POST /catalogs`), then uploads a CSV or NDJSON file, sent as the raw body of
 * `POST /catalogs/{id}/import` with `Content-Type: text/csv` or `application/x-ndjson` (the route
 * reads the body as a stream; it takes no multipart). The report shows how many products were
 * created and updated, a table of the rows that failed with why, and a link to the products page
 * (which lists drafts too). The expected columns and an example are shown as help, with the
 * category ids to use.
 */

import { api } from '../../api.js';
import { clearProblem, field, formValues, h, replace, select, showProblem, toast } from '../../dom.js';
import {
  beginPage, categoryOptions, dataTable, failure, managedSeller, sellerPicker, showFieldErrors,
} from './common.js';

/**
 * @typedef {import('./common.js').CategoryNode} CategoryNode
 * @typedef {{id: string, name: string, product_count: number}} Catalog
 * @typedef {{line: number, errors: {field: string, message: string}[]}} LineError
 * @typedef {{created: number, updated: number, failed: LineError[], failed_count: number}} ImportReport
 */

/** The columns an import reads: [name, what it holds]. */
const REQUIRED_COLUMNS = [
  ['sku', '1 to 64 letters, digits, - _ . /; rows upsert by it'],
  ['name', 'up to 200 characters'],
  ['category_id', 'a category id (listed below)'],
  ['price_cents', 'the price in minor units: 1299 is 12.99'],
  ['currency', 'ISO 4217, like EUR'],
];
const OPTIONAL_COLUMNS = [
  ['description', 'text'],
  ['brand', 'text'],
  ['stock', 'units on hand'],
  ['status', 'draft or published (default published)'],
  ['images', 'http(s) URLs separated by |'],
  ['low_stock_threshold', 'units'],
  ['max_per_customer', 'units'],
  ['attributes', 'a JSON object, like {"colour":"blue"}'],
];

/** @param {import('../../router.js').ViewContext} ctx */
export default async function importView(ctx) {
  const page = beginPage(ctx, '/seller/import', 'Import products');
  if (!page) return;
  const { user, body } = page;
  const sellerId = managedSeller(ctx, user);
  const own = sellerId === user.id;

  /** @type {{items: Catalog[]}} */
  let catalogs;
  /** @type {CategoryNode[]} */
  let tree;
  try {
    [catalogs, tree] = await Promise.all([
      api('/catalogs', { query: { seller: sellerId, per_page: 100 } }),
      api('/categories'),
    ]);
  } catch (error) {
    replace(body, failure('Your catalogs could not be loaded', error));
    return;
  }
  const picker = await sellerPicker('/seller/import', user, sellerId);

  const catalogField = select('Catalog', 'catalog',
    catalogs.items.map((catalog) => /** @type {[string, string]} */ ([catalog.id, catalogLabel(catalog)])),
    ctx.query.get('catalog') ?? catalogs.items[0]?.id);
  const catalogSelect = /** @type {HTMLSelectElement} */ (catalogField.querySelector('select'));
  const report = h('div', { 'data-testid': 'import-report', 'aria-live': 'polite' });
  const noCatalog = catalogs.items.length === 0 && h('p', { class: 'notice' }, 'You have no catalog yet: create one to import into.');
  const categories = categoryOptions(tree);

  const createButton = h('button', { type: 'submit', class: 'secondary' }, 'Create catalog');
  const createForm = h('form', {
    class: 'form',
    noValidate: true,
    'data-testid': 'catalog-form',
    'aria-label': 'New catalog',
    onsubmit: async (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      clearProblem(createForm);
      const { name } = formValues(createForm);
      if (!name) {
        showFieldErrors(createForm, [{ field: 'name', message: 'Give the catalog a name' }]);
        return;
      }
      createButton.disabled = true;
      try {
        /** @type {Catalog} */
        const created = await api('/catalogs', { method: 'POST', body: { name } });
        catalogSelect.prepend(h('option', { value: created.id }, catalogLabel(created)));
        catalogSelect.value = created.id;
        if (noCatalog) noCatalog.remove();
        createForm.reset();
        toast(`Created the catalog ${created.name}.`);
        catalogSelect.focus();
      } catch (error) {
        showProblem(createForm, error);
      } finally {
        createButton.disabled = false;
      }
    },
  },
  h('h2', {}, 'New catalog'),
  field('Catalog name', 'name', { required: true, maxLength: 100 }),
  h('p', { class: 'alert', role: 'alert' }),
  h('div', { class: 'actions' }, createButton));

  const importButton = h('button', { type: 'submit' }, 'Import');
  const fileInput = h('input', {
    id: 'import-file', name: 'file', type: 'file', required: true,
    accept: '.csv,.ndjson,.jsonl,text/csv,application/x-ndjson',
  });
  const importForm = h('form', {
    class: 'form',
    noValidate: true,
    'data-testid': 'import-form',
    'aria-label': 'Import a file',
    onsubmit: async (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      clearProblem(importForm);
      const file = fileInput.files?.[0];
      /** @type {Array<{field: string, message: string}>} */
      const missing = [];
      if (!catalogSelect.value) missing.push({ field: 'catalog', message: 'Choose or create a catalog first' });
      if (!file) missing.push({ field: 'file', message: 'Choose a CSV or NDJSON file' });
      if (!file || missing.length > 0) {
        showFieldErrors(importForm, missing);
        return;
      }
      importButton.disabled = true;
      replace(report, h('p', { class: 'loading', role: 'status' }, `Importing ${file.name}…`));
      try {
        /** @type {ImportReport} */
        const result = await api(`/catalogs/${catalogSelect.value}/import`, {
          method: 'POST', raw: file, contentType: contentTypeOf(file),
        });
        replace(report, reportOf(result, own ? '/seller' : `/seller?seller=${encodeURIComponent(sellerId)}`));
        toast(`Imported ${file.name}.`);
      } catch (error) {
        report.replaceChildren();
        showProblem(importForm, error);
      } finally {
        importButton.disabled = false;
      }
    },
  },
  h('h2', {}, 'Upload'),
  catalogField,
  h('div', { class: 'field' },
    h('label', { for: 'import-file' }, 'CSV or NDJSON file'),
    fileInput,
    h('span', { class: 'field-error', 'data-error-for': 'file', 'aria-live': 'polite' })),
  h('p', { class: 'alert', role: 'alert' }),
  h('div', { class: 'actions' }, importButton));

  replace(body,
    picker,
    h('p', {}, 'Products are created or updated by SKU and join the catalog you choose. A file is at most 50 MB.'),
    noCatalog,
    own && createForm,
    importForm,
    report,
    help(categories));
}

/** @param {Catalog} catalog */
function catalogLabel(catalog) {
  return `${catalog.name} (${catalog.product_count} published)`;
}

/**
 * The content type the import route reads the file as: NDJSON by its extension or type, else CSV.
 * @param {File} file
 */
function contentTypeOf(file) {
  const name = file.name.toLowerCase();
  const ndjson = name.endsWith('.ndjson') || name.endsWith('.jsonl') || /ndjson|jsonl/.test(file.type);
  return ndjson ? 'application/x-ndjson' : 'text/csv';
}

/**
 * What an import did: the counts, where to see the products, and the failed rows with their errors.
 * @param {ImportReport} result
 * @param {string} productsHref the products page of the seller imported for
 */
function reportOf(result, productsHref) {
  const counts = h('p', { class: result.failed_count > 0 ? 'alert' : 'notice', role: 'status' },
    `Created ${result.created}, updated ${result.updated}, failed ${result.failed_count}.`);
  const see = h('p', {}, h('a', { href: productsHref, 'data-testid': 'imported-products' }, 'See the products'),
    ', drafts included.');
  if (result.failed.length === 0) return [h('h2', {}, 'Result'), counts, see];
  const { wrap, tbody } = dataTable('Rows that were not imported', [['Line', true], ['Errors']], 'import-errors');
  for (const failed of result.failed) {
    tbody.append(h('tr', {},
      h('td', { class: 'number' }, String(failed.line)),
      h('td', {}, h('ul', {}, failed.errors.map(({ field: name, message }) => h('li', {}, `${name}: ${message}`))))));
  }
  return [
    h('h2', {}, 'Result'),
    counts,
    see,
    wrap,
    result.failed_count > result.failed.length
      && h('p', { class: 'muted' }, `Only the first ${result.failed.length} failed rows are listed.`),
  ];
}

/**
 * The expected columns, an example of each format, and the category ids.
 * @param {Array<[string, string]>} categories
 */
function help(categories) {
  const category = categories[0]?.[0] ?? '<category id>';
  const csv = [
    'sku,name,description,brand,category_id,price_cents,currency,stock,status,images',
    `MUG-01,Blue mug,"Stoneware, 350 ml",Acme,${category},1299,EUR,25,published,https://img.example/mug.jpg|https://img.example/mug-2.jpg`,
    `MUG-02,Red mug,,Acme,${category},1199,EUR,10,draft,`,
  ].join('\n');
  const ndjson = JSON.stringify({ sku: 'MUG-01', name: 'Blue mug', category_id: category, price_cents: 1299, currency: 'EUR', stock: 25 });
  /** @param {string[][]} columns */
  const list = (columns) => h('ul', {}, columns.map(([name, text]) => h('li', {}, h('code', {}, name), `: ${text}`)));
  return h('section', { class: 'panel', 'aria-labelledby': 'import-help' },
    h('h2', { id: 'import-help' }, 'File format'),
    h('p', {}, 'CSV with a header row naming the columns (any order), or NDJSON: one JSON object per line with the same fields.'),
    h('h3', {}, 'Required columns'),
    list(REQUIRED_COLUMNS),
    h('h3', {}, 'Optional columns'),
    list(OPTIONAL_COLUMNS),
    h('p', {}, 'An empty cell leaves the field out; for a product that exists, absent stock and threshold stay as they are.'),
    h('h3', {}, 'CSV example'),
    h('div', { class: 'table-wrap', tabIndex: 0 }, h('pre', {}, h('code', {}, csv))),
    h('h3', {}, 'NDJSON example'),
    h('div', { class: 'table-wrap', tabIndex: 0 }, h('pre', {}, h('code', {}, ndjson))),
    h('details', {},
      h('summary', {}, 'Category ids'),
      categories.length === 0
        ? h('p', {}, 'There are no categories yet: an admin creates them.')
        : h('ul', {}, categories.map(([id, name]) => h('li', {}, `${name.trim()}: `, h('code', {}, id))))));
}
