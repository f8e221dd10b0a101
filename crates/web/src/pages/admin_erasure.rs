//! 金庫の消去: erasing a contract's vault at the end of the contract (the
//! ward administrator types the contract's name to confirm and proves
//! password and code again), and the certificates of erasure: the list,
//! one certificate checked against this installation, and its signed JSON
//! and printable PDF to download. The service decides and audits all of it;
//! these pages only ask and show.

use super::admin_common::{
    invalid, path_id, require_admin, respond, subnav, Failure, Fields, SubNavItem,
};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use itaku_service::{
    certificate_lines, jst_display, CertificateCheck, ContractView, ErasureStep, ErasureView,
    ServiceError,
};
use serde::Deserialize;

/// The erasure pages' own entry in the administrator's menu.
const ERASURES: &str = "/admin/erasures";

/// Whether the menu belongs to an erasure page: `subnav` marks its own
/// five sections, and these pages are none of them (see admin_nav.html).
pub fn erasures_current(nav: &[SubNavItem]) -> bool {
    nav.iter().all(|n| !n.current)
}

struct ErasureRow {
    number: i64,
    contract_id: i64,
    contract_name: String,
    state: &'static str,
    certified: bool,
    requested_at: String,
    operator: String,
    waiver: String,
    persons: i64,
    certified_at: String,
}

impl From<ErasureView> for ErasureRow {
    fn from(e: ErasureView) -> Self {
        ErasureRow {
            number: e.id,
            contract_id: e.contract_id,
            contract_name: e.contract_name,
            state: e.step.label(),
            certified: e.step == ErasureStep::Certified,
            requested_at: jst_display(&e.requested_at),
            operator: e.operator,
            waiver: e.waiver.unwrap_or_default(),
            persons: e.persons,
            certified_at: e
                .certified_at
                .as_deref()
                .map(jst_display)
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_erasures.html")]
struct ErasuresPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    rows: Vec<ErasureRow>,
}

/// One line of the check: what was checked, whether it held, and why.
struct CheckRow {
    id: &'static str,
    label: &'static str,
    ok: bool,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin_erasure.html")]
struct CertificatePage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    message: Option<String>,
    number: i64,
    contract_id: i64,
    contract_name: String,
    lines: Vec<String>,
    ok: bool,
    checks: Vec<CheckRow>,
    problems: Vec<String>,
}

#[derive(Default)]
struct EraseForm {
    confirm: String,
    waiver: String,
}

#[derive(Template)]
#[template(path = "admin_erasure_form.html")]
struct ErasePage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    notice: Option<String>,
    error: Option<String>,
    c: ContractView,
    erasure: Option<ErasureRow>,
    /// Not once the certificate is out: asking again would only return it.
    show_form: bool,
    form: EraseForm,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// The erase form's fields, kept across the step-up.
#[derive(Deserialize, Default)]
pub struct EraseQuery {
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    waiver: String,
}

fn layout(a: &Authed) -> Layout {
    Layout::for_session(&a.session, &a.ctx.request_id, "/admin")
}

pub async fn list(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    require_admin(&a)?;
    let rows = st
        .svc
        .erasures(&a.actor())
        .await?
        .into_iter()
        .rev()
        .map(ErasureRow::from)
        .collect();
    respond(
        StatusCode::OK,
        &ErasuresPage {
            layout: layout(&a),
            subnav: subnav(ERASURES),
            rows,
        },
    )
}

/// The four things `verify_certificate` looks at, in plain words. Its
/// problems are not labelled by check: those the first three flags do not
/// account for come from the erasure record or the audit chain.
fn check_rows(check: &CertificateCheck, checkpoint_seq: i64, fingerprint: &str) -> Vec<CheckRow> {
    let explained = usize::from(!check.signature_ok)
        + usize::from(!check.key_gone)
        + usize::from(check.rows_remaining > 0);
    let chain_ok = check.problems.len() <= explained;
    vec![
        CheckRow {
            id: "signature",
            label: "電子署名",
            ok: check.signature_ok,
            detail: if check.signature_ok {
                format!("このシステムの監査用署名鍵（{fingerprint}）による署名と一致し、内容は書き換えられていません。")
            } else {
                "署名を確かめられません。証明書が書き換えられたか、別のシステムの証明書です。"
                    .into()
            },
        },
        CheckRow {
            id: "key",
            label: "鍵の破棄",
            ok: check.key_gone,
            detail: if check.key_gone {
                "契約の金庫の暗号鍵は破棄されており、バックアップを含むどの写しも読めません。"
                    .into()
            } else {
                "契約の金庫の暗号鍵が残っています。".into()
            },
        },
        CheckRow {
            id: "rows",
            label: "記録の削除",
            ok: check.rows_remaining == 0,
            detail: if check.rows_remaining == 0 {
                "金庫の記録は1件も残っていません。".into()
            } else {
                format!(
                    "消去したはずの記録が {} 件残っています。",
                    check.rows_remaining
                )
            },
        },
        CheckRow {
            id: "audit",
            label: "消去の記録と監査ログ",
            ok: chain_ok,
            detail: if chain_ok {
                format!(
                    "消去の記録と一致し、証明書に署名された連番 {} までの監査ログは改ざんされていません。",
                    checkpoint_seq
                )
            } else {
                "消去の記録または監査ログに問題があります（下の一覧を確認してください）。".into()
            },
        },
    ]
}

pub async fn certificate(
    State(st): State<AppState>,
    a: Authed,
    Path(contract): Path<String>,
    Query(d): Query<Done>,
) -> Result<Response, WebError> {
    require_admin(&a)?;
    let contract = path_id(&contract)?;
    let cert = st.svc.erasure_certificate(&a.actor(), contract).await?;
    let check = st.svc.verify_certificate(&cert).await?;
    let fingerprint = st.svc.audit_public_key_fingerprint();
    let message = (d.done == "erased").then(|| {
        "契約の金庫を消去し、消去証明書を発行しました。鍵預託ファイルを作り直してください（itaku backup keys）。古い鍵預託ファイルはこの契約の鍵を含むため破棄してください。"
            .to_owned()
    });
    let c = &cert.certificate;
    respond(
        StatusCode::OK,
        &CertificatePage {
            layout: layout(&a),
            subnav: subnav(ERASURES),
            message,
            number: c.erasure_id,
            contract_id: c.contract.id,
            contract_name: c.contract.name.clone(),
            lines: certificate_lines(c),
            ok: check.ok(),
            checks: check_rows(&check, c.audit_checkpoint.seq, &fingerprint),
            problems: check.problems,
        },
    )
}

fn attachment(content_type: &str, filename: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn download_json(
    State(st): State<AppState>,
    a: Authed,
    Path(contract): Path<String>,
) -> Result<Response, WebError> {
    require_admin(&a)?;
    let contract = path_id(&contract)?;
    let cert = st.svc.erasure_certificate(&a.actor(), contract).await?;
    let mut json = cert.to_json()?;
    json.push('\n');
    Ok(attachment(
        "application/json",
        format!("erasure-certificate-{contract}.json"),
        json.into_bytes(),
    ))
}

pub async fn download_pdf(
    State(st): State<AppState>,
    a: Authed,
    Path(contract): Path<String>,
) -> Result<Response, WebError> {
    require_admin(&a)?;
    let contract = path_id(&contract)?;
    let cert = st.svc.erasure_certificate(&a.actor(), contract).await?;
    // Typesetting takes a while: off the workers that answer other requests.
    let svc = st.svc.clone();
    let pdf = tokio::task::spawn_blocking(move || svc.erasure_certificate_pdf(&cert))
        .await
        .map_err(|e| ServiceError::Internal(format!("certificate pdf task: {e}")))??;
    Ok(attachment(
        "application/pdf",
        format!("erasure-certificate-{contract}.pdf"),
        pdf,
    ))
}

async fn find_contract(st: &AppState, a: &Authed, id: i64) -> Result<ContractView, WebError> {
    st.svc
        .contracts(&a.actor())
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(WebError::NotFound)
}

async fn form_page(
    st: &AppState,
    a: &Authed,
    id: i64,
    status: StatusCode,
    error: Option<String>,
    form: EraseForm,
) -> Result<Response, WebError> {
    require_admin(a)?;
    let c = find_contract(st, a, id).await?;
    let erasure = st
        .svc
        .erasures(&a.actor())
        .await?
        .into_iter()
        .find(|e| e.contract_id == id)
        .map(ErasureRow::from);
    let notice = (a.session.stepped_up && error.is_none() && !form.confirm.is_empty()).then(|| {
        "本人確認が済みました。内容を確かめて、もう一度「金庫を消去して証明書を発行する」を押してください。"
            .to_owned()
    });
    respond(
        status,
        &ErasePage {
            layout: layout(a),
            subnav: subnav("/admin/contracts"),
            notice,
            error,
            c,
            show_form: !erasure.as_ref().is_some_and(|e| e.certified),
            erasure,
            form,
        },
    )
}

pub async fn erase_form(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<EraseQuery>,
) -> Result<Response, WebError> {
    let id = path_id(&id)?;
    let form = EraseForm {
        confirm: q.confirm,
        waiver: q.waiver,
    };
    form_page(&st, &a, id, StatusCode::OK, None, form).await
}

/// Names compared as people type them: full- and half-width alike, and
/// spaces around ignored.
fn same_name(typed: &str, name: &str) -> bool {
    itaku_jp::fold_width(typed).trim() == itaku_jp::fold_width(name).trim()
}

/// Where the step-up sends the administrator back: this form, filled in.
fn back_to_form(id: i64, form: &EraseForm) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("confirm", &form.confirm)
        .append_pair("waiver", &form.waiver)
        .finish();
    format!("/admin/contracts/{id}/erase?{query}")
}

pub async fn erase(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let id = path_id(&id)?;
    let form = EraseForm {
        confirm: f.get("confirm"),
        waiver: f.get("waiver"),
    };
    let result = async {
        // Reading the contract is the service's to refuse (and audit).
        let c = find_contract(&st, &a, id).await?;
        if !same_name(&form.confirm, &c.name) {
            return Err(invalid(format!(
                "確認のため、契約名「{}」をそのまま入力してください",
                c.name
            )));
        }
        st.svc
            .erase_contract(&a.actor(), id, Some(&form.waiver))
            .await
            .map_err(|e| match e {
                // Through /stepup and back to this form, the fields kept.
                ServiceError::StepUpRequired => {
                    Failure::Web(WebError::StepUp(back_to_form(id, &form)))
                }
                e => Failure::from(e),
            })
    }
    .await;
    match result {
        Ok(cert) => Ok(Redirect::to(&format!(
            "/admin/erasures/{}?done=erased",
            cert.certificate.contract.id
        ))
        .into_response()),
        Err(Failure::Web(e)) => Err(e),
        Err(Failure::Input(status, m)) => form_page(&st, &a, id, status, Some(m), form).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(check: &CertificateCheck) -> Vec<(&'static str, bool)> {
        check_rows(check, 42, "ab:cd")
            .into_iter()
            .map(|r| (r.id, r.ok))
            .collect()
    }

    #[test]
    fn each_check_says_what_held_and_what_did_not() {
        let good = CertificateCheck {
            signature_ok: true,
            key_gone: true,
            rows_remaining: 0,
            problems: Vec::new(),
        };
        assert!(states(&good).iter().all(|(_, ok)| *ok));
        assert!(check_rows(&good, 42, "ab:cd")[3].detail.contains("連番 42"));

        // A forged signature alone: only the signature fails.
        let forged = CertificateCheck {
            signature_ok: false,
            problems: vec!["証明書の署名が正しくありません".into()],
            ..good.clone()
        };
        assert_eq!(
            states(&forged),
            [
                ("signature", false),
                ("key", true),
                ("rows", true),
                ("audit", true)
            ]
        );

        // Rows left and a broken audit chain: both show, the key does not.
        let broken = CertificateCheck {
            rows_remaining: 3,
            problems: vec![
                "消去したはずの記録が 3 件残っています".into(),
                "連番 7 の記録が改変されています（ハッシュ不一致）".into(),
            ],
            ..good
        };
        let rows = check_rows(&broken, 42, "ab:cd");
        assert_eq!(
            rows.iter().map(|r| (r.id, r.ok)).collect::<Vec<_>>(),
            [
                ("signature", true),
                ("key", true),
                ("rows", false),
                ("audit", false)
            ]
        );
        assert!(rows[2].detail.contains("3 件"));
    }

    #[test]
    fn the_name_is_compared_as_typed_in_either_width() {
        let name = "令和8年度 特定健診・がん検診受診勧奨業務委託";
        assert!(same_name(name, name));
        assert!(same_name(
            " 令和８年度　特定健診・がん検診受診勧奨業務委託 ",
            name
        ));
        assert!(!same_name("令和8年度 特定健診", name));
        assert!(!same_name("", name));
    }

    #[test]
    fn the_step_up_comes_back_to_the_filled_form() {
        let next = back_to_form(
            3,
            &EraseForm {
                confirm: "契約 A&B".into(),
                waiver: "書面で確認済み".into(),
            },
        );
        assert!(next.starts_with("/admin/contracts/3/erase?confirm="));
        let (_, query) = next.split_once('?').unwrap();
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            pairs,
            [
                ("confirm".to_owned(), "契約 A&B".to_owned()),
                ("waiver".to_owned(), "書面で確認済み".to_owned())
            ]
        );
    }
}
