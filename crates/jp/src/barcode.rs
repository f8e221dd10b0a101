//! Japan Post's customer barcode (カスタマバーコード): 郵便番号 plus the
//! number part of the address (住所表示番号), drawn as four kinds of bars.

/// One bar of the customer barcode, as Japan Post's specification draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bar {
    /// ロングバー: full height (3.6 mm).
    Long,
    /// セミロングバー（上）: from the top to the middle band.
    Upper,
    /// セミロングバー（下）: from the middle band to the bottom.
    Lower,
    /// タイミングバー: the middle band only (1.2 mm).
    Timing,
}
