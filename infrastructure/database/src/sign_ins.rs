//! [`SignInLog`] over `sign_ins`: appended on each sign-in, read for a user's detail, pruned
//! by the daily purge job.

use async_trait::async_trait;
use cercat_common::PortError;
use cercat_user::sign_ins::{SignIn, SignInCounts, SignInLog, SignInMethod, SignInOutcome};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{db::Db, entity::sign_in};

/// The sign-in history in the database.
#[derive(Clone, Debug)]
pub struct SqlSignInLog {
    db: Db,
}

impl SqlSignInLog {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn to_entry(m: sign_in::Model) -> Result<SignIn, PortError> {
    let corrupt = |what: &str| PortError::Corrupt(format!("sign_ins {}: {what}", m.id));
    Ok(SignIn {
        user_id: m.user_id,
        at: m.at,
        method: SignInMethod::parse(&m.method).ok_or_else(|| corrupt("method"))?,
        outcome: SignInOutcome::parse(&m.outcome).ok_or_else(|| corrupt("outcome"))?,
        client: m.client_address.clone(),
        session: m.session_id.clone(),
    })
}

#[async_trait]
impl SignInLog for SqlSignInLog {
    async fn record(&self, entry: &SignIn) -> Result<(), PortError> {
        let row = sign_in::ActiveModel {
            user_id: Set(entry.user_id),
            at: Set(entry.at.trunc_subsecs(6)),
            method: Set(entry.method.as_stored()),
            outcome: Set(entry.outcome.as_str().to_owned()),
            client_address: Set(entry.client.as_ref().map(|c| c.chars().take(64).collect())),
            session_id: Set(entry.session.clone()),
            ..Default::default()
        };
        self.db
            .write(|| async { sign_in::Entity::insert(row.clone()).exec_without_returning(self.db.conn()).await })
            .await?;
        Ok(())
    }

    async fn recent(&self, user_id: i64, limit: u64) -> Result<Vec<SignIn>, PortError> {
        let rows = sign_in::Entity::find()
            .filter(sign_in::Column::UserId.eq(user_id))
            .order_by_desc(sign_in::Column::At)
            .order_by_desc(sign_in::Column::Id)
            .limit(limit)
            .all(self.db.conn());
        self.db.run(rows).await?.into_iter().map(to_entry).collect()
    }

    async fn counts(
        &self,
        user_id: i64,
        since: DateTime<Utc>,
    ) -> Result<(SignInCounts, Option<DateTime<Utc>>), PortError> {
        let grouped = sign_in::Entity::find()
            .select_only()
            .column(sign_in::Column::Outcome)
            .column_as(sign_in::Column::Id.count(), "n")
            .filter(sign_in::Column::UserId.eq(user_id))
            .filter(sign_in::Column::At.gte(since))
            .group_by(sign_in::Column::Outcome)
            .into_tuple::<(String, i64)>()
            .all(self.db.conn());
        let mut counts = SignInCounts::default();
        for (outcome, n) in self.db.run(grouped).await? {
            let n = u64::try_from(n).unwrap_or(0);
            match SignInOutcome::parse(&outcome) {
                Some(SignInOutcome::Succeeded) => counts.succeeded = n,
                Some(SignInOutcome::WrongPassword) => counts.wrong_password = n,
                Some(SignInOutcome::Suspended) => counts.suspended = n,
                None => return Err(PortError::Corrupt(format!("sign_ins: outcome {outcome}"))),
            }
        }
        let last = sign_in::Entity::find()
            .select_only()
            .column(sign_in::Column::At)
            .filter(sign_in::Column::UserId.eq(user_id))
            .filter(sign_in::Column::Outcome.eq(SignInOutcome::Succeeded.as_str()))
            .order_by_desc(sign_in::Column::At)
            .limit(1)
            .into_tuple::<DateTime<Utc>>()
            .one(self.db.conn());
        Ok((counts, self.db.run(last).await?))
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, PortError> {
        let res = self
            .db
            .write(|| sign_in::Entity::delete_many().filter(sign_in::Column::At.lt(before)).exec(self.db.conn()))
            .await?;
        Ok(res.rows_affected)
    }
}
