//! The in-page camera view (getUserMedia). It is a convenience next to the file input's
//! `capture="environment"`, which always works; so every failure here tells the inspector to use
//! the 拍照/相册 buttons instead.

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack};

use super::process::{canvas_to_jpeg, Canvas};
use super::{js_error_name, js_error_text, PhotoError};

/// The "original" frame is kept nearly lossless; the pipeline re-encodes it at 0.8 anyway.
const FRAME_QUALITY: f64 = 0.92;

fn obj(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

/// Opens the back camera and shows it in `video`. Stop it with [`stop_camera`].
pub async fn start_camera(video: &HtmlVideoElement) -> Result<MediaStream, PhotoError> {
    if let Some(msg) = crate::components::secure_banner::photo_refusal() {
        return Err(PhotoError::NotSecure(msg));
    }
    let navigator = crate::browser::window().navigator();
    // navigator.mediaDevices is missing on plain http and in some in-app browsers.
    let devices = match navigator.media_devices() {
        Ok(d) if !JsValue::from(d.clone()).is_undefined() => d,
        _ => {
            return Err(PhotoError::NoCamera(
                "此浏览器不支持页内取景，或未通过 https 打开".into(),
            ))
        }
    };
    let ideal = |v: f64| obj(&[("ideal", JsValue::from_f64(v))]);
    // "environment" is a preference, not a requirement, so a laptop's front camera still works.
    // 1600×1200 asks for what the pipeline keeps; without it browsers default to 640×480.
    let video_constraints = obj(&[
        ("facingMode", JsValue::from_str("environment")),
        ("width", ideal(1600.0).into()),
        ("height", ideal(1200.0).into()),
    ]);
    let constraints = MediaStreamConstraints::new();
    constraints.set_video(&video_constraints);
    constraints.set_audio_bool(false);

    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| camera_error(&e))?;
    let stream: MediaStream = JsFuture::from(promise)
        .await
        .map_err(|e| camera_error(&e))?
        .unchecked_into();

    // iOS Safari plays inline only with `playsinline`, and autoplays only muted video.
    let _ = video.set_attribute("playsinline", "");
    video.set_muted(true);
    video.set_src_object(Some(&stream));
    let played = match video.play() {
        Ok(p) => JsFuture::from(p).await.map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = played {
        stop_camera(&stream);
        video.set_src_object(None);
        return Err(PhotoError::NoCamera(js_error_text(&e)));
    }
    Ok(stream)
}

fn camera_error(e: &JsValue) -> PhotoError {
    match js_error_name(e).as_str() {
        "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => PhotoError::CameraDenied,
        "NotFoundError" | "DevicesNotFoundError" | "OverconstrainedError" => {
            PhotoError::NoCamera("找不到摄像头".into())
        }
        "NotReadableError" | "TrackStartError" => {
            PhotoError::NoCamera("摄像头正被其他应用占用".into())
        }
        _ => PhotoError::NoCamera(js_error_text(e)),
    }
}

/// The current video frame as a JPEG at full camera resolution: the "original" that then goes
/// through [`super::process_photo`] like a file from the camera app.
pub async fn capture_frame(video: &HtmlVideoElement) -> Result<Blob, PhotoError> {
    let (w, h) = (video.video_width(), video.video_height());
    // HAVE_CURRENT_DATA (2): before that there is no frame to draw.
    if w == 0 || h == 0 || video.ready_state() < 2 {
        return Err(PhotoError::CameraNotReady);
    }
    let canvas = Canvas::new(w, h)?;
    canvas
        .ctx
        .draw_image_with_html_video_element_and_dw_and_dh(
            video,
            0.0,
            0.0,
            f64::from(w),
            f64::from(h),
        )
        .map_err(|e| PhotoError::Canvas(js_error_text(&e)))?;
    canvas_to_jpeg(&canvas.el, FRAME_QUALITY).await
}

/// Turns the camera off (its light goes out); call when the view closes or the page hides.
pub fn stop_camera(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}
