//! The course background task every api instance runs: the waiting-room admitter (with the
//! per-course gauges). The hold sweep and the idempotency-key purge are the
//! `course-holds-sweep` job of `cercat-jobs` (in the api when `jobs.in_process`).

use std::{collections::HashMap, time::Duration};

use tokio::time::Instant;

use crate::AppState;

/// Every `course.admitter_interval_ms`: lets people into every open waiting room (the room
/// meters the rate across instances, so every instance may run this). Every 2 s it also
/// refreshes the per-course gauges of `/metrics`.
pub async fn admitter(state: AppState, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let period = Duration::from_millis(state.services.settings.course.admitter_interval_ms);
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_gauges = Instant::now();
    let mut samples: HashMap<i64, (u64, Instant)> = HashMap::new();
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = ticks.tick() => {}
        }
        match state.courses.admit_all().await {
            Ok(rooms) => {
                for (course, room) in rooms {
                    let id = course.id.to_string();
                    metrics::gauge!("cercat_course_queue_length", "course" => id.clone()).set(room.length as f64);
                    metrics::gauge!("cercat_course_admitted", "course" => id.clone()).set(room.admitted as f64);
                    let now = Instant::now();
                    let (before, at) = samples.get(&course.id).copied().unwrap_or((room.admitted, now));
                    let secs = now.duration_since(at).as_secs_f64();
                    if secs >= 1.0 || !samples.contains_key(&course.id) {
                        let rate = if secs > 0.0 { room.admitted.saturating_sub(before) as f64 / secs } else { 0.0 };
                        metrics::gauge!("cercat_course_admitted_per_second", "course" => id).set(rate);
                        samples.insert(course.id, (room.admitted, now));
                    }
                }
            }
            Err(err) => tracing::warn!(%err, "course admitter pass failed"),
        }
        if last_gauges.elapsed() >= Duration::from_secs(2) {
            last_gauges = Instant::now();
            seat_gauges(&state).await;
        }
    }
}

async fn seat_gauges(state: &AppState) {
    let open = match state.courses.open_courses().await {
        Ok(open) => open,
        Err(err) => {
            tracing::warn!(%err, "cannot list open courses for the gauges");
            return;
        }
    };
    for course in open {
        let id = course.id.to_string();
        metrics::gauge!("cercat_course_seats_left", "course" => id.clone()).set(f64::from(course.seats_left()));
        match state.courses.verify(course.id).await {
            Ok(report) => {
                metrics::gauge!("cercat_course_holds_pending", "course" => id.clone()).set(f64::from(report.pending));
                metrics::gauge!("cercat_course_enrolled", "course" => id.clone()).set(f64::from(report.completed));
                metrics::gauge!("cercat_course_invariant_violations", "course" => id)
                    .set(report.violations.len() as f64);
            }
            Err(err) => tracing::warn!(%err, course = course.id, "cannot audit a course for the gauges"),
        }
    }
}
