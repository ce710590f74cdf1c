//! Which edits of an office record (附件1 text rows 1, 6, 7, 8; a 附件3 plan) may still be missing
//! from what a reload after a sync reads. A reload that started before an edit of its own
//! record, or that reads while such an edit is still being written, returns the older version;
//! applying it would put back on screen, into the next Excel download, and (for a plan saved
//! whole) into the next save, what the user has just changed.

/// `K` names one record (a note's scope and week, a plan's pair). Edits are logged, not
/// counted, so that an edit of another week does not make this week's reload stale.
#[derive(Debug, Default)]
pub struct NoteEdits<K> {
    edited: Vec<K>,
    writing: Vec<K>,
    /// A reload was found stale since the writes ended last: one is owed when they end.
    skipped: bool,
}

/// Where a reload started in the log of edits.
#[derive(Debug, Clone, Copy)]
pub struct LoadMark(usize);

impl<K: PartialEq + Copy> NoteEdits<K> {
    pub fn new() -> Self {
        Self {
            edited: Vec::new(),
            writing: Vec::new(),
            skipped: false,
        }
    }

    /// Taken when a reload starts, before it reads.
    pub fn mark(&self) -> LoadMark {
        LoadMark(self.edited.len())
    }

    /// The user changed note `key`; its write starts now.
    pub fn edit(&mut self, key: K) {
        self.edited.push(key);
        self.writing.push(key);
    }

    /// One write of `key` has ended (stored or failed). True when no write is left and a
    /// reload was skipped meanwhile: it is due now (it may have carried another clerk's text).
    pub fn written(&mut self, key: K) -> bool {
        if let Some(i) = self.writing.iter().position(|k| *k == key) {
            self.writing.remove(i);
        }
        self.writing.is_empty() && std::mem::take(&mut self.skipped)
    }

    /// Whether what a reload of `key` started at `mark` read may be older than the screen
    /// (then it is not applied, and is owed once the writes end).
    pub fn stale(&mut self, mark: LoadMark, key: K) -> bool {
        let stale = self.edited[mark.0..].contains(&key) || self.writing.contains(&key);
        self.skipped |= stale;
        stale
    }
}
