// @ts-check
/**
 * @file Client-side routing over the History API: every page has a real URL (deep links and
 * shared links work, back and forward work), same-origin links are followed without a reload,
 * and each view is an ES module loaded when first needed.
 */

/**
 * What a view gets: where to draw, the path's parameters and query, and a way to register what
 * to undo when the page is left (live subscriptions, timers).
 * @typedef {object} ViewContext
 * @property {HTMLElement} root
 * @property {Record<string, string>} params
 * @property {URLSearchParams} query
 * @property {(cleanup: () => void) => void} onLeave
 */

/**
 * @typedef {(context: ViewContext) => void | Promise<void>} View
 * @typedef {{pattern: RegExp, keys: string[], title: string, load: () => Promise<{default: View}>}} Route
 */

/** @type {Route[]} */
const routes = [];
/** @type {Array<() => void>} */
let cleanups = [];
/** @type {HTMLElement} */
let root;
/** @type {(path: string) => void} */
let afterRender = () => {};
let renderCount = 0;

/**
 * Declares a route: `/products/:id` matches `/products/123` with `params.id = '123'`.
 * @param {string} path
 * @param {string} title
 * @param {() => Promise<{default: View}>} load
 */
export function route(path, title, load) {
  /** @type {string[]} */
  const keys = [];
  const pattern = new RegExp(`^${path.replace(/:(\w+)/g, (_, key) => {
    keys.push(key);
    return '([^/]+)';
  })}/?$`);
  routes.push({ pattern, keys, title, load });
}

/**
 * Goes to `url` (a path with query) and draws its view.
 * @param {string} url
 * @param {{replace?: boolean}} [options]
 */
export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  return render();
}

/** Draws the view of the current URL again (after signing in, say). */
export function reload() {
  return render();
}

async function render() {
  const render = ++renderCount;
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  const path = location.pathname;
  const match = routes.map((r) => ({ r, m: r.pattern.exec(path) })).find(({ m }) => m);
  root.setAttribute('aria-busy', 'true');
  try {
    if (!match || !match.m) {
      document.title = 'Not found · Bazaar';
      root.replaceChildren(notFound());
      return;
    }
    const { r, m } = match;
    /** @type {Record<string, string>} */
    const params = {};
    r.keys.forEach((key, i) => {
      params[key] = decodeURIComponent(m[i + 1]);
    });
    const module = await r.load();
    if (render !== renderCount) return; // a later navigation won
    document.title = `${r.title} · Bazaar`;
    const view = document.createElement('div');
    view.className = 'view';
    root.replaceChildren(view);
    await module.default({
      root: view,
      params,
      query: new URLSearchParams(location.search),
      onLeave: (cleanup) => {
        if (render === renderCount) cleanups.push(cleanup);
        else cleanup();
      },
    });
  } catch (error) {
    if (render !== renderCount) return;
    const p = document.createElement('p');
    p.className = 'alert';
    p.setAttribute('role', 'alert');
    p.textContent = `This page could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
    root.replaceChildren(p);
  } finally {
    if (render === renderCount) {
      root.removeAttribute('aria-busy');
      afterRender(path);
    }
  }
}

function notFound() {
  const section = document.createElement('section');
  const heading = document.createElement('h1');
  heading.textContent = 'Page not found';
  const link = document.createElement('a');
  link.href = '/';
  link.textContent = 'Back to the shop';
  section.append(heading, link);
  return section;
}

/**
 * Starts routing: draws the current URL and follows links and history.
 * @param {HTMLElement} viewRoot
 * @param {(path: string) => void} onRendered called after each view is drawn
 */
export function start(viewRoot, onRendered) {
  root = viewRoot;
  afterRender = onRendered;
  window.addEventListener('popstate', () => render());
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target instanceof Element ? event.target.closest('a') : null;
    if (!link || link.target || link.hasAttribute('download') || link.origin !== location.origin) return;
    if (link.pathname.startsWith('/api/') || link.pathname.startsWith('/docs') || link.pathname.startsWith('/media/')) return;
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
  return render();
}
