// A new deploy is offered, not forced: the page shows 有新版本 and reloads into it on request.
const { test, expect } = require('@playwright/test');
const fs = require('node:fs');
const path = require('node:path');
const { installApp } = require('./helpers');

const swPath = path.resolve(__dirname, '../../dist/sw.js');

test('a new service worker is announced and applied when the user accepts', async ({ page }) => {
  await installApp(page);
  const original = fs.readFileSync(swPath, 'utf8');
  try {
    // What a deploy does to the service worker: different bytes (a new BUILD and precache list).
    fs.writeFileSync(swPath, original.replace(/const BUILD = "([^"]*)";/, 'const BUILD = "$1-next";'));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await expect(page.getByText('有新版本可用')).toBeVisible({ timeout: 15_000 });
    const before = await page.evaluate(() => navigator.serviceWorker.controller.scriptURL);
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '立即更新' }).click()]);
    await expect(page.getByTestId('campaign')).toBeVisible();
    const shells = (await page.evaluate(() => caches.keys())).filter((k) => k.startsWith('yinhuan-shell-'));
    // The old build's cache is gone; only the new one remains.
    expect(shells).toHaveLength(1);
    expect(shells[0]).toContain('-next');
    expect(before).toContain('/sw.js');
  } finally {
    fs.writeFileSync(swPath, original);
  }
});
