//! Every IndexedDB failure becomes a `StoreError` that the UI shows in Chinese; none is swallowed.

use thiserror::Error;

#[derive(Debug, Clone, Error, PartialEq)]
pub enum StoreError {
    /// Private browsing, a blocked or missing IndexedDB: offline work is impossible.
    #[error("本机存储不可用（可能处于无痕/隐私模式或浏览器禁止了存储）：离线工作无法保存。请使用普通模式打开本应用。详情：{0}")]
    Unavailable(String),
    /// The database opened but lacks a store the schema promises: an aborted upgrade.
    #[error("本机数据库结构不完整（缺少“{0}”）。请关闭本应用的其他标签页后重新打开。")]
    MissingStore(String),
    /// A read or write failed, e.g. the quota is full or the connection was lost.
    #[error("本机存储读写失败：{0}。请检查手机存储空间后重试；数据未丢失前请勿清除浏览器数据。")]
    Io(String),
    /// The page asked for a record this device does not have (a stale link, a discarded draft).
    #[error("找不到{0}：可能已被删除或尚未同步到本机。请返回列表重新选择。")]
    NotFound(String),
    /// A stored value no longer matches the record type (a bug or a foreign write).
    #[error("本机记录无法读取（{0}）。请导出数据并联系管理员。")]
    Corrupt(String),
}

impl From<rexie::Error> for StoreError {
    fn from(e: rexie::Error) -> Self {
        StoreError::Io(describe(&e))
    }
}

/// rexie's Display is terse ("idb error"); the Debug form carries the DOMException name.
pub(crate) fn describe(e: &rexie::Error) -> String {
    format!("{e:?}")
}

pub type StoreResult<T> = Result<T, StoreError>;

/// `done()` resolves on abort too; a write that did not commit is an error, never a silent loss.
pub(crate) fn committed(result: rexie::TransactionResult) -> StoreResult<()> {
    if result.is_committed() {
        Ok(())
    } else {
        Err(StoreError::Io("事务被中止，本次修改未保存".into()))
    }
}

/// Ends a write transaction: commits if every step succeeded, otherwise aborts it. A request that
/// threw synchronously (bad key, DataCloneError) does not abort the transaction by itself; without
/// the explicit abort the requests already queued would commit and leave half a user action.
pub(crate) async fn finish(tx: rexie::Transaction, result: StoreResult<()>) -> StoreResult<()> {
    match result {
        Ok(()) => committed(tx.done().await?),
        Err(e) => {
            // A failed *request* has already made the browser abort the transaction, and then
            // abort() itself fails with InvalidStateError; either way nothing was written, and
            // the error to report is the original one.
            if let Err(abort) = tx.abort().await {
                web_sys::console::warn_1(&wasm_bindgen::JsValue::from_str(&format!(
                    "照片事务撤销：{}（原因：{e}）",
                    describe(&abort)
                )));
            }
            Err(e)
        }
    }
}
