//! [`UserRepository`] over `users` (accounts, roles, suspensions, search, the withdrawn-account
//! purge); [`codes`] holds the email codes.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_common::{audit::AuditEntry, paging::KeysetRequest};
use cercat_user::{
    Email, Nickname, Role, Suspension, User, UserStatus,
    model::NewUser,
    ports::{RoleChange, UserFilter, UserRepository},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, LikeExpr},
};

use crate::{db::Db, entity::user};

mod codes;

/// Accounts and email codes.
#[derive(Clone, Debug)]
pub struct SqlUserRepository {
    db: Db,
}

impl SqlUserRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn to_domain(m: user::Model) -> Result<User, PortError> {
    let suspension = match (m.suspension_reason, m.suspended_at) {
        (Some(reason), Some(since)) => Some(Suspension { reason, until: m.suspended_until, since }),
        (None, _) => None,
        (Some(_), None) => return Err(PortError::Corrupt(format!("user {}: a suspension without a start", m.id))),
    };
    Ok(User {
        suspension,
        role: Role::parse(&m.role).ok_or_else(|| PortError::Corrupt(format!("user {}: role {}", m.id, m.role)))?,
        id: m.id,
        email: m.email,
        nickname: m.nickname,
        password_hash: m.password_hash,
        profile_image_key: m.profile_image_key,
        withdrawn_at: m.withdrawn_at,
        created_at: m.created_at,
    })
}

#[async_trait]
impl UserRepository for SqlUserRepository {
    async fn find(&self, id: i64) -> Result<Option<User>, PortError> {
        let row = self
            .db
            .run(user::Entity::find_by_id(id).filter(user::Column::WithdrawnAt.is_null()).one(self.db.conn()))
            .await?;
        row.map(to_domain).transpose()
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, PortError> {
        let row = self
            .db
            .run(user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(self.db.conn()))
            .await?;
        row.map(to_domain).transpose()
    }

    async fn find_by_oauth(&self, provider: &str, subject: &str) -> Result<Option<User>, PortError> {
        let row = self
            .db
            .run(
                user::Entity::find()
                    .filter(user::Column::OauthProvider.eq(provider))
                    .filter(user::Column::OauthSubject.eq(subject))
                    .one(self.db.conn()),
            )
            .await?;
        row.map(to_domain).transpose()
    }

    async fn create(&self, new: &NewUser, at: DateTime<Utc>) -> Result<User, PortError> {
        let (provider, subject) = new.oauth.clone().map_or((None, None), |(p, s)| (Some(p), Some(s)));
        let row = user::ActiveModel {
            email: Set(new.email.as_str().to_owned()),
            nickname: Set(new.nickname.as_str().to_owned()),
            role: Set(new.role.as_str().to_owned()),
            password_hash: Set(new.password_hash.clone()),
            profile_image_key: Set(None),
            oauth_provider: Set(provider),
            oauth_subject: Set(subject),
            withdrawn_at: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        };
        let id = self.db.run(user::Entity::insert(row).exec(self.db.conn())).await?.last_insert_id;
        self.find(id).await?.ok_or_else(|| PortError::Corrupt(format!("user {id} vanished after insert")))
    }

    async fn nickname_taken(&self, nickname: &Nickname, except: Option<i64>) -> Result<bool, PortError> {
        let mut query = user::Entity::find().filter(user::Column::Nickname.eq(nickname.as_str()));
        if let Some(id) = except {
            query = query.filter(user::Column::Id.ne(id));
        }
        Ok(self.db.run(query.count(self.db.conn())).await? > 0)
    }

    async fn update_profile(
        &self,
        id: i64,
        nickname: Option<&Nickname>,
        image_key: Option<Option<&str>>,
        at: DateTime<Utc>,
    ) -> Result<(), PortError> {
        let mut update = user::Entity::update_many().col_expr(user::Column::UpdatedAt, Expr::value(at));
        if let Some(n) = nickname {
            update = update.col_expr(user::Column::Nickname, Expr::value(n.as_str()));
        }
        if let Some(key) = image_key {
            update = update.col_expr(user::Column::ProfileImageKey, Expr::value(key.map(str::to_owned)));
        }
        let filter = update.filter(user::Column::Id.eq(id)).filter(user::Column::WithdrawnAt.is_null());
        self.db.run(filter.exec(self.db.conn())).await?;
        Ok(())
    }

    async fn set_role(&self, id: i64, role: Role, at: DateTime<Utc>) -> Result<(), PortError> {
        self.db
            .run(
                user::Entity::update_many()
                    .col_expr(user::Column::Role, Expr::value(role.as_str()))
                    .col_expr(user::Column::UpdatedAt, Expr::value(at))
                    .filter(user::Column::Id.eq(id))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(())
    }

    async fn change_role(
        &self,
        id: i64,
        from: Role,
        to: Role,
        keep_an_admin: bool,
        audit: &AuditEntry,
    ) -> Result<RoleChange, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                if keep_an_admin {
                    // Every active ADMIN row is locked (SQLite: the whole write lock) before
                    // counting, so a concurrent demotion waits here and then counts what this
                    // one left: two demotions of the last two admins cannot both pass.
                    let admins: Vec<i64> = user::Entity::find()
                        .select_only()
                        .column(user::Column::Id)
                        .filter(user::Column::Role.eq(Role::Admin.as_str()))
                        .filter(user::Column::WithdrawnAt.is_null())
                        .lock_exclusive()
                        .into_tuple()
                        .all(&txn)
                        .await?;
                    if !admins.iter().any(|admin| *admin != id) {
                        return Ok(RoleChange::NoOtherAdmin);
                    }
                }
                let changed = user::Entity::update_many()
                    .col_expr(user::Column::Role, Expr::value(to.as_str()))
                    .col_expr(user::Column::UpdatedAt, Expr::value(audit.at))
                    .filter(user::Column::Id.eq(id))
                    .filter(user::Column::Role.eq(from.as_str()))
                    .filter(user::Column::WithdrawnAt.is_null())
                    .exec(&txn)
                    .await?;
                if changed.rows_affected != 1 {
                    return Ok(RoleChange::Stale);
                }
                crate::audit::append_in(&txn, audit).await?;
                txn.commit().await?;
                Ok(RoleChange::Changed)
            })
            .await
    }

    async fn set_suspension(
        &self,
        id: i64,
        suspension: Option<&Suspension>,
        audit: &AuditEntry,
    ) -> Result<bool, PortError> {
        self.db
            .write(|| async move {
                let txn = self.db.begin_write().await?;
                let changed = user::Entity::update_many()
                    .col_expr(user::Column::SuspensionReason, Expr::value(suspension.map(|s| s.reason.clone())))
                    .col_expr(user::Column::SuspendedAt, Expr::value(suspension.map(|s| s.since)))
                    .col_expr(user::Column::SuspendedUntil, Expr::value(suspension.and_then(|s| s.until)))
                    .col_expr(user::Column::UpdatedAt, Expr::value(audit.at))
                    .filter(user::Column::Id.eq(id))
                    .filter(user::Column::WithdrawnAt.is_null())
                    .exec(&txn)
                    .await?;
                if changed.rows_affected != 1 {
                    return Ok(false);
                }
                crate::audit::append_in(&txn, audit).await?;
                txn.commit().await?;
                Ok(true)
            })
            .await
    }

    async fn find_any(&self, id: i64) -> Result<Option<User>, PortError> {
        let row = self.db.run(user::Entity::find_by_id(id).one(self.db.conn())).await?;
        row.map(to_domain).transpose()
    }

    async fn search(&self, filter: &UserFilter, page: &KeysetRequest) -> Result<Vec<User>, PortError> {
        let mut query = user::Entity::find();
        if let Some(q) = &filter.query {
            let escaped: String = q
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            let like = |text: String| LikeExpr::new(format!("%{text}%")).escape('\\');
            query = query.filter(
                Condition::any()
                    .add(Expr::col(user::Column::Email).like(like(escaped.to_lowercase())))
                    .add(Expr::col(user::Column::Nickname).like(like(escaped))),
            );
        }
        if let Some(role) = filter.role {
            query = query.filter(user::Column::Role.eq(role.as_str()));
        }
        // The same rule as `User::status_at`: a suspension whose end has passed is over.
        let suspended_now = || {
            Condition::all().add(user::Column::SuspensionReason.is_not_null()).add(
                Condition::any()
                    .add(user::Column::SuspendedUntil.is_null())
                    .add(user::Column::SuspendedUntil.gt(filter.now)),
            )
        };
        query = match filter.status {
            None => query,
            Some(UserStatus::Withdrawn) => query.filter(user::Column::WithdrawnAt.is_not_null()),
            Some(UserStatus::Suspended) => query.filter(user::Column::WithdrawnAt.is_null()).filter(suspended_now()),
            Some(UserStatus::Active) => query.filter(user::Column::WithdrawnAt.is_null()).filter(suspended_now().not()),
        };
        if let Some(after) = page.after {
            let at = chrono::SubsecRound::trunc_subsecs(after.at, 6);
            query = query.filter(
                Condition::any()
                    .add(user::Column::CreatedAt.lt(at))
                    .add(Condition::all().add(user::Column::CreatedAt.eq(at)).add(user::Column::Id.lt(after.id))),
            );
        }
        let rows = self
            .db
            .run(
                query
                    .order_by_desc(user::Column::CreatedAt)
                    .order_by_desc(user::Column::Id)
                    .limit(page.fetch_limit())
                    .all(self.db.conn()),
            )
            .await?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn set_email(&self, id: i64, email: &Email, at: DateTime<Utc>) -> Result<(), PortError> {
        self.db
            .run(
                user::Entity::update_many()
                    .col_expr(user::Column::Email, Expr::value(email.as_str()))
                    .col_expr(user::Column::UpdatedAt, Expr::value(at))
                    .filter(user::Column::Id.eq(id))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(())
    }

    async fn set_password(&self, id: i64, hash: &str, at: DateTime<Utc>) -> Result<(), PortError> {
        self.db
            .run(
                user::Entity::update_many()
                    .col_expr(user::Column::PasswordHash, Expr::value(Some(hash.to_owned())))
                    .col_expr(user::Column::UpdatedAt, Expr::value(at))
                    .filter(user::Column::Id.eq(id))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(())
    }

    async fn withdraw(&self, id: i64, at: DateTime<Utc>) -> Result<bool, PortError> {
        let res = self
            .db
            .run(
                user::Entity::update_many()
                    .col_expr(user::Column::WithdrawnAt, Expr::value(Some(at)))
                    .col_expr(user::Column::UpdatedAt, Expr::value(at))
                    .filter(user::Column::Id.eq(id))
                    .filter(user::Column::WithdrawnAt.is_null())
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(res.rows_affected == 1)
    }

    async fn restore(&self, id: i64, at: DateTime<Utc>) -> Result<bool, PortError> {
        let res = self
            .db
            .run(
                user::Entity::update_many()
                    .col_expr(user::Column::WithdrawnAt, Expr::value(Option::<DateTime<Utc>>::None))
                    .col_expr(user::Column::UpdatedAt, Expr::value(at))
                    .filter(user::Column::Id.eq(id))
                    .filter(user::Column::WithdrawnAt.is_not_null())
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(res.rows_affected == 1)
    }

    async fn purge_withdrawn_before(&self, cutoff: DateTime<Utc>) -> Result<u64, PortError> {
        // Personal data of other contexts goes in the same transaction: most rows cascade with
        // the user; what keeps counters on other people's rows (likes, comments) is undone
        // here first, so those counters stay exact.
        let ids: Vec<i64> = self
            .db
            .run(
                user::Entity::find()
                    .select_only()
                    .column(user::Column::Id)
                    .filter(user::Column::WithdrawnAt.is_not_null())
                    .filter(user::Column::WithdrawnAt.lt(cutoff))
                    .into_tuple()
                    .all(self.db.conn()),
            )
            .await?;
        let mut purged = 0;
        for id in ids {
            purged += self
                .db
                .write(|| async move {
                    let txn = self.db.begin_write().await?;
                    crate::posts::counters::forget_member(&txn, id).await?;
                    crate::market::forget_liker(&txn, id).await?;
                    let res = user::Entity::delete_by_id(id).exec(&txn).await?;
                    txn.commit().await?;
                    Ok(res.rows_affected)
                })
                .await?;
        }
        Ok(purged)
    }
}

/// Counts users (tests, metrics).
pub async fn count_users<C: ConnectionTrait>(conn: &C) -> Result<u64, sea_orm::DbErr> {
    user::Entity::find().count(conn).await
}
