//! Standby status updates for logical replication, as a sans-IO state machine fed with `now`.
//!
//! [`Feedback`] decides *when* to send a standby status update and *what* it says; it never
//! reads a clock or touches a socket. [`ReplicationStream`](crate::ReplicationStream) drives
//! it with `Instant::now()`; tests drive it with a fake clock.
//!
//! # The rules
//!
//! 1. **When.** An update is due every [`interval`](Feedback::with_interval) (10 s by default)
//!    after the previous one, and at once when a keepalive asks for a reply
//!    ([`on_keepalive`](Feedback::on_keepalive) with `reply_requested`), or after
//!    [`request_update`](Feedback::request_update).
//! 2. **Flush only moves forward, and only to what the caller confirmed.** The flush (and
//!    apply) position reported is the highest LSN passed to
//!    [`confirm_flushed`](Feedback::confirm_flushed) — the server may then discard WAL and
//!    will not resend transactions that committed before it — except for rule 3.
//! 3. **Idle advance.** When a keepalive reports a `wal_end` and every XLogData received so
//!    far starts at or before the confirmed LSN (the caller has confirmed all the data it
//!    was sent: no transaction is pending on the client), the flush position advances to
//!    that `wal_end`. The server has decoded everything up to `wal_end` and had nothing more
//!    for this slot, so confirming it loses nothing; a transaction that began earlier but
//!    commits later is still sent, because logical decoding filters by commit position and
//!    keeps its own restart point. Without this rule a slot on an idle database (while
//!    others write) would keep WAL forever. This mirrors what PostgreSQL's own apply worker
//!    does when it has no pending transactions.
//!
//! The write position reported is the highest LSN received (XLogData or keepalive); PostgreSQL
//! only shows it in `pg_stat_replication`.

use bytes::Bytes;
use cdc_model::Timestamp;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cdc_model::Lsn;

/// The default interval between standby status updates.
pub const DEFAULT_FEEDBACK_INTERVAL: Duration = Duration::from_secs(10);

/// When to send standby status updates, and what they say. See the [module docs](self).
///
/// ```
/// use std::time::{Duration, Instant};
/// use cdc_model::Lsn;
/// use cdc_postgres::Feedback;
///
/// let t0 = Instant::now();
/// let mut fb = Feedback::new(t0);
/// fb.on_xlog_data(Lsn(100), Lsn(100));
/// assert!(fb.poll_transmit(t0 + Duration::from_secs(1)).is_none()); // not due yet
/// fb.confirm_flushed(Lsn(100));
/// let update = fb.poll_transmit(t0 + Duration::from_secs(10)).unwrap();
/// assert_eq!(update.flush, Lsn(100));
/// ```
#[derive(Clone, Debug)]
pub struct Feedback {
    interval: Duration,
    last_sent: Instant,
    urgent_since: Option<Instant>,
    received: Lsn,
    last_data: Lsn,
    confirmed: Lsn,
    flush: Lsn,
}

impl Feedback {
    /// A state machine created at `now`; the first timed update is due one interval later.
    pub fn new(now: Instant) -> Feedback {
        Feedback {
            interval: DEFAULT_FEEDBACK_INTERVAL,
            last_sent: now,
            urgent_since: None,
            received: Lsn::INVALID,
            last_data: Lsn::INVALID,
            confirmed: Lsn::INVALID,
            flush: Lsn::INVALID,
        }
    }

    /// Sets the interval between timed updates. It should be well below the server's
    /// `wal_sender_timeout` (60 s by default). `Duration::ZERO` makes every poll send one.
    pub fn with_interval(mut self, interval: Duration) -> Feedback {
        self.interval = interval;
        self
    }

    /// The interval between timed updates.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Records an XLogData message: the LSN its data starts at and the server's WAL end.
    pub fn on_xlog_data(&mut self, wal_start: Lsn, wal_end: Lsn) {
        self.last_data = self.last_data.max(wal_start);
        self.received = self.received.max(wal_start).max(wal_end);
    }

    /// Records a primary keepalive: applies the idle-advance rule (3) and, when the server asks
    /// for a reply, makes an update due at once.
    pub fn on_keepalive(&mut self, wal_end: Lsn, reply_requested: bool, now: Instant) {
        self.received = self.received.max(wal_end);
        if self.confirmed >= self.last_data {
            self.flush = self.flush.max(wal_end);
        }
        if reply_requested {
            self.urgent_since.get_or_insert(now);
        }
    }

    /// The caller has durably processed everything up to `lsn` (normally a commit's end LSN):
    /// the server may forget it. Positions below one already confirmed are ignored.
    pub fn confirm_flushed(&mut self, lsn: Lsn) {
        self.confirmed = self.confirmed.max(lsn);
        self.flush = self.flush.max(lsn);
    }

    /// Makes an update due at the next [`poll_transmit`](Feedback::poll_transmit) (e.g. right
    /// after a confirmation, before shutting down).
    pub fn request_update(&mut self, now: Instant) {
        self.urgent_since.get_or_insert(now);
    }

    /// When the next update is due: now or in the past when one is urgent.
    pub fn deadline(&self) -> Instant {
        match self.urgent_since {
            Some(t) => t,
            // An interval too large to add is treated as "due now" rather than never.
            None => self
                .last_sent
                .checked_add(self.interval)
                .unwrap_or(self.last_sent),
        }
    }

    /// True when an update is due at `now`.
    pub fn is_due(&self, now: Instant) -> bool {
        now >= self.deadline()
    }

    /// The update to send now, if one is due; it is then recorded as sent at `now`.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<StandbyStatusUpdate> {
        if !self.is_due(now) {
            return None;
        }
        self.last_sent = now;
        self.urgent_since = None;
        Some(self.current())
    }

    /// The update that would be sent now, whether due or not.
    pub fn current(&self) -> StandbyStatusUpdate {
        StandbyStatusUpdate {
            write: self.received.max(self.flush),
            flush: self.flush,
            apply: self.flush,
            reply_requested: false,
        }
    }

    /// The highest LSN received (XLogData or keepalive).
    pub fn received(&self) -> Lsn {
        self.received
    }

    /// The highest LSN the caller confirmed.
    pub fn confirmed(&self) -> Lsn {
        self.confirmed
    }

    /// The flush position reported: `confirmed`, or further by the idle-advance rule.
    pub fn flushed(&self) -> Lsn {
        self.flush
    }
}

/// A standby status update (`'r'` message), sent inside CopyData.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StandbyStatusUpdate {
    /// Last WAL position received.
    pub write: Lsn,
    /// Last WAL position durably processed; the slot's `confirmed_flush_lsn` follows it.
    pub flush: Lsn,
    /// Last WAL position applied.
    pub apply: Lsn,
    /// Ask the server to answer at once with a keepalive.
    pub reply_requested: bool,
}

impl StandbyStatusUpdate {
    /// Length of the encoded message.
    pub const LEN: usize = 34;

    /// The `'r'` message bytes with the client's clock `now`, encoded by `cdc-pgoutput`.
    pub fn encode(&self, now: SystemTime) -> Bytes {
        cdc_pgoutput::StandbyStatusUpdate {
            write: self.write,
            flush: self.flush,
            apply: self.apply,
            client_time: unix_timestamp(now),
            reply_requested: self.reply_requested,
        }
        .to_bytes()
    }
}

/// A wall-clock time as a `Timestamp`, saturating far outside the representable range.
fn unix_timestamp(t: SystemTime) -> Timestamp {
    let micros = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX - 1),
        Err(e) => i64::try_from(e.duration().as_micros()).map_or(i64::MIN + 2, |m| -m),
    };
    Timestamp::from_unix_micros(micros)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn timed_update_comes_every_interval_and_not_before() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0);
        assert!(fb.poll_transmit(t0).is_none());
        assert!(fb.poll_transmit(t0 + 9 * S).is_none());
        assert!(fb.poll_transmit(t0 + 10 * S).is_some());
        assert!(fb.poll_transmit(t0 + 11 * S).is_none());
        assert_eq!(fb.deadline(), t0 + 20 * S);
        assert!(fb.poll_transmit(t0 + 20 * S).is_some());
    }

    #[test]
    fn custom_interval() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0).with_interval(3 * S);
        assert!(fb.poll_transmit(t0 + 2 * S).is_none());
        assert!(fb.poll_transmit(t0 + 3 * S).is_some());
    }

    #[test]
    fn reply_request_makes_an_update_due_at_once() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0);
        fb.on_keepalive(Lsn(50), true, t0 + S);
        assert!(fb.is_due(t0 + S));
        assert_eq!(fb.deadline(), t0 + S);
        let u = fb.poll_transmit(t0 + S).unwrap();
        assert_eq!(u.write, Lsn(50));
        // answered: the next one is a full interval later
        assert!(fb.poll_transmit(t0 + 2 * S).is_none());
        assert!(fb.poll_transmit(t0 + 11 * S).is_some());
    }

    #[test]
    fn keepalive_without_reply_request_is_not_urgent() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0);
        fb.on_keepalive(Lsn(50), false, t0 + S);
        assert!(fb.poll_transmit(t0 + S).is_none());
    }

    #[test]
    fn flush_reports_only_what_the_caller_confirmed() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0).with_interval(Duration::ZERO);
        fb.on_xlog_data(Lsn(100), Lsn(100)); // begin / changes
        fb.on_xlog_data(Lsn(180), Lsn(180)); // commit, end 180
        let u = fb.poll_transmit(t0).unwrap();
        assert_eq!((u.write, u.flush, u.apply), (Lsn(180), Lsn(0), Lsn(0)));
        fb.confirm_flushed(Lsn(120));
        assert_eq!(fb.poll_transmit(t0).unwrap().flush, Lsn(120));
    }

    #[test]
    fn flush_never_moves_backwards() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0).with_interval(Duration::ZERO);
        fb.confirm_flushed(Lsn(200));
        fb.confirm_flushed(Lsn(150));
        assert_eq!(fb.poll_transmit(t0).unwrap().flush, Lsn(200));
        assert_eq!(fb.confirmed(), Lsn(200));
    }

    #[test]
    fn idle_keepalive_advances_flush_when_everything_received_is_confirmed() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0).with_interval(Duration::ZERO);
        fb.on_xlog_data(Lsn(100), Lsn(100));
        fb.on_xlog_data(Lsn(180), Lsn(180));
        fb.confirm_flushed(Lsn(180));
        // other databases write; the server decoded up to 500 and had nothing for us
        fb.on_keepalive(Lsn(500), false, t0);
        assert_eq!(fb.flushed(), Lsn(500));
        assert_eq!(fb.confirmed(), Lsn(180));
        assert_eq!(fb.poll_transmit(t0).unwrap().flush, Lsn(500));
    }

    #[test]
    fn idle_advance_from_the_start_when_nothing_was_received() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0);
        fb.on_keepalive(Lsn(42), false, t0);
        assert_eq!(fb.flushed(), Lsn(42));
    }

    #[test]
    fn keepalive_does_not_advance_flush_while_a_transaction_is_pending() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0).with_interval(Duration::ZERO);
        fb.on_xlog_data(Lsn(180), Lsn(180));
        fb.confirm_flushed(Lsn(180));
        fb.on_xlog_data(Lsn(300), Lsn(300)); // begin of a transaction not yet confirmed
        fb.on_keepalive(Lsn(900), true, t0); // keepalive in the middle of it
        let u = fb.poll_transmit(t0).unwrap();
        assert_eq!(u.flush, Lsn(180));
        assert_eq!(u.write, Lsn(900));
        // once the caller confirms its commit, the next keepalive may advance again
        fb.confirm_flushed(Lsn(400));
        assert_eq!(fb.flushed(), Lsn(400));
        fb.on_keepalive(Lsn(950), false, t0);
        assert_eq!(fb.flushed(), Lsn(950));
    }

    #[test]
    fn keepalive_behind_the_flush_position_changes_nothing() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0);
        fb.confirm_flushed(Lsn(1000));
        fb.on_keepalive(Lsn(900), false, t0);
        assert_eq!(fb.flushed(), Lsn(1000));
    }

    #[test]
    fn request_update_forces_one() {
        let t0 = Instant::now();
        let mut fb = Feedback::new(t0);
        fb.request_update(t0 + S);
        assert!(fb.poll_transmit(t0 + S).is_some());
        assert!(fb.poll_transmit(t0 + S).is_none());
    }

    #[test]
    fn encoding_matches_the_protocol_layout() {
        let u = StandbyStatusUpdate {
            write: Lsn(0x0102_0304_0506_0708),
            flush: Lsn(0x10),
            apply: Lsn(0x20),
            reply_requested: true,
        };
        // one second after the PostgreSQL epoch
        let t = UNIX_EPOCH
            + Duration::from_micros(cdc_pgoutput::PG_EPOCH_OFFSET_MICROS as u64 + 1_000_000);
        let b = u.encode(t);
        assert_eq!(b[0], b'r');
        assert_eq!(&b[1..9], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(u64::from_be_bytes(b[9..17].try_into().unwrap()), 0x10);
        assert_eq!(u64::from_be_bytes(b[17..25].try_into().unwrap()), 0x20);
        assert_eq!(i64::from_be_bytes(b[25..33].try_into().unwrap()), 1_000_000);
        assert_eq!(b[33], 1);
    }
}
