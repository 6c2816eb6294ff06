// @ts-check
/**
 * @file Product search (`/search`): every filter, sort and facet of `GET /products`. The URL is
 * the whole query, in the API's own names and units (prices in minor units, as `min_price` and
 * `max_price`), so back, forward and shared links redraw the same results: the view reads
 * everything from `ctx.query` and every change navigates to a new URL. The filter form takes
 * prices in currency units; the facets the answer carries (brands, categories, price ranges, each
 * with a count) are links that narrow the query, and the active filters are links that widen it.
 */

import { api } from '../api.js';
import { field, formValues, h, money, replace, select, showProblem } from '../dom.js';
import { navigate } from '../router.js';
import { categoryTree, productCard } from '../products.js';

/**
 * @typedef {import('../products.js').Product} Product
 * @typedef {import('../products.js').CategoryNode} CategoryNode
 * @typedef {{value: string, count: number}} BrandCount
 * @typedef {{id: string, name: string, slug: string, count: number}} CategoryCount
 * @typedef {{min_cents: number, max_cents: number | null, count: number}} PriceRangeCount
 * @typedef {{brands: BrandCount[], categories: CategoryCount[], price: PriceRangeCount[]}} Facets
 * @typedef {{items: Product[], page: number, per_page: number, total: number, facets: Facets}} SearchResults
 * @typedef {{id: string, seller_id: string, name: string, product_count: number}} SellerCatalog
 */

/** The query parameters `GET /products` understands, in the order the URL keeps them. */
const PARAMS = ['q', 'category', 'seller', 'catalog', 'brand', 'min_price', 'max_price', 'min_rating',
  'in_stock', 'sort', 'page', 'per_page'];
const DEFAULT_PER_PAGE = '24';
const PER_PAGE = ['12', '24', '48', '96'];
/** @type {Record<string, string>} */
const SORTS = {
  relevance: 'Relevance',
  newest: 'Newest',
  price_asc: 'Price: low to high',
  price_desc: 'Price: high to low',
  rating: 'Best rated',
};
/** @type {Record<string, string>} */
const AVAILABILITY = { true: 'In stock', false: 'Sold out' };

/** The name of the control to focus again after a change redraws the page. */
let refocus = '';

/**
 * The known, non-empty parameters of the URL.
 * @param {URLSearchParams} raw
 */
function knownParams(raw) {
  const query = new URLSearchParams();
  for (const name of PARAMS) {
    const value = raw.get(name)?.trim();
    if (value) query.set(name, value);
  }
  return query;
}

/**
 * The URL of this search with some parameters changed (`null` removes one); back to page 1
 * unless `page` is among the changes.
 * @param {URLSearchParams} query
 * @param {Record<string, string | null>} changes
 */
function hrefWith(query, changes) {
  const next = new URLSearchParams(query);
  next.delete('page');
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === '') next.delete(name);
    else next.set(name, value);
  }
  const text = next.toString();
  return text ? `/search?${text}` : '/search';
}

/**
 * Minor units from the URL as currency units for the form ('' if not a number).
 * @param {string | null} cents
 */
function toUnits(cents) {
  const value = Number(cents);
  return cents !== null && Number.isFinite(value) ? String(value / 100) : '';
}

/**
 * Currency units typed in the form as minor units; null if not an amount.
 * @param {string} units
 */
function toCents(units) {
  const text = units.replace(',', '.');
  return /^\d+(\.\d{0,2})?$/.test(text) ? Math.round(Number(text) * 100) : null;
}

/**
 * The tree as a flat list of options, subcategories indented.
 * @param {CategoryNode[]} nodes
 * @param {number} [depth]
 * @returns {Array<[string, string]>}
 */
function categoryOptions(nodes, depth = 0) {
  return nodes.flatMap((node) => [
    /** @type {[string, string]} */ ([node.id, `${'\u00a0\u00a0'.repeat(depth)}${depth > 0 ? '– ' : ''}${node.name}`]),
    ...categoryOptions(node.children, depth + 1),
  ]);
}

/**
 * The category a reference (id or slug) names.
 * @param {CategoryNode[]} nodes
 * @param {string} reference
 * @returns {CategoryNode | null}
 */
function findCategory(nodes, reference) {
  for (const node of nodes) {
    if (node.id === reference || node.slug === reference) return node;
    const found = findCategory(node.children, reference);
    if (found) return found;
  }
  return null;
}

/**
 * A short description of one active filter.
 * @param {string} name
 * @param {string} value
 * @param {CategoryNode[]} tree
 * @param {SellerCatalog[]} catalogs
 * @param {string} currency
 */
function describe(name, value, tree, catalogs, currency) {
  switch (name) {
    case 'q': return `Words: ${value}`;
    case 'category': return `Category: ${findCategory(tree, value)?.name ?? value}`;
    case 'seller': return `Seller: ${value}`;
    case 'catalog': return `Catalog: ${catalogs.find((c) => c.id === value)?.name ?? value}`;
    case 'brand': return `Brand: ${value}`;
    case 'min_price': return `From ${Number.isFinite(Number(value)) ? money(Number(value), currency) : value}`;
    case 'max_price': return `Up to ${Number.isFinite(Number(value)) ? money(Number(value), currency) : value}`;
    case 'min_rating': return `Rated ${value}+`;
    case 'in_stock': return AVAILABILITY[value] ?? `Availability: ${value}`;
    default: return `${name}: ${value}`;
  }
}

/**
 * The filter form: reads the URL, and on submit navigates to the URL of what it holds
 * (keeping the sort and page size).
 * @param {URLSearchParams} query
 * @param {CategoryNode[]} tree
 * @param {SellerCatalog[]} catalogs
 */
function filterForm(query, tree, catalogs) {
  const category = query.get('category') ?? '';
  const categoryId = findCategory(tree, category)?.id ?? category;
  /** @type {Array<[string, string]>} */
  const categoryChoices = [['', 'All categories'], ...categoryOptions(tree)];
  if (categoryId && !categoryChoices.some(([id]) => id === categoryId)) categoryChoices.push([categoryId, categoryId]);
  const catalogId = query.get('catalog') ?? '';
  /** @type {Array<[string, string]>} */
  const catalogChoices = [['', 'Any catalog'], ...catalogs.map((c) => /** @type {[string, string]} */ ([c.id, `${c.name} (${c.product_count})`]))];
  if (catalogId && !catalogChoices.some(([id]) => id === catalogId)) catalogChoices.push([catalogId, 'The linked catalog']);

  const form = h('form', { class: 'form', 'aria-label': 'Filter products', 'data-testid': 'search-filters', noValidate: true },
    h('h2', {}, 'Filters'),
    field('Search', 'q', { type: 'search', value: query.get('q') ?? '', maxLength: 200 }),
    select('Category', 'category', categoryChoices, categoryId),
    field('Brand', 'brand', { value: query.get('brand') ?? '', maxLength: 100 }),
    h('div', { class: 'form-row' },
      field('Min price', 'min_price', { type: 'number', min: 0, step: '0.01', inputMode: 'decimal', value: toUnits(query.get('min_price')) }),
      field('Max price', 'max_price', { type: 'number', min: 0, step: '0.01', inputMode: 'decimal', value: toUnits(query.get('max_price')) })),
    select('Min rating', 'min_rating', [['', 'Any rating'], ['4', '4 stars and up'], ['3', '3 stars and up'],
      ['2', '2 stars and up'], ['1', '1 star and up']], query.get('min_rating') ?? ''),
    select('Availability', 'in_stock', [['', 'In stock or not'], ['true', 'In stock'], ['false', 'Sold out']],
      query.get('in_stock') ?? ''),
    h('details', { open: Boolean(query.get('seller') || catalogId) },
      h('summary', {}, 'More filters'),
      select('Catalog', 'catalog', catalogChoices, catalogId),
      field('Seller ID', 'seller', { value: query.get('seller') ?? '', autocomplete: 'off', spellcheck: false })),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, 'Apply filters'),
      h('a', { href: '/search' }, 'Clear all')));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = formValues(form);
    /** @type {Record<string, string | null>} */
    const next = {};
    for (const name of ['q', 'category', 'brand', 'min_rating', 'in_stock', 'catalog', 'seller']) next[name] = values[name] ?? null;
    /** @type {{field: string, message: string}[]} */
    const errors = [];
    for (const name of ['min_price', 'max_price']) {
      if (!values[name]) {
        next[name] = null;
        continue;
      }
      const cents = toCents(values[name]);
      if (cents === null) errors.push({ field: name, message: 'Enter an amount such as 19.99' });
      else next[name] = String(cents);
    }
    if (next.min_price && next.max_price && Number(next.min_price) > Number(next.max_price)) {
      errors.push({ field: 'min_price', message: 'Must not be above the max price' });
    }
    if (errors.length > 0) {
      showProblem(form, { problem: { detail: 'Please check the highlighted filters.', errors } });
      /** @type {HTMLElement | null} */ (form.querySelector('[aria-invalid="true"]'))?.focus();
      return;
    }
    // Relevance needs words to rank by.
    if (!next.q && query.get('sort') === 'relevance') next.sort = null;
    navigate(hrefWith(query, next));
  });
  return form;
}

/**
 * One group of facet links with counts; the chosen one is marked and removes the filter.
 * @param {string} legend
 * @param {Array<{label: string, count: number, chosen: boolean, href: string}>} entries
 */
function facetGroup(legend, entries) {
  if (entries.length === 0) return null;
  return h('fieldset', {},
    h('legend', {}, legend),
    h('ul', { class: 'facet-list' }, entries.map((entry) => h('li', {},
      h('a', { href: entry.href, 'aria-current': entry.chosen ? 'true' : undefined },
        entry.chosen ? h('strong', {}, entry.label) : entry.label,
        h('span', { class: 'muted' }, ` (${entry.count})`),
        entry.chosen && h('span', { class: 'visually-hidden' }, ', chosen: select to remove'))))));
}

/**
 * The facets of the answer as links.
 * @param {URLSearchParams} query
 * @param {Facets} facets
 * @param {string} currency
 */
function facetLinks(query, facets, currency) {
  const brand = (query.get('brand') ?? '').toLowerCase();
  const category = query.get('category') ?? '';
  const min = query.get('min_price');
  const max = query.get('max_price');
  const groups = [
    facetGroup('Brand', facets.brands.map((b) => {
      const chosen = b.value.toLowerCase() === brand;
      return { label: b.value, count: b.count, chosen, href: hrefWith(query, { brand: chosen ? null : b.value }) };
    })),
    facetGroup('Category', facets.categories.map((c) => {
      const chosen = c.id === category || c.slug === category;
      return { label: c.name, count: c.count, chosen, href: hrefWith(query, { category: chosen ? null : c.id }) };
    })),
    facetGroup('Price', facets.price.map((range) => {
      // A range's top is exclusive; `max_price` is inclusive.
      const low = range.min_cents > 0 ? String(range.min_cents) : null;
      const high = range.max_cents === null ? null : String(range.max_cents - 1);
      const chosen = (min ?? null) === low && (max ?? null) === high;
      const label = range.max_cents === null
        ? `${money(range.min_cents, currency)} and up`
        : range.min_cents === 0
          ? `Under ${money(range.max_cents, currency)}`
          : `${money(range.min_cents, currency)} to ${money(range.max_cents, currency)}`;
      return {
        label,
        count: range.count,
        chosen,
        href: hrefWith(query, chosen ? { min_price: null, max_price: null } : { min_price: low, max_price: high }),
      };
    })),
  ].filter((group) => group !== null);
  if (groups.length === 0) return null;
  return h('div', { class: 'facets', 'data-testid': 'facets' }, h('h2', {}, 'Narrow down'), groups);
}

/**
 * Links that remove each active filter.
 * @param {URLSearchParams} query
 * @param {CategoryNode[]} tree
 * @param {SellerCatalog[]} catalogs
 * @param {string} currency
 */
function activeFilters(query, tree, catalogs, currency) {
  const names = ['q', 'category', 'brand', 'min_price', 'max_price', 'min_rating', 'in_stock', 'catalog', 'seller']
    .filter((name) => query.has(name));
  if (names.length === 0) return null;
  return h('div', { class: 'actions', 'data-testid': 'active-filters' },
    h('span', { class: 'muted' }, 'Filters:'),
    names.map((name) => h('a', {
      class: 'badge',
      href: hrefWith(query, name === 'q' && query.get('sort') === 'relevance' ? { q: null, sort: null } : { [name]: null }),
    },
    describe(name, query.get(name) ?? '', tree, catalogs, currency),
    h('span', { 'aria-hidden': 'true' }, ' ×'),
    h('span', { class: 'visually-hidden' }, ' (remove this filter)'))),
    h('a', { href: '/search' }, 'Clear all'));
}

/**
 * Sort order and page size: each applies as soon as it changes.
 * @param {URLSearchParams} query
 */
function orderControls(query) {
  const hasText = query.has('q');
  const sort = query.get('sort') ?? (hasText ? 'relevance' : 'newest');
  /** @type {Array<[string, string]>} */
  const sorts = Object.entries(SORTS).filter(([value]) => value !== 'relevance' || hasText);
  const perPage = query.get('per_page') ?? DEFAULT_PER_PAGE;
  const sizes = PER_PAGE.includes(perPage) ? PER_PAGE : [...PER_PAGE, perPage];
  const controls = h('div', { class: 'form-row', 'data-testid': 'search-order' },
    select('Sort by', 'sort', sorts, sort),
    select('Per page', 'per_page', sizes.map((size) => /** @type {[string, string]} */ ([size, size])), perPage));
  for (const control of controls.querySelectorAll('select')) {
    control.addEventListener('change', () => {
      refocus = control.name;
      navigate(hrefWith(query, { [control.name]: control.value }));
    });
  }
  return controls;
}

/**
 * Previous and next pages.
 * @param {URLSearchParams} query
 * @param {number} page
 * @param {number} pages
 */
function pager(query, page, pages) {
  if (pages <= 1 && page <= 1) return null;
  return h('nav', { class: 'pager', 'aria-label': 'Result pages', 'data-testid': 'pager' },
    page > 1 && h('a', { href: hrefWith(query, { page: String(page - 1) }), rel: 'prev' }, 'Previous page'),
    h('span', { 'aria-current': 'page' }, `Page ${page} of ${Math.max(pages, 1)}`),
    page < pages && h('a', { href: hrefWith(query, { page: String(page + 1) }), rel: 'next' }, 'Next page'));
}

/**
 * The heading: the words searched for, else the category or brand, else all products.
 * @param {URLSearchParams} query
 * @param {CategoryNode[]} tree
 */
function title(query, tree) {
  const q = query.get('q');
  if (q) return `Results for “${q}”`;
  const category = query.get('category');
  if (category) return findCategory(tree, category)?.name ?? 'Products in this category';
  const brand = query.get('brand');
  return brand ? `${brand} products` : 'All products';
}

/** @param {import('../router.js').ViewContext} ctx */
export default async function search(ctx) {
  const query = knownParams(ctx.query);
  replace(ctx.root, h('h1', {}, query.get('q') ? `Results for “${query.get('q')}”` : 'Search'),
    h('p', { class: 'loading', role: 'status' }, 'Searching…'));

  /** @type {Record<string, string>} */
  const apiQuery = Object.fromEntries(query);
  apiQuery.per_page ??= DEFAULT_PER_PAGE;
  if (apiQuery.sort === 'relevance' && !apiQuery.q) delete apiQuery.sort;
  const [treeResult, catalogResult, searchResult] = await Promise.allSettled([
    categoryTree(),
    api('/catalogs', { query: { per_page: 100, seller: query.get('seller') } }),
    /** @type {Promise<SearchResults>} */ (api('/products', { query: apiQuery })),
  ]);
  const tree = treeResult.status === 'fulfilled' ? treeResult.value : [];
  /** @type {SellerCatalog[]} */
  const catalogs = catalogResult.status === 'fulfilled' ? catalogResult.value.items : [];
  const results = searchResult.status === 'fulfilled' ? searchResult.value : null;
  const currency = results?.items[0]?.currency ?? 'EUR';

  const form = filterForm(query, tree, catalogs);
  /** @type {HTMLElement} */
  let body;
  if (results) {
    const pages = Math.ceil(results.total / results.per_page);
    body = h('div', {},
      h('p', { 'data-testid': 'result-count', role: 'status', 'aria-live': 'polite' },
        `${results.total} product${results.total === 1 ? '' : 's'}`),
      h('div', { 'data-testid': 'search-results' },
        results.items.length > 0
          ? h('div', { class: 'grid' }, results.items.map(productCard))
          : h('p', { class: 'muted' },
            results.page > 1 && results.total > 0
              ? h('a', { href: hrefWith(query, {}) }, 'This page is past the end: back to the first page')
              : 'No products match these filters. Try fewer filters or other words.')),
      pager(query, results.page, pages));
  } else {
    const error = searchResult.status === 'rejected' ? searchResult.reason : null;
    // Mark the offending fields; the message itself is shown once, with the results.
    showProblem(form, error);
    const formAlert = form.querySelector('.alert');
    if (formAlert) formAlert.textContent = '';
    body = h('div', { 'data-testid': 'search-results' },
      h('p', { class: 'alert', role: 'alert' },
        `The search could not be run: ${error instanceof Error ? error.message : String(error)}`));
  }

  replace(ctx.root,
    h('h1', {}, title(query, tree)),
    h('div', { class: 'layout-sidebar' },
      h('aside', { 'aria-label': 'Filters' },
        form,
        treeResult.status === 'rejected' && h('p', { class: 'alert', role: 'alert' }, 'The category list could not be loaded.'),
        results && facetLinks(query, results.facets, currency)),
      h('section', { 'aria-labelledby': 'search-results-heading' },
        h('h2', { id: 'search-results-heading', class: 'visually-hidden' }, 'Results'),
        orderControls(query),
        activeFilters(query, tree, catalogs, currency),
        body)));

  if (refocus) {
    /** @type {HTMLElement | null} */ (ctx.root.querySelector(`[name="${CSS.escape(refocus)}"]`))?.focus();
    refocus = '';
  }
}
