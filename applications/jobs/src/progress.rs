//! Progress: a bar on a terminal, periodic log lines otherwise (cron, systemd, CI).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Reports progress through `total` items.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    label: &'static str,
    total: u64,
    done: u64,
    next_log: u64,
}

impl Progress {
    /// Starts reporting `label` over `total` items.
    pub fn new(label: &'static str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label);
            bar
        });
        Self { bar, label, total, done: 0, next_log: Self::step(total) }
    }

    fn step(total: u64) -> u64 {
        (total / 10).max(1)
    }

    /// One more item done.
    pub fn inc(&mut self) {
        self.done += 1;
        match &self.bar {
            Some(bar) => bar.inc(1),
            None if self.done >= self.next_log || self.done == self.total => {
                tracing::info!(job = self.label, done = self.done, total = self.total, "progress");
                self.next_log = self.done + Self::step(self.total);
            }
            None => {}
        }
    }

    /// Ends the progress: clears the bar (log lines need no ending).
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
