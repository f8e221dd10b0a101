//! 勧奨 (mail campaigns): the ward creates one from a frozen list; the
//! contractor's handlers (or ward staff) segment it, write each segment's
//! message, assign arms, print, and record returned mail. The same pages
//! serve both sides; the service decides and audits every step.

use super::render;
use super::ward_common::require_ward_staff;
use crate::ctx::Authed;
use crate::error::{public_message, WebError};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use itaku_core::ContractId;
use itaku_service::{
    segmentation_presets, Actor, ArmReport, CampaignKind, CampaignState, CampaignView,
    ContractView, PrintKind, PrintRunView, SegmentCount, Segmentation, ServiceError,
    TargetListView, TemplateVersion, PLACEHOLDERS,
};
use serde::Deserialize;

pub struct Side {
    pub actor: Actor,
    /// /ward/campaigns or /c/{contract}/{purpose}/campaigns
    pub base: String,
    pub label: String,
    pub ward: bool,
}

fn ward_side(a: &Authed) -> Side {
    Side {
        actor: a.actor(),
        base: "/ward/campaigns".into(),
        label: "区（区の名簿から）".into(),
        ward: true,
    }
}

fn contract_side(a: &Authed, contract: i64, purpose: &str) -> Side {
    Side {
        actor: a
            .actor()
            .in_contract(ContractId(contract), Some(purpose.to_owned())),
        base: format!("/c/{contract}/{purpose}/campaigns"),
        label: format!("契約 {contract}／利用目的 {purpose}"),
        ward: false,
    }
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    layout: Layout,
    side_label: String,
    base: String,
    ward: bool,
    campaigns: Vec<CampaignView>,
    contracts: Vec<ContractView>,
    lists: Vec<TargetListView>,
    error: Option<String>,
    form: CreateForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct CreateForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub contract_purpose: String,
    #[serde(default)]
    pub list_id: String,
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub desk_phone: String,
    #[serde(default)]
    pub clinics: String,
}

async fn list_page(
    st: &AppState,
    a: &Authed,
    side: Side,
    error: Option<String>,
    form: CreateForm,
) -> Result<Response, WebError> {
    let campaigns = st.svc.campaigns(&side.actor).await?;
    let (contracts, lists) = if side.ward {
        (
            st.svc.contracts_for_campaigns(&side.actor).await?,
            st.svc.target_lists(&side.actor).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let current = if side.ward { "/ward/campaigns" } else { "" };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, current),
        side_label: side.label,
        base: side.base,
        ward: side.ward,
        campaigns,
        contracts,
        lists,
        error,
        form,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn ward_list(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    list_page(&st, &a, ward_side(&a), None, CreateForm::default()).await
}

pub async fn contract_list(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let side = contract_side(&a, contract, &purpose);
    list_page(&st, &a, side, None, CreateForm::default()).await
}

pub async fn create(
    State(st): State<AppState>,
    a: Authed,
    Form(f): Form<CreateForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    require_ward_staff(&st, &a).await?;
    let spec = match new_campaign(&f) {
        Ok(s) => s,
        Err(e) => return list_page(&st, &a, ward_side(&a), Some(e), f).await,
    };
    match st.svc.create_campaign(&a.actor(), &spec).await {
        Ok(id) => Ok(Redirect::to(&format!("/ward/campaigns/{id}")).into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            list_page(&st, &a, ward_side(&a), Some(e.to_string()), f).await
        }
        Err(e) => Err(e.into()),
    }
}

fn new_campaign(f: &CreateForm) -> Result<itaku_service::NewCampaign, String> {
    let (contract, purpose) = f
        .contract_purpose
        .split_once('/')
        .and_then(|(c, p)| Some((c.parse::<i64>().ok()?, p.to_owned())))
        .ok_or("委託契約と利用目的を選んでください")?;
    let list_id = f
        .list_id
        .parse::<i64>()
        .map_err(|_| "対象者リストを選んでください")?;
    let deadline = itaku_jp::parse_date(f.deadline.trim()).map_err(|e| format!("受診期限{e}"))?;
    Ok(itaku_service::NewCampaign {
        name: f.name.clone(),
        kind: CampaignKind::parse(&f.kind).map_err(|e| e.to_string())?,
        contract_id: contract,
        purpose,
        list_id,
        deadline,
        desk_phone: f.desk_phone.clone(),
        clinics: f.clinics.clone(),
    })
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct DetailPage {
    layout: Layout,
    side_label: String,
    base: String,
    c: CampaignView,
    states: Vec<(&'static str, bool, bool)>,
    presets: Vec<(&'static str, &'static str)>,
    seg_text: String,
    seg_lines: Vec<String>,
    templates: Vec<TemplateCard>,
    placeholders: Vec<(&'static str, &'static str)>,
    arms: Option<ArmReport>,
    print_kinds: Vec<(&'static str, &'static str)>,
    runs: Vec<PrintRunView>,
    error: Option<String>,
    notice: Option<String>,
}

struct TemplateCard {
    segment: String,
    name: String,
    count: i64,
    title: String,
    body: String,
    current: Option<i64>,
    history: Vec<TemplateVersion>,
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    preset: String,
    #[serde(default)]
    notice: String,
}

async fn detail(
    st: &AppState,
    a: &Authed,
    side: &Side,
    id: i64,
    q: DetailQuery,
    error: Option<String>,
    seg_override: Option<String>,
) -> Result<Response, WebError> {
    let c = st.svc.campaign(&side.actor, id).await?;
    let fy = c.fiscal_year as i32;
    let seg_text = match seg_override {
        Some(t) => t,
        None => match segmentation_presets(fy)
            .into_iter()
            .find(|(k, _, _)| *k == q.preset)
        {
            Some((_, _, s)) => s.to_toml(),
            None => c
                .segmentation
                .as_ref()
                .map(Segmentation::to_toml)
                .unwrap_or_else(|| {
                    segmentation_presets(fy)
                        .into_iter()
                        .next()
                        .map(|p| p.2.to_toml())
                        .unwrap_or_default()
                }),
        },
    };
    let versions = st.svc.templates(&side.actor, id).await?;
    let templates = c
        .segments
        .iter()
        .map(|s: &SegmentCount| {
            let history: Vec<TemplateVersion> = versions
                .iter()
                .filter(|t| t.segment == s.code)
                .cloned()
                .collect();
            let (title, body) = match history.first() {
                Some(t) => (t.title.clone(), t.body.clone()),
                // Seed 002: loss framing for those who never or no longer come.
                None => itaku_service::default_template(
                    &s.name,
                    matches!(s.code.as_str(), "never" | "lapsed"),
                ),
            };
            TemplateCard {
                segment: s.code.clone(),
                name: s.name.clone(),
                count: s.count,
                title,
                body,
                current: history.first().map(|t| t.version),
                history,
            }
        })
        .collect();
    let arms = st.svc.arm_report(&side.actor, id).await?;
    let runs = st.svc.print_runs(&side.actor, id).await?;
    let states = CampaignState::ALL
        .iter()
        .map(|s| (s.label(), *s == c.state, *s < c.state))
        .collect();
    let print_kinds = PrintKind::ALL
        .iter()
        .filter(|k| match c.kind {
            CampaignKind::Postcard => **k != PrintKind::Vouchers,
            CampaignKind::Voucher => **k != PrintKind::Postcards,
        })
        .map(|k| (k.code(), k.label()))
        .collect();
    let seg_lines = c
        .segmentation
        .as_ref()
        .map(Segmentation::describe)
        .unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let current = if side.ward { "/ward/campaigns" } else { "" };
    let page = DetailPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, current),
        side_label: side.label.clone(),
        base: side.base.clone(),
        presets: segmentation_presets(fy)
            .into_iter()
            .map(|(k, t, _)| (k, t))
            .collect(),
        seg_text,
        seg_lines,
        templates,
        placeholders: PLACEHOLDERS.to_vec(),
        arms,
        print_kinds,
        runs,
        states,
        c,
        error,
        notice: (!q.notice.is_empty()).then_some(q.notice),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn ward_detail(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    detail(&st, &a, &ward_side(&a), id, q, None, None).await
}

pub async fn contract_detail(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let side = contract_side(&a, contract, &purpose);
    detail(&st, &a, &side, id, q, None, None).await
}

/// Every form on the detail page, as sent.
#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    segmentation: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    arm1_label: String,
    #[serde(default)]
    arm1_weight: String,
    #[serde(default)]
    arm2_label: String,
    #[serde(default)]
    arm2_weight: String,
    #[serde(default)]
    multiplier: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    eligibility: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    page_ref: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    member: String,
    #[serde(default)]
    note: String,
}

/// What a form asks for, from the last path segment.
#[derive(Clone, Copy)]
pub enum Act {
    Segment,
    Template,
    Arms,
    Print,
    Returned,
    State,
    Reissue,
    Identify,
}

fn parse_weight(s: &str) -> Result<u32, ServiceError> {
    let t = itaku_jp::fold_width(s.trim());
    match t.parse::<u32>() {
        Ok(n) if (1..=20).contains(&n) => Ok(n),
        _ => Err(ServiceError::Invalid(format!(
            "比率「{}」は1〜20の整数で入力してください",
            s.trim()
        ))),
    }
}

async fn act(
    st: &AppState,
    a: &Authed,
    side: Side,
    id: i64,
    what: Act,
    f: ActionForm,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let svc = &st.svc;
    let here = format!("{}/{id}", side.base);
    let result: Result<String, ServiceError> = async {
        match what {
            Act::Segment => {
                let s = Segmentation::from_toml(&f.segmentation)
                    .map_err(|e| ServiceError::Invalid(e.to_string()))?;
                let counts = svc.apply_segmentation(&side.actor, id, &s).await?;
                let total: i64 = counts.iter().map(|c| c.count).sum();
                Ok(format!("区分を確定しました（{total}人）"))
            }
            Act::Template => {
                let v = svc
                    .save_template(&side.actor, id, &f.segment, &f.title, &f.body)
                    .await?;
                Ok(format!("文面を保存しました（第{v}版）"))
            }
            Act::Arms => {
                let mut req = itaku_service::ArmRequest::notice_and_call();
                req.arms[0].label = f.arm1_label.trim().to_owned();
                req.arms[0].weight = parse_weight(&f.arm1_weight)?;
                req.arms[1].label = f.arm2_label.trim().to_owned();
                req.arms[1].weight = parse_weight(&f.arm2_weight)?;
                req.block_multiplier = parse_weight(&f.multiplier)?;
                req.seed = Some(f.seed.clone());
                req.eligibility = if f.eligibility == "all" {
                    itaku_service::Eligibility::All
                } else {
                    itaku_service::Eligibility::Callable
                };
                let r = svc.assign_arms(&side.actor, id, &req).await?;
                let parts: Vec<String> = r
                    .arm_labels
                    .iter()
                    .zip(&r.arm_counts)
                    .map(|(l, n)| format!("{l} {n}人"))
                    .collect();
                Ok(format!("割付を行いました: {}", parts.join("、")))
            }
            Act::Print => {
                let kind = PrintKind::parse(&f.kind)?;
                let req = itaku_service::PrintRequest {
                    segment: (!f.segment.is_empty()).then(|| f.segment.clone()),
                    only: None,
                    note: f.note.clone(),
                    ..Default::default()
                };
                let run = svc.create_print_run(&side.actor, id, kind, &req).await?;
                Ok(format!(
                    "印刷番号 {} を作成しました（{}人・{}ページ）。下の印刷台帳からファイルを取り出してください",
                    run.run_ref, run.persons, run.pages
                ))
            }
            Act::Returned => {
                let p = svc.record_returned(&side.actor, &f.page_ref, &f.reason).await?;
                Ok(format!(
                    "{}（{} 様）を返戻（宛所不明）として記録しました。以後この勧奨では印刷されません",
                    p.page_ref, p.shimei
                ))
            }
            Act::Identify => {
                let p = svc.identify_page(&side.actor, &f.page_ref).await?;
                let returned = if p.returned_at.is_some() {
                    "（返戻記録あり）"
                } else {
                    ""
                };
                Ok(format!(
                    "{} は {} 様あてのページです（印刷 R{:05} の {} 番目）{returned}",
                    p.page_ref, p.shimei, p.run_id, p.seq
                ))
            }
            Act::Reissue => {
                let no = itaku_jp::fold_width(f.member.trim());
                let member: i64 = no.trim_start_matches("No.").parse().map_err(|_| {
                    ServiceError::Invalid(format!(
                        "対象者番号「{}」は数字で入力してください",
                        f.member.trim()
                    ))
                })?;
                let req = itaku_service::PrintRequest {
                    segment: None,
                    only: Some(vec![member]),
                    note: format!("再発行: {}", f.note.trim()),
                    ..Default::default()
                };
                let run = svc
                    .create_print_run(&side.actor, id, PrintKind::Vouchers, &req)
                    .await?;
                Ok(format!(
                    "受診票の再発行 {} を作成しました。下の印刷台帳から印刷してください",
                    run.run_ref
                ))
            }
            Act::State => {
                let to = match f.to.as_str() {
                    "in_contact" => CampaignState::InContact,
                    "closed" => CampaignState::Closed,
                    _ => return Err(ServiceError::Invalid("状態を選んでください".into())),
                };
                svc.advance_campaign(&side.actor, id, to, &f.note).await?;
                Ok(format!("状態を「{}」にしました", to.label()))
            }
        }
    }
    .await;
    match result {
        Ok(notice) => {
            let url = format!("{here}?notice={}", urlencode(&notice));
            Ok(Redirect::to(&url).into_response())
        }
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let seg = matches!(what, Act::Segment).then_some(f.segmentation);
            detail(
                st,
                a,
                &side,
                id,
                DetailQuery::default(),
                Some(e.to_string()),
                seg,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn act_of(name: &str) -> Result<Act, WebError> {
    Ok(match name {
        "segments" => Act::Segment,
        "templates" => Act::Template,
        "arms" => Act::Arms,
        "print" => Act::Print,
        "returned" => Act::Returned,
        "state" => Act::State,
        "reissue" => Act::Reissue,
        "identify" => Act::Identify,
        _ => return Err(WebError::NotFound),
    })
}

pub async fn ward_act(
    State(st): State<AppState>,
    a: Authed,
    Path((id, name)): Path<(i64, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let what = act_of(&name)?;
    act(&st, &a, ward_side(&a), id, what, f).await
}

pub async fn contract_act(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id, name)): Path<(i64, String, i64, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, WebError> {
    let what = act_of(&name)?;
    act(&st, &a, contract_side(&a, contract, &purpose), id, what, f).await
}

#[derive(Template)]
#[template(path = "campaign_segments_preview.html")]
struct PreviewFragment {
    counts: Vec<SegmentCount>,
    total: i64,
    error: Option<String>,
}

/// htmx: the sizes a segmentation would give.
async fn preview(
    st: &AppState,
    a: &Authed,
    side: Side,
    id: i64,
    f: ActionForm,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let result = match Segmentation::from_toml(&f.segmentation) {
        Ok(s) => st.svc.preview_segmentation(&side.actor, id, &s).await,
        Err(e) => Err(ServiceError::Invalid(e.to_string())),
    };
    let page = match result {
        Ok(counts) => PreviewFragment {
            total: counts.iter().map(|c| c.count).sum(),
            counts,
            error: None,
        },
        Err(e) => PreviewFragment {
            counts: Vec::new(),
            total: 0,
            error: Some(public_message(&e)),
        },
    };
    Ok(render(&page)?.into_response())
}

pub async fn ward_preview(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    preview(&st, &a, ward_side(&a), id, f).await
}

pub async fn contract_preview(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, WebError> {
    preview(&st, &a, contract_side(&a, contract, &purpose), id, f).await
}

async fn download(st: &AppState, side: Side, run: i64, batch: i64) -> Result<Response, WebError> {
    let file = st.svc.render_batch(&side.actor, run, batch).await?;
    let disposition = format!("attachment; filename=\"{}\"", file.filename);
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response())
}

pub async fn ward_download(
    State(st): State<AppState>,
    a: Authed,
    Path((_id, run, batch)): Path<(i64, i64, i64)>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    download(&st, ward_side(&a), run, batch).await
}

pub async fn contract_download(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, _id, run, batch)): Path<(i64, String, i64, i64, i64)>,
) -> Result<Response, WebError> {
    download(&st, contract_side(&a, contract, &purpose), run, batch).await
}

#[derive(Template)]
#[template(path = "campaign_proof.html")]
struct ProofPage {
    layout: Layout,
    back: String,
    name: String,
    segment_name: String,
    src: String,
}

async fn proof_page(
    st: &AppState,
    a: &Authed,
    side: Side,
    id: i64,
    segment: String,
) -> Result<Response, WebError> {
    let c = st.svc.campaign(&side.actor, id).await?;
    let segment_name = c
        .segments
        .iter()
        .find(|s| s.code == segment)
        .map(|s| s.name.clone())
        .ok_or(WebError::NotFound)?;
    let current = if side.ward { "/ward/campaigns" } else { "" };
    let page = ProofPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, current),
        back: format!("{}/{id}#templates", side.base),
        src: format!("{}/{id}/proof/{segment}", side.base),
        name: c.name,
        segment_name,
    };
    Ok(render(&page)?.into_response())
}

async fn proof_png(
    st: &AppState,
    side: Side,
    id: i64,
    segment: &str,
    which: &str,
) -> Result<Response, WebError> {
    let side_no = match which {
        "address.png" => 0,
        "message.png" => 1,
        _ => return Err(WebError::NotFound),
    };
    let png = st
        .svc
        .proof_postcard(&side.actor, id, segment, side_no)
        .await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

pub async fn ward_proof(
    State(st): State<AppState>,
    a: Authed,
    Path((id, segment)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    proof_page(&st, &a, ward_side(&a), id, segment).await
}

pub async fn contract_proof(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id, segment)): Path<(i64, String, i64, String)>,
) -> Result<Response, WebError> {
    proof_page(&st, &a, contract_side(&a, contract, &purpose), id, segment).await
}

pub async fn ward_proof_png(
    State(st): State<AppState>,
    a: Authed,
    Path((id, segment, which)): Path<(i64, String, String)>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    proof_png(&st, ward_side(&a), id, &segment, &which).await
}

pub async fn contract_proof_png(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id, segment, which)): Path<(i64, String, i64, String, String)>,
) -> Result<Response, WebError> {
    proof_png(
        &st,
        contract_side(&a, contract, &purpose),
        id,
        &segment,
        &which,
    )
    .await
}
