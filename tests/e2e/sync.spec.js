// Two devices and the real server: A captures offline (records + photos), comes online and
// syncs; B signs in and sees the same records and photo bytes. Photos arrive exactly once.
const { test, expect } = require('@playwright/test');
const { installApp, makeJpeg, login, syncNow, freeBasis, captureHazard } = require('./helpers');

test.setTimeout(240_000);

// Records every photo PUT that reached the server, with its answer (201 stored anew, 200 it
// had the bytes already). Counting at the route, not at the 'request' event: a PUT started by
// a background run and cut by the reload in syncNow() still reached the server and counts once,
// and one the browser dropped before sending does not count at all.
async function countPhotoPuts(page, into) {
  await page.route('**/api/photos/*', async (route) => {
    if (route.request().method() !== 'PUT') return route.continue();
    const resp = await route.fetch();
    into.push({ url: route.request().url(), status: resp.status() });
    return route.fulfill({ response: resp }).catch(() => {});
  });
}
const stored = (puts) => puts.filter((p) => p.status === 201).map((p) => p.url);

test('device A captures offline and syncs; device B sees the same records and photos', async ({ browser }) => {
  const text = `铸造车间有限空间未设置警示标志 ${Date.now()}`;
  const a = await browser.newContext();
  const pageA = await a.newPage();
  await installApp(pageA);
  await login(pageA);
  // Ten different pictures (the same bytes stamped in the same second would be one photo).
  const jpegs = [];
  for (let i = 0; i < 10; i++) jpegs.push(await makeJpeg(pageA, 2400, 1800));

  // Offline capture: an enterprise, an inspection, one hazard with 10 photos.
  await a.setOffline(true);
  await pageA.goto('/enterprises/new');
  await pageA.locator('#ent-name').fill('代县同步测试铸造厂');
  await pageA.locator('#ent-code').fill('914403001922038216');
  await pageA.locator('#ent-county').selectOption({ label: '代县' });
  await pageA.locator('#ent-leader').fill('周厂长');
  await pageA.getByTestId('save-enterprise').click();
  await expect(pageA.getByTestId('enterprise-list')).toContainText('代县同步测试铸造厂');
  await pageA.getByRole('link', { name: '开始检查' }).first().click();
  await pageA.locator('#insp-unit').fill('代县应急管理局');
  await pageA.locator('#insp-people').fill('吴检查');
  await pageA.getByTestId('start-inspection').click();
  await pageA.getByTestId('add-hazard').click();
  await pageA.locator('#hz-desc').fill(text);
  await freeBasis(pageA);
  const files = jpegs.map((buffer, i) => ({ name: `p${i}.jpg`, mimeType: 'image/jpeg', buffer }));
  await pageA.getByTestId('photo-gallery-input').setInputFiles(files);
  await expect(pageA.locator('.thumb')).toHaveCount(10, { timeout: 90_000 });
  await expect(pageA.getByTestId('save-status')).toHaveText('已保存在本机');
  const hazardUrl = new URL(pageA.url()).pathname;

  // Count photo uploads the server receives.
  const puts = [];
  await countPhotoPuts(pageA, puts);
  await a.setOffline(false);
  await syncNow(pageA);
  await expect(pageA.getByTestId('uploaded-photos')).toHaveText('10');
  expect(new Set(stored(puts)).size).toBe(10);
  expect(puts.map((p) => p.url)).toHaveLength(10);

  // A second sync sends nothing again.
  await syncNow(pageA);
  expect(puts).toHaveLength(10);

  // Device B.
  const b = await browser.newContext();
  const pageB = await b.newPage();
  await installApp(pageB);
  await login(pageB);
  await syncNow(pageB);
  await pageB.goto('/hazards');
  await expect(pageB.getByText(text)).toBeVisible();
  await pageB.goto(hazardUrl);
  await expect(pageB.locator('#hz-desc')).toHaveValue(text);
  await expect(pageB.locator('.thumb img')).toHaveCount(10);
  // The photo bytes came from the server (device B never had them): all decode at 1600 px.
  await expect
    .poll(() => pageB.locator('.thumb img').evaluateAll((imgs) => imgs.map((i) => i.naturalWidth).join(',')), { timeout: 30_000 })
    .toBe(Array(10).fill('1600').join(','));
  await a.close();
  await b.close();
});

test('a connection cut in the middle of photo uploads resumes without sending any photo twice', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await installApp(page);
  await login(page);
  const jpegs = [];
  for (let i = 0; i < 6; i++) jpegs.push(await makeJpeg(page, 1800, 1200));
  // Captured offline: the first run of a start waits a second, so online a background run
  // could send a photo while they are still being saved, before the route below counts it.
  await ctx.setOffline(true);
  await captureHazard(page, '静乐县断网测试厂', '静乐县', jpegs);

  // The link dies after 2 photos have been accepted. One route for the whole test, so no
  // retry of the sync's backoff timer can slip through uncounted between two routes.
  const accepted = [];
  const resumed = [];
  let cut = true;
  let seen = 0;
  await page.route('**/api/photos/*', async (route) => {
    if (route.request().method() !== 'PUT') return route.continue();
    if (cut && ++seen > 2) return route.abort('internetdisconnected');
    const resp = await route.fetch();
    if (cut) {
      if (resp.ok()) accepted.push(route.request().url());
    } else {
      resumed.push({ url: route.request().url(), status: resp.status() });
    }
    return route.fulfill({ response: resp }).catch(() => {});
  });
  await page.goto('/sync');
  // Back online: the sync starts by itself, and the link dies after 2 photos.
  await ctx.setOffline(false);
  await expect(page.getByTestId('uploaded-photos')).toHaveText('2', { timeout: 60_000 });
  await expect(page.getByTestId('sync-error')).toContainText('连不上服务器', { timeout: 60_000 });
  await expect(page.getByTestId('sync-now')).toHaveText('立即同步', { timeout: 60_000 });
  await expect(page.getByTestId('uploaded-photos')).toHaveText('2');
  await expect(page.getByTestId('pending-photos')).toContainText('4 张');

  // The link is back: only the four missing photos travel. On the same page, not after a
  // reload: a reload could cut a retry's upload after the server stored it but before this
  // device noted it, and the resend, which the server answers 200, would count twice here.
  cut = false;
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('uploaded-photos')).toHaveText('6', { timeout: 60_000 });
  await expect(page.getByTestId('pending-photos')).toHaveText(/^0 张/, { timeout: 60_000 });
  await expect(page.getByTestId('sync-error')).toHaveCount(0);
  expect(accepted).toHaveLength(2);
  // Exactly the four missing photos reached the server, each once; no acknowledged one again.
  expect(resumed).toHaveLength(4);
  expect(stored(resumed)).toHaveLength(4);
  expect(resumed.filter((p) => accepted.includes(p.url))).toHaveLength(0);
  expect(new Set([...accepted, ...stored(resumed)]).size).toBe(6);
  await ctx.close();
});

test('two devices edit the same hazard offline: other fields merge, the same field asks the user', async ({ browser }) => {
  const a = await browser.newContext();
  const pa = await a.newPage();
  await installApp(pa);
  await login(pa);
  const url = await captureHazard(pa, '偏关县冲突测试厂', '偏关县', []);
  await syncNow(pa);

  const b = await browser.newContext();
  const pb = await b.newPage();
  await installApp(pb);
  await login(pb);
  await syncNow(pb);

  // Both offline: A changes 备注 and the description; B changes 整改责任人 and the description.
  await a.setOffline(true);
  await b.setOffline(true);
  await pa.goto(url);
  await pa.locator('#hz-remark').fill('A 的备注');
  await pa.locator('#hz-desc').fill('A 写的描述');
  await expect(pa.getByTestId('save-status')).toHaveText('已保存在本机');
  await pb.goto(url);
  await expect(pb.locator('#hz-desc')).toHaveValue('偏关县冲突测试厂：配电箱未接地');
  await pb.locator('#hz-person').fill('B 指定的责任人');
  await pb.locator('#hz-desc').fill('B 写的描述');
  await expect(pb.getByTestId('save-status')).toHaveText('已保存在本机');

  await a.setOffline(false);
  await syncNow(pa);
  await b.setOffline(false);
  await pb.goto('/sync');
  await pb.getByTestId('sync-now').click();
  await expect(pb.getByTestId('needs-attention')).toContainText('1', { timeout: 60_000 });

  // B chooses its own description in the conflict view; the other fields were merged.
  await pb.getByRole('link', { name: '去处理' }).click();
  const card = pb.getByTestId('conflict');
  await expect(card).toContainText('隐患描述');
  await expect(card).toContainText('A 写的描述');
  await expect(card).toContainText('B 写的描述');
  await card.getByText('本机版本').click();
  await card.getByTestId('resolve').click();
  await expect(pb.getByTestId('no-conflicts')).toBeVisible();
  await syncNow(pb);
  await pb.goto(url);
  await expect(pb.locator('#hz-desc')).toHaveValue('B 写的描述');
  await expect(pb.locator('#hz-remark')).toHaveValue('A 的备注');
  await expect(pb.locator('#hz-person')).toHaveValue('B 指定的责任人');

  // A pulls the result: nothing of either side was lost.
  await syncNow(pa);
  await pa.goto(url);
  await expect(pa.locator('#hz-desc')).toHaveValue('B 写的描述');
  await expect(pa.locator('#hz-remark')).toHaveValue('A 的备注');
  await expect(pa.locator('#hz-person')).toHaveValue('B 指定的责任人');
  await a.close();
  await b.close();
});
