//! 现场证据 photos of a hazard: take (file input with the camera, or the in-page camera),
//! pick from the gallery (marked as such), view full screen, delete with confirmation.

use std::collections::HashMap;

use leptos::html;
use leptos::prelude::*;
use model::hazard::Hazard;
use wasm_bindgen::JsCast;
use web_sys::{Blob, HtmlInputElement, MediaStream};

use crate::browser::now_ms;
use crate::components::secure_banner::photo_refusal;
use crate::photo::{self, camera, geo, PhotoMeta, PhotoSource, ProcessOptions, Stamp};
use crate::settings::user_name;
use crate::store::{self, autosave::AutoSaver};
use crate::sync::photo_cache::{local_or_fetch, Owner};

/// How long a photo waits for a GPS fix before it is stamped "位置：未获取（定位超时）".
const GEO_TIMEOUT_MS: u32 = 4000;

/// Object URLs of photos already shown, so thumbnails are not re-read on every render.
fn object_url(blob: &Blob) -> String {
    web_sys::Url::create_object_url_with_blob(blob).unwrap_or_default()
}

/// The hazard's photo lists: 现场证据 (附件5) and the enterprise's 整改 photos (办理).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PhotoField {
    #[default]
    Evidence,
    Progress,
    /// The latest 复查's own photos (the reviewer's evidence, added once the 复查 is recorded).
    LastReview,
}

impl PhotoField {
    fn list(self, h: &Hazard) -> Vec<String> {
        match self {
            PhotoField::Evidence => h.photos.clone(),
            PhotoField::Progress => h.rectification.progress_photos.clone(),
            PhotoField::LastReview => h
                .reviews
                .last()
                .map(|r| r.photos.clone())
                .unwrap_or_default(),
        }
    }

    /// `None` when there is nothing to attach to (no 复查 yet).
    fn list_mut(self, h: &mut Hazard) -> Option<&mut Vec<String>> {
        match self {
            PhotoField::Evidence => Some(&mut h.photos),
            PhotoField::Progress => Some(&mut h.rectification.progress_photos),
            PhotoField::LastReview => h.reviews.last_mut().map(|r| &mut r.photos),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            PhotoField::Evidence => "现场照片",
            PhotoField::Progress => "整改照片",
            PhotoField::LastReview => "复查照片",
        }
    }
}

#[component]
pub fn EvidencePhotos(
    hazard: RwSignal<Hazard>,
    saver: AutoSaver<Hazard>,
    enterprise: String,
    locked: bool,
    /// Which of the hazard's photo lists this gallery shows and fills.
    #[prop(optional)]
    field: PhotoField,
) -> impl IntoView {
    let urls = RwSignal::new(HashMap::<String, String>::new());
    let busy = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let viewing = RwSignal::new(None::<String>);
    let camera_on = RwSignal::new(false);
    let enterprise = StoredValue::new(enterprise);
    // On plain http (or a browser without crypto.subtle) no photo can be fingerprinted: say so
    // at the tap, before the inspector takes the picture, not after it failed.
    let refused = move || match photo_refusal() {
        Some(msg) => {
            error.set(Some(msg));
            true
        }
        None => false,
    };
    // The file picker (camera or gallery) is not opened at all when photos cannot be kept.
    let guard_picker = move |ev: leptos::ev::MouseEvent| {
        if refused() {
            ev.prevent_default();
        }
    };

    // Load thumbnails of the photos already attached (after a reload, say).
    Effect::new(move |_| {
        let wanted = hazard.with(|h| field.list(h));
        let have = urls.with_untracked(|u| u.keys().cloned().collect::<Vec<_>>());
        let missing: Vec<String> = wanted.into_iter().filter(|s| !have.contains(s)).collect();
        if missing.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let Ok(db) = store::db().await else { return };
            let owner = hazard.with_untracked(|h| Owner {
                hazard_id: Some(h.meta.id.to_string()),
                inspection_id: Some(h.inspection_id.to_string()),
                source: None,
            });
            for sha in missing {
                // Taken on another device: fetched once from the server and kept on this one.
                match local_or_fetch(&db, &sha, owner.clone()).await {
                    Ok(blob) => urls.update(|u| {
                        u.insert(sha, object_url(&blob));
                    }),
                    Err(e) => error.set(Some(format!("照片 {}：{e}", &sha[..8.min(sha.len())]))),
                }
            }
        });
    });

    // Process blobs one by one and attach them: the hazard and its new photos in one write.
    let add_blobs = {
        let saver = saver.clone();
        move |blobs: Vec<Blob>, source: PhotoSource| {
            if blobs.is_empty() || refused() {
                return;
            }
            let saver = saver.clone();
            error.set(None);
            leptos::task::spawn_local(async move {
                busy.set(Some("正在获取位置…".into()));
                let place = geo::current_place(GEO_TIMEOUT_MS).await;
                let total = blobs.len();
                for (n, blob) in blobs.into_iter().enumerate() {
                    busy.set(Some(format!("正在处理照片 {}/{}…", n + 1, total)));
                    let stamp = Stamp {
                        taken_at_ms: now_ms(),
                        place: place.clone(),
                        enterprise: enterprise.get_value(),
                        source,
                    };
                    match photo::process_photo(&blob, &stamp, &ProcessOptions::default()).await {
                        Err(e) => error.set(Some(e.to_string())),
                        Ok(p) => {
                            let mut meta = PhotoMeta::new(&p, &stamp, now_ms());
                            let (hid, iid) = hazard.with_untracked(|h| {
                                (h.meta.id.to_string(), h.inspection_id.to_string())
                            });
                            meta.hazard_id = Some(hid);
                            meta.inspection_id = Some(iid);
                            urls.update(|u| {
                                u.insert(p.sha256.clone(), object_url(&p.blob));
                            });
                            hazard.update(|h| {
                                if let Some(list) = field.list_mut(h) {
                                    if !list.contains(&p.sha256) {
                                        list.push(p.sha256.clone());
                                    }
                                }
                                h.meta.touch(now_ms(), &user_name());
                            });
                            saver.save_with_photos(hazard.get_untracked(), vec![(meta, p.blob)]);
                        }
                    }
                }
                busy.set(None);
            });
        }
    };

    let on_files = {
        let add_blobs = add_blobs.clone();
        move |ev: leptos::ev::Event, source: PhotoSource| {
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let mut blobs = Vec::new();
            if let Some(files) = input.files() {
                for i in 0..files.length() {
                    if let Some(f) = files.get(i) {
                        blobs.push(Blob::from(f));
                    }
                }
            }
            // Clear so choosing the same file again still fires `change`.
            input.set_value("");
            add_blobs(blobs, source);
        }
    };
    let on_camera_files = {
        let on_files = on_files.clone();
        move |ev| on_files(ev, PhotoSource::Camera)
    };
    let on_gallery_files = move |ev| on_files(ev, PhotoSource::Gallery);

    let remove = {
        let saver = saver.clone();
        move |sha: String| {
            let ok = crate::browser::window()
                .confirm_with_message(&format!("删除这张{}？", field.noun()))
                .unwrap_or(false);
            if !ok {
                return;
            }
            hazard.update(|h| {
                if let Some(list) = field.list_mut(h) {
                    list.retain(|s| *s != sha);
                }
                h.meta.touch(now_ms(), &user_name());
            });
            saver.save(hazard.get_untracked());
            viewing.set(None);
        }
    };

    view! {
        <div class="photos" data-testid="photos">
            <div class="thumbs">
                {move || {
                    hazard
                        .with(|h| field.list(h))
                        .into_iter()
                        .map(|sha| {
                            let sha2 = sha.clone();
                            let sha3 = sha.clone();
                            let src = move || urls.with(|u| u.get(&sha3).cloned().unwrap_or_default());
                            view! {
                                <button
                                    class="thumb"
                                    data-sha256=sha.clone()
                                    aria-label="查看照片"
                                    on:click=move |_| viewing.set(Some(sha2.clone()))
                                >
                                    <img src=src alt=field.noun()/>
                                </button>
                            }
                        })
                        .collect_view()
                }}
            </div>
            <Show when=move || !locked>
                <div class="photo-actions">
                    <label class="btn">
                        "拍照"
                        <input
                            type="file"
                            accept="image/*"
                            capture="environment"
                            class="visually-hidden"
                            data-testid="photo-camera-input"
                            on:click=guard_picker
                            on:change=on_camera_files.clone()
                        />
                    </label>
                    <label class="btn secondary">
                        "相册"
                        <input
                            type="file"
                            accept="image/*"
                            multiple=true
                            class="visually-hidden"
                            data-testid="photo-gallery-input"
                            on:click=guard_picker
                            on:change=on_gallery_files.clone()
                        />
                    </label>
                    <button
                        class="secondary"
                        on:click=move |_| {
                            if !refused() {
                                camera_on.set(true);
                            }
                        }
                    >
                        "取景拍摄"
                    </button>
                </div>
            </Show>
            {move || busy.get().map(|b| view! { <p class="muted" role="status">{b}</p> })}
            {move || error.get().map(|e| view! { <p class="field-msg error" role="alert">{e}</p> })}
            <Show when=move || camera_on.get()>
                <CameraView
                    on_shot={
                        let add_blobs = add_blobs.clone();
                        move |blob| add_blobs(vec![blob], PhotoSource::Camera)
                    }
                    on_close=move || camera_on.set(false)
                    on_error=move |e| {
                        error.set(Some(e));
                        camera_on.set(false);
                    }
                />
            </Show>
            {move || {
                viewing
                    .get()
                    .map(|sha| {
                        let src = urls.with(|u| u.get(&sha).cloned().unwrap_or_default());
                        let remove = remove.clone();
                        let sha2 = sha.clone();
                        view! {
                            <div class="viewer" role="dialog" aria-label="照片">
                                <img src=src alt=format!("{}（全屏）", field.noun())/>
                                <div class="actions">
                                    <button class="secondary" on:click=move |_| viewing.set(None)>"关闭"</button>
                                    <Show when=move || !locked>
                                        <button class="danger" on:click={
                                            let remove = remove.clone();
                                            let sha2 = sha2.clone();
                                            move |_| remove(sha2.clone())
                                        }>"删除照片"</button>
                                    </Show>
                                </div>
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// The in-page camera: a live view and a shutter. Falls back to the file input on any error.
#[component]
fn CameraView(
    on_shot: impl Fn(Blob) + 'static,
    on_close: impl Fn() + Clone + 'static,
    on_error: impl Fn(String) + Clone + 'static,
) -> impl IntoView {
    let video = NodeRef::<html::Video>::new();
    let stream = StoredValue::new_local(None::<MediaStream>);
    {
        let on_error = on_error.clone();
        Effect::new(move |_| {
            let Some(el) = video.get() else { return };
            let on_error = on_error.clone();
            leptos::task::spawn_local(async move {
                match camera::start_camera(&el).await {
                    Ok(s) => stream.set_value(Some(s)),
                    Err(e) => on_error(e.to_string()),
                }
            });
        });
    }
    let stop = move || {
        if let Some(s) = stream.get_value() {
            camera::stop_camera(&s);
        }
    };
    on_cleanup(stop);
    let shoot = {
        let on_error = on_error.clone();
        let on_shot = std::rc::Rc::new(on_shot);
        move |_| {
            let Some(el) = video.get_untracked() else {
                return;
            };
            let on_error = on_error.clone();
            let on_shot = on_shot.clone();
            leptos::task::spawn_local(async move {
                match camera::capture_frame(&el).await {
                    Ok(blob) => on_shot(blob),
                    Err(e) => on_error(e.to_string()),
                }
            });
        }
    };
    let close = move |_| {
        stop();
        on_close();
    };
    view! {
        <div class="camera" role="dialog" aria-label="取景拍摄">
            <video node_ref=video autoplay=true playsinline=true muted=true data-testid="camera-video"></video>
            <div class="actions">
                <button class="secondary" on:click=close>"关闭相机"</button>
                <button on:click=shoot data-testid="camera-shoot">"拍摄"</button>
            </div>
        </div>
    }
}
