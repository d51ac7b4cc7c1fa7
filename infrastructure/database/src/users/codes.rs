//! [`EmailCodeRepository`] over `email_codes`: issuing a code writes its mail to `mail_outbox`
//! in the same transaction; consuming is one conditional update.

use async_trait::async_trait;
use cercat_common::{PortError, mail::Mail};
use cercat_user::{
    Email,
    model::CodePurpose,
    ports::{CodeCheck, EmailCodeRepository},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use super::SqlUserRepository;
use crate::{entity::email_code, mail::enqueue};

#[async_trait]
impl EmailCodeRepository for SqlUserRepository {
    async fn issue(
        &self,
        email: &Email,
        purpose: CodePurpose,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        mail: &Mail,
        at: DateTime<Utc>,
    ) -> Result<(), PortError> {
        self.db
            .run(async {
                let txn = self.db.conn().begin().await?;
                email_code::Entity::delete_many()
                    .filter(email_code::Column::Email.eq(email.as_str()))
                    .filter(email_code::Column::Purpose.eq(purpose.as_str()))
                    .exec(&txn)
                    .await?;
                email_code::Entity::insert(email_code::ActiveModel {
                    email: Set(email.as_str().to_owned()),
                    purpose: Set(purpose.as_str().to_owned()),
                    code_hash: Set(code_hash.to_owned()),
                    expires_at: Set(expires_at),
                    attempts: Set(0),
                    consumed_at: Set(None),
                    created_at: Set(at),
                    ..Default::default()
                })
                .exec_without_returning(&txn)
                .await?;
                enqueue(&txn, mail, at).await?;
                txn.commit().await
            })
            .await
    }

    async fn consume(
        &self,
        email: &Email,
        purpose: CodePurpose,
        code_hash: &str,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<CodeCheck, PortError> {
        let max = i32::try_from(max_attempts).unwrap_or(i32::MAX);
        let base = || {
            email_code::Entity::update_many()
                .filter(email_code::Column::Email.eq(email.as_str()))
                .filter(email_code::Column::Purpose.eq(purpose.as_str()))
                .filter(email_code::Column::ConsumedAt.is_null())
        };
        // One statement decides: concurrent tries cannot both consume the code.
        let consumed = self
            .db
            .run(
                base()
                    .col_expr(email_code::Column::ConsumedAt, Expr::value(Some(now)))
                    .filter(email_code::Column::CodeHash.eq(code_hash))
                    .filter(email_code::Column::ExpiresAt.gt(now))
                    .filter(email_code::Column::Attempts.lt(max))
                    .exec(self.db.conn()),
            )
            .await?;
        if consumed.rows_affected == 1 {
            return Ok(CodeCheck::Valid);
        }
        self.db
            .run(
                base()
                    .col_expr(email_code::Column::Attempts, Expr::col(email_code::Column::Attempts).add(1))
                    .exec(self.db.conn()),
            )
            .await?;
        Ok(CodeCheck::Invalid)
    }
}
