//! The crate's single error type. Messages are in Japanese and say what to fix,
//! because they reach the ward clerk who set up the design or the target list.

use thiserror::Error;

/// Everything that can go wrong in `itaku-analysis`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnalysisError {
    /// The design lists no arm at all.
    #[error(
        "割付群が一つも指定されていません。少なくとも一つの群（例: 通知のみ）を登録してください。"
    )]
    NoArms,

    /// An arm has weight 0, so it could never be assigned.
    #[error("割付群「{code}」の比率が 0 です。1 以上の整数を指定してください。")]
    ZeroWeight {
        /// The arm's code.
        code: String,
    },

    /// Two arms share one code, so a stored allocation could not say which arm it means.
    #[error("割付群のコード「{code}」が重複しています。群ごとに異なるコードを付けてください。")]
    DuplicateArmCode {
        /// The repeated code.
        code: String,
    },

    /// An arm has an empty code.
    #[error("コードが空の割付群があります。群ごとにコード（例: notice）を付けてください。")]
    EmptyArmCode,

    /// The block multiplier is 0, which would make every block empty.
    #[error("ブロック倍数が 0 です。1 以上の整数を指定してください（ブロックの大きさ = 比率の合計 × 倍数）。")]
    ZeroMultiplier,

    /// Weights × multiplier give a block too large to be a useful block.
    #[error("ブロックの大きさ {size} が上限 {max} を超えています。比率かブロック倍数を小さくしてください。")]
    BlockTooLarge {
        /// The requested block size (saturated at `u64::MAX`).
        size: u64,
        /// The largest block size accepted.
        max: u32,
    },

    /// The same person appears twice in the target list.
    #[error("対象者一覧に同じ個人番号 {person_id} が複数回含まれています。重複を取り除いてから割付けてください。")]
    DuplicatePerson {
        /// The repeated person id.
        person_id: i64,
    },

    /// A stratum has more units than block and position numbers can count.
    #[error("層「{stratum}」の対象者が多すぎて番号を付けられません。層を分けてください。")]
    TooManyUnits {
        /// The stratum's key.
        stratum: String,
    },

    /// A part of a stratum key contains a separator character, which would let
    /// two different strata end up with the same key.
    #[error("層の項目「{part}」に区切り文字（| または =）が含まれています。区切り文字を含まない値にしてください。")]
    StratumPartSeparator {
        /// The offending part.
        part: String,
    },

    /// A stored allocation row differs from what the stored design and seed give.
    #[error("個人番号 {person_id} の割付が、保存された設計と乱数の種から再計算した結果と一致しません。割付表が改変されていないか確認してください。")]
    AllocationMismatch {
        /// The first person whose row differs.
        person_id: i64,
    },

    /// A seed is not 64 hexadecimal digits.
    #[error("乱数の種（シード）は 16 進数 64 桁で指定してください。")]
    InvalidSeed,

    /// A count table is inconsistent (e.g. more attended than assigned).
    #[error("集計表の値が不正です: {detail}。元の集計を確認してください。")]
    InvalidCounts {
        /// What is wrong, in Japanese.
        detail: String,
    },

    /// A group has nobody in it, so its rate is undefined.
    #[error(
        "「{group}」の人数が 0 のため、率を計算できません。対象の区分や群を見直してください。"
    )]
    EmptyGroup {
        /// The group's name.
        group: String,
    },

    /// A parameter is outside its allowed range.
    #[error("設定値「{name}」が範囲外です（{detail}）。値を直してください。")]
    InvalidParameter {
        /// The parameter's name.
        name: String,
        /// The allowed range, in Japanese.
        detail: String,
    },

    /// The logistic regression did not converge within the iteration limit.
    #[error("ロジスティック回帰が {iterations} 回の反復で収束しませんでした。区分をまとめるか、説明変数を減らしてください。")]
    NotConverged {
        /// Iterations performed.
        iterations: u32,
    },

    /// The outcome is (quasi-)completely separated by the covariates, so the
    /// maximum-likelihood estimate does not exist.
    #[error("ロジスティック回帰で完全分離が起きています（項目「{term}」で受診・未受診がほぼ完全に分かれています）。推定値が存在しないため、その区分を他とまとめるか、モデルから外してください。")]
    Separation {
        /// The term whose coefficient diverged.
        term: String,
    },

    /// The design matrix has linearly dependent columns (e.g. an empty segment).
    #[error("ロジスティック回帰の説明変数が互いに従属しています（項目「{term}」）。人数が 0 の区分や、常に同じ値の項目を外してください。")]
    Singular {
        /// The first term found dependent.
        term: String,
    },

    /// Small-cell suppression cannot protect a cell without hiding a total.
    #[error("秘匿処理ができません: {detail}。表の区分をまとめてから公表してください。")]
    SuppressionImpossible {
        /// Why, in Japanese.
        detail: String,
    },
}
