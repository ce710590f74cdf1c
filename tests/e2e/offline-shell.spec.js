// The app shell: loads once online, installs the service worker, then starts with no network.
const { test, expect } = require('@playwright/test');
const { installApp, login, syncNow } = require('./helpers');

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
  // 首页's list comes from a chunk of its own: from the service worker's cache too.
  await expect(page.getByTestId('drafts')).toContainText('没有未完成的检查');
  await expect(page.getByTestId('drafts-not-loaded')).toHaveCount(0);

  // A deep link the user bookmarked also opens offline (SPA route served from the cache).
  await page.goto('/settings');
  await expect(page.getByRole('heading', { name: '本机存储' })).toBeVisible();
  await context.setOffline(false);
});

test('a browser that blocks IndexedDB: 首页 says at once that offline work cannot be saved', async ({ page }) => {
  // As a private window or a locked-down browser: no indexedDB at all.
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  await page.goto('/');
  await expect(page.getByTestId('campaign')).toBeVisible();
  await expect(page.getByTestId('storage-error')).toContainText('本机存储不可用');
  await expect(page.getByTestId('storage-error')).toContainText('请使用普通模式打开本应用');
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

// The office screens (报表, 交叉检查, 工作台, 行政处罚, 管理) are a wasm chunk of their own
// (src/routes/office.rs, scripts/bundle.mjs): a start never fetches it, the first office screen
// does, and the service worker has it cached so that screen opens offline too.

/** The paths the page fetched (the service worker's own precache fetches are not the page's),
 * and among them those of one chunk (default: the office screens'). */
function watchChunkFetches(page) {
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  return {
    all: fetched,
    chunk: (name = 'split_office') => fetched.filter((p) => p.includes(name)),
  };
}

// The field screens beyond 首页 (企业, 检查, 隐患, 同步, 设置 …) are a chunk too
// (src/routes/field.rs): not part of the start, but fetched by every start in the background
// right after it, so an inspector's next tap finds them here; offline from the cache.
test('every start fetches the field screens in the background; they open offline', async ({ page, context }) => {
  const fetched = watchChunkFetches(page);
  const nav = page.getByRole('navigation', { name: '主导航' });
  await installApp(page);
  await expect.poll(() => fetched.chunk('split_field').length, { timeout: 15_000 }).toBe(1);
  await expect(page).toHaveURL(/\/$/);

  await context.setOffline(true);
  const reload = await page.reload();
  expect(reload.fromServiceWorker()).toBe(true);
  await expect(page.getByTestId('campaign')).toBeVisible();
  // Again by the new start, from the service worker's cache, before any field screen opens.
  await expect.poll(() => fetched.chunk('split_field').length, { timeout: 15_000 }).toBe(2);
  await nav.getByRole('link', { name: '隐患' }).click();
  await expect(page.getByRole('heading', { name: '隐患台账' })).toBeVisible();
  await nav.getByRole('link', { name: '企业' }).click();
  await expect(page.getByRole('heading', { name: '企业台账' })).toBeVisible();
  await nav.getByRole('link', { name: '首页' }).click();
  await expect(page.getByTestId('campaign')).toBeVisible();
  expect(fetched.chunk('split_field')).toHaveLength(2);
  await expect(page.getByTestId('field-not-loaded')).toHaveCount(0);
  await context.setOffline(false);
});

test('office screens load on first use, and open offline after one visit', async ({ page, context }) => {
  const fetched = watchChunkFetches(page);
  const nav = page.getByRole('navigation', { name: '主导航' });
  await installApp(page);
  expect(fetched.all.filter((p) => p.endsWith('_bg.wasm'))).toHaveLength(1);
  expect(fetched.chunk()).toEqual([]);

  await context.setOffline(true);
  const reload = await page.reload();
  expect(reload.fromServiceWorker()).toBe(true);
  await expect(page.getByTestId('campaign')).toBeVisible();
  expect(fetched.chunk()).toEqual([]);

  // In the app, with no network: the chunk comes from the service worker's cache.
  await nav.getByRole('link', { name: '报表' }).click();
  await expect(page.getByRole('heading', { name: '报表', exact: true })).toBeVisible();
  expect(fetched.chunk()).toHaveLength(1);
  // Another office screen uses the chunk already loaded; a field screen still works beside it.
  await nav.getByRole('link', { name: '行政处罚' }).click();
  await expect(page).toHaveURL(/\/penalties$/);
  await nav.getByRole('link', { name: '隐患' }).click();
  await expect(page).toHaveURL(/\/hazards$/);
  expect(fetched.chunk()).toHaveLength(1);

  // A deep link to an office screen, opened offline as a new start.
  await page.goto('/cross');
  await expect(page.getByRole('heading', { level: 1, name: /交叉检查/ }).first()).toBeVisible();
  await expect(page.getByTestId('office-not-loaded')).toHaveCount(0);
  await context.setOffline(false);
});

test('an office account gets the office chunk in the background after the start', async ({ page }) => {
  await login(page); // the demo 市级 account
  const fetched = watchChunkFetches(page);
  await page.goto('/');
  await expect(page.getByTestId('campaign')).toBeVisible();
  // Fetched (once) without any office screen being opened…
  await expect.poll(() => fetched.chunk().length, { timeout: 15_000 }).toBe(1);
  await expect(page).toHaveURL(/\/$/);
  // …so opening one fetches nothing more.
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '报表' }).click();
  await expect(page.getByRole('heading', { name: '报表', exact: true })).toBeVisible();
  expect(fetched.chunk()).toHaveLength(1);
});

test.describe('a chunk that cannot be fetched', () => {
  // No service worker: the page's own fetch of the chunk is what fails (first visit cut off).
  test.use({ serviceWorkers: 'block' });

  test('says so in Chinese, keeps the app running, and loads it on the next try', async ({ page }) => {
    await page.route(/split_office-[0-9a-f]+\.wasm$/, (route) => route.abort('internetdisconnected'));
    await page.goto('/');
    await expect(page.getByTestId('campaign')).toBeVisible();
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '报表' }).click();
    await expect(page.getByTestId('office-not-loaded')).toContainText('请连接网络后重新打开此页');
    // The field screens still work: the failed load did not stop the app.
    await nav.getByRole('link', { name: '隐患' }).click();
    await expect(page).toHaveURL(/\/hazards$/);
    await expect(page.getByTestId('office-not-loaded')).toHaveCount(0);

    await page.unroute(/split_office-[0-9a-f]+\.wasm$/);
    await nav.getByRole('link', { name: '报表' }).click();
    await expect(page.getByRole('heading', { name: '报表', exact: true })).toBeVisible();
    await expect(page.getByTestId('office-not-loaded')).toHaveCount(0);
  });

  test('a field chunk that failed in the background: the screen says so, 首页 works, the next tap loads it', async ({ page }) => {
    await page.route(/split_field-[0-9a-f]+\.wasm$/, (route) => route.abort('internetdisconnected'));
    await page.goto('/');
    await expect(page.getByTestId('campaign')).toBeVisible();
    // 首页's list of unfinished inspections is another chunk's: it still shows.
    await expect(page.getByTestId('drafts')).toContainText('没有未完成的检查');
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '隐患' }).click();
    await expect(page.getByTestId('field-not-loaded')).toContainText('请连接网络后重新打开此页');
    await nav.getByRole('link', { name: '首页' }).click();
    await expect(page.getByTestId('campaign')).toBeVisible();

    await page.unroute(/split_field-[0-9a-f]+\.wasm$/);
    await nav.getByRole('link', { name: '隐患' }).click();
    await expect(page.getByRole('heading', { name: '隐患台账' })).toBeVisible();
    await expect(page.getByTestId('field-not-loaded')).toHaveCount(0);
    await nav.getByRole('link', { name: '首页' }).click();
    await expect(page.getByTestId('drafts')).toContainText('没有未完成的检查');
    await expect(page.getByTestId('drafts-not-loaded')).toHaveCount(0);
  });

  test('the chunk of 首页\'s list failed: the list says so, the card and the field screens work, the next visit loads it', async ({ page }) => {
    await page.route(/split_home-[0-9a-f]+\.wasm$/, (route) => route.abort('internetdisconnected'));
    await page.goto('/');
    await expect(page.getByTestId('campaign')).toBeVisible();
    await expect(page.getByTestId('drafts-not-loaded')).toContainText('请连接网络后重新打开应用');
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '隐患' }).click();
    await expect(page.getByRole('heading', { name: '隐患台账' })).toBeVisible();

    await page.unroute(/split_home-[0-9a-f]+\.wasm$/);
    await nav.getByRole('link', { name: '首页' }).click();
    await expect(page.getByTestId('drafts')).toContainText('没有未完成的检查');
    await expect(page.getByTestId('drafts-not-loaded')).toHaveCount(0);
  });

  test('a sync engine chunk that cannot be fetched: 同步 says so, the record waits, the next run sends it', async ({ page }) => {
    await page.route(/split_sync-[0-9a-f]+\.wasm$/, (route) => route.abort('internetdisconnected'));
    await login(page);
    await page.goto('/enterprises/new');
    await page.locator('#ent-name').fill('忻州同步测试钢铁有限公司');
    await page.locator('#ent-county').selectOption({ label: '忻府区' });
    await page.locator('#ent-leader').fill('王五');
    await page.getByTestId('save-enterprise').click();
    const confirm = page.getByRole('button', { name: '已核对，确认保存' });
    if (await confirm.isVisible()) await confirm.click();
    await expect(page.getByTestId('enterprise-list')).toContainText('忻州同步测试钢铁有限公司');

    await page.goto('/sync');
    await page.getByTestId('sync-now').click();
    await expect(page.getByTestId('sync-error')).toContainText('同步程序尚未下载到本机');
    await expect(page.getByTestId('sync-now')).toHaveText('立即同步');

    await page.unroute(/split_sync-[0-9a-f]+\.wasm$/);
    await syncNow(page);
    await expect(page.getByTestId('last-ok')).not.toHaveText('尚未同步');
  });

  test('a slow chunk: the header says the screen is opening, and leaving meanwhile wins', async ({ page }) => {
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route(/split_office-[0-9a-f]+\.wasm$/, async (route) => { await held; await route.continue(); });
    await page.goto('/');
    await expect(page.getByTestId('campaign')).toBeVisible();
    await expect(page.getByTestId('opening')).toHaveCount(0);
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '报表' }).click();
    // The router keeps 首页 while the chunk loads; the tap is visibly not ignored.
    await expect(page.getByTestId('opening')).toHaveText('正在打开…');
    await expect(page.getByTestId('campaign')).toBeVisible();
    // The user gives up and goes to 隐患: the late chunk must not pull them back to 报表.
    await nav.getByRole('link', { name: '隐患' }).click();
    await expect(page).toHaveURL(/\/hazards$/);
    await expect(page.getByTestId('opening')).toHaveCount(0);
    release();
    await page.waitForTimeout(1000);
    await expect(page).toHaveURL(/\/hazards$/);
    await expect(page.getByRole('heading', { name: '报表', exact: true })).toHaveCount(0);
    await nav.getByRole('link', { name: '报表' }).click();
    await expect(page.getByRole('heading', { name: '报表', exact: true })).toBeVisible();
    await expect(page.getByTestId('opening')).toHaveCount(0);
  });
});
