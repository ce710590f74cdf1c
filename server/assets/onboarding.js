// 隐患排查 onboarding page: its only script (the CSP allows no inline script). Shows how to leave
// an in-app browser, and opens the install steps for this phone's system. The user-agent rules
// are model/src/client.rs's (InAppBrowser::detect); keep the two in step.
(function () {
  var ua = navigator.userAgent || '';
  var l = ua.toLowerCase();
  var app = l.indexOf('micromessenger') >= 0 ? '微信'
    : /(^|[^A-Za-z0-9])QQ\//.test(ua) ? 'QQ'
    : l.indexOf('alipayclient') >= 0 ? '支付宝'
    : l.indexOf('dingtalk') >= 0 ? '钉钉'
    : l.indexOf('weibo') >= 0 ? '微博'
    : null;
  if (app) {
    document.getElementById('inapp-name').textContent = app;
    document.getElementById('inapp').hidden = false;
  }
  var os = /HarmonyOS|OpenHarmony|ArkWeb/i.test(ua) ? 'harmony'
    : /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1) ? 'ios'
    : /Android/.test(ua) ? 'android'
    : null;
  var steps = os && document.getElementById('os-' + os);
  if (steps) steps.open = true;
})();
