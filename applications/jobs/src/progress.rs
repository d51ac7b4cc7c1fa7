//! Progress: a bar on a terminal, a log line every N items otherwise (cron, systemd, CI). A
//! resumed run starts where its checkpoint left the instance; a source that tells its size only
//! once read (a paged API) sets the total when it learns it.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Reports progress through `total` items.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    label: &'static str,
    total: Option<u64>,
    done: u64,
    skipped: u64,
    every: Option<u64>,
    next_log: u64,
}

/// Log lines per run when the total is known and no interval was chosen.
const LOG_LINES: u64 = 10;
/// Items between log lines when the total is unknown.
const DEFAULT_EVERY: u64 = 100;

impl Progress {
    /// Starts reporting `label` over `total` items.
    pub fn new(label: &'static str, total: u64) -> Self {
        Self::resumed(label, Some(total), 0)
    }

    /// Starts reporting `label` over `total` items (unknown: `None`), `done` of them already
    /// done (by the attempts a resumed run continues).
    pub fn resumed(label: &'static str, total: Option<u64>, done: u64) -> Self {
        Self::build(label, total, done, std::io::stderr().is_terminal())
    }

    fn build(label: &'static str, total: Option<u64>, done: u64, terminal: bool) -> Self {
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(total.unwrap_or(0));
            if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label);
            bar.set_position(done);
            bar
        });
        let mut progress = Self { bar, label, total, done, skipped: 0, every: None, next_log: 0 };
        progress.next_log = done + progress.step();
        progress
    }

    /// Logs every `every` items (instead of about ten times a run).
    pub fn log_every(mut self, every: u64) -> Self {
        self.every = Some(every.max(1));
        self.next_log = self.done + self.step();
        self
    }

    fn step(&self) -> u64 {
        match (self.every, self.total) {
            (Some(every), _) => every,
            (None, Some(total)) => (total / LOG_LINES).max(1),
            (None, None) => DEFAULT_EVERY,
        }
    }

    /// The total, once known.
    pub fn set_total(&mut self, total: u64) {
        if self.total == Some(total) {
            return;
        }
        self.total = Some(total);
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    /// Items done so far (including those of resumed attempts).
    pub fn done(&self) -> u64 {
        self.done
    }

    /// One more item done; `skipped` when it was skipped.
    pub fn item(&mut self, skipped: bool) {
        self.done += 1;
        if skipped {
            self.skipped += 1;
        }
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                if skipped {
                    bar.set_message(format!("{} ({} skipped)", self.label, self.skipped));
                }
            }
            None if self.done >= self.next_log || Some(self.done) == self.total => {
                tracing::info!(job = self.label, done = self.done, total = ?self.total, skipped = self.skipped, "progress");
                self.next_log = self.done + self.step();
            }
            None => {}
        }
    }

    /// One more item done.
    pub fn inc(&mut self) {
        self.item(false);
    }

    /// Ends the progress: clears the bar (log lines need no ending).
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_come_every_n_items_from_where_a_resumed_run_starts() {
        let mut progress = Progress::build("t", None, 200, false).log_every(50);
        assert_eq!((progress.done(), progress.next_log), (200, 250));
        for _ in 0..50 {
            progress.item(false);
        }
        assert_eq!((progress.done(), progress.next_log), (250, 300), "a line at 250, the next at 300");
        progress.set_total(1000);
        assert_eq!(Progress::build("t", Some(1000), 0, false).next_log, 100, "about ten lines a run by default");
        assert_eq!(Progress::build("t", Some(3), 0, false).next_log, 1);
    }
}
