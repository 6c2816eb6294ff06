// @ts-check
/**
 * @file `npm run screenshots` (from web-client/): opens the demo shop (`bazaar seed --demo` into a
 * fresh embedded database) in headless chromium and saves the main pages at desktop and phone
 * width into web-client/screenshots/. The README shows two of them.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, startServer, webDir } from './harness.js';

const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
const out = join(webDir, 'screenshots');
mkdirSync(out, { recursive: true });

const server = await startServer({ demo: true });
const browser = await launchBrowser();
try {
  const password = /** @type {string} */ (server.demoPassword);
  const products = await server.api.call('GET', '/products?sort=newest&per_page=30');
  /** @param {string} name */
  const productNamed = (name) => products.items.find((/** @type {{name: string}} */ p) => p.name === name).id;
  const headphones = productNamed('Aria Wireless Headphones');
  const limited = productNamed('Limited Edition Fjord 6 Aurora');

  /** @type {Array<{name: string, path: string, who: string | null, sizes: Array<typeof DESKTOP>}>} */
  const shots = [
    { name: 'storefront', path: '/', who: null, sizes: [DESKTOP, PHONE] },
    { name: 'search', path: '/search?q=lamp', who: null, sizes: [DESKTOP, PHONE] },
    { name: 'product', path: `/products/${headphones}`, who: 'customer1', sizes: [DESKTOP, PHONE] },
    { name: 'orders', path: '/orders', who: 'customer1', sizes: [DESKTOP, PHONE] },
    { name: 'seller-inventory', path: '/seller/inventory', who: 'northwind', sizes: [DESKTOP, PHONE] },
    { name: 'seller-orders', path: '/seller/orders', who: 'northwind', sizes: [DESKTOP, PHONE] },
    { name: 'seller-analytics', path: '/seller/analytics', who: 'northwind', sizes: [DESKTOP, PHONE] },
    { name: 'courier', path: '/courier', who: 'courier', sizes: [PHONE] },
    { name: 'admin', path: '/admin', who: 'admin', sizes: [DESKTOP, PHONE] },
    { name: 'flash-sale', path: `/flash/${limited}`, who: null, sizes: [DESKTOP, PHONE] },
  ];
  for (const shot of shots) {
    for (const size of shot.sizes) {
      const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
      if (shot.who) {
        const pair = await server.api.call('POST', '/auth/login', { email: `${shot.who}@demo.bazaar.test`, password });
        await context.addInitScript((session) => localStorage.setItem('bazaar.session', session), JSON.stringify(pair));
      }
      const page = await context.newPage();
      await page.goto(server.url + shot.path);
      await page.waitForLoadState('networkidle');
      await page.waitForFunction(() => !document.querySelector('main[aria-busy]'));
      const file = join(out, `${shot.name}-${size === PHONE ? 'phone' : 'desktop'}.png`);
      await page.screenshot({ path: file, fullPage: size === DESKTOP });
      console.log(file);
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
