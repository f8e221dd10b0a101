//! What every page shares: the signed-in user, the CSRF token for forms and
//! htmx, the request id, and the navigation for the user's role.

use itaku_core::Role;
use itaku_service::{SessionInfo, UserView};

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct Layout {
    pub user: Option<UserView>,
    pub csrf: String,
    pub request_id: String,
    pub nav: Vec<NavItem>,
}

impl Layout {
    pub fn bare() -> Self {
        Self {
            user: None,
            csrf: String::new(),
            request_id: String::new(),
            nav: Vec::new(),
        }
    }

    pub fn anonymous(request_id: &str) -> Self {
        Self {
            request_id: request_id.into(),
            ..Self::bare()
        }
    }

    pub fn for_session(s: &SessionInfo, request_id: &str, current: &str) -> Self {
        let role = s.user.role;
        let mut nav = vec![("/dashboard", "ホーム")];
        if matches!(role, Role::WardStaff) {
            nav.push(("/ward/persons", "区の名簿"));
            nav.push(("/ward/import", "取込"));
            nav.push(("/ward/lists", "名簿の抽出"));
            nav.push(("/ward/campaigns", "勧奨"));
            nav.push(("/ward/ledger", "台帳"));
            nav.push(("/ward/codes", "理由・要望"));
            nav.push(("/ward/export", "出力"));
            nav.push(("/exchange", "パッケージ"));
            nav.push(("/ward/desk", "住所変更"));
            nav.push(("/ward/complaints", "苦情処理簿"));
            nav.push(("/ward/tainou", "世帯台帳"));
            nav.push(("/ward/questionnaires", "アンケートの承認"));
            nav.push(("/seminars", "セミナー・イベント"));
        }
        // Only the workplaces the user is designated for; the pages and the
        // service still decide every operation.
        if s.work.desk {
            nav.push(("/desk", "問合せ窓口"));
            if role == Role::ContractorResponsible {
                nav.push(("/desk/queue", "窓口の確認・再発行"));
            }
        }
        if s.work.tainou {
            nav.push(("/tainou", "滞納整理票の入力"));
        }
        if s.work.anketo {
            nav.push(("/questionnaires", "アンケート"));
        }
        if s.work.seminars {
            nav.push(("/seminars", "セミナー・イベント"));
        }
        if s.work.any {
            nav.push(("/complaints", "苦情の記録"));
        }

        // The 責任者 answers for the visit lists' 授受簿 and alarms; a
        // visitor reaches visits from the work cards on the home page.
        if role == Role::ContractorResponsible {
            nav.push(("/visits", "訪問勧奨"));
            nav.push(("/exchange", "パッケージ"));
        }
        if matches!(role, Role::WardAdmin | Role::Inspector) {
            nav.push(("/audit", "監査ログ"));
        }
        if role == Role::WardAdmin {
            nav.push(("/admin", "管理"));
        }
        Self {
            user: Some(s.user.clone()),
            csrf: s.csrf.clone(),
            request_id: request_id.into(),
            nav: nav
                .into_iter()
                .map(|(href, label)| NavItem {
                    href,
                    label,
                    current: href == current,
                })
                .collect(),
        }
    }
}
