// Starts the app. External, not inline: the Content-Security-Policy allows no inline script
// (script-src 'self' 'wasm-unsafe-eval'). scripts/bundle.mjs writes the hashed names of this
// build's JS glue and wasm into <meta name="yinhuan-app">; this file stays the same.

// 1. The service worker, first and on its own: it must register even if the wasm fails to start.
//    Tells the app (event "yinhuan-update") when a new version is installed and waiting; the app
//    asks the user first.
if ('serviceWorker' in navigator) {
  window.yinhuanApplyUpdate = function () {
    navigator.serviceWorker.getRegistration().then(function (reg) {
      if (reg && reg.waiting) reg.waiting.postMessage('SKIP_WAITING');
    });
  };
  let hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener('controllerchange', function () {
    // Only an update (not the very first install) reloads into the new version.
    if (hadController) window.location.reload();
    hadController = true;
  });
  navigator.serviceWorker.register('/sw.js').then(function (reg) {
    function announce() { window.yinhuanUpdateReady = true; window.dispatchEvent(new Event('yinhuan-update')); }
    if (reg.waiting && navigator.serviceWorker.controller) announce();
    reg.addEventListener('updatefound', function () {
      const w = reg.installing;
      if (!w) return;
      w.addEventListener('statechange', function () {
        if (w.state === 'installed' && navigator.serviceWorker.controller) announce();
      });
    });
    // Long-lived tabs (office desktops) still learn of a deploy.
    setInterval(function () { reg.update().catch(function () {}); }, 30 * 60 * 1000);
  }).catch(function (e) { console.warn('离线缓存注册失败', e); });
}

// 2. The wasm app: what Trunk's inline loader did.
const app = document.querySelector('meta[name="yinhuan-app"]');
if (app) {
  const bindings = await import(app.content);
  const wasm = await bindings.default({ module_or_path: app.dataset.wasm });
  window.wasmBindings = bindings;
  dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
} else {
  console.error('index.html 缺少 <meta name="yinhuan-app">：请用 scripts/build-pwa 构建');
}
