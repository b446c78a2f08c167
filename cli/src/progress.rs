//! Progress on stderr (indicatif): shown only on a terminal, unless quiet, and only once a step
//! has run for a second.
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a step runs before its progress is drawn.
const DELAY: Duration = Duration::from_secs(1);

/// Whether progress may be drawn: stderr is a terminal and the user did not ask for quiet.
pub fn enabled(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// A spinner or bar for one step; hidden until the step has run for [`DELAY`], cleared when
/// dropped or finished.
pub struct Progress {
    /// The indicatif bar (hidden draw target until revealed).
    bar: ProgressBar,
    /// Tells the reveal thread the step is over.
    done: Option<Sender<()>>,
    /// The thread that reveals the bar after [`DELAY`].
    reveal: Option<JoinHandle<()>>,
}

impl Progress {
    /// A spinner with `message` (no known length).
    pub fn spinner(enabled: bool, message: &str) -> Self {
        let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Self::start(enabled, None, style, message)
    }

    /// A bar of `len` units with `message`.
    pub fn bar(enabled: bool, len: u64, message: &str) -> Self {
        let style = ProgressStyle::with_template(
            "{msg} [{wide_bar}] {pos}/{len} ({elapsed}, about {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        Self::start(enabled, Some(len), style, message)
    }

    /// A bar of `len` bytes with `message`.
    pub fn bytes(enabled: bool, len: u64, message: &str) -> Self {
        let style =
            ProgressStyle::with_template("{msg} [{wide_bar}] {bytes}/{total_bytes} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        Self::start(enabled, Some(len), style, message)
    }

    /// The hidden bar, and (when `enabled`) the thread that reveals it after [`DELAY`].
    fn start(enabled: bool, len: Option<u64>, style: ProgressStyle, message: &str) -> Self {
        let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::hidden())
            .with_style(style)
            .with_message(message.to_string());
        if !enabled {
            return Progress {
                bar,
                done: None,
                reveal: None,
            };
        }
        let (tx, rx) = channel::<()>();
        let shown = bar.clone();
        let reveal = std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(DELAY) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
                // Wait for the end of the step (a message or the sender dropped).
                let _ = rx.recv();
            }
        });
        Progress {
            bar,
            done: Some(tx),
            reveal: Some(reveal),
        }
    }

    /// Advances the bar by `n` units.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Ends the step: stops the reveal thread and clears the line.
    pub fn finish(mut self) {
        self.stop();
    }

    /// Stops the reveal thread (if any) and clears the bar.
    fn stop(&mut self) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.reveal.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    /// A step left early (an error) clears its progress too.
    fn drop(&mut self) {
        self.stop();
    }
}
