// Service worker: precaches this build's app shell so the app starts with no network after one
// visit. BUILD and PRECACHE are filled in by scripts/sw-precache.mjs (scripts/build-pwa).
const BUILD = 'dev';
const PRECACHE = ['/'];
const CACHE = 'yinhuan-shell-' + BUILD;

self.addEventListener('install', (event) => {
  // cache: 'reload' bypasses the HTTP cache so a new build never precaches stale files.
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(PRECACHE.map((u) => new Request(u, { cache: 'reload' })))
    )
  );
  // The first install takes over at once; an update waits until the user accepts the prompt.
  if (!self.registration.active) self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith('yinhuan-shell-') && k !== CACHE).map((k) => caches.delete(k))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'SKIP_WAITING') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  // The API and photos always go to the network: data freshness is the sync engine's job.
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  // The onboarding page and the CA download are the server's own pages, not the app.
  if (url.pathname === '/onboarding' || url.pathname.startsWith('/onboarding/')) return;
  if (req.mode === 'navigate') {
    // Every route of the single-page app is the same shell.
    event.respondWith(
      caches.match('/', { cacheName: CACHE }).then((hit) => hit || fetch(req))
    );
    return;
  }
  event.respondWith(
    caches.match(req, { cacheName: CACHE }).then((hit) => hit || fetch(req))
  );
});
