// @ts-check
/**
 * @file A product's page (`/products/:id`): pictures, name, brand, price (with the sale price
 * and the state of its sale window), description, attributes and rating. The stock line follows
 * `product:<id>` live ("12 left", "Sold out") and the add-to-cart button follows it: disabled at
 * zero, enabled again on a restock; `sale` messages move the window. Adding to the cart signs the
 * visitor in first; refusals (out of stock, limits) are shown in the form's alert. A product with
 * a waiting room offers "Join the queue" and then follows `queue:<id>` (the ticket is kept in
 * sessionStorage as `bazaar.queue.<id>` for checkout's `queue_ticket`); a sold-out product offers
 * the back-in-stock waitlist. Reviews are paged, and customers may write one.
 */

import { api, ApiError, currentUser } from '../api.js';
import { clearProblem, dateTime, day, field, formValues, h, replace, select, showProblem, toast, words } from '../dom.js';
import { on, subscribe } from '../live.js';
import { navigate } from '../router.js';
import { LOW_STOCK, hasSaleWindow, priceLine, productImage, saleText, saleTracker, stars } from '../products.js';

/**
 * @typedef {import('../products.js').Product} Product
 * @typedef {import('../router.js').ViewContext} ViewContext
 * @typedef {{id: string, author_name: string, rating: number, title: string, body: string, verified_purchase: boolean, created_at: string}} Review
 * @typedef {{ticket?: string, product_id: string, state: string, position: number | null, estimated_wait_secs?: number | null, admitted_until?: string | null, sale_starts_at?: string | null}} QueueStanding
 */

const REVIEWS_PER_PAGE = 5;
/** The most units one cart line may hold (the server's `Quantity::MAX`). */
const MAX_QTY = 1000;

/** Sends the visitor to sign in, and back here afterwards. */
function signIn() {
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

/** @param {string} productId */
function queueKey(productId) {
  return `bazaar.queue.${productId}`;
}

/**
 * A refusal of the cart in plain words, or null to show the server's own.
 * @param {unknown} error
 */
function cartRefusal(error) {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'out_of_stock') {
    const available = Number(error.problem.available);
    if (available === 0) return 'Sorry: this product has just sold out.';
    if (Number.isFinite(available)) {
      return `Not enough stock: only ${available} can be bought right now (units already in your cart count too). Please lower the quantity.`;
    }
    return 'Not enough stock for that quantity. Please lower it.';
  }
  if (error.code === 'limit_exceeded') {
    const limit = Number(error.problem.limit);
    return Number.isFinite(limit)
      ? `You can buy at most ${limit} of this product${error.problem.per === 'order' ? ' per order' : ''}.`
      : 'That is more than one customer may buy of this product.';
  }
  return null;
}

/**
 * Paragraphs of a plain-text description.
 * @param {string} text
 */
function paragraphs(text) {
  return text.split(/\n\s*\n/).map((part) => part.trim()).filter(Boolean).map((part) => h('p', {}, part));
}

/**
 * An attribute value as text.
 * @param {unknown} value
 * @returns {string}
 */
function attributeText(value) {
  if (Array.isArray(value)) return value.map(attributeText).join(', ');
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value ?? '');
}

/**
 * The pictures: the main one and thumbnails that show each in its place.
 * @param {Product} product
 */
function gallery(product) {
  const count = product.images.length;
  /** @param {number} i */
  const altOf = (i) => (count > 1 ? `${product.name}, picture ${i + 1} of ${count}` : product.name);
  const main = h('div', { 'data-testid': 'main-image' }, productImage(product, 0, altOf(0)));
  if (count <= 1) return h('div', { class: 'product-images' }, main);
  const buttons = product.images.map((_, i) => h('button', {
    type: 'button',
    class: 'secondary',
    'aria-pressed': String(i === 0),
    onclick: () => {
      replace(main, productImage(product, i, altOf(i)));
      buttons.forEach((button, j) => button.setAttribute('aria-pressed', String(j === i)));
    },
  }, productImage(product, i, `Show ${altOf(i)}`)));
  return h('div', { class: 'product-images' }, main, h('div', { class: 'thumbs', role: 'group', 'aria-label': 'Pictures' }, buttons));
}

/**
 * The back-in-stock waitlist: join (customers; the signed-out sign in first) and leave.
 * @param {Product} product
 */
function waitlistPanel(product) {
  const user = currentUser();
  const status = h('p', { 'data-testid': 'waitlist-status', role: 'status', tabIndex: -1 });
  const alert = h('p', { class: 'alert', role: 'alert' });
  const actions = h('div', { class: 'actions' });
  const panel = h('div', { class: 'panel', 'data-testid': 'waitlist' }, actions, status, alert);
  if (user && user.role !== 'customer') {
    status.textContent = 'Customers can ask to be told when it is back in stock.';
    return panel;
  }
  const join = h('button', { type: 'button', class: 'secondary', 'data-testid': 'notify-me' }, 'Notify me when back in stock');
  const leave = h('button', { type: 'button', class: 'secondary', 'data-testid': 'leave-waitlist' }, 'Leave the waitlist');
  join.addEventListener('click', async () => {
    if (!currentUser()) return signIn();
    join.disabled = true;
    clearProblem(panel);
    try {
      const standing = /** @type {{position: number}} */ (await api(`/products/${encodeURIComponent(product.id)}/waitlist`, { method: 'POST' }));
      status.textContent = `We will tell you when it is back in stock: you are number ${standing.position} on the waitlist.`;
      replace(actions, leave);
      leave.focus();
    } catch (error) {
      showProblem(panel, error);
    } finally {
      join.disabled = false;
    }
  });
  leave.addEventListener('click', async () => {
    leave.disabled = true;
    clearProblem(panel);
    try {
      await api(`/products/${encodeURIComponent(product.id)}/waitlist`, { method: 'DELETE' });
      status.textContent = 'You left the waitlist.';
      replace(actions, join);
      join.focus();
    } catch (error) {
      showProblem(panel, error);
    } finally {
      leave.disabled = false;
    }
  });
  replace(actions, join);
  return panel;
}

/**
 * The waiting room: join (customers), then the place and state from `queue:<id>`.
 * @param {ViewContext} ctx
 * @param {Product} product
 */
function queuePanel(ctx, product) {
  const user = currentUser();
  const status = h('p', { 'data-testid': 'queue-status', 'aria-live': 'polite', tabIndex: -1 });
  const alert = h('p', { class: 'alert', role: 'alert' });
  const join = h('button', { type: 'button', 'data-testid': 'join-queue' }, 'Join the queue');
  const actions = h('div', { class: 'actions' },
    user && user.role !== 'customer' ? h('p', {}, 'Only customer accounts can queue.') : join);
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'queue-heading', 'data-testid': 'queue' },
    h('h2', { id: 'queue-heading' }, 'Waiting room'),
    h('p', { class: 'muted' }, 'This drop sells through a queue: join it, and when your turn comes you can check out.'),
    actions, status, alert);
  /** @type {(() => void) | null} */
  let unsubscribe = null;

  /**
   * Shows where the user stands; the join button stays only where joining (again) helps.
   * @param {QueueStanding} standing
   */
  const show = (standing) => {
    const position = standing.position;
    switch (standing.state) {
      case 'waiting':
        status.textContent = position === null || position === undefined
          ? `You are in the queue. Places are drawn when the sale starts${product.sale_starts_at ? ` (${dateTime(product.sale_starts_at)})` : ''}.`
          : `You are in the queue: ${position} ${position === 1 ? 'person is' : 'people are'} ahead of you.${
            standing.estimated_wait_secs ? ` About ${Math.max(1, Math.round(standing.estimated_wait_secs / 60))} min to wait.` : ''}`;
        break;
      case 'admitted':
        status.replaceChildren(`It is your turn! Add it to your cart and check out${standing.admitted_until ? ` before ${dateTime(standing.admitted_until)}` : ' now'}. `,
          h('a', { href: '/cart' }, 'Go to your cart'));
        break;
      case 'sold_out':
        sessionStorage.removeItem(queueKey(product.id));
        status.textContent = 'Sold out: nothing is left for the queue.';
        break;
      case 'expired':
        status.textContent = 'Your turn ran out before you checked out. Join the queue again to get a new place.';
        break;
      case 'checked_out':
        sessionStorage.removeItem(queueKey(product.id));
        status.textContent = 'You checked out with your place in the queue.';
        break;
      default:
        status.textContent = `Queue: ${words(standing.state)}`;
    }
    const canJoin = standing.state === 'expired';
    if (actions.contains(join) !== canJoin) replace(actions, canJoin && join);
  };

  const follow = () => {
    if (unsubscribe) return;
    unsubscribe = subscribe(`queue:${product.id}`);
    ctx.onLeave(unsubscribe);
  };

  ctx.onLeave(on('queue', (message) => {
    if (message.product_id !== product.id) return;
    show(/** @type {QueueStanding} */ ({
      product_id: product.id,
      state: String(message.state),
      position: typeof message.position === 'number' ? message.position : null,
      admitted_until: message.admitted_until ?? null,
    }));
  }));

  join.addEventListener('click', async () => {
    if (!currentUser()) return signIn();
    join.disabled = true;
    clearProblem(panel);
    try {
      const standing = /** @type {QueueStanding} */ (await api(`/products/${encodeURIComponent(product.id)}/queue`, { method: 'POST' }));
      if (standing.ticket) sessionStorage.setItem(queueKey(product.id), standing.ticket);
      show(standing);
      follow();
      if (!join.isConnected) status.focus();
    } catch (error) {
      showProblem(panel, error);
    } finally {
      join.disabled = false;
    }
  });

  // Back on the page with a place kept: where does it stand now?
  if (user?.role === 'customer' && sessionStorage.getItem(queueKey(product.id))) {
    api(`/products/${encodeURIComponent(product.id)}/queue`).then((standing) => {
      if (standing.ticket) sessionStorage.setItem(queueKey(product.id), standing.ticket);
      show(standing);
      follow();
    }, (error) => {
      if (error instanceof ApiError && error.status === 404) sessionStorage.removeItem(queueKey(product.id));
      else showProblem(panel, error);
    });
  }
  return panel;
}

/**
 * The reviews: a paged list and, for customers, the form to write one.
 * @param {Product} product
 * @param {() => void} onReviewed called after a review is accepted (to refresh the rating)
 */
function reviewsSection(product, onReviewed) {
  const path = `/products/${encodeURIComponent(product.id)}/reviews`;
  const list = h('div', { 'data-testid': 'reviews', tabIndex: -1 }, h('p', { class: 'loading' }, 'Loading reviews…'));
  const pages = h('div', { class: 'pager' });
  let page = 1;

  /** Shows another page and moves focus to its reviews. @param {number} next */
  const turn = async (next) => {
    page = next;
    await load();
    list.focus();
  };
  const load = async () => {
    list.setAttribute('aria-busy', 'true');
    try {
      const result = /** @type {{items: Review[], page: number, per_page: number, total: number}} */ (
        await api(path, { query: { page, per_page: REVIEWS_PER_PAGE } }));
      const last = Math.max(1, Math.ceil(result.total / result.per_page));
      replace(list, result.items.length === 0
        ? h('p', { class: 'muted' }, 'No reviews yet.')
        : result.items.map((review) => h('article', { class: 'review', 'data-testid': 'review' },
          h('h3', {}, review.title),
          h('p', {},
            stars(review.rating), ' ',
            h('span', { class: 'muted' }, `${review.author_name}, ${day(review.created_at)}`), ' ',
            review.verified_purchase && h('span', { class: 'badge ok' }, 'Verified purchase')),
          paragraphs(review.body))));
      replace(pages, last <= 1 ? null : [
        page > 1 && h('button', { type: 'button', class: 'secondary', onclick: () => turn(page - 1) }, 'Newer reviews'),
        h('span', {}, `Page ${page} of ${last}`),
        page < last && h('button', { type: 'button', class: 'secondary', onclick: () => turn(page + 1) }, 'Older reviews'),
      ]);
    } catch (error) {
      replace(list, h('p', { class: 'alert', role: 'alert' },
        `The reviews could not be loaded: ${error instanceof Error ? error.message : String(error)}`));
    } finally {
      list.removeAttribute('aria-busy');
    }
  };
  load();

  const user = currentUser();
  /** @type {HTMLElement} */
  let writer;
  if (!user) {
    writer = h('p', {}, h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}` }, 'Sign in to write a review'));
  } else if (user.role !== 'customer') {
    writer = h('p', { class: 'muted' }, 'Reviews are written by customers.');
  } else {
    const submit = h('button', { type: 'submit' }, 'Post review');
    const form = h('form', { class: 'form', 'data-testid': 'review-form', 'aria-labelledby': 'review-form-heading' },
      h('h3', { id: 'review-form-heading' }, 'Write a review'),
      select('Rating', 'rating', [['5', '5 stars: excellent'], ['4', '4 stars: good'], ['3', '3 stars: fair'],
        ['2', '2 stars: poor'], ['1', '1 star: bad']], '5'),
      field('Title', 'title', { required: true, maxLength: 200 }),
      field('Review', 'body', { type: 'textarea', required: true, maxLength: 5000, rows: 5 }),
      h('p', { class: 'alert', role: 'alert' }),
      h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = formValues(form);
      submit.disabled = true;
      clearProblem(form);
      try {
        await api(path, { method: 'POST', body: { rating: Number(values.rating), title: values.title ?? '', body: values.body ?? '' } });
        form.reset();
        toast('Thank you: your review is posted');
        page = 1;
        await load();
        onReviewed();
      } catch (error) {
        showProblem(form, error);
      } finally {
        submit.disabled = false;
      }
    });
    writer = form;
  }

  return h('section', { 'aria-labelledby': 'reviews-heading' },
    h('h2', { id: 'reviews-heading' }, 'Reviews'),
    list, pages, writer);
}

/** @param {Product} product */
function ratingLine(product) {
  return product.rating_avg === null || product.rating_avg === undefined
    ? h('span', { class: 'muted' }, 'Not rated yet')
    : [stars(product.rating_avg, product.rating_count), ' ',
      h('span', { 'aria-hidden': 'true' }, `${product.rating_avg.toFixed(1)} (${product.rating_count} review${product.rating_count === 1 ? '' : 's'})`)];
}

/** @param {ViewContext} ctx */
export default async function productView(ctx) {
  const id = ctx.params.id;
  const path = `/products/${encodeURIComponent(id)}`;
  replace(ctx.root, h('p', { class: 'loading', role: 'status' }, 'Loading the product…'));
  /** @type {Product} */
  let product;
  try {
    product = await api(path);
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404;
    replace(ctx.root,
      h('h1', {}, missing ? 'Product not found' : 'Product'),
      h('p', { class: missing ? 'muted' : 'alert', role: 'alert' }, missing
        ? 'This product does not exist or is no longer for sale.'
        : `The product could not be loaded: ${error instanceof Error ? error.message : String(error)}`),
      h('p', {}, h('a', { href: '/search' }, 'Browse the shop')));
    return;
  }

  const sale = saleTracker(product);
  let phase = sale.phase();
  let available = product.available;

  const price = h('div', {}, priceLine(product, phase));
  const saleState = h('p', { 'data-testid': 'sale-state', 'aria-live': 'polite' });
  const stock = h('p', { 'data-testid': 'stock', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const rating = h('p', { 'data-testid': 'rating' }, ratingLine(product));

  const limit = product.max_per_order ?? (product.waiting_room ? 1 : null);
  const qtyField = field('Quantity', 'qty', { type: 'number', min: 1, max: limit ?? MAX_QTY, step: 1, value: '1', inputMode: 'numeric', required: true });
  const addButton = h('button', { type: 'submit', 'data-testid': 'add-to-cart' }, 'Add to cart');
  const added = h('div', { role: 'status' });
  const cartForm = h('form', { class: 'form', 'aria-label': 'Add to cart', 'data-testid': 'cart-form' },
    qtyField,
    limit !== null && h('p', { class: 'muted' }, `At most ${limit} per order.`),
    product.max_per_customer !== null && product.max_per_customer !== undefined
      && h('p', { class: 'muted' }, `At most ${product.max_per_customer} per customer.`),
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, addButton),
    added);
  const waitlist = waitlistPanel(product);

  const drawSale = () => {
    replace(price, priceLine(product, phase));
    const shown = hasSaleWindow(product);
    saleState.hidden = !shown;
    saleState.className = phase === 'open' ? 'notice' : 'muted';
    saleState.textContent = shown ? saleText(product, phase) : '';
    addButton.disabled = available <= 0 || phase === 'ended';
  };
  const drawStock = () => {
    const left = Math.max(0, available);
    stock.className = left === 0 ? 'stock sold-out' : left <= LOW_STOCK ? 'stock low' : 'stock';
    stock.textContent = left === 0 ? 'Sold out' : `${left} left`;
    addButton.disabled = left === 0 || phase === 'ended';
    waitlist.hidden = left > 0;
  };

  cartForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!currentUser()) return signIn();
    const qty = Number(formValues(cartForm).qty);
    addButton.disabled = true;
    clearProblem(cartForm);
    replace(added);
    try {
      const cart = /** @type {{items: Array<{product_id: string, qty: number}>}} */ (
        await api('/cart/items', { method: 'POST', body: { product_id: product.id, qty } }));
      const line = cart.items.find((item) => item.product_id === product.id);
      toast('Added to your cart');
      replace(added, h('p', { class: 'notice' },
        line ? `${line.qty} in your cart. ` : 'In your cart. ',
        h('a', { href: '/cart', 'data-testid': 'go-to-cart' }, 'Go to cart')));
    } catch (error) {
      showProblem(cartForm, error);
      const message = cartRefusal(error);
      const alert = cartForm.querySelector('.alert');
      if (message && alert) alert.textContent = message;
    } finally {
      addButton.disabled = available <= 0 || phase === 'ended';
    }
  });

  const attributes = Object.entries(product.attributes ?? {});
  replace(ctx.root,
    h('h1', { 'data-testid': 'product-name' }, product.name),
    h('div', { class: 'product' },
      gallery(product),
      h('div', {},
        product.brand && h('p', {}, 'Brand: ', h('a', { href: `/search?brand=${encodeURIComponent(product.brand)}` }, product.brand)),
        rating,
        price,
        saleState,
        stock,
        product.status !== 'published' && h('p', { class: 'badge' }, `Not public: ${product.status}`),
        cartForm,
        waitlist,
        product.waiting_room && queuePanel(ctx, product),
        h('p', {}, h('a', { href: `/search?seller=${encodeURIComponent(product.seller_id)}` }, 'More from this seller'),
          ' · ', h('a', { href: `/search?category=${encodeURIComponent(product.category_id)}` }, 'More in this category'),
          hasSaleWindow(product) && [' · ', h('a', { href: `/flash/${encodeURIComponent(product.id)}` }, 'Watch the sale live')]))),
    h('section', { 'aria-labelledby': 'about-heading' },
      h('h2', { id: 'about-heading' }, 'About this product'),
      paragraphs(product.description),
      attributes.length > 0 && h('dl', { class: 'attributes', 'data-testid': 'attributes' },
        attributes.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, attributeText(value))])),
      h('p', { class: 'muted' }, `SKU ${product.sku}`)),
    reviewsSection(product, async () => {
      try {
        const fresh = /** @type {Product} */ (await api(path));
        product.rating_avg = fresh.rating_avg;
        product.rating_count = fresh.rating_count;
        replace(rating, ratingLine(product));
      } catch {
        // The review is posted; the summary catches up on the next visit.
      }
    }));
  drawSale();
  drawStock();

  // Live: stock and sale messages of this product.
  ctx.onLeave(subscribe(`product:${product.id}`));
  ctx.onLeave(on('stock', (message) => {
    if (message.product_id !== product.id || typeof message.available !== 'number') return;
    available = message.available;
    drawStock();
  }));
  ctx.onLeave(on('sale', (message) => {
    if (message.product_id !== product.id) return;
    sale.apply(message);
    phase = sale.phase();
    drawSale();
    // The message carries the window, not the prices: read those again.
    api(path).then((fresh) => {
      product.price_cents = fresh.price_cents;
      product.sale_price_cents = fresh.sale_price_cents;
      drawSale();
    }, () => {});
  }));
  // The window's boundaries pass on the local clock too.
  const timer = setInterval(() => {
    const next = sale.phase();
    if (next !== phase) {
      phase = next;
      drawSale();
    }
  }, 1000);
  ctx.onLeave(() => clearInterval(timer));
  // Messages missed while the connection was down: read the stock again once back.
  ctx.onLeave(on('reconnected', () => {
    api(path).then((fresh) => {
      available = fresh.available;
      drawStock();
    }, () => {});
  }));
}
