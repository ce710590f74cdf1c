// Many photos on a good link: a sync of 40 photos (two hazards) sends them several to a request
// (POST /api/photos/batch) to the real server, which stores each one byte for byte, and no photo
// twice. (The other specs sync at most ten photos, which still go one PUT each.)
const { test, expect } = require('@playwright/test');
const { installApp, makeJpeg, login, syncNow, captureHazard, storedPhotos } = require('./helpers');

test.setTimeout(300_000);

test('forty photos travel several to a request and each arrives intact', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await installApp(page);
  await login(page);
  // Distinct pictures: makeJpeg draws random noise into each.
  const jpegs = [];
  for (let i = 0; i < 40; i++) jpegs.push(await makeJpeg(page, 1000, 750));
  // Captured offline, so no background run sends anything before the route below is in place.
  await ctx.setOffline(true);
  const stamp = Date.now();
  await captureHazard(page, `河曲县批量照片厂 ${stamp}`, '河曲县', jpegs.slice(0, 20));
  await captureHazard(page, `保德县批量照片厂 ${stamp}`, '保德县', jpegs.slice(20));
  const local = await storedPhotos(page);
  expect(local).toHaveLength(40);

  // Every photo upload that reached the server, with what the server answered for each photo.
  const uploads = [];
  await page.route('**/api/photos/*', async (route) => {
    const req = route.request();
    const path = new URL(req.url()).pathname;
    const batch = req.method() === 'POST' && path === '/api/photos/batch';
    if (req.method() !== 'PUT' && !batch) return route.continue();
    const resp = await route.fetch();
    const photos = batch
      ? (await resp.json()).photos.map((p) => ({ sha: p.sha256, status: p.status }))
      : [{ sha: path.slice('/api/photos/'.length), status: resp.status() }];
    uploads.push({ batch, status: resp.status(), photos });
    return route.fulfill({ response: resp }).catch(() => {});
  });
  await ctx.setOffline(false);
  await syncNow(page);
  await expect(page.getByTestId('uploaded-photos')).toHaveText('40');

  const batches = uploads.filter((u) => u.batch);
  expect(batches.length).toBeGreaterThan(0);
  expect(batches.every((u) => u.status === 200)).toBe(true);
  expect(Math.max(...batches.map((u) => u.photos.length))).toBeGreaterThan(1);
  expect(uploads.length).toBeLessThan(40);
  // Each photo stored exactly once, and exactly the device's photos.
  const stored = uploads.flatMap((u) => u.photos).filter((p) => p.status === 201).map((p) => p.sha);
  expect(stored).toHaveLength(40);
  expect(new Set(stored)).toEqual(new Set(local.map((p) => p.key)));

  // The server's copies are the device's bytes (hashed again here, independently).
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('yinhuan.session')).token);
  const mismatched = await page.evaluate(async ([shas, token]) => {
    const bad = [];
    for (const sha of shas) {
      const res = await fetch(`/api/photos/${sha}`, { headers: { authorization: `Bearer ${token}` } });
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await res.arrayBuffer()));
      const hex = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
      if (res.status !== 200 || hex !== sha) bad.push(`${sha}: ${res.status} ${hex}`);
    }
    return bad;
  }, [local.map((p) => p.key), token]);
  expect(mismatched).toEqual([]);

  // A second sync sends nothing again.
  const before = uploads.length;
  await syncNow(page);
  expect(uploads).toHaveLength(before);
  await ctx.close();
});
