//! The importer over in-memory stores: what each source item comes to, the events paired with
//! a chunk's writes, and the series settings.

use super::*;
use crate::{
    ExamScheduleDraft, QnetRound, StageDates,
    ports::FeedSchedule,
    schedule::tests::{at, draft},
    tests::fakes::{Calendar, Catalogue, certificate},
};
use async_trait::async_trait;
use cercat_common::{PortError, clock::ManualClock, jobs::Checkpoint, testkit::fakes::MapCache};
use chrono::{DateTime, Utc};
use std::sync::Mutex;

/// Series by certificate id, the chunks committed, and how often a series was looked up.
#[derive(Default)]
struct Store {
    series: Mutex<HashMap<i64, String>>,
    chunks: Mutex<Vec<ImportChunk>>,
    lookups: Mutex<u32>,
}

#[async_trait]
impl ScheduleImportStore for Store {
    async fn commit_chunk(&self, chunk: &ImportChunk, _at: DateTime<Utc>) -> Result<ChunkCommit, PortError> {
        self.chunks.lock().unwrap().push(chunk.clone());
        Ok(ChunkCommit::Committed(Checkpoint { position: chunk.position.clone(), counts: chunk.totals }))
    }
    async fn certificates_in_series(&self, series: &str) -> Result<Vec<i64>, PortError> {
        *self.lookups.lock().unwrap() += 1;
        let mut ids: Vec<i64> =
            self.series.lock().unwrap().iter().filter(|(_, s)| s.as_str() == series).map(|(id, _)| *id).collect();
        ids.sort_unstable();
        Ok(ids)
    }
    async fn set_series(&self, id: i64, series: Option<&str>, _at: DateTime<Utc>) -> Result<bool, PortError> {
        if !(1..=3).contains(&id) {
            return Ok(false);
        }
        let mut map = self.series.lock().unwrap();
        match series {
            Some(s) => map.insert(id, s.to_owned()),
            None => map.remove(&id),
        };
        Ok(true)
    }
    async fn series(&self) -> Result<Vec<(CertificateSummary, Option<String>)>, PortError> {
        let map = self.series.lock().unwrap();
        Ok((1..=3).map(|id| (certificate(id).summary(), map.get(&id).cloned())).collect())
    }
}

fn importer() -> (ScheduleImporter, Arc<Store>) {
    let catalogue = Arc::new(Catalogue::of(vec![certificate(1), certificate(2), certificate(3)]));
    let clock = Arc::new(ManualClock::new(at(2026, 5, 1)));
    let service = CertificateService::new(
        catalogue.clone(),
        Arc::new(Calendar::new(catalogue)),
        Arc::new(MapCache::default()),
        clock.clone(),
    );
    let store = Arc::new(Store::default());
    (ScheduleImporter::new(Arc::new(service), store.clone(), clock), store)
}

fn row(name: &str, d: ExamScheduleDraft) -> FeedRow {
    FeedRow { line: 2, read: Ok(FeedSchedule { certificate_id: None, certificate_name: Some(name.into()), draft: d }) }
}

fn stage(month: u32) -> StageDates {
    StageDates {
        application_start: at(2026, month, 1),
        application_deadline: at(2026, month, 4),
        exam_start: at(2026, month, 20),
        exam_end: at(2026, month, 22),
        result_announcement: at(2026, month + 1, 10),
    }
}

fn qnet(series: &str) -> QnetItem {
    QnetItem {
        key: "page 1 item 1".into(),
        read: Ok(QnetRound {
            series: series.into(),
            series_code: None,
            year: 2026,
            round: 1,
            description: None,
            written: stage(2),
            practical: Some(stage(5)),
        }),
    }
}

#[tokio::test]
async fn a_feed_row_resolves_its_certificate_by_name_and_bad_rows_become_skips() {
    let (importer, _) = importer();
    let good = importer.prepare_feed_row(&row("cert-2", draft(2026, 1, at(2026, 3, 1)))).await.unwrap();
    let mut expected = draft(2026, 1, at(2026, 3, 1));
    expected.certificate_id = 2;
    assert_eq!(good, Prepared::Writes(vec![ScheduleWrite::Full(expected)]));
    let unknown = importer.prepare_feed_row(&row("없는자격증", draft(2026, 1, at(2026, 3, 1)))).await.unwrap();
    assert_eq!(unknown, Prepared::Skip("unknown certificate `없는자격증`".into()));
    let mut backwards = draft(2026, 1, at(2026, 3, 1));
    backwards.result_announcement = backwards.exam_date - chrono::Duration::days(1);
    let bad = importer.prepare_feed_row(&row("cert-1", backwards)).await.unwrap();
    assert_eq!(bad, Prepared::Skip("resultAnnouncementDateTime is before examDateTime".into()));
    let unreadable = FeedRow { line: 9, read: Err("round: `x` is not an integer".into()) };
    assert_eq!(
        importer.prepare_feed_row(&unreadable).await.unwrap(),
        Prepared::Skip("round: `x` is not an integer".into())
    );
}

#[tokio::test]
async fn a_qnet_round_fills_every_certificate_of_its_series_looked_up_once_per_run() {
    let (importer, store) = importer();
    importer.set_series(1, Some(" 기사 ")).await.unwrap();
    importer.set_series(3, Some("기사")).await.unwrap();
    let mut cache = SeriesCache::default();
    let Prepared::Writes(writes) = importer.prepare_qnet_item(&qnet("기사"), &mut cache).await.unwrap() else {
        panic!("a round of a followed series is written")
    };
    let ids: Vec<i64> = writes
        .iter()
        .map(|w| match w {
            ScheduleWrite::Qnet(s) => {
                assert_eq!((s.written, s.practical), (stage(2), Some(stage(5))), "both stages are carried");
                s.certificate_id
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, vec![1, 3]);
    importer.prepare_qnet_item(&qnet("기사"), &mut cache).await.unwrap();
    assert_eq!(*store.lookups.lock().unwrap(), 1, "the series is looked up once per run");
    let nobody = importer.prepare_qnet_item(&qnet("기능사"), &mut cache).await.unwrap();
    assert_eq!(nobody, Prepared::Writes(vec![]), "a series nobody follows is read, not skipped");
    let mut bad = qnet("기사");
    if let Ok(r) = bad.read.as_mut() {
        r.written.exam_start = at(2026, 2, 3);
    }
    assert_eq!(
        importer.prepare_qnet_item(&bad, &mut cache).await.unwrap(),
        Prepared::Skip("docExamStartDt is before docRegEndDt".into())
    );
}

#[tokio::test]
async fn a_chunk_carries_the_event_of_each_write_and_its_checkpoint() {
    let (importer, store) = importer();
    let full = draft(2026, 2, at(2026, 6, 1));
    let q = match qnet("기사").read {
        Ok(r) => r.schedule_for(2),
        Err(e) => panic!("{e}"),
    };
    let totals = JobCounts { read: 7, written: 3, skipped: 1 };
    let chunk = ChunkDraft {
        run_id: 9,
        position: "4".into(),
        totals,
        writes: vec![ScheduleWrite::Full(full.clone()), ScheduleWrite::Qnet(q.clone())],
        skips: vec![ItemSkip { key: "line 3".into(), reason: "bad".into() }],
    };
    assert_eq!(
        importer.commit(chunk).await.unwrap(),
        ChunkCommit::Committed(Checkpoint { position: "4".into(), counts: totals })
    );
    let chunks = store.chunks.lock().unwrap();
    assert_eq!(chunks[0].run_id, 9);
    assert_eq!(chunks[0].writes[0].1, PendingScheduleChange::of(&full));
    assert_eq!(chunks[0].writes[1].1, PendingScheduleChange::of(&q.draft()));
    assert_eq!(chunks[0].skips.len(), 1);
}

#[tokio::test]
async fn series_are_trimmed_cleared_when_blank_and_refused_for_unknown_certificates() {
    let (importer, _) = importer();
    importer.set_series(2, Some("산업기사")).await.unwrap();
    importer.set_series(1, Some("기사")).await.unwrap();
    importer.set_series(1, Some("  ")).await.unwrap();
    let listed: Vec<_> = importer.series().await.unwrap().into_iter().map(|(c, s)| (c.id, s)).collect();
    assert_eq!(listed, vec![(1, None), (2, Some("산업기사".into())), (3, None)]);
    assert_eq!(importer.set_series(99, Some("기사")).await, Err(ScheduleError::UnknownCertificate("id 99".into())));
    assert!(matches!(importer.set_series(1, Some(&"기".repeat(51))).await, Err(ScheduleError::Invalid { .. })));
}
