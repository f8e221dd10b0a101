//! Sign-in (password + TOTP, one form, one answer for every failure),
//! escalating lockout by login name, server-side sessions, step-up.

use crate::error::{Result, ServiceError};
use crate::time::{parse_ts, ts};
use crate::view::UserView;
use crate::Service;
use chrono::Duration;
use itaku_core::Role;
use itaku_crypto::{
    dummy_verify, hash_password, random_token, token_digest, verify_password, PasswordCheck,
    TotpSecret,
};
use itaku_store::{NewAuditEntry, SessionRow, Tx};
use std::net::IpAddr;

/// Failures allowed before the first lock; each further failure doubles it.
const FREE_FAILURES: i64 = 5;
const MAX_LOCK_MINUTES: i64 = 60;
/// How long a step-up (re-entered password and code) counts.
const STEP_UP_MINUTES: i64 = 5;

pub struct SignIn {
    pub login: String,
    pub password: String,
    pub totp: String,
    pub ip: Option<IpAddr>,
    pub client_cert: Option<String>,
    pub request_id: String,
    /// A session cookie presented with the sign-in is ended, never reused.
    pub previous_session: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session id for the cookie. Only its digest is stored.
    pub token: String,
    pub csrf: String,
    pub user: UserView,
}

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub digest: String,
    pub user: UserView,
    pub csrf: String,
    pub stepped_up: bool,
    pub client_cert: Option<String>,
    /// The kinds of contract work the user is designated for, so the menu
    /// offers only those (access is still decided per operation).
    pub work: WorkMenu,
}

/// Which contract workplaces a user has, from their designations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkMenu {
    /// A purpose with the desk's items (受診券整理番号 and がん検診の種類).
    pub desk: bool,
    /// A purpose with the 滞納整理票 entry items.
    pub tainou: bool,
    /// A purpose of seed 003's seminar job that sees 氏名 (reception and
    /// the 責任者, who plans the events).
    pub seminars: bool,
    /// A purpose with アンケート (questionnaires).
    pub anketo: bool,
    /// Any designation at all (the complaints record is every contract's).
    pub any: bool,
}

impl WorkMenu {
    fn of(purposes: &[(String, String, String)]) -> Result<Self> {
        let mut m = WorkMenu::default();
        let desk = crate::desk::desk_items();
        let tainou = crate::tainou::entry_items();
        for (job, _, items) in purposes {
            let items = itaku_core::ItemSet::parse_codes(items)?;
            m.any = true;
            m.desk |= desk.is_subset(&items);
            m.tainou |= tainou.is_subset(&items);
            m.seminars |=
                job == crate::seminars::JOB_CODE && items.contains(itaku_core::Item::Shimei);
            m.anketo |= items.contains(itaku_core::Item::Anketo);
        }
        Ok(m)
    }
}

pub(crate) fn totp_aad(login: &str) -> Vec<u8> {
    format!("totp:{login}").into_bytes()
}

fn lock_minutes(failures: i64) -> Option<i64> {
    (failures >= FREE_FAILURES).then(|| {
        let exp = (failures - FREE_FAILURES).min(6) as u32;
        (1i64 << exp).min(MAX_LOCK_MINUTES)
    })
}

impl Service {
    pub async fn sign_in(&self, s: SignIn) -> Result<SignedIn> {
        let now = self.now();
        let login = s.login.trim().to_owned();
        let mut tx = self.inner.store.begin().await?;
        tx.audit_lock_head()
            .await
            .map_err(|_| ServiceError::AuditFailed)?;
        let (failures, locked_until) = tx.throttle(&login).await?;
        let locked = locked_until
            .as_deref()
            .and_then(parse_ts)
            .is_some_and(|t| t > now);
        let user = tx.user_by_login(&login).await?;

        // Same work whether the user exists or not, locked or not.
        let password_ok = match (&user, locked) {
            (Some(u), false) => match verify_password(&u.password_hash, &s.password)? {
                PasswordCheck::Valid { needs_rehash } => Some(needs_rehash),
                PasswordCheck::Invalid => None,
            },
            _ => {
                dummy_verify(&s.password);
                None
            }
        };
        let mut totp_step = None;
        if let (Some(u), Some(_)) = (&user, password_ok) {
            if u.active != 0 {
                totp_step = self.check_totp(
                    u.totp_secret.as_deref(),
                    &u.login,
                    &s.totp,
                    u.totp_last_step,
                    now.timestamp(),
                )?;
            }
        }
        let mut entry = NewAuditEntry {
            at: ts(now),
            actor_user_id: user.as_ref().map(|u| u.id),
            actor: user
                .as_ref()
                .map(|u| format!("{} ({})", u.display_name, u.login))
                .unwrap_or_else(|| format!("不明なID「{login}」")),
            role: user.as_ref().map(|u| u.role.clone()).unwrap_or_default(),
            terminal: s.ip.map(|i| i.to_string()).unwrap_or_default(),
            action: "sign_in".into(),
            target: "session".into(),
            outcome: "deny".into(),
            request_id: s.request_id.clone(),
            ..Default::default()
        };
        let (Some(u), Some(needs_rehash), Some(step)) = (&user, password_ok, totp_step) else {
            // Attempts during a lock are refused without extending it, so a
            // stranger cannot keep a clerk locked out indefinitely by guessing.
            if locked {
                entry.reason = "locked".into();
            } else {
                let failures = failures + 1;
                let until = lock_minutes(failures).map(|m| ts(now + Duration::minutes(m)));
                tx.set_throttle(&login, failures, until.as_deref()).await?;
                entry.reason = format!("failures={failures}");
            }
            self.append_audit(&mut tx, &entry).await?;
            tx.commit().await?;
            return Err(if locked {
                ServiceError::Invalid("サインインの失敗が続いたため、一時的にロックしています。しばらくしてから再度お試しください。".into())
            } else {
                ServiceError::SignInFailed
            });
        };
        if needs_rehash {
            tx.set_password_hash(u.id, &hash_password(&s.password)?)
                .await?;
        }
        tx.set_totp_last_step(u.id, step as i64).await?;
        tx.set_throttle(&login, 0, None).await?;
        if let Some(prev) = &s.previous_session {
            tx.end_session(&token_digest(prev), &ts(now), "replaced_at_sign_in")
                .await?;
        }
        let token = random_token();
        let csrf = random_token();
        tx.insert_session(&SessionRow {
            id_digest: token_digest(&token),
            user_id: u.id,
            csrf_token: csrf.clone(),
            ip: s.ip.map(|i| i.to_string()),
            client_cert: s.client_cert.clone(),
            created_at: ts(now),
            last_seen_at: ts(now),
            expires_at: ts(now + Duration::hours(self.inner.settings.session_absolute_hours)),
            stepped_up_at: None,
            ended_at: None,
        })
        .await?;
        entry.outcome = "allow".into();
        self.append_audit(&mut tx, &entry).await?;
        let user = self.user_view(&mut tx, u.id).await?;
        tx.commit().await?;
        Ok(SignedIn { token, csrf, user })
    }

    fn check_totp(
        &self,
        sealed: Option<&[u8]>,
        login: &str,
        code: &str,
        last: Option<i64>,
        now: i64,
    ) -> Result<Option<u64>> {
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let secret = self.inner.user_secrets.open(&totp_aad(login), sealed)?;
        let secret = TotpSecret::from_base32(&String::from_utf8_lossy(&secret))?;
        Ok(secret.verify(code, now.max(0) as u64, last.map(|l| l.max(0) as u64)))
    }

    /// The session behind a cookie, if it is live. Ends it when idle too long.
    pub async fn session(&self, token: &str, client_cert: Option<&str>) -> Result<SessionInfo> {
        let now = self.now();
        let digest = token_digest(token);
        let mut tx = self.inner.store.begin().await?;
        let Some(row) = tx.session(&digest).await? else {
            return Err(ServiceError::Unauthenticated);
        };
        if row.ended_at.is_some() {
            return Err(ServiceError::Unauthenticated);
        }
        let expired = parse_ts(&row.expires_at).is_none_or(|t| t <= now);
        let last = parse_ts(&row.last_seen_at);
        let idle = last
            .is_none_or(|t| t + Duration::minutes(self.inner.settings.session_idle_minutes) <= now);
        if expired || idle {
            tx.end_session(&digest, &ts(now), if expired { "expired" } else { "idle" })
                .await?;
            tx.commit().await?;
            return Err(ServiceError::Unauthenticated);
        }
        // A session opened with a terminal certificate stays bound to it.
        if row.client_cert.is_some() && row.client_cert.as_deref() != client_cert {
            return Err(ServiceError::Unauthenticated);
        }
        let user = self.user_view(&mut tx, row.user_id).await?;
        if !user.active {
            return Err(ServiceError::Unauthenticated);
        }
        let work = if matches!(user.role, Role::Handler | Role::ContractorResponsible) {
            WorkMenu::of(&tx.designated_purposes(row.user_id).await?)?
        } else {
            WorkMenu::default()
        };
        if last.is_some_and(|t| t + Duration::seconds(30) <= now) {
            tx.touch_session(&digest, &ts(now)).await?;
        }
        tx.commit().await?;
        let stepped_up = row
            .stepped_up_at
            .as_deref()
            .and_then(parse_ts)
            .is_some_and(|t| t + Duration::minutes(STEP_UP_MINUTES) > now);
        Ok(SessionInfo {
            digest,
            user,
            csrf: row.csrf_token,
            stepped_up,
            client_cert: row.client_cert,
            work,
        })
    }

    pub async fn sign_out(&self, token: &str, request_id: &str) -> Result<()> {
        let now = self.now();
        let digest = token_digest(token);
        let mut tx = self.inner.store.begin().await?;
        tx.audit_lock_head()
            .await
            .map_err(|_| ServiceError::AuditFailed)?;
        let Some(row) = tx.session(&digest).await? else {
            return Ok(());
        };
        if tx.end_session(&digest, &ts(now), "sign_out").await? == 1 {
            let entry = NewAuditEntry {
                at: ts(now),
                actor_user_id: Some(row.user_id),
                actor: self.user_label(&mut tx, row.user_id).await?,
                terminal: row.ip.unwrap_or_default(),
                action: "sign_out".into(),
                target: "session".into(),
                outcome: "allow".into(),
                request_id: request_id.into(),
                ..Default::default()
            };
            self.append_audit(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Re-enter password and code before exports, erasure and role changes.
    pub async fn step_up(
        &self,
        token: &str,
        password: &str,
        totp: &str,
        request_id: &str,
    ) -> Result<()> {
        let now = self.now();
        let digest = token_digest(token);
        let mut tx = self.inner.store.begin().await?;
        tx.audit_lock_head()
            .await
            .map_err(|_| ServiceError::AuditFailed)?;
        let row = tx
            .session(&digest)
            .await?
            .filter(|r| r.ended_at.is_none())
            .ok_or(ServiceError::Unauthenticated)?;
        let u = tx
            .user(row.user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let ok = matches!(
            verify_password(&u.password_hash, password)?,
            PasswordCheck::Valid { .. }
        );
        let step = if ok {
            self.check_totp(
                u.totp_secret.as_deref(),
                &u.login,
                totp,
                u.totp_last_step,
                now.timestamp(),
            )?
        } else {
            None
        };
        let mut entry = NewAuditEntry {
            at: ts(now),
            actor_user_id: Some(u.id),
            actor: format!("{} ({})", u.display_name, u.login),
            role: u.role.clone(),
            terminal: row.ip.clone().unwrap_or_default(),
            action: "step_up".into(),
            target: "session".into(),
            outcome: "deny".into(),
            request_id: request_id.into(),
            ..Default::default()
        };
        let Some(step) = step else {
            self.append_audit(&mut tx, &entry).await?;
            tx.commit().await?;
            return Err(ServiceError::SignInFailed);
        };
        tx.set_totp_last_step(u.id, step as i64).await?;
        tx.step_up_session(&digest, &ts(now)).await?;
        entry.outcome = "allow".into();
        self.append_audit(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn user_label(&self, tx: &mut Tx, user_id: i64) -> Result<String> {
        Ok(tx
            .user(user_id)
            .await?
            .map(|u| format!("{} ({})", u.display_name, u.login))
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::lock_minutes;

    #[test]
    fn lockout_escalates_and_is_capped() {
        assert_eq!(lock_minutes(4), None);
        assert_eq!(lock_minutes(5), Some(1));
        assert_eq!(lock_minutes(6), Some(2));
        assert_eq!(lock_minutes(8), Some(8));
        assert_eq!(lock_minutes(11), Some(60));
        assert_eq!(lock_minutes(50), Some(60));
    }
}
