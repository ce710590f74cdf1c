// The app shell: loads once online, installs the service worker, then starts with no network.
const { test, expect } = require('@playwright/test');

test('after one visit the app starts and renders with the network cut', async ({ page, context }) => {
  await page.goto('/');
  await expect(page.getByTestId('campaign')).toContainText('忻应急发〔2024〕216号');
  await expect(page.getByTestId('campaign')).toContainText('2025年3月31日');
  // The bundled campaign has ended (today is after 2025-03-31): said plainly, no Friday nagging.
  await expect(page.getByTestId('report-reminder')).toContainText('结束');
  await expect(page.getByTestId('net-badge')).toHaveText('在线');
  // Wait until the service worker controls the page (precache finished, clients claimed).
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });

  await context.setOffline(true);
  const response = await page.reload();
  expect(response.fromServiceWorker()).toBe(true);
  await expect(page.getByTestId('campaign')).toBeVisible();
  await expect(page.getByTestId('net-badge')).toContainText('离线');

  // A deep link the user bookmarked also opens offline (SPA route served from the cache).
  await page.goto('/settings');
  await expect(page.getByRole('heading', { name: '本机存储' })).toBeVisible();
  await context.setOffline(false);
});

test('the manifest makes the app installable with its Chinese name', async ({ request }) => {
  const res = await request.get('/manifest.webmanifest');
  expect(res.ok()).toBe(true);
  const m = await res.json();
  expect(m.short_name).toBe('隐患排查');
  expect(m.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of m.icons) {
    const r = await request.get(icon.src);
    expect(r.headers()['content-type']).toBe('image/png');
  }
});

test('the wasm is served compressed, as application/wasm, cached immutably', async ({ page, request }) => {
  await page.goto('/');
  // A resource entry exists only once the download finished: wait for the app to run.
  await expect(page.getByTestId('campaign')).toBeVisible();
  const wasmUrl = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => e.name).find((n) => n.endsWith('.wasm')));
  expect(wasmUrl).toBeTruthy();
  const res = await request.get(wasmUrl, { headers: { 'accept-encoding': 'gzip' } });
  expect(res.headers()['content-type']).toBe('application/wasm');
  expect(res.headers()['content-encoding']).toBe('gzip');
  expect(res.headers()['cache-control']).toContain('immutable');
});
