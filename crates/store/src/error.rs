use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("データベースの指定「{0}」が読めません。sqlite://ファイル名 または postgres://ユーザー@ホスト/DB名 の形で指定してください")]
    BadUrl(String),
    #[error("データベースに接続できません（{target}）: {detail}。サーバーが起動しているか、接続先と認証情報を確認してください")]
    Unreachable { target: String, detail: String },
    #[error("データベースの更新（マイグレーション）に失敗しました: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("すでに登録されています: {0}")]
    Conflict(String),
    #[error("データの整合性に問題があります: {0}")]
    Corrupt(String),
    #[error("データベースの処理に失敗しました: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Conflict(db.message().to_owned());
            }
        }
        StoreError::Database(e)
    }
}
