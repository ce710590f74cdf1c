//! Photo pipeline and photo store tests in real headless Chromium (wasm-bindgen-test-runner).
//! The pictures are made here on a canvas and encoded by the browser, so the pipeline sees real
//! JPEG files of camera size without a multi-megabyte fixture in the repository.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Promise, Uint8Array};
use model::record::{Record, RecordMeta};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{Clamped, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageData};
use yinhuan_app::photo::{
    self, camera, geo, process_photo, PhotoError, PhotoMeta, PhotoSource, Place, ProcessOptions,
    Stamp, UploadState,
};
use yinhuan_app::store::{self, photos, records, StoreError};

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------------------------------------
// Helpers

fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

fn canvas(w: u32, h: u32) -> (HtmlCanvasElement, CanvasRenderingContext2d) {
    let el: HtmlCanvasElement = window()
        .document()
        .unwrap()
        .create_element("canvas")
        .unwrap()
        .unchecked_into();
    el.set_width(w);
    el.set_height(h);
    let ctx = el.get_context("2d").unwrap().unwrap().unchecked_into();
    (el, ctx)
}

async fn canvas_blob(el: &HtmlCanvasElement, mime: &str, quality: f64) -> Blob {
    let p = Promise::new(&mut |resolve, _| {
        el.to_blob_with_type_and_encoder_options(&resolve, mime, &quality.into())
            .unwrap()
    });
    JsFuture::from(p).await.unwrap().unchecked_into()
}

/// A camera-like picture: smooth shading (walls, light falloff), hard-edged shapes (equipment,
/// signs) and sensor noise, so JPEG cannot compress it trivially. Bright overall, which the stamp
/// test relies on.
async fn camera_like_jpeg(w: u32, h: u32, seed: u32) -> Blob {
    let (el, ctx) = canvas(w, h);
    let sx: Vec<f64> = (0..w)
        .map(|x| (f64::from(x) / 97.0 + f64::from(seed)).sin())
        .collect();
    let cy: Vec<f64> = (0..h).map(|y| (f64::from(y) / 131.0).cos()).collect();
    let sx2: Vec<f64> = (0..w).map(|x| (f64::from(x) / 23.0).sin()).collect();
    let mut rng = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
    let mut data = vec![0u8; (w * h * 4) as usize];
    for (y, &c) in cy.iter().enumerate() {
        for (x, (&a, &b)) in sx.iter().zip(&sx2).enumerate() {
            let base = 165.0 + 45.0 * a * c + 12.0 * b * c;
            let i = (y * w as usize + x) * 4;
            for (c, tint) in [(0usize, 8.0), (1, 0.0), (2, -10.0)] {
                rng ^= rng << 13;
                rng ^= rng >> 17;
                rng ^= rng << 5;
                let noise = f64::from(rng % 25) - 12.0;
                data[i + c] = (base + tint + noise).clamp(0.0, 255.0) as u8;
            }
            data[i + 3] = 255;
        }
    }
    let img = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&data[..]), w, h).unwrap();
    ctx.put_image_data(&img, 0.0, 0.0).unwrap();
    let unit = f64::from(w) / 40.0;
    for k in 0..12u32 {
        let kx = f64::from((k * 7919 + seed * 31) % 37) * unit;
        let ky = f64::from((k * 104_729 + seed) % 23) * unit;
        ctx.set_fill_style_str(["#8a3b12", "#2f4f6f", "#d8c040", "#556b2f"][(k % 4) as usize]);
        ctx.fill_rect(kx, ky, unit * 3.0, unit * 2.0);
    }
    ctx.set_fill_style_str("#111");
    ctx.set_font(&format!("{}px sans-serif", (unit * 1.5) as u32));
    ctx.fill_text("DANGER 3#", unit * 5.0, unit * 8.0).unwrap();
    canvas_blob(&el, "image/jpeg", 0.92).await
}

async fn decode(blob: &Blob) -> ImageBitmap {
    let p = window().create_image_bitmap_with_blob(blob).unwrap();
    JsFuture::from(p).await.unwrap().unchecked_into()
}

/// Decoded RGBA pixels of an image Blob.
async fn pixels(blob: &Blob) -> (u32, u32, Vec<u8>) {
    let bmp = decode(blob).await;
    let (w, h) = (bmp.width(), bmp.height());
    let (_el, ctx) = canvas(w, h);
    ctx.draw_image_with_image_bitmap(&bmp, 0.0, 0.0).unwrap();
    let data = ctx
        .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
        .unwrap();
    (w, h, data.data().0)
}

fn luminance(px: &[u8], w: u32, rows: std::ops::Range<u32>) -> f64 {
    let mut sum = 0.0;
    let mut n = 0.0;
    for y in rows {
        for x in 0..w {
            let i = ((y * w + x) * 4) as usize;
            sum += 0.299 * f64::from(px[i])
                + 0.587 * f64::from(px[i + 1])
                + 0.114 * f64::from(px[i + 2]);
            n += 1.0;
        }
    }
    sum / n
}

/// SHA-256 straight from SubtleCrypto, not through the code under test.
async fn independent_sha256(bytes: &[u8]) -> String {
    let subtle = window().crypto().unwrap().subtle();
    let p = subtle
        .digest_with_str_and_u8_array("SHA-256", bytes)
        .unwrap();
    let digest = Uint8Array::new(&JsFuture::from(p).await.unwrap()).to_vec();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn stamp(source: PhotoSource) -> Stamp {
    Stamp {
        taken_at_ms: yinhuan_app::browser::now_ms(),
        place: Place::Known {
            lat: 38.4168,
            lon: 112.7341,
            accuracy_m: 15.0,
            gps_time_ms: yinhuan_app::browser::now_ms(),
        },
        enterprise: "忻州市某某钢铁有限公司".into(),
        source,
    }
}

fn now() -> f64 {
    window().performance().unwrap().now()
}

fn log(s: &str) {
    web_sys::console::log_1(&JsValue::from_str(s));
}

async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

async fn fresh_db(name: &str) -> rexie::Rexie {
    let _ = rexie::Rexie::delete(name).await;
    store::open(name).await.expect("open a fresh database")
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Hazard {
    meta: RecordMeta,
    description: String,
    photos: Vec<String>,
}

impl Record for Hazard {
    const KIND: &'static str = "test_hazard";
    fn meta(&self) -> &RecordMeta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }
}

fn hazard(description: &str) -> Hazard {
    Hazard {
        meta: RecordMeta::new(
            yinhuan_app::browser::new_id(),
            yinhuan_app::browser::now_ms(),
            "test-device",
            "tester",
        ),
        description: description.into(),
        photos: vec![],
    }
}

/// Three small, distinct processed photos attached to `hazard`.
async fn three_photos(h: &mut Hazard) -> Vec<(PhotoMeta, Blob)> {
    let mut out = vec![];
    for seed in 1..=3 {
        let s = stamp(PhotoSource::Camera);
        let p = process_photo(
            &camera_like_jpeg(320, 240, seed).await,
            &s,
            &ProcessOptions::default(),
        )
        .await
        .unwrap();
        let mut meta = PhotoMeta::new(&p, &s, yinhuan_app::browser::now_ms());
        meta.hazard_id = Some(h.meta.id.to_string());
        h.photos.push(meta.sha256.clone());
        out.push((meta, p.blob));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Pipeline

#[wasm_bindgen_test]
async fn a_4000x3000_jpeg_becomes_a_stamped_1600_jpeg_keyed_by_the_hash_of_its_stored_bytes() {
    let t = now();
    let original = camera_like_jpeg(4000, 3000, 7).await;
    log(&format!(
        "test picture 4000×3000: {:.0} kB JPEG, made in {:.0} ms",
        original.size() / 1024.0,
        now() - t
    ));
    let s = stamp(PhotoSource::Camera);
    let opts = ProcessOptions::default();

    // Timed several times: the first run includes one-off costs (font loading, JIT).
    let mut out = None;
    for run in 1..=3 {
        let t = now();
        let p = process_photo(&original, &s, &opts).await.unwrap();
        log(&format!(
            "BENCH process_photo 4000×3000 → {}×{} run {run}: {:.0} ms (outer {:.0} ms), {:.1} kB",
            p.width,
            p.height,
            p.ms_taken,
            now() - t,
            f64::from(p.bytes) / 1024.0
        ));
        out = Some(p);
    }
    let p = out.unwrap();
    assert_eq!((p.width, p.height), (1600, 1200));
    assert!(p.bytes <= 400 * 1024, "output {} bytes", p.bytes);
    assert_eq!(p.blob.type_(), "image/jpeg");
    assert_eq!(f64::from(p.bytes), p.blob.size());
    assert_eq!(f64::from(p.original_bytes), original.size());

    // Stored and read back from IndexedDB: still a Blob, and its bytes hash to its key.
    let db = fresh_db("t_photo_pipeline").await;
    let meta = PhotoMeta::new(&p, &s, yinhuan_app::browser::now_ms());
    photos::put_photo(&db, &meta, &p.blob).await.unwrap();
    let (back_meta, back_blob) = photos::get_photo(&db, &p.sha256).await.unwrap().unwrap();
    assert_eq!(back_meta, meta);
    assert_eq!(back_blob.type_(), "image/jpeg");
    let bytes = photos::photo_bytes(&back_blob).await.unwrap();
    assert_eq!(bytes.len() as u32, meta.bytes);
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG starts with SOI");
    assert_eq!(independent_sha256(&bytes).await, p.sha256);
    assert!(photo::is_sha256_hex(&p.sha256));

    // The stamp is there: the bottom band is much darker than the picture above it, and carries
    // white text pixels that the bright-but-darkened background cannot produce.
    let (w, h, px) = pixels(&back_blob).await;
    assert_eq!((w, h), (1600, 1200));
    let band = luminance(&px, w, h - 8..h);
    let above = luminance(&px, w, 200..900);
    log(&format!(
        "stamp band luminance {band:.0}, picture above {above:.0}"
    ));
    assert!(band < above * 0.7, "band {band} vs picture {above}");
    let band_top = h - h * 14 / 100;
    let white = (band_top..h)
        .flat_map(|y| (0..w).map(move |x| ((y * w + x) * 4) as usize))
        .filter(|&i| px[i] > 225 && px[i + 1] > 225 && px[i + 2] > 225)
        .count();
    assert!(white > 2_000, "only {white} white text pixels in the band");
}

#[wasm_bindgen_test]
async fn small_pictures_are_not_upscaled_and_exif_rotation_is_applied() {
    let s = stamp(PhotoSource::Gallery);
    let jpeg = camera_like_jpeg(400, 300, 3).await;
    let p = process_photo(&jpeg, &s, &ProcessOptions::default())
        .await
        .unwrap();
    assert_eq!((p.width, p.height), (400, 300));

    // The same JPEG with an EXIF APP1 "Orientation = 6" (rotate 90° clockwise), as a phone held
    // upright writes it: the evidence must come out portrait.
    let mut bytes = Uint8Array::new(&JsFuture::from(jpeg.array_buffer()).await.unwrap()).to_vec();
    #[rustfmt::skip]
    let app1: [u8; 36] = [
        0xFF, 0xE1, 0x00, 0x22, b'E', b'x', b'i', b'f', 0, 0,
        b'M', b'M', 0x00, 0x2A, 0, 0, 0, 8,
        0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0,
        0, 0, 0, 0,
    ];
    bytes.splice(2..2, app1);
    let parts = js_sys::Array::of1(&Uint8Array::from(&bytes[..]));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/jpeg");
    let rotated = Blob::new_with_u8_array_sequence_and_options(&parts, &opts).unwrap();
    let p = process_photo(&rotated, &s, &ProcessOptions::default())
        .await
        .unwrap();
    assert_eq!((p.width, p.height), (300, 400));

    // Portrait large: the long side is the height.
    let tall = camera_like_jpeg(1500, 2000, 4).await;
    let p = process_photo(&tall, &s, &ProcessOptions::default())
        .await
        .unwrap();
    assert_eq!((p.width, p.height), (1200, 1600));
}

#[wasm_bindgen_test]
async fn a_non_image_or_oversized_file_is_refused_with_a_chinese_message() {
    let s = stamp(PhotoSource::Gallery);
    let parts = js_sys::Array::of1(&JsValue::from_str("这不是一张图片"));
    let text = Blob::new_with_str_sequence(&parts).unwrap();
    let err = process_photo(&text, &s, &ProcessOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, PhotoError::Undecodable { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "无法读取这张图片（不是照片或已损坏），请重新拍摄或选择 JPG/PNG 图片。"
    );

    let big = Uint8Array::new_with_length(31 * 1024 * 1024);
    let big = Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&big)).unwrap();
    let err = process_photo(&big, &s, &ProcessOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, PhotoError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("31.0 MB"), "{err}");

    let empty = Blob::new().unwrap();
    let err = process_photo(&empty, &s, &ProcessOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, PhotoError::Undecodable { .. }), "{err:?}");
}

#[wasm_bindgen_test]
async fn a_transparent_signature_comes_out_on_white_not_black() {
    let (el, ctx) = canvas(600, 300);
    ctx.set_stroke_style_str("#000");
    ctx.set_line_width(6.0);
    ctx.begin_path();
    ctx.move_to(50.0, 150.0);
    ctx.line_to(550.0, 100.0);
    ctx.stroke();
    let png = canvas_blob(&el, "image/png", 1.0).await;
    let s = stamp(PhotoSource::Signature);
    let p = process_photo(&png, &s, &ProcessOptions::default())
        .await
        .unwrap();
    let (w, _, px) = pixels(&p.blob).await;
    let corner = luminance(&px, w, 0..10);
    assert!(corner > 240.0, "top rows luminance {corner}");
}

#[wasm_bindgen_test]
fn stamp_lines_and_stored_json_have_the_agreed_shape() {
    let mut s = stamp(PhotoSource::Camera);
    let [time, place, who] = s.lines();
    assert_eq!(time.len(), "YYYY-MM-DD HH:MM:SS".len());
    assert_eq!(&time[4..5], "-");
    assert_eq!(&time[13..14], ":");
    assert_eq!(place, "纬度 38.41680 经度 112.73410 ±15m");
    assert_eq!(who, "忻州市某某钢铁有限公司　来源：现场拍摄");
    s.place = Place::Denied;
    assert_eq!(s.lines()[1], "位置：未获取（未授权定位）");
    s.place = Place::Timeout;
    assert_eq!(s.lines()[1], "位置：未获取（定位超时）");
    s.source = PhotoSource::Gallery;
    assert!(s.lines()[2].ends_with("来源：相册选取"));

    let v = serde_json::to_value(Place::Unavailable("无 GPS".into())).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"status": "unavailable", "reason": "无 GPS"})
    );
    let known = stamp(PhotoSource::Camera).place;
    let v = serde_json::to_value(&known).unwrap();
    assert_eq!(v["status"], "known");
    assert_eq!(serde_json::from_value::<Place>(v).unwrap(), known);
    assert_eq!(serde_json::to_value(UploadState::Local).unwrap(), "local");
    assert_eq!(
        serde_json::to_value(PhotoSource::Signature).unwrap(),
        "signature"
    );
}

// ---------------------------------------------------------------------------------------------
// Store

#[wasm_bindgen_test]
async fn a_hazard_and_three_photos_are_written_in_one_transaction() {
    let db = fresh_db("t_photo_tx").await;
    let mut h = hazard("炼钢车间吊运熔融金属的起重机未使用冶金起重机");
    let list = three_photos(&mut h).await;

    let t = now();
    photos::put_record_with_photos(&db, &h, &list)
        .await
        .unwrap();
    log(&format!(
        "put_record_with_photos (1 record + 3 photos): {:.1} ms",
        now() - t
    ));

    let back: Hazard = records::get(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back, h);
    let stored = photos::list_for_hazard(&db, &h.meta.id.to_string())
        .await
        .unwrap();
    assert_eq!(stored.len(), 3);
    for ((meta, blob), (want, _)) in stored.iter().zip(sorted(&list)) {
        assert_eq!(meta, &want);
        let bytes = photos::photo_bytes(blob).await.unwrap();
        assert_eq!(independent_sha256(&bytes).await, meta.sha256);
    }
    assert!(photos::list_for_hazard(&db, "another-hazard")
        .await
        .unwrap()
        .is_empty());
}

fn sorted(list: &[(PhotoMeta, Blob)]) -> Vec<(PhotoMeta, Blob)> {
    let mut v = list.to_vec();
    v.sort_by(|(a, _), (b, _)| {
        (a.taken_at, a.created_at, &a.sha256).cmp(&(b.taken_at, b.created_at, &b.sha256))
    });
    v
}

async fn assert_nothing_stored(db: &rexie::Rexie, h: &Hazard, list: &[(PhotoMeta, Blob)]) {
    let rec: Option<Hazard> = records::get(db, &h.meta.id.to_string()).await.unwrap();
    assert!(rec.is_none(), "the record survived a failed transaction");
    for (meta, _) in list {
        assert!(
            photos::get_photo(db, &meta.sha256).await.unwrap().is_none(),
            "photo {} survived a failed transaction",
            meta.sha256
        );
    }
}

#[wasm_bindgen_test]
async fn a_photo_failing_mid_way_rolls_back_the_record_and_the_other_photos() {
    let db = fresh_db("t_photo_rollback").await;
    let mut h = hazard("有限空间作业未检测");
    let mut list = three_photos(&mut h).await;
    list[2].0.sha256 = "not-a-hash".into();

    let err = photos::put_record_with_photos(&db, &h, &list)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert_nothing_stored(&db, &h, &list[..2]).await;
}

#[wasm_bindgen_test]
async fn a_photo_the_browser_cannot_store_rolls_back_everything() {
    let db = fresh_db("t_photo_clone_fail").await;
    let mut h = hazard("涉氨制冷车间未设氨气泄漏报警");
    let mut list = three_photos(&mut h).await;
    // A function cannot be structured-cloned: IndexedDB throws DataCloneError on the third put,
    // after the record and two photos were already queued in the transaction.
    list[2].1 = js_sys::Function::new_no_args("").unchecked_into();

    let err = photos::put_record_with_photos(&db, &h, &list)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Io(_)), "{err:?}");
    assert!(err.to_string().contains("DataCloneError"), "{err}");
    assert_nothing_stored(&db, &h, &list).await;

    // The database is still usable afterwards.
    let list = three_photos(&mut h).await;
    photos::put_record_with_photos(&db, &h, &list)
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn the_same_photo_twice_is_one_row_and_delete_removes_it() {
    let db = fresh_db("t_photo_dedupe").await;
    let mut h = hazard("粉尘涉爆除尘系统未设锁气卸灰装置");
    let list = three_photos(&mut h).await;
    let (meta, blob) = &list[0];
    photos::put_photo(&db, meta, blob).await.unwrap();
    photos::put_photo(&db, meta, blob).await.unwrap();
    let hid = h.meta.id.to_string();
    assert_eq!(photos::list_for_hazard(&db, &hid).await.unwrap().len(), 1);

    let mut sig = meta.clone();
    sig.sha256 = list[1].0.sha256.clone();
    sig.hazard_id = None;
    sig.inspection_id = Some("insp-1".into());
    sig.source = PhotoSource::Signature;
    photos::put_photo(&db, &sig, &list[1].1).await.unwrap();
    let by_insp = photos::list_for_inspection(&db, "insp-1").await.unwrap();
    assert_eq!(by_insp.len(), 1);
    assert_eq!(by_insp[0].0.source, PhotoSource::Signature);

    photos::delete_photo(&db, &meta.sha256).await.unwrap();
    assert!(photos::get_photo(&db, &meta.sha256)
        .await
        .unwrap()
        .is_none());
    assert!(photos::list_for_hazard(&db, &hid).await.unwrap().is_empty());
    photos::delete_photo(&db, &meta.sha256).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_v1_database_with_data_upgrades_to_v2_keeping_it() {
    use rexie::{Index, ObjectStore, Rexie};
    let name = "t_photo_upgrade";
    let _ = Rexie::delete(name).await;
    // The v1 schema exactly as shipped (src/store/schema.rs at DB_VERSION 1).
    let v1 = Rexie::builder(name)
        .version(1)
        .add_object_store(
            ObjectStore::new("records")
                .key_path("id")
                .add_index(Index::new("kind", "kind"))
                .add_index(Index::new("dirty", "dirty")),
        )
        .add_object_store(ObjectStore::new("photos").key_path("sha256"))
        .add_object_store(ObjectStore::new("meta").key_path("key"))
        .build()
        .await
        .unwrap();
    let mut h = hazard("铝加工深井铸造未设紧急排放装置");
    let list = three_photos(&mut h).await;
    photos::put_record_with_photos(&v1, &h, &list)
        .await
        .unwrap();
    v1.close();

    let v2 = store::open(name).await.unwrap();
    let back: Hazard = records::get(&v2, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back, h);
    assert_eq!(records::list::<Hazard>(&v2).await.unwrap().len(), 1);
    assert_eq!(records::count_dirty(&v2).await.unwrap(), 1);
    // The new index was built over the rows written before it existed.
    let stored = photos::list_for_hazard(&v2, &h.meta.id.to_string())
        .await
        .unwrap();
    assert_eq!(stored.len(), 3);
    for (meta, blob) in &stored {
        let bytes = photos::photo_bytes(blob).await.unwrap();
        assert_eq!(independent_sha256(&bytes).await, meta.sha256);
    }
}

/// The v3 schema exactly as shipped (src/store/schema.rs at DB_VERSION 3).
async fn open_v3(name: &str) -> rexie::Rexie {
    use rexie::{Index, ObjectStore, Rexie};
    Rexie::builder(name)
        .version(3)
        .add_object_store(
            ObjectStore::new("records")
                .key_path("id")
                .add_index(Index::new("kind", "kind"))
                .add_index(Index::new("dirty", "dirty")),
        )
        .add_object_store(
            ObjectStore::new("photos")
                .key_path("sha256")
                .add_index(Index::new("hazard_id", "meta.hazard_id"))
                .add_index(Index::new("inspection_id", "meta.inspection_id"))
                .add_index(Index::new("upload_state", "meta.upload_state")),
        )
        .add_object_store(ObjectStore::new("meta").key_path("key"))
        .add_object_store(ObjectStore::new("sync").key_path("id"))
        .build()
        .await
        .unwrap()
}

/// One processed photo from a test picture of its own (`seed`).
async fn one_photo(seed: u32) -> (PhotoMeta, Blob) {
    let s = stamp(PhotoSource::Camera);
    let p = process_photo(
        &camera_like_jpeg(320, 240, seed).await,
        &s,
        &ProcessOptions::default(),
    )
    .await
    .unwrap();
    (
        PhotoMeta::new(&p, &s, yinhuan_app::browser::now_ms()),
        p.blob,
    )
}

/// `meta.upload_state` of a photo's row as IndexedDB holds it (undefined when absent).
async fn raw_row_state(db: &rexie::Rexie, sha: &str) -> JsValue {
    let tx = db
        .transaction(&["photos"], rexie::TransactionMode::ReadOnly)
        .unwrap();
    let row = tx
        .store("photos")
        .unwrap()
        .get(JsValue::from_str(sha))
        .await
        .unwrap()
        .expect("the photo row");
    tx.done().await.unwrap();
    let meta = js_sys::Reflect::get(&row, &JsValue::from_str("meta")).unwrap();
    js_sys::Reflect::get(&meta, &JsValue::from_str("upload_state")).unwrap()
}

async fn counts(db: &rexie::Rexie) -> [u32; 3] {
    let mut out = [0; 3];
    for (n, state) in [
        UploadState::Local,
        UploadState::Uploading,
        UploadState::Uploaded,
    ]
    .into_iter()
    .enumerate()
    {
        out[n] = photos::count_by_upload_state(db, state).await.unwrap();
    }
    out
}

#[wasm_bindgen_test]
async fn a_v3_database_with_photos_opens_as_v4_keeping_their_upload_states() {
    use photos::PhotoState;
    let name = "t_photo_upgrade_v3";
    let _ = rexie::Rexie::delete(name).await;
    let v3 = open_v3(name).await;
    let mut h = hazard("轧钢加热炉煤气管道未设置盲板");
    let mut list = three_photos(&mut h).await;
    // What a v3 app leaves: a photo never sent, one cut off mid-upload, one acknowledged.
    list[0].0.upload_state = UploadState::Local;
    list[1].0.upload_state = UploadState::Uploading;
    list[2].0.upload_state = UploadState::Uploaded;
    photos::put_record_with_photos(&v3, &h, &list)
        .await
        .unwrap();
    v3.close();

    let v4 = store::open(name).await.unwrap();
    assert_eq!(v4.version().unwrap(), 4);
    let (local, uploading, uploaded) = (&list[0].0, &list[1].0, &list[2].0);
    for meta in [local, uploading, uploaded] {
        assert_eq!(
            photos::upload_state(&v4, &meta.sha256).await.unwrap(),
            Some(meta.upload_state),
            "{:?}",
            meta.upload_state
        );
    }
    assert_eq!(
        photos::upload_state(&v4, &"0".repeat(64)).await.unwrap(),
        None
    );
    assert_eq!(counts(&v4).await, [1, 1, 1]);
    assert_eq!(
        photos::list_by_upload_state(&v4, UploadState::Local)
            .await
            .unwrap(),
        vec![PhotoState {
            sha256: local.sha256.clone(),
            state: UploadState::Local,
            bytes: local.bytes,
        }]
    );
    assert_eq!(
        photos::list_for_hazard(&v4, &h.meta.id.to_string())
            .await
            .unwrap()
            .len(),
        3
    );

    // The first state change of an old photo writes its state row; its own row stays as is.
    photos::set_upload_state(&v4, &local.sha256, UploadState::Uploaded)
        .await
        .unwrap();
    assert_eq!(counts(&v4).await, [0, 1, 2]);
    assert_eq!(
        photos::upload_state(&v4, &local.sha256).await.unwrap(),
        Some(UploadState::Uploaded)
    );
    assert_eq!(raw_row_state(&v4, &local.sha256).await, "local");
    let uploaded_list = photos::list_by_upload_state(&v4, UploadState::Uploaded)
        .await
        .unwrap();
    assert_eq!(uploaded_list.len(), 2);
    assert!(uploaded_list
        .iter()
        .all(|p| p.state == UploadState::Uploaded && p.bytes > 0));

    // Storing an old photo again (as 本机) keeps its progress: the server has these bytes.
    let mut again = uploaded.clone();
    again.upload_state = UploadState::Local;
    photos::put_photo(&v4, &again, &list[2].1).await.unwrap();
    assert_eq!(
        photos::upload_state(&v4, &uploaded.sha256).await.unwrap(),
        Some(UploadState::Uploaded)
    );
    assert_eq!(counts(&v4).await, [0, 1, 2]);

    // A photo stored after the upgrade keeps its state in the state store only.
    let (fresh, blob) = one_photo(11).await;
    photos::put_photo(&v4, &fresh, &blob).await.unwrap();
    assert_eq!(counts(&v4).await, [1, 1, 2]);
    assert!(raw_row_state(&v4, &fresh.sha256).await.is_undefined());
    // Deleted, its state goes with it.
    photos::delete_photo(&v4, &fresh.sha256).await.unwrap();
    assert_eq!(
        photos::upload_state(&v4, &fresh.sha256).await.unwrap(),
        None
    );
    assert_eq!(counts(&v4).await, [0, 1, 2]);
}

/// Wraps IndexedDB's request methods to log each call as `store.method` (or
/// `store[index].method`) in `globalThis.__idbSpy`; returns the calls since the last `spied()`.
fn install_idb_spy() {
    js_sys::Function::new_no_args(
        r#"
        if (globalThis.__idbSpy) return;
        const spy = (globalThis.__idbSpy = []);
        const methods = ['put', 'add', 'delete', 'clear', 'get', 'getAll', 'getKey',
            'getAllKeys', 'count', 'openCursor', 'openKeyCursor'];
        const wrap = (proto, name) => {
            for (const m of methods) {
                const orig = proto[m];
                if (typeof orig !== 'function') continue;
                proto[m] = function (...args) {
                    spy.push(name(this) + '.' + m);
                    return orig.apply(this, args);
                };
            }
        };
        wrap(IDBObjectStore.prototype, (s) => s.name);
        wrap(IDBIndex.prototype, (i) => i.objectStore.name + '[' + i.name + ']');
        "#,
    )
    .call0(&JsValue::NULL)
    .unwrap();
}

fn spied() -> Vec<String> {
    let spy = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__idbSpy")).unwrap();
    let calls: js_sys::Array = spy.unchecked_into();
    let out = calls.iter().filter_map(|c| c.as_string()).collect();
    calls.set_length(0);
    out
}

#[wasm_bindgen_test]
async fn an_upload_state_change_and_the_queue_never_touch_a_photo_row() {
    let db = fresh_db("t_photo_state_only").await;
    let mut h = hazard("煤气柜区域未设置固定式一氧化碳报警");
    let list = three_photos(&mut h).await;
    photos::put_record_with_photos(&db, &h, &list)
        .await
        .unwrap();
    install_idb_spy();
    // The spy sees writes to the photos store (so an empty list below means something).
    let (extra, blob) = one_photo(12).await;
    spied();
    photos::put_photo(&db, &extra, &blob).await.unwrap();
    assert!(spied().contains(&"photos.put".to_string()));

    let shas: Vec<String> = list.iter().map(|(m, _)| m.sha256.clone()).collect();
    photos::set_upload_state(&db, &shas[0], UploadState::Uploading)
        .await
        .unwrap();
    photos::set_upload_state(&db, &shas[0], UploadState::Uploaded)
        .await
        .unwrap();
    photos::set_upload_states(&db, &shas[1..], UploadState::Uploaded)
        .await
        .unwrap();
    let local = photos::list_by_upload_state(&db, UploadState::Local)
        .await
        .unwrap();
    let state = photos::upload_state(&db, &shas[1]).await.unwrap();
    let c = counts(&db).await;
    let calls = spied();

    assert_eq!(c, [1, 0, 3]);
    assert_eq!(state, Some(UploadState::Uploaded));
    assert_eq!(local.len(), 1);
    assert_eq!(
        (local[0].sha256.as_str(), local[0].bytes),
        (extra.sha256.as_str(), extra.bytes)
    );
    assert!(
        calls.iter().any(|c| c == "photo_state.put"),
        "the states were written: {calls:?}"
    );
    // Only the key-only lookup of rows stored before v4 (none here) may touch the photos store.
    let on_photos: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("photos") && *c != "photos[upload_state].getAllKeys")
        .collect();
    assert!(
        on_photos.is_empty(),
        "photo rows read or written: {on_photos:?}"
    );
    for sha in &shas {
        assert!(raw_row_state(&db, sha).await.is_undefined());
    }
    // And the photos are whole.
    for (meta, blob) in photos::list_for_hazard(&db, &h.meta.id.to_string())
        .await
        .unwrap()
    {
        let bytes = photos::photo_bytes(&blob).await.unwrap();
        assert_eq!(independent_sha256(&bytes).await, meta.sha256);
    }
}

// ---------------------------------------------------------------------------------------------
// Geolocation and camera: headless Chromium has neither a position nor a camera, which is
// exactly the failure path the inspector must be guided through.

#[wasm_bindgen_test]
async fn geolocation_always_answers_within_its_timeout() {
    let t = now();
    let place = geo::current_place(1_500).await;
    let took = now() - t;
    log(&format!(
        "current_place in headless Chromium: {place:?} after {took:.0} ms"
    ));
    assert!(took < 4_000.0, "took {took} ms");
    assert!(!place.stamp_text().is_empty());
}

#[wasm_bindgen_test]
async fn the_camera_view_fails_with_advice_to_use_the_buttons() {
    let video: web_sys::HtmlVideoElement = window()
        .document()
        .unwrap()
        .create_element("video")
        .unwrap()
        .unchecked_into();
    assert_eq!(
        camera::capture_frame(&video).await.unwrap_err(),
        PhotoError::CameraNotReady
    );

    // Run getUserMedia beside a deadline so a browser that waits on a prompt cannot hang the run.
    let slot: Rc<RefCell<Option<Result<(), PhotoError>>>> = Rc::default();
    let (s, v) = (slot.clone(), video.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let r = camera::start_camera(&v)
            .await
            .map(|stream| camera::stop_camera(&stream));
        *s.borrow_mut() = Some(r);
    });
    for _ in 0..50 {
        if slot.borrow().is_some() {
            break;
        }
        sleep(100).await;
    }
    let result = slot.borrow_mut().take();
    log(&format!("start_camera in headless Chromium: {result:?}"));
    match result {
        // A machine with a (fake) camera opens it; the e2e run covers that path.
        Some(Ok(())) => {}
        Some(Err(e)) => {
            assert!(
                matches!(e, PhotoError::CameraDenied | PhotoError::NoCamera(_)),
                "{e:?}"
            );
            assert!(e.to_string().contains("相册"), "{e}");
        }
        None => log("getUserMedia did not answer within 5 s (prompt pending); not a failure here"),
    }
}
