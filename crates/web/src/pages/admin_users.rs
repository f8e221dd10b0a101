//! 利用者: creating users (the TOTP secret is shown once, on the answer to
//! the form), stopping and restarting them, changing a role (after a
//! step-up), and recording their privacy training (教育).

use super::admin_common::{
    form_date, form_id, invalid, path_id, require_admin, respond, subnav, today, training_state,
    Choice, Failure, Fields, SubNavItem, TrainingState,
};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use itaku_core::{OrgKind, Role};
use itaku_service::{NewUserSpec, ServiceError, UserView};
use serde::Deserialize;

struct UserRow {
    id: i64,
    login: String,
    display_name: String,
    org_name: String,
    role_label: String,
    active: bool,
    is_self: bool,
    training: TrainingState,
}

#[derive(Default)]
struct NewUserForm {
    org_id: String,
    login: String,
    display_name: String,
    role: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    message: Option<String>,
    error: Option<String>,
    rows: Vec<UserRow>,
    orgs: Vec<Choice>,
    roles: Vec<Choice>,
    form: NewUserForm,
}

#[derive(Template)]
#[template(path = "admin_user_created.html")]
struct UserCreatedPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    user_id: i64,
    login: String,
    display_name: String,
    org_name: String,
    role_label: String,
    secret: String,
    secret_grouped: String,
    uri: String,
}

struct TrainingForm {
    course: String,
    completed_on: String,
    valid_until: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    message: Option<String>,
    error: Option<String>,
    user: UserView,
    training: TrainingState,
    needs_training: bool,
    is_self: bool,
    roles: Vec<Choice>,
    role_notice: Option<String>,
    training_form: TrainingForm,
}

#[derive(Deserialize, Default)]
pub struct UserQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    role: String,
}

/// Roles that fit an organisation: the ward's roles for the ward's people,
/// the contractors' roles for everyone else. Never the system role.
fn roles_for(kind: Option<OrgKind>) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::System)
        .filter(|r| kind.is_none_or(|k| r.is_ward() == (k == OrgKind::Ward)))
        .collect()
}

fn role_choices(roles: &[Role], selected: &str) -> Vec<Choice> {
    roles
        .iter()
        .map(|r| Choice {
            value: r.code().into(),
            label: r.label().into(),
            selected: r.code() == selected,
        })
        .collect()
}

async fn list(
    st: &AppState,
    a: &Authed,
    status: StatusCode,
    message: Option<String>,
    error: Option<String>,
    form: NewUserForm,
) -> Result<Response, WebError> {
    require_admin(a)?;
    let actor = a.actor();
    let users = st.svc.users(&actor).await?;
    let orgs = st.svc.orgs(&actor).await?;
    let day = today(st);
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            training: training_state(
                u.training_valid_until.as_deref(),
                u.org_kind != OrgKind::Ward,
                day,
            ),
            is_self: u.id == a.session.user.id,
            id: u.id,
            login: u.login,
            display_name: u.display_name,
            org_name: u.org_name,
            role_label: u.role_label,
            active: u.active,
        })
        .collect();
    let orgs = orgs
        .into_iter()
        .map(|o| Choice {
            selected: o.id.to_string() == form.org_id,
            value: o.id.to_string(),
            label: format!("{}（{}）", o.name, o.kind_label),
        })
        .collect();
    respond(
        status,
        &UsersPage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/admin"),
            subnav: subnav("/admin/users"),
            message,
            error,
            rows,
            orgs,
            roles: role_choices(&roles_for(None), &form.role),
            form,
        },
    )
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<UserQuery>,
) -> Result<Response, WebError> {
    let message = match q.done.as_str() {
        "active" => Some("利用者を再開しました。".to_owned()),
        "inactive" => {
            Some("利用者を停止しました。その利用者のセッションはすべて終了しました。".to_owned())
        }
        _ => None,
    };
    list(
        &st,
        &a,
        StatusCode::OK,
        message,
        None,
        NewUserForm::default(),
    )
    .await
}

pub async fn create(
    State(st): State<AppState>,
    a: Authed,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let form = NewUserForm {
        org_id: f.get("org_id"),
        login: f.get("login").trim().to_owned(),
        display_name: f.get("display_name"),
        role: f.get("role"),
    };
    let (password, confirm) = (f.get("password"), f.get("password_confirm"));
    match try_create(&st, &a, &form, &password, &confirm).await {
        Ok((id, secret)) => created(&st, &a, id, secret).await,
        Err(Failure::Web(e)) => Err(e),
        Err(Failure::Input(status, m)) => list(&st, &a, status, None, Some(m), form).await,
    }
}

async fn try_create(
    st: &AppState,
    a: &Authed,
    form: &NewUserForm,
    password: &str,
    confirm: &str,
) -> Result<(i64, String), Failure> {
    let org_id = form_id(&form.org_id, "組織")?;
    let role = Role::parse(&form.role).map_err(|_| invalid("役割を選んでください"))?;
    if password != confirm {
        return Err(invalid("確認のために入力したパスワードが一致しません"));
    }
    let spec = NewUserSpec {
        org_id,
        login: &form.login,
        display_name: &form.display_name,
        role,
        password,
    };
    Ok(st.svc.create_user(&a.actor(), &spec).await?)
}

/// The answer to the creation form: the only time the secret is shown.
async fn created(st: &AppState, a: &Authed, id: i64, secret: String) -> Result<Response, WebError> {
    let users = st.svc.users(&a.actor()).await?;
    let u = users
        .into_iter()
        .find(|u| u.id == id)
        .ok_or(WebError::NotFound)?;
    let uri = itaku_crypto::TotpSecret::from_base32(&secret)
        .map_err(|e| WebError::Service(ServiceError::from(e)))?
        .otpauth_uri("itaku", &u.login);
    let secret_grouped = secret
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    respond(
        StatusCode::OK,
        &UserCreatedPage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/admin"),
            subnav: subnav("/admin/users"),
            user_id: u.id,
            login: u.login,
            display_name: u.display_name,
            org_name: u.org_name,
            role_label: u.role_label,
            secret,
            secret_grouped,
            uri,
        },
    )
}

#[allow(clippy::too_many_arguments)]
async fn one(
    st: &AppState,
    a: &Authed,
    id: i64,
    status: StatusCode,
    message: Option<String>,
    error: Option<String>,
    role: Option<String>,
    training_form: Option<TrainingForm>,
) -> Result<Response, WebError> {
    require_admin(a)?;
    let user = st
        .svc
        .users(&a.actor())
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or(WebError::NotFound)?;
    let day = today(st);
    let needs_training = user.org_kind != OrgKind::Ward;
    let role_notice = match &role {
        Some(_) if a.session.stepped_up && error.is_none() => Some(
            "本人確認が済みました。変更後の役割を確かめて、もう一度「役割を変更する」を押してください。"
                .to_owned(),
        ),
        _ => None,
    };
    let selected = role.unwrap_or_else(|| user.role.code().to_owned());
    let training_form = training_form.unwrap_or_else(|| TrainingForm {
        course: String::new(),
        completed_on: day.to_string(),
        valid_until: day
            .checked_add_months(chrono::Months::new(12))
            .and_then(|d| d.pred_opt())
            .map(|d| d.to_string())
            .unwrap_or_default(),
    });
    respond(
        status,
        &UserPage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/admin"),
            subnav: subnav("/admin/users"),
            message,
            error,
            training: training_state(user.training_valid_until.as_deref(), needs_training, day),
            needs_training,
            is_self: user.id == a.session.user.id,
            roles: role_choices(&roles_for(Some(user.org_kind)), &selected),
            role_notice,
            training_form,
            user,
        },
    )
}

pub async fn detail(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<UserQuery>,
) -> Result<Response, WebError> {
    let id = path_id(&id)?;
    let message = match q.done.as_str() {
        "role" => {
            Some("役割を変更しました。その利用者のセッションはすべて終了しました。".to_owned())
        }
        "training" => Some("研修の受講を記録しました。".to_owned()),
        "active" => Some("利用者を再開しました。".to_owned()),
        "inactive" => {
            Some("利用者を停止しました。その利用者のセッションはすべて終了しました。".to_owned())
        }
        _ => None,
    };
    let role = (!q.role.is_empty()).then_some(q.role);
    one(&st, &a, id, StatusCode::OK, message, None, role, None).await
}

pub async fn set_active(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let id = path_id(&id)?;
    let active = f.get("active") == "1";
    let done = if active { "active" } else { "inactive" };
    match st.svc.set_user_active(&a.actor(), id, active).await {
        Ok(()) if f.get("back") == "list" => {
            Ok(Redirect::to(&format!("/admin/users?done={done}")).into_response())
        }
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response()),
        Err(e) => match Failure::from(e) {
            Failure::Web(e) => Err(e),
            Failure::Input(status, m) => one(&st, &a, id, status, None, Some(m), None, None).await,
        },
    }
}

pub async fn set_role(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let id = path_id(&id)?;
    let code = f.get("role");
    let result = match Role::parse(&code) {
        Ok(role) => st
            .svc
            .set_user_role(&a.actor(), id, role)
            .await
            .map_err(|e| match e {
                // Through /stepup and back to this form, the choice kept.
                ServiceError::StepUpRequired => Failure::Web(WebError::StepUp(format!(
                    "/admin/users/{id}?role={}",
                    role.code()
                ))),
                e => Failure::from(e),
            }),
        Err(_) => Err(invalid("役割を選んでください")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?done=role")).into_response()),
        Err(Failure::Web(e)) => Err(e),
        Err(Failure::Input(status, m)) => {
            one(&st, &a, id, status, None, Some(m), Some(code), None).await
        }
    }
}

pub async fn training(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let id = path_id(&id)?;
    let form = TrainingForm {
        course: f.get("course"),
        completed_on: f.get("completed_on"),
        valid_until: f.get("valid_until"),
    };
    match try_training(&st, &a, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?done=training")).into_response()),
        Err(Failure::Web(e)) => Err(e),
        Err(Failure::Input(status, m)) => {
            one(&st, &a, id, status, None, Some(m), None, Some(form)).await
        }
    }
}

async fn try_training(
    st: &AppState,
    a: &Authed,
    id: i64,
    form: &TrainingForm,
) -> Result<(), Failure> {
    let completed = form_date(&form.completed_on, "受講日")?;
    let until = form_date(&form.valid_until, "有効期限")?;
    st.svc
        .record_training(&a.actor(), id, &form.course, completed, until)
        .await?;
    Ok(())
}
