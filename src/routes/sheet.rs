use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use model::enterprise::Enterprise;
use model::hazard::Hazard;
use model::inspection::{Inspection, Signature};
use web_sys::Blob;

use crate::browser::now_ms;
use crate::components::loaded;
use crate::data;
use crate::photo::{PhotoMeta, PhotoSource, Place, UploadState};
use crate::settings::user_name;
use crate::signature_pad::SignaturePad;
use crate::store::{self, StoreError};
use crate::sync::photo_cache::{local_or_fetch, Owner};

/// 附件5 检查问题隐患清单 (`/inspections/:id/sheet`): the seed's layout on A4, with photos as
/// thumbnails in 现场证据 and the two signatures; printable ("save as PDF" gives the file).
#[component]
pub fn Sheet() -> impl IntoView {
    let params = use_params_map();
    let data = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        async move {
            let (insp, ent) = data::inspection_with_enterprise(&id).await?;
            let hazards: Vec<Hazard> = data::hazards_of(insp.meta.id)
                .await?
                .into_iter()
                .filter(|h| !h.meta.deleted)
                .collect();
            // Object URLs for every photo and signature the sheet shows.
            let db = store::db().await?;
            let mut urls = HashMap::new();
            let shas = hazards
                .iter()
                .flat_map(|h| h.photos.iter().cloned())
                .chain(
                    insp.signatures
                        .inspector
                        .iter()
                        .map(|s| s.photo_sha256.clone()),
                )
                .chain(
                    insp.signatures
                        .enterprise
                        .iter()
                        .map(|s| s.photo_sha256.clone()),
                );
            for sha in shas {
                // Taken on another device: fetched once from the server and kept here. One
                // that cannot be had now leaves its cell empty; the sheet still shows.
                let owner = Owner {
                    inspection_id: Some(insp.meta.id.to_string()),
                    ..Owner::default()
                };
                if let Ok(blob) = local_or_fetch(&db, &sha, owner).await {
                    urls.insert(
                        sha,
                        web_sys::Url::create_object_url_with_blob(&blob).unwrap_or_default(),
                    );
                }
            }
            Ok::<_, StoreError>((insp, ent, hazards, urls))
        }
    });
    loaded(data, |(i, e, h, u)| {
        view! { <SheetView inspection=i enterprise=e hazards=h urls=u/> }
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Signer {
    Inspector,
    Enterprise,
}

#[component]
fn SheetView(
    inspection: Inspection,
    enterprise: Enterprise,
    hazards: Vec<Hazard>,
    urls: HashMap<String, String>,
) -> impl IntoView {
    let insp = RwSignal::new(inspection);
    let urls = RwSignal::new(urls);
    let signing = RwSignal::new(None::<Signer>);
    let error = RwSignal::new(None::<String>);
    let url = move |sha: &str| urls.with(|u| u.get(sha).cloned().unwrap_or_default());

    // Saves the inspection with the signature image in one transaction; both signed = locked.
    let signed = move |who: Signer, png: Blob, sha: String| {
        let mut next = insp.get_untracked();
        let sig = Signature {
            photo_sha256: sha.clone(),
            signed_at: now_ms(),
            signer: match who {
                Signer::Inspector => next.inspectors.join("、"),
                Signer::Enterprise => String::new(),
            },
        };
        let r = match who {
            Signer::Inspector => next.sign_inspector(sig),
            Signer::Enterprise => next.sign_enterprise(sig),
        };
        if let Err(e) = r {
            error.set(Some(e.to_string()));
            return;
        }
        if next.signatures.inspector.is_some() && next.signatures.enterprise.is_some() {
            let _ = next.freeze(now_ms());
        }
        next.meta.touch(now_ms(), &user_name());
        let meta = PhotoMeta {
            sha256: sha.clone(),
            hazard_id: None,
            inspection_id: Some(next.meta.id.to_string()),
            source: PhotoSource::Signature,
            taken_at: now_ms(),
            place: Place::Unavailable("签名不记录位置".into()),
            width: 0,
            height: 0,
            bytes: png.size() as u32,
            original_bytes: png.size() as u32,
            enterprise: String::new(),
            upload_state: UploadState::Local,
            created_at: now_ms(),
        };
        let url = web_sys::Url::create_object_url_with_blob(&png).unwrap_or_default();
        leptos::task::spawn_local(async move {
            let r = async {
                let db = store::db().await?;
                store::photos::put_record_with_photos(&db, &next, &[(meta, png)]).await
            }
            .await;
            match r {
                Ok(()) => {
                    urls.update(|u| {
                        u.insert(sha, url);
                    });
                    insp.set(next);
                    signing.set(None);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    let resign = move |_| {
        let ok = crate::browser::window()
            .confirm_with_message("重新签字会清除两个签名并解锁清单，修改后需双方重新签字。继续？")
            .unwrap_or(false);
        if !ok {
            return;
        }
        let mut next = insp.get_untracked();
        next.reopen_for_resigning();
        next.meta.touch(now_ms(), &user_name());
        leptos::task::spawn_local(async move {
            let r = async {
                let db = store::db().await?;
                store::records::put(&db, &next).await
            }
            .await;
            match r {
                Ok(()) => insp.set(next),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    let print = move |_| {
        let _ = crate::browser::window().print();
    };
    let id = insp.get_untracked().meta.id;
    let date = insp.get_untracked().date;
    view! {
        <div class="no-print card">
            <p><a href=format!("/inspections/{id}")>"← 返回检查表"</a></p>
            <div class="actions">
                <Show when=move || !insp.with(|i| i.is_frozen())>
                    <button on:click=move |_| signing.set(Some(Signer::Inspector)) data-testid="sign-inspector">
                        "检查人员签字"
                    </button>
                    <button on:click=move |_| signing.set(Some(Signer::Enterprise)) data-testid="sign-enterprise">
                        "企业负责人签字"
                    </button>
                </Show>
                <Show when=move || insp.with(|i| i.is_frozen())>
                    <span class="badge ok" data-testid="frozen">"双方已签字，清单已锁定"</span>
                    <button class="secondary" on:click=resign>"重新签字"</button>
                </Show>
                <button class="secondary" on:click=print>"打印 / 存为PDF"</button>
                <a class="btn secondary" data-testid="record-penalty"
                    href=format!("/penalties/new?enterprise={}&inspection={id}", enterprise.meta.id)>
                    "记录行政处罚"
                </a>
            </div>
            {move || error.get().map(|e| view! { <p class="field-msg error" role="alert">{e}</p> })}
        </div>
        {move || {
            signing
                .get()
                .map(|who| {
                    let title = match who {
                        Signer::Inspector => "检查人员签字",
                        Signer::Enterprise => "企业负责人签字",
                    };
                    view! {
                        <SignaturePad
                            title=title.to_string()
                            on_done=move |png, sha| signed(who, png, sha)
                            on_cancel=move || signing.set(None)
                        />
                    }
                })
        }}
        <article class="sheet" data-testid="sheet">
            <p class="sheet-annex">"附件5"</p>
            <h1 class="sheet-title">"冶金工贸行业隐患排查整治专项行动检查问题隐患清单"</h1>
            <p class="sheet-head">
                <span>"企业名称："<u data-testid="sheet-enterprise">{enterprise.name.clone()}</u></span>
                <span>"检查时间："<u>{date.to_chinese()}</u></span>
            </p>
            <table class="sheet-table">
                <thead>
                    <tr>
                        <th class="c-seq">"序号"</th>
                        <th>"隐患描述"</th>
                        <th class="c-evidence">"现场证据"</th>
                        <th>"判定依据"</th>
                        <th class="c-kind">"隐患类型"</th>
                        <th class="c-remark">"备注"</th>
                    </tr>
                </thead>
                <tbody>
                    {hazards
                        .into_iter()
                        .enumerate()
                        .map(|(n, h)| {
                            view! {
                                <tr data-testid="sheet-row">
                                    // Rows are numbered 1..n on the sheet; a deleted hazard's
                                    // 序号 is not reused in the data, but the printed list has no gaps.
                                    <td class="c-seq">{n + 1}</td>
                                    <td>{h.description.clone()}</td>
                                    <td class="c-evidence">
                                        {h.photos
                                            .iter()
                                            .map(|sha| view! { <img class="sheet-photo" src=url(sha) alt="现场照片"/> })
                                            .collect_view()}
                                        <span>{h.evidence_text.clone()}</span>
                                    </td>
                                    <td>{h.basis.citation().to_string()}</td>
                                    <td class="c-kind">{h.kind.label()}</td>
                                    <td class="c-remark">{h.remark.clone()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <div class="sheet-signs">
                <p>
                    "检查人员（签字）："
                    {move || {
                        insp.with(|i| i.signatures.inspector.clone())
                            .map(|s| view! { <img class="sheet-sign" data-testid="sig-inspector" src=url(&s.photo_sha256) alt="检查人员签名"/> })
                    }}
                </p>
                <p>
                    "企业负责人（签字）："
                    {move || {
                        insp.with(|i| i.signatures.enterprise.clone())
                            .map(|s| view! { <img class="sheet-sign" data-testid="sig-enterprise" src=url(&s.photo_sha256) alt="企业负责人签名"/> })
                    }}
                </p>
            </div>
        </article>
    }
}
