//! 这个浏览器能不能用: what the browser the app was opened in can do, and what to tell the
//! inspector when it cannot.
//!
//! Pure: the PWA reads the facts (`isSecureContext`, `navigator.serviceWorker`, `crypto.subtle`,
//! the user agent) and asks here what they mean, so every message is written once and tested
//! natively. The onboarding page's script (`server/assets/onboarding.js`) applies the same
//! user-agent rules as [`InAppBrowser::detect`]; keep the two in step.
//!
//! Two ways a phone ends up unable to work offline:
//! - **an insecure origin**: the app opened over plain http on the office network
//!   (`http://192.168.1.20:8080/`): no service worker (no offline start), no `crypto.subtle` (no
//!   photo fingerprint, so no photo), no camera, storage the browser may clear;
//! - **an in-app browser**: the address scanned with WeChat, QQ, Alipay, DingTalk or Weibo, whose
//!   built-in browsers cannot add the app to the home screen and keep (and clear) its storage.

/// Where the server serves the page that gets a phone ready (certificate, https address, steps).
pub const ONBOARDING_PATH: &str = "/onboarding";

/// The facts about the browser that decide whether the app can work offline with photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// `window.isSecureContext`: https, or http on localhost.
    pub secure_context: bool,
    /// `navigator.serviceWorker` exists (offline start).
    pub service_worker: bool,
    /// `crypto.subtle` exists (the SHA-256 that keys every photo).
    pub subtle_crypto: bool,
}

/// What the banner says when something is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// One line, the headline.
    pub title: &'static str,
    /// What will not work, each a short phrase.
    pub lost: Vec<&'static str>,
    /// What may happen to the data kept here, if anything.
    pub risk: Option<&'static str>,
    /// What to do about it.
    pub action: &'static str,
    /// Whether the onboarding page (certificate, https address) is the way out.
    pub onboarding: bool,
}

const LOST_OFFLINE: &str = "离线使用";
const LOST_PHOTOS: &str = "拍照";
const LOST_FINGERPRINT: &str = "照片指纹";
const LOST_SYNC: &str = "同步";
const RISK_STORAGE: &str = "本机存储可能被浏览器清除";

impl Capabilities {
    /// A browser that has everything.
    pub const FULL: Capabilities = Capabilities {
        secure_context: true,
        service_worker: true,
        subtle_crypto: true,
    };

    /// Every feature there: no banner.
    pub fn is_complete(&self) -> bool {
        self.secure_context && self.service_worker && self.subtle_crypto
    }

    /// The banner's content, `None` when nothing is missing.
    pub fn advice(&self) -> Option<Advice> {
        if !self.secure_context {
            return Some(Advice {
                title: "当前不是安全连接（https）",
                lost: vec![LOST_OFFLINE, LOST_PHOTOS, LOST_FINGERPRINT, LOST_SYNC],
                risk: Some(RISK_STORAGE),
                action: "请用 https 地址打开本应用，并先在手机上安装单位的根证书。",
                onboarding: true,
            });
        }
        let mut lost = Vec::new();
        if !self.service_worker {
            lost.push(LOST_OFFLINE);
        }
        if !self.subtle_crypto {
            lost.push(LOST_PHOTOS);
            lost.push(LOST_FINGERPRINT);
        }
        if lost.is_empty() {
            return None;
        }
        Some(Advice {
            title: "此浏览器缺少本应用需要的功能",
            lost,
            risk: None,
            action: "请改用手机自带的浏览器或最新版 Chrome、Edge、Safari 打开本应用（不要用无痕/隐私模式）。",
            onboarding: false,
        })
    }

    /// Why a photo cannot be taken or added here, said before the inspector takes it (not after,
    /// as a failure deep in `crypto.subtle`). `None` when photos work.
    pub fn photo_refusal(&self) -> Option<&'static str> {
        if !self.secure_context {
            Some(
                "当前不是 https 连接，不能拍照或添加照片：浏览器只在 https 下提供计算照片指纹（SHA-256）\
                 和使用摄像头的功能。请用 https 地址打开本应用，并先安装单位的根证书（见页面顶部的提示）。",
            )
        } else if !self.subtle_crypto {
            Some(
                "此浏览器不能计算照片指纹（SHA-256），不能拍照或添加照片。\
                 请升级浏览器，或改用最新版 Chrome、Edge、Safari 打开本应用。",
            )
        } else {
            None
        }
    }

    /// Why sync does not run here. Over plain http the password, the token and every record
    /// would cross the office network readable by anyone on it, so the app does not send them.
    /// `None` when sync may run.
    pub fn sync_refusal(&self) -> Option<&'static str> {
        (!self.secure_context).then_some(
            "当前不是 https 连接，为保护账号和检查数据不在网络上明文传输，不在此同步。\
             请先安装单位的根证书，再用 https 地址打开本应用并登录后同步。\
             已在这里录入的数据可先在“设置”页点“导出未同步数据”保存为文件，再在 https 地址下导入。",
        )
    }
}

/// The in-app browsers of the apps people in China scan QR codes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InAppBrowser {
    WeChat,
    Qq,
    Alipay,
    DingTalk,
    Weibo,
}

impl InAppBrowser {
    /// Which in-app browser a user agent belongs to, `None` for a real browser (Chrome, Safari,
    /// the phone maker's browser, the standalone QQ浏览器 whose `MQQBrowser/` is not the QQ app).
    pub fn detect(user_agent: &str) -> Option<InAppBrowser> {
        let lower = user_agent.to_ascii_lowercase();
        if lower.contains("micromessenger") {
            // WeChat, also 企业微信 (wxwork) and WeChat for Windows/Mac.
            Some(InAppBrowser::WeChat)
        } else if has_qq_token(user_agent) {
            Some(InAppBrowser::Qq)
        } else if lower.contains("alipayclient") {
            Some(InAppBrowser::Alipay)
        } else if lower.contains("dingtalk") {
            Some(InAppBrowser::DingTalk)
        } else if lower.contains("weibo") {
            Some(InAppBrowser::Weibo)
        } else {
            None
        }
    }

    /// The app's Chinese name.
    pub fn name(self) -> &'static str {
        match self {
            InAppBrowser::WeChat => "微信",
            InAppBrowser::Qq => "QQ",
            InAppBrowser::Alipay => "支付宝",
            InAppBrowser::DingTalk => "钉钉",
            InAppBrowser::Weibo => "微博",
        }
    }

    /// The headline: where the page is open and what that costs.
    pub fn warning(self) -> String {
        let n = self.name();
        format!(
            "您正在{n}里打开本应用。{n}的内置浏览器不能把应用添加到主屏幕，\
             保存在本机的检查数据也可能被{n}清理。请改用手机自带的浏览器打开："
        )
    }

    /// How to get from here to the system browser, step by step (the picture shows steps 1–2).
    pub fn steps(self) -> [&'static str; 3] {
        [
            "点屏幕右上角的 ⋯（三个点）；",
            "在弹出的菜单里选“在浏览器中打开”（苹果手机为“在 Safari 中打开”）；",
            "菜单里没有这一项时：点“复制链接”，打开手机自带的浏览器，粘贴到地址栏后打开。",
        ]
    }
}

/// `QQ/<version>` as its own token (the QQ app), not inside another word: `MQQBrowser/` is the
/// browser engine WeChat and QQ share, and also the standalone QQ浏览器, which is a real browser.
fn has_qq_token(ua: &str) -> bool {
    ua.match_indices("QQ/").any(|(i, _)| {
        ua[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real user agents, as these apps send them.
    const WECHAT_ANDROID: &str = "Mozilla/5.0 (Linux; Android 13; V2203A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";
    const WECHAT_ANDROID_TBS: &str = "Mozilla/5.0 (Linux; Android 9; MI 8 Build/PKQ1.180729.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/66.0.3359.126 MQQBrowser/6.2 TBS/045120 Mobile Safari/537.36 MMWEBID/8432 MicroMessenger/7.0.10.1580(0x27000A34) Process/tools NetType/WIFI Language/zh_CN ABI/arm64";
    const WECHAT_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2a) NetType/WIFI Language/zh_CN";
    const WECOM: &str = "Mozilla/5.0 (Linux; Android 12; NOH-AN00 Build/HUAWEINOH-AN00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/101.0.4951.74 Mobile Safari/537.36 wxwork/4.1.6 MicroMessenger/7.0.1 NetType/WIFI Language/zh ColorScheme/Light";
    const QQ_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; ELS-AN00 Build/HUAWEIELS-AN00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/77.0.3865.120 MQQBrowser/6.2 TBS/045714 Mobile Safari/537.36 V1_AND_SQ_8.8.68_2538_YYB_D A_8086800 QQ/8.8.68.7265 NetType/WIFI WebP/0.3.0 Pixel/1080 StatusBarHeight/108 SimpleUISwitch/0 QQTheme/1000 InMagicWin/0";
    const QQ_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 14_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 QQ/8.6.5.628 V1_IPH_SQ_8.6.5_1_APP_A Pixel/1125 MiniAppEnable SimpleUISwitch/0 StudyMode/0 QQTheme/1000 Core/WKWebView Device/Apple(iPhone X) NetType/WIFI QBWebViewType/1 WKType/1";
    const QQ_BROWSER: &str = "Mozilla/5.0 (Linux; U; Android 10; zh-cn; ELS-AN00 Build/HUAWEIELS-AN00) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/89.0.4389.72 MQQBrowser/12.1 Mobile Safari/537.36 COVC/045730";
    const ALIPAY: &str = "Mozilla/5.0 (Linux; U; Android 10; zh-CN; ELS-AN00 Build/HUAWEIELS-AN00) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.0.36 Mobile Safari/537.36 UCBS/3.22.0.36_220223162545 NebulaSDK/1.8.100112 Nebula AlipayDefined(nt:WIFI,ws:360|0|3.0) AliApp(AP/10.2.60.8000) AlipayClient/10.2.60.8000 Language/zh-Hans useStatusBar/true";
    const DINGTALK: &str = "Mozilla/5.0 (Linux; U; Android 10; zh-CN; ELS-AN00 Build/HUAWEIELS-AN00) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.1.161 Mobile Safari/537.36 AliApp(DingTalk/6.3.25) com.alibaba.android.rimet/21597869 Channel/700159 language/zh-CN abi/64";
    const WEIBO_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Weibo (iPhone14,5__weibo__13.1.1__iphone__os16.1)";
    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.113 Mobile Safari/537.36";
    const SAFARI_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    const HUAWEI_BROWSER: &str = "Mozilla/5.0 (Linux; Android 10; HarmonyOS; ELS-AN00; HMSCore 6.2.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/92.0.4515.105 HuaweiBrowser/12.0.4.300 Mobile Safari/537.36";
    const DESKTOP_EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0";

    #[test]
    fn in_app_browsers_are_recognised() {
        use InAppBrowser::*;
        for (ua, want) in [
            (WECHAT_ANDROID, WeChat),
            (WECHAT_ANDROID_TBS, WeChat),
            (WECHAT_IOS, WeChat),
            (WECOM, WeChat),
            (QQ_ANDROID, Qq),
            (QQ_IOS, Qq),
            (ALIPAY, Alipay),
            (DINGTALK, DingTalk),
            (WEIBO_IOS, Weibo),
        ] {
            assert_eq!(InAppBrowser::detect(ua), Some(want), "{ua}");
        }
    }

    #[test]
    fn real_browsers_are_not_in_app() {
        for ua in [
            CHROME_ANDROID,
            SAFARI_IOS,
            HUAWEI_BROWSER,
            DESKTOP_EDGE,
            QQ_BROWSER,
            "",
        ] {
            assert_eq!(InAppBrowser::detect(ua), None, "{ua}");
        }
    }

    #[test]
    fn qq_is_a_token_of_its_own() {
        assert!(has_qq_token("QQ/8.9"));
        assert!(has_qq_token("x (QQ/8.9)"));
        assert!(!has_qq_token("MQQBrowser/6.2"));
        assert!(!has_qq_token("MQQ/1.0"));
        assert!(!has_qq_token("QQTheme/1000 QQBrowser/12"));
    }

    #[test]
    fn the_in_app_text_names_the_app_and_the_way_out() {
        let w = InAppBrowser::WeChat.warning();
        assert!(
            w.contains("微信里打开") && w.contains("主屏幕") && w.contains("清理"),
            "{w}"
        );
        assert!(InAppBrowser::Alipay.warning().contains("支付宝"));
        let steps = InAppBrowser::Qq.steps();
        assert!(steps[0].contains("右上角") && steps[0].contains('⋯'));
        assert!(steps[1].contains("在浏览器中打开"));
        assert!(steps[2].contains("复制链接"));
    }

    #[test]
    fn a_complete_browser_gets_no_banner_and_no_refusal() {
        let c = Capabilities::FULL;
        assert!(c.is_complete());
        assert_eq!(c.advice(), None);
        assert_eq!(c.photo_refusal(), None);
        assert_eq!(c.sync_refusal(), None);
    }

    #[test]
    fn plain_http_says_what_is_lost_and_points_to_onboarding() {
        // What Chromium reports on http://yinhuan.lan:8080/.
        let c = Capabilities {
            secure_context: false,
            service_worker: false,
            subtle_crypto: false,
        };
        assert!(!c.is_complete());
        let a = c.advice().unwrap();
        assert!(a.onboarding);
        let lost = a.lost.join("、");
        for word in ["离线", "拍照", "照片指纹", "同步"] {
            assert!(lost.contains(word), "{word} in {lost}");
        }
        assert!(a.risk.unwrap().contains("存储"));
        assert!(a.action.contains("https") && a.action.contains("根证书"));
        let photo = c.photo_refusal().unwrap();
        assert!(photo.contains("https") && photo.contains("照片"), "{photo}");
        let sync = c.sync_refusal().unwrap();
        assert!(
            sync.contains("https") && sync.contains("导出未同步数据"),
            "{sync}"
        );
        // Insecure even if a (non-conforming) browser exposed the APIs anyway.
        assert!(Capabilities {
            secure_context: false,
            ..Capabilities::FULL
        }
        .photo_refusal()
        .is_some());
    }

    #[test]
    fn a_secure_browser_missing_a_feature_is_told_to_switch_browsers() {
        let no_sw = Capabilities {
            service_worker: false,
            ..Capabilities::FULL
        };
        let a = no_sw.advice().unwrap();
        assert_eq!(a.lost, vec![LOST_OFFLINE]);
        assert!(!a.onboarding);
        assert!(a.action.contains("浏览器"));
        assert_eq!(a.risk, None);
        assert_eq!(no_sw.photo_refusal(), None);
        assert_eq!(no_sw.sync_refusal(), None);

        let no_subtle = Capabilities {
            subtle_crypto: false,
            ..Capabilities::FULL
        };
        assert_eq!(
            no_subtle.advice().unwrap().lost,
            vec![LOST_PHOTOS, LOST_FINGERPRINT]
        );
        assert!(no_subtle.photo_refusal().unwrap().contains("升级浏览器"));
        assert_eq!(no_subtle.sync_refusal(), None);
    }

    #[test]
    fn onboarding_is_a_path_of_the_server() {
        assert_eq!(ONBOARDING_PATH, "/onboarding");
    }
}
