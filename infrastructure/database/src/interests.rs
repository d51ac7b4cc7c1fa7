//! [`InterestRepository`] over `interest_certificates`.

use async_trait::async_trait;
use cercat_certificate::{
    CertificateSummary, Interest, InterestPriority, events::CertificateEvent, ports::InterestRepository,
};
use cercat_common::PortError;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};

use crate::{
    db::Db,
    entity::{certificate, interest, user},
    outbox::append_event,
};

/// Interest certificates.
#[derive(Clone, Debug)]
pub struct SqlInterestRepository {
    db: Db,
}

impl SqlInterestRepository {
    /// Over `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl InterestRepository for SqlInterestRepository {
    async fn list(&self, user_id: i64) -> Result<Vec<Interest>, PortError> {
        let rows = self
            .db
            .run(
                interest::Entity::find()
                    .filter(interest::Column::UserId.eq(user_id))
                    .order_by_asc(interest::Column::Id)
                    .all(self.db.conn()),
            )
            .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.certificate_id).collect();
        let certificates = self
            .db
            .run(certificate::Entity::find().filter(certificate::Column::Id.is_in(ids)).all(self.db.conn()))
            .await?;
        let mut out: Vec<Interest> = rows
            .into_iter()
            .filter_map(|row| {
                let c = certificates.iter().find(|c| c.id == row.certificate_id)?;
                Some(Interest {
                    certificate: CertificateSummary { id: c.id, name: c.name.clone(), category: c.category.clone() },
                    priority: InterestPriority::parse(&row.priority).unwrap_or(InterestPriority::Normal),
                })
            })
            .collect();
        // Highest priority first; the sort is stable, so ties keep the order they were chosen in.
        out.sort_by_key(|i| std::cmp::Reverse(i.priority));
        Ok(out)
    }

    async fn users_interested_in(&self, certificate_id: i64) -> Result<Vec<i64>, PortError> {
        self.db
            .run(
                interest::Entity::find()
                    .select_only()
                    .column(interest::Column::UserId)
                    .filter(interest::Column::CertificateId.eq(certificate_id))
                    .filter(
                        interest::Column::UserId.in_subquery(
                            sea_orm::sea_query::Query::select()
                                .column(user::Column::Id)
                                .from(user::Entity)
                                .and_where(user::Column::WithdrawnAt.is_null())
                                .to_owned(),
                        ),
                    )
                    .order_by_asc(interest::Column::UserId)
                    .into_tuple()
                    .all(self.db.conn()),
            )
            .await
    }

    async fn replace_all(
        &self,
        user_id: i64,
        targets: &[(i64, InterestPriority)],
        event: &CertificateEvent,
        at: DateTime<Utc>,
    ) -> Result<(), PortError> {
        self.db
            .run_with_events(async {
                let txn = self.db.conn().begin().await?;
                interest::Entity::delete_many().filter(interest::Column::UserId.eq(user_id)).exec(&txn).await?;
                if !targets.is_empty() {
                    let rows = targets.iter().map(|(id, p)| interest::ActiveModel {
                        user_id: Set(user_id),
                        certificate_id: Set(*id),
                        priority: Set(p.as_str().to_owned()),
                        created_at: Set(at),
                        ..Default::default()
                    });
                    interest::Entity::insert_many(rows).exec_without_returning(&txn).await?;
                }
                append_event(&txn, event, at).await?;
                txn.commit().await
            })
            .await
    }
}
