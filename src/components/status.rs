use leptos::prelude::*;

use crate::store::StoreError;

/// A storage error, said plainly with what to do; never hidden behind an empty list.
#[component]
pub fn StoreErrorView(error: StoreError) -> impl IntoView {
    view! {
        <div class="banner error" role="alert">
            {error.to_string()}
        </div>
    }
}

/// "保存中… / 已保存在本机 / 未能保存：…" next to a form that saves as the user types.
#[component]
pub fn SaveBadge(status: RwSignal<crate::store::autosave::SaveStatus>) -> impl IntoView {
    use crate::store::autosave::SaveStatus;
    view! {
        <span
            class="save-badge"
            class:error=move || matches!(status.get(), SaveStatus::Failed(_))
            data-testid="save-status"
            role="status"
        >
            {move || status.get().label()}
        </span>
    }
}

/// Shows a page's data once loaded: "正在读取…" meanwhile, the storage error if loading
/// failed, else `ok(value)`. Every screen that reads IndexedDB goes through it.
pub fn loaded<T, V>(
    resource: LocalResource<crate::store::StoreResult<T>>,
    ok: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="muted">"正在读取…"</p> }>
            {move || {
                resource
                    .get()
                    .map(|r| match r {
                        Err(e) => view! { <StoreErrorView error=e/> }.into_any(),
                        Ok(v) => ok(v).into_any(),
                    })
            }}
        </Suspense>
    }
}

/// The validation messages of one form field: errors in red, warnings in amber.
#[component]
pub fn FieldIssues(
    issues: Signal<Vec<model::validation::Issue>>,
    field: &'static str,
) -> impl IntoView {
    move || {
        issues
            .get()
            .into_iter()
            .filter(|i| i.field == field)
            .map(|i| {
                let cls = if i.is_error() {
                    "field-msg error"
                } else {
                    "field-msg warn"
                };
                view! { <p class=cls>{i.message}</p> }
            })
            .collect_view()
    }
}
