//! Property tests of [`merge`]: random nested JSON objects edited independently on two sides.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::*;
use crate::hazard::{Basis, Hazard, HazardKind, HazardState};
use crate::ids::new_record_id;
use crate::inspection::tests::inspection;
use crate::money::Money;
use crate::record::RecordMeta;

type Path = Vec<String>;

/// One edit: set a value at a path (creating or overwriting objects on the way), or remove it.
#[derive(Debug, Clone)]
enum Edit {
    Set(Path, Value),
    Remove(Path),
}

/// Few keys and shallow paths, so the two sides often touch the same fields.
fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", "d"]).prop_map(str::to_owned)
}

fn path() -> impl Strategy<Value = Path> {
    prop::collection::vec(key(), 1..=3)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0..4i64).prop_map(Value::from),
        prop::sample::select(vec!["", "甲", "乙", "x"]).prop_map(Value::from),
        prop::collection::vec(0..3i64, 0..3).prop_map(|v| json!(v)),
        Just(json!({})),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (path(), leaf()).prop_map(|(p, v)| Edit::Set(p, v)),
        1 => path().prop_map(Edit::Remove),
    ]
}

fn apply(mut v: Value, edits: &[Edit]) -> Value {
    for e in edits {
        match e {
            Edit::Set(p, x) => set_path(&mut v, p, Some(x.clone())),
            Edit::Remove(p) => set_path(&mut v, p, None),
        }
    }
    v
}

/// (base, local, server): a random object and two independent random edits of it.
fn triple() -> impl Strategy<Value = (Value, Value, Value)> {
    (
        prop::collection::vec(edit(), 0..12),
        prop::collection::vec(edit(), 0..6),
        prop::collection::vec(edit(), 0..6),
    )
        .prop_map(|(b, l, s)| {
            let base = apply(json!({}), &b);
            let local = apply(base.clone(), &l);
            let server = apply(base.clone(), &s);
            (base, local, server)
        })
}

fn get<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |node, k| node.as_object()?.get(k))
}

fn get_opt<'a>(v: Option<&'a Value>, path: &[String]) -> Option<&'a Value> {
    get(v?, path)
}

/// Every node's path (objects and leaves), the root included.
fn all_paths(v: &Value, prefix: &mut Path, out: &mut BTreeSet<Path>) {
    out.insert(prefix.clone());
    if let Value::Object(m) = v {
        for (k, child) in m {
            prefix.push(k.clone());
            all_paths(child, prefix, out);
            prefix.pop();
        }
    }
}

fn conflict_paths(o: &MergeOutcome) -> Vec<Path> {
    o.conflicts.iter().map(|c| c.path.clone()).collect()
}

/// `side`'s value at `p` survives: in the merged record, or in a conflict covering `p`.
fn kept(o: &MergeOutcome, p: &[String], want: Option<&Value>, local: bool) -> bool {
    get(&o.merged, p) == want
        || o.conflicts.iter().any(|c| {
            p.starts_with(&c.path) && {
                let side = if local { &c.local } else { &c.server };
                get_opt(side.as_ref(), &p[c.path.len()..]) == want
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// (1) Merging never loses a value from either side that the other side did not touch: it is
    /// in the merged record, or kept in a conflict. Conflicts hold exactly the three versions.
    #[test]
    fn never_loses_an_untouched_sides_value((base, local, server) in triple()) {
        let o = merge(&base, &local, &server);
        let mut paths = BTreeSet::new();
        for v in [&base, &local, &server] {
            all_paths(v, &mut Vec::new(), &mut paths);
        }
        for p in &paths {
            let (b, l, s) = (get(&base, p), get(&local, p), get(&server, p));
            if s == b {
                prop_assert!(kept(&o, p, l, true), "local value at {p:?} lost: {o:?}");
            }
            if l == b {
                // The server's value is always in the merged record, conflicts included.
                prop_assert_eq!(get(&o.merged, p), s, "server value at {:?} lost", p);
            }
        }
        for c in &o.conflicts {
            prop_assert_eq!(c.base.as_ref(), get(&base, &c.path));
            prop_assert_eq!(c.local.as_ref(), get(&local, &c.path));
            prop_assert_eq!(c.server.as_ref(), get(&server, &c.path));
            prop_assert!(c.local != c.server);
        }
        prop_assert!(!o.closed_on_server);
    }

    /// (2) One side unchanged: the result is the other side, with nothing to resolve.
    #[test]
    fn one_side_unchanged_takes_the_other((base, x, y) in triple()) {
        let o = merge(&base, &x, &base);
        prop_assert!(o.is_clean());
        prop_assert_eq!(&o.merged, &x);
        let o = merge(&base, &base, &y);
        prop_assert!(o.is_clean());
        prop_assert_eq!(&o.merged, &y);
    }

    /// (3) Conflicts are symmetric: swapping local and server gives the same conflict paths
    /// (with local and server swapped), and the same merged record wherever there is none.
    #[test]
    fn conflicts_are_symmetric((base, local, server) in triple()) {
        let a = merge(&base, &local, &server);
        let b = merge(&base, &server, &local);
        prop_assert_eq!(conflict_paths(&a), conflict_paths(&b));
        for (x, y) in a.conflicts.iter().zip(&b.conflicts) {
            prop_assert_eq!(&x.local, &y.server);
            prop_assert_eq!(&x.server, &y.local);
        }
        // Choosing the same side everywhere gives the same record from both merges.
        let all = |o: &MergeOutcome, c: Choice| -> Vec<(Path, Choice)> {
            o.conflicts.iter().map(|f| (f.path.clone(), c)).collect()
        };
        prop_assert_eq!(resolve(&a, &all(&a, Choice::Local)), resolve(&b, &all(&b, Choice::Server)));
        prop_assert_eq!(resolve(&a, &all(&a, Choice::Local)), b.merged.clone());
        prop_assert_eq!(resolve(&a, &all(&a, Choice::Server)), a.merged.clone());
        prop_assert_eq!(resolve(&a, &[]), a.merged.clone());
    }

    /// (4) Resolving applies each choice at its path and nothing else.
    #[test]
    fn resolve_puts_the_chosen_value_at_each_path(
        (base, local, server) in triple(),
        picks in prop::collection::vec(prop::sample::select(vec![Choice::Local, Choice::Server, Choice::Base]), 8),
    ) {
        let o = merge(&base, &local, &server);
        let choices: Vec<(Path, Choice)> =
            o.conflicts.iter().zip(picks.iter().cycle()).map(|(c, k)| (c.path.clone(), *k)).collect();
        let v = resolve(&o, &choices);
        for (c, (_, k)) in o.conflicts.iter().zip(&choices) {
            prop_assert_eq!(get(&v, &c.path), c.value(*k));
        }
        if o.conflicts.is_empty() {
            prop_assert_eq!(v, o.merged);
        }
    }

    /// (5) Photo sets: (base − removed on either side) ∪ added on either side, without conflict.
    #[test]
    fn photo_sets_union_additions_and_apply_removals(
        base in prop::sample::subsequence(vec!["h0", "h1", "h2", "h3"], 0..=4),
        l_keep in prop::collection::vec(any::<bool>(), 4),
        s_keep in prop::collection::vec(any::<bool>(), 4),
        l_add in prop::sample::subsequence(vec!["h4", "h5", "h6"], 0..=3),
        s_add in prop::sample::subsequence(vec!["h5", "h6", "h7"], 0..=3),
    ) {
        let side = |keep: &[bool], add: &[&'static str]| -> Vec<&'static str> {
            base.iter().zip(keep).filter(|(_, k)| **k).map(|(h, _)| *h).chain(add.iter().copied()).collect()
        };
        let (local, server) = (side(&l_keep, &l_add), side(&s_keep, &s_add));
        let o = merge(&json!({"photos": base}), &json!({"photos": local}), &json!({"photos": server}));
        prop_assert!(o.is_clean());
        let got: Vec<&str> = o.merged["photos"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let set: BTreeSet<&str> = got.iter().copied().collect();
        prop_assert_eq!(set.len(), got.len(), "no duplicates");
        let want: BTreeSet<&str> = base
            .iter()
            .copied()
            .filter(|h| local.contains(h) && server.contains(h))
            .chain(l_add.iter().copied())
            .chain(s_add.iter().copied())
            .collect();
        prop_assert_eq!(set, want);
    }

    /// (6) Typed hazards: any two edits merge into a hazard that deserialises (also after any
    /// choices), and a hazard closed on the server is still closed after the merge.
    #[test]
    fn hazards_always_merge_and_stay_closed(
        l in prop::collection::vec(hazard_edit(), 0..5),
        s in prop::collection::vec(hazard_edit(), 0..5),
        base_edits in prop::collection::vec(hazard_edit(), 0..3),
    ) {
        let base = edit_hazard(hazard(), &base_edits);
        let local = edit_hazard(base.clone(), &l);
        let mut server = edit_hazard(base.clone(), &s);
        server.meta.rev = 9;
        let (merged, conflicts, closed) = merge_records(&base, &local, &server).unwrap();
        // The server's meta, but for the tombstone, which merges (see the unit tests).
        let mut meta = merged.meta.clone();
        meta.deleted = server.meta.deleted;
        prop_assert_eq!(&meta, &server.meta);
        if base.meta.deleted == server.meta.deleted && local.meta.deleted != base.meta.deleted {
            let conflict = conflicts.iter().any(|c| c.path == [META, DELETED]);
            prop_assert_eq!(merged.meta.deleted, if conflict { server.meta.deleted } else { local.meta.deleted });
            prop_assert_eq!(conflict, strip_meta(&server) != strip_meta(&base));
        }
        if server.state == HazardState::Closed {
            prop_assert_eq!(merged.state, HazardState::Closed);
            prop_assert_eq!(&merged.history, &server.history);
            if base.state != HazardState::Closed && strip_meta(&local) != strip_meta(&base) {
                prop_assert!(closed);
            }
        }
        let o = merge(&to(&base), &to(&local), &to(&server));
        prop_assert_eq!(&o.conflicts, &conflicts);
        for pick in [Choice::Local, Choice::Base, Choice::Server] {
            let choices: Vec<(Path, Choice)> = o.conflicts.iter().map(|c| (c.path.clone(), pick)).collect();
            let v = resolve(&o, &choices);
            prop_assert!(serde_json::from_value::<Hazard>(v).is_ok());
        }
    }
}

#[derive(Debug, Clone)]
enum HazardEdit {
    Description(&'static str),
    Remark(&'static str),
    Measures(&'static str),
    Funds(Option<i64>),
    Deadline(Option<i64>),
    AddPhoto(u8),
    RemovePhoto(usize),
    FreeText(&'static str),
    Catalogue(&'static str),
    Major(bool),
    State(HazardState),
    Delete,
}

fn hazard_edit() -> impl Strategy<Value = HazardEdit> {
    let text = || prop::sample::select(vec!["甲", "乙", "丙"]);
    prop_oneof![
        text().prop_map(HazardEdit::Description),
        text().prop_map(HazardEdit::Remark),
        text().prop_map(HazardEdit::Measures),
        prop::option::of(1..3i64).prop_map(HazardEdit::Funds),
        prop::option::of(0..3i64).prop_map(HazardEdit::Deadline),
        (0..4u8).prop_map(HazardEdit::AddPhoto),
        (0..3usize).prop_map(HazardEdit::RemovePhoto),
        text().prop_map(HazardEdit::FreeText),
        prop::sample::select(vec!["art5.7", "s2.aluminium.3"]).prop_map(HazardEdit::Catalogue),
        any::<bool>().prop_map(HazardEdit::Major),
        prop::sample::select(HazardState::ALL.to_vec()).prop_map(HazardEdit::State),
        Just(HazardEdit::Delete),
    ]
}

fn hazard() -> Hazard {
    let meta = RecordMeta::new(new_record_id(10, [7; 10]), 10, "dev", "张三");
    let mut h = Hazard::new(meta, &inspection(), 1);
    h.description = "描述".into();
    h
}

fn edit_hazard(mut h: Hazard, edits: &[HazardEdit]) -> Hazard {
    for e in edits {
        match e {
            HazardEdit::Description(t) => h.description = (*t).into(),
            HazardEdit::Remark(t) => h.remark = (*t).into(),
            HazardEdit::Measures(t) => h.rectification.measures = (*t).into(),
            HazardEdit::Funds(f) => h.rectification.funds = f.map(Money::from_yuan),
            HazardEdit::Deadline(d) => h.rectification.deadline = d.map(|d| h.found_on.add_days(d)),
            HazardEdit::AddPhoto(n) => {
                let p = format!("{n}").repeat(64);
                if !h.photos.contains(&p) {
                    h.photos.push(p);
                }
            }
            HazardEdit::RemovePhoto(i) => {
                if *i < h.photos.len() {
                    h.photos.remove(*i);
                }
            }
            HazardEdit::FreeText(t) => h.basis = Basis::FreeText((*t).into()),
            HazardEdit::Catalogue(id) => {
                h.basis = Basis::Catalogue {
                    item_id: (*id).into(),
                    citation: format!("{id} 条款"),
                }
            }
            HazardEdit::Major(m) => {
                h.kind = if *m {
                    HazardKind::Major
                } else {
                    HazardKind::General
                }
            }
            HazardEdit::State(s) => {
                // What a lifecycle step leaves behind: the state, a history entry, and a
                // completion date from 待复查 on.
                let from = h.state;
                h.state = *s;
                h.history.push(crate::hazard::StateChange {
                    from,
                    to: *s,
                    by: "某人".into(),
                    at: h.history.len() as i64,
                });
                h.completed_on = matches!(s, HazardState::AwaitingReview | HazardState::Closed)
                    .then_some(h.found_on);
            }
            HazardEdit::Delete => h.meta.delete(50, "张三"),
        }
    }
    h
}

fn to(h: &Hazard) -> Value {
    serde_json::to_value(h).unwrap()
}

fn strip_meta(h: &Hazard) -> Map<String, Value> {
    let mut m = match to(h) {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    m.remove(META);
    m
}
