//! An amount typed in 万元 (罚款, 整改资金). The text is the input's own (so "0." survives while
//! typing); each value `Money::parse_wan` accepts goes to the record at once, blank meaning
//! none. A bad one changes nothing and, once the user leaves the field, says why in the
//! model's words.

use std::sync::Arc;

use leptos::prelude::*;
use model::money::Money;

#[component]
pub fn MoneyInput(
    id: String,
    label: &'static str,
    placeholder: &'static str,
    initial: Option<Money>,
    on_valid: Arc<dyn Fn(Option<Money>) + Send + Sync>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let text = RwSignal::new(initial.map(Money::wan_string).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let parse = |v: &str| {
        if v.trim().is_empty() {
            Ok(None)
        } else {
            Money::parse_wan(v).map(Some).map_err(|e| e.to_string())
        }
    };
    view! {
        <input
            id=id
            aria-label=label
            inputmode="decimal"
            placeholder=placeholder
            disabled=disabled
            prop:value=text
            on:input=move |ev| {
                let v = event_target_value(&ev);
                text.set(v.clone());
                if let Ok(m) = parse(&v) {
                    error.set(None);
                    on_valid(m);
                }
            }
            on:change=move |ev| error.set(parse(&event_target_value(&ev)).err())
        />
        {move || error.get().map(|e| view! { <p class="field-msg error" role="alert">{e}</p> })}
    }
}
