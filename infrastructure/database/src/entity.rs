//! sea-orm entities. They never leave this crate: repositories convert them to domain types.

pub mod alarm;
pub mod certificate;
pub mod email_code;
pub mod exam_review;
pub mod exam_schedule;
pub mod favorite_board;
pub mod goal;
pub mod interest;
pub mod job_run;
pub mod lease;
pub mod like;
pub mod mail;
pub mod mock_exam;
pub mod mock_exam_result;
pub mod outbox_event;
pub mod post;
pub mod post_comment;
pub mod post_image;
pub mod post_token;
pub mod processed_event;
pub mod question;
pub mod study_time;
pub mod subject;
pub mod subject_result;
pub mod user;
pub mod user_answer;
