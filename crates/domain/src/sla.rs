//! Service-level targets and the clocks that measure a ticket against them.
//!
//! A policy gives each priority a time for the first response and a time for
//! the resolution, counted on the calendar or in business hours. A ticket
//! carries one clock per target. Clocks run while the ticket waits on the
//! staff (`open`, `in_progress`), pause while it waits on the customer
//! (`pending`), and stop when it is resolved or closed; the first public
//! staff reply stops the first-response clock. A clock that passes its due
//! time is breached, and stays breached: [`TicketSla::settle`] marks it once.

use chrono::{Datelike, NaiveTime, TimeDelta, TimeZone, Weekday};

use crate::Timestamp;
use crate::actor::UserType;
use crate::error::ValidationError;
use crate::message::Visibility;
use crate::priority::Priority;
use crate::status::TicketStatus;

/// Which target a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SlaKind {
    /// The time to the first public staff reply.
    FirstResponse,
    /// The time to resolution.
    Resolution,
}

impl SlaKind {
    /// Both kinds.
    pub const ALL: [SlaKind; 2] = [SlaKind::FirstResponse, SlaKind::Resolution];

    /// The published name (`firstResponse`, `resolution`).
    pub fn as_str(self) -> &'static str {
        match self {
            SlaKind::FirstResponse => "firstResponse",
            SlaKind::Resolution => "resolution",
        }
    }

    /// Reads a kind from its published name.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ValidationError::new("must be firstResponse or resolution"))
    }
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaState {
    /// Counting down to its due time.
    Running,
    /// Held while the ticket waits on the customer.
    Paused,
    /// Stopped in time.
    Met,
    /// Past its due time, running or stopped.
    Breached,
}

/// The targets of one priority, in minutes; `None` sets no target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaTarget {
    /// Time to the first public staff reply.
    pub first_response_minutes: Option<u32>,
    /// Time to resolution.
    pub resolution_minutes: Option<u32>,
}

impl SlaTarget {
    /// The longest target a policy takes: a year of minutes.
    pub const MAX_MINUTES: u32 = 366 * 24 * 60;

    fn minutes(self, kind: SlaKind) -> Option<u32> {
        match kind {
            SlaKind::FirstResponse => self.first_response_minutes,
            SlaKind::Resolution => self.resolution_minutes,
        }
    }

    /// Checks that each target is between one minute and a year.
    pub fn validate(self) -> Result<Self, ValidationError> {
        for m in [self.first_response_minutes, self.resolution_minutes]
            .into_iter()
            .flatten()
        {
            if m == 0 || m > Self::MAX_MINUTES {
                return Err(ValidationError::new(
                    "a target must be between 1 and 527040 minutes (a year)",
                ));
            }
        }
        Ok(self)
    }
}

/// The hours in which clocks count: the same opening and closing time on
/// each working day, in a time zone (daylight saving included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    /// The time zone the hours are given in.
    pub time_zone: chrono_tz::Tz,
    /// The working days.
    pub days: Vec<Weekday>,
    /// When a working day starts.
    pub opens: NaiveTime,
    /// When it ends (after `opens`).
    pub closes: NaiveTime,
}

impl BusinessHours {
    /// Hours from their parts, checked: at least one day, `opens` before
    /// `closes`.
    pub fn new(
        time_zone: chrono_tz::Tz,
        mut days: Vec<Weekday>,
        opens: NaiveTime,
        closes: NaiveTime,
    ) -> Result<Self, ValidationError> {
        if days.is_empty() {
            return Err(ValidationError::new("needs at least one working day"));
        }
        if opens >= closes {
            return Err(ValidationError::new(
                "a working day must open before it closes",
            ));
        }
        days.sort_by_key(Weekday::num_days_from_monday);
        days.dedup();
        Ok(Self {
            time_zone,
            days,
            opens,
            closes,
        })
    }

    /// A local time on `date`, taking the earlier of two in a repeated hour
    /// and the first time after a skipped one.
    fn at(&self, date: chrono::NaiveDate, time: NaiveTime) -> Timestamp {
        let local = date.and_time(time);
        let mut probe = local;
        for _ in 0..4 {
            if let Some(t) = self.time_zone.from_local_datetime(&probe).earliest() {
                return t.with_timezone(&chrono::Utc);
            }
            probe += TimeDelta::minutes(30);
        }
        // No zone skips more than two hours; fall back to the UTC reading.
        chrono::Utc.from_utc_datetime(&local)
    }

    /// The working interval that holds `t` or comes next after it, from
    /// `t` on: `(start, end)` with `t <= start < end`, or `start == t`.
    fn interval_from(&self, t: Timestamp) -> (Timestamp, Timestamp) {
        let mut date = t.with_timezone(&self.time_zone).date_naive();
        // Days are non-empty, so a working day is at most a week away.
        for _ in 0..9 {
            if self.days.contains(&date.weekday()) {
                let (start, end) = (self.at(date, self.opens), self.at(date, self.closes));
                if end > t && end > start {
                    return (start.max(t), end);
                }
            }
            date = date.succ_opt().unwrap_or(date);
        }
        (t, t + TimeDelta::days(1))
    }
}

/// How time is counted: on the calendar, or in business hours.
fn add_time(hours: Option<&BusinessHours>, from: Timestamp, seconds: i64) -> Timestamp {
    let Some(hours) = hours.filter(|_| seconds > 0) else {
        return from + TimeDelta::seconds(seconds);
    };
    let mut left = seconds;
    let mut t = from;
    loop {
        let (start, end) = hours.interval_from(t);
        let span = (end - start).num_seconds();
        if left <= span {
            return start + TimeDelta::seconds(left);
        }
        left -= span;
        t = end;
    }
}

/// The counted seconds from `a` to `b`; negative when `b` is before `a`.
fn time_between(hours: Option<&BusinessHours>, a: Timestamp, b: Timestamp) -> i64 {
    let Some(hours) = hours else {
        return (b - a).num_seconds();
    };
    if b < a {
        return -time_between(Some(hours), b, a);
    }
    let mut total = 0;
    let mut t = a;
    loop {
        let (start, end) = hours.interval_from(t);
        if start >= b {
            return total;
        }
        total += (end.min(b) - start).num_seconds();
        t = end;
    }
}

/// The targets of every priority and how time is counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicy {
    /// The targets of `low`, `normal`, `high` and `urgent`, in that order.
    pub targets: [SlaTarget; 4],
    /// Business hours, or `None` to count every hour of the calendar.
    pub business_hours: Option<BusinessHours>,
}

impl Default for SlaPolicy {
    /// Calendar time; first response / resolution: low 24 h / 5 days,
    /// normal 8 h / 2 days, high 4 h / 1 day, urgent 1 h / 4 h.
    fn default() -> Self {
        let target = |first: u32, resolution: u32| SlaTarget {
            first_response_minutes: Some(first * 60),
            resolution_minutes: Some(resolution * 60),
        };
        Self {
            targets: [target(24, 120), target(8, 48), target(4, 24), target(1, 4)],
            business_hours: None,
        }
    }
}

impl SlaPolicy {
    /// The targets of `priority`.
    pub fn target(&self, priority: Priority) -> SlaTarget {
        let i = match priority {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        };
        self.targets[i]
    }

    fn hours(&self) -> Option<&BusinessHours> {
        self.business_hours.as_ref()
    }
}

/// One clock of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaClock {
    /// The target, in counted seconds.
    pub target_seconds: i64,
    /// When it is due: set while running and once stopped; `None` while
    /// paused.
    pub due_at: Option<Timestamp>,
    /// While paused, the counted seconds that were left (negative when it
    /// was overdue).
    pub left_seconds: Option<i64>,
    /// When it stopped.
    pub stopped_at: Option<Timestamp>,
    /// Whether its breach has been marked (and announced).
    pub breached: bool,
}

impl SlaClock {
    fn start(target_minutes: u32, hours: Option<&BusinessHours>, at: Timestamp) -> Self {
        let target_seconds = i64::from(target_minutes) * 60;
        Self {
            target_seconds,
            due_at: Some(add_time(hours, at, target_seconds)),
            left_seconds: None,
            stopped_at: None,
            breached: false,
        }
    }

    /// Where the clock stands.
    pub fn state(&self) -> SlaState {
        if self.breached {
            SlaState::Breached
        } else if self.stopped_at.is_some() {
            SlaState::Met
        } else if self.left_seconds.is_some() {
            SlaState::Paused
        } else {
            SlaState::Running
        }
    }

    /// Its due time while it runs.
    pub fn running_due(&self) -> Option<Timestamp> {
        if self.stopped_at.is_none() && self.left_seconds.is_none() {
            self.due_at
        } else {
            None
        }
    }

    /// Whether it is past its due time at `at`.
    fn overdue(&self, at: Timestamp) -> bool {
        match (self.stopped_at, self.left_seconds, self.due_at) {
            // A clock stops from running (or resumes first): it has a due time.
            (Some(stopped), _, Some(due)) => stopped > due,
            (None, Some(left), _) => left < 0,
            (None, None, Some(due)) => at > due,
            _ => false,
        }
    }

    fn left_at(&self, hours: Option<&BusinessHours>, at: Timestamp) -> i64 {
        match (self.left_seconds, self.due_at) {
            (Some(left), _) => left,
            (None, Some(due)) => time_between(hours, at, due),
            (None, None) => self.target_seconds,
        }
    }

    fn pause(&mut self, hours: Option<&BusinessHours>, at: Timestamp) {
        if self.stopped_at.is_none() && self.left_seconds.is_none() {
            self.left_seconds = Some(self.left_at(hours, at));
            self.due_at = None;
        }
    }

    fn resume(&mut self, hours: Option<&BusinessHours>, at: Timestamp) {
        if self.stopped_at.is_none()
            && let Some(left) = self.left_seconds.take()
        {
            self.due_at = Some(add_time(hours, at, left));
        }
    }

    fn stop(&mut self, hours: Option<&BusinessHours>, at: Timestamp) {
        if self.stopped_at.is_none() {
            self.resume(hours, at);
            self.stopped_at = Some(at);
        }
    }

    /// Runs a stopped clock again with the time it had left when it stopped.
    fn restart(&mut self, hours: Option<&BusinessHours>, at: Timestamp) {
        if let (Some(stopped), Some(due)) = (self.stopped_at.take(), self.due_at) {
            let left = time_between(hours, stopped, due);
            self.due_at = Some(add_time(hours, at, left));
        }
    }

    /// Takes a new target, keeping the counted time already used.
    fn retarget(&mut self, hours: Option<&BusinessHours>, minutes: u32, at: Timestamp) {
        if self.stopped_at.is_some() {
            return;
        }
        let target = i64::from(minutes) * 60;
        let left = self.left_at(hours, at) + target - self.target_seconds;
        self.target_seconds = target;
        match self.left_seconds {
            Some(_) => self.left_seconds = Some(left),
            None => self.due_at = Some(add_time(hours, at, left)),
        }
    }
}

/// A ticket's clocks; `None` where its priority has no target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketSla {
    /// The time to the first public staff reply.
    pub first_response: Option<SlaClock>,
    /// The time to resolution.
    pub resolution: Option<SlaClock>,
}

/// Whether clocks run in `status`.
fn runs_in(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::Open | TicketStatus::InProgress)
}

impl TicketSla {
    /// The clocks of a ticket opened at `at` with `priority` in `status`.
    pub fn open(
        policy: &SlaPolicy,
        priority: Priority,
        status: TicketStatus,
        at: Timestamp,
    ) -> Self {
        let target = policy.target(priority);
        let mut sla = Self {
            first_response: target
                .first_response_minutes
                .map(|m| SlaClock::start(m, policy.hours(), at)),
            resolution: target
                .resolution_minutes
                .map(|m| SlaClock::start(m, policy.hours(), at)),
        };
        sla.status_changed(policy, TicketStatus::Open, status, at);
        sla
    }

    /// A clock.
    pub fn clock(&self, kind: SlaKind) -> Option<&SlaClock> {
        match kind {
            SlaKind::FirstResponse => self.first_response.as_ref(),
            SlaKind::Resolution => self.resolution.as_ref(),
        }
    }

    fn clocks_mut(&mut self) -> impl Iterator<Item = (SlaKind, &mut SlaClock)> {
        [
            (SlaKind::FirstResponse, self.first_response.as_mut()),
            (SlaKind::Resolution, self.resolution.as_mut()),
        ]
        .into_iter()
        .filter_map(|(k, c)| c.map(|c| (k, c)))
    }

    /// The ticket went from `from` to `to` at `at`: `pending` pauses the
    /// clocks, leaving it resumes them, `resolved` and `closed` stop them, and
    /// reopening a resolved ticket runs its resolution clock again with the
    /// time it had left.
    pub fn status_changed(
        &mut self,
        policy: &SlaPolicy,
        from: TicketStatus,
        to: TicketStatus,
        at: Timestamp,
    ) {
        if from == to {
            return;
        }
        let hours = policy.hours();
        for (kind, clock) in self.clocks_mut() {
            match to {
                TicketStatus::Pending => clock.pause(hours, at),
                TicketStatus::Resolved | TicketStatus::Closed => clock.stop(hours, at),
                TicketStatus::Open | TicketStatus::InProgress => {
                    let reopened = matches!(from, TicketStatus::Resolved | TicketStatus::Closed);
                    if kind == SlaKind::Resolution && reopened {
                        clock.restart(hours, at);
                    }
                    clock.resume(hours, at);
                }
            }
        }
    }

    /// The ticket took `priority` at `at` while in `status`: each clock that
    /// has not stopped takes the new priority's target, keeping the time
    /// already used; a target the old priority lacked starts now, one the new
    /// priority lacks is dropped.
    pub fn priority_changed(
        &mut self,
        policy: &SlaPolicy,
        priority: Priority,
        status: TicketStatus,
        at: Timestamp,
    ) {
        let target = policy.target(priority);
        let hours = policy.hours();
        for kind in SlaKind::ALL {
            let slot = match kind {
                SlaKind::FirstResponse => &mut self.first_response,
                SlaKind::Resolution => &mut self.resolution,
            };
            match (slot.as_mut(), target.minutes(kind)) {
                (Some(clock), Some(m)) => clock.retarget(hours, m, at),
                (Some(clock), None) if clock.stopped_at.is_none() && !clock.breached => {
                    *slot = None
                }
                (None, Some(m)) if runs_in(status) || status == TicketStatus::Pending => {
                    let mut clock = SlaClock::start(m, hours, at);
                    if status == TicketStatus::Pending {
                        clock.pause(hours, at);
                    }
                    *slot = Some(clock);
                }
                _ => {}
            }
        }
    }

    /// A member of staff replied in public at `at`: the first-response
    /// clock stops.
    pub fn staff_replied(&mut self, policy: &SlaPolicy, at: Timestamp) {
        if let Some(clock) = self.first_response.as_mut() {
            clock.stop(policy.hours(), at);
        }
    }

    /// A message by a `sender` of this kind, with `visibility`, was added at
    /// `at`: a public reply by an agent or admin is the first response; a
    /// customer's message and an internal note are not.
    pub fn message_added(
        &mut self,
        policy: &SlaPolicy,
        sender: UserType,
        visibility: Visibility,
        at: Timestamp,
    ) {
        if sender != UserType::Customer && visibility == Visibility::Public {
            self.staff_replied(policy, at);
        }
    }

    /// Brings the clocks of a ticket that was in `was` (status, priority) in
    /// line with the ticket now in `now`, changed at `at`.
    pub fn follow(
        &mut self,
        policy: &SlaPolicy,
        was: (TicketStatus, Priority),
        now: (TicketStatus, Priority),
        at: Timestamp,
    ) {
        if was.1 != now.1 {
            self.priority_changed(policy, now.1, was.0, at);
        }
        self.status_changed(policy, was.0, now.0, at);
    }

    /// Marks every clock that is past its due time at `at` as breached, and
    /// returns those newly marked: each breach is returned once.
    pub fn settle(&mut self, at: Timestamp) -> Vec<SlaKind> {
        let mut newly = Vec::new();
        for (kind, clock) in self.clocks_mut() {
            if !clock.breached && clock.overdue(at) {
                clock.breached = true;
                newly.push(kind);
            }
        }
        newly
    }

    /// When a running clock that is not yet breached falls due: the time
    /// [`TicketSla::settle`] has to be called again.
    pub fn next_check(&self) -> Option<Timestamp> {
        [&self.first_response, &self.resolution]
            .into_iter()
            .flatten()
            .filter(|c| !c.breached)
            .filter_map(SlaClock::running_due)
            .min()
    }

    /// Whether any clock is breached.
    pub fn breached(&self) -> bool {
        [&self.first_response, &self.resolution]
            .into_iter()
            .flatten()
            .any(|c| c.breached)
    }

    /// The due time of the `kind` clock while it runs.
    pub fn running_due(&self, kind: SlaKind) -> Option<Timestamp> {
        self.clock(kind).and_then(SlaClock::running_due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> Timestamp {
        // Monday 2026-11-30.
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 30, h, m, 0)
            .single()
            .unwrap_or_default()
    }

    fn policy(first: u32, resolution: u32) -> SlaPolicy {
        let target = SlaTarget {
            first_response_minutes: Some(first),
            resolution_minutes: Some(resolution),
        };
        SlaPolicy {
            targets: [target; 4],
            business_hours: None,
        }
    }

    fn office() -> BusinessHours {
        use Weekday::*;
        BusinessHours::new(
            chrono_tz::Europe::Berlin,
            vec![Mon, Tue, Wed, Thu, Fri],
            NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn clocks_start_at_opening_with_the_priority_targets() {
        let sla = TicketSla::open(
            &policy(60, 240),
            Priority::High,
            TicketStatus::Open,
            t(10, 0),
        );
        assert_eq!(sla.running_due(SlaKind::FirstResponse), Some(t(11, 0)));
        assert_eq!(sla.running_due(SlaKind::Resolution), Some(t(14, 0)));
        assert_eq!(sla.next_check(), Some(t(11, 0)));
    }

    #[test]
    fn pending_pauses_and_leaving_it_resumes_with_the_time_left() {
        let p = policy(60, 240);
        let mut sla = TicketSla::open(&p, Priority::Normal, TicketStatus::Open, t(10, 0));
        sla.status_changed(&p, TicketStatus::Open, TicketStatus::Pending, t(10, 20));
        let first = sla
            .first_response
            .clone()
            .unwrap_or_else(|| panic!("no clock"));
        assert_eq!(first.state(), SlaState::Paused);
        assert_eq!(first.left_seconds, Some(40 * 60));
        assert_eq!(sla.next_check(), None);
        assert!(
            sla.settle(t(23, 0)).is_empty(),
            "a paused clock does not breach"
        );
        sla.status_changed(&p, TicketStatus::Pending, TicketStatus::Open, t(12, 0));
        assert_eq!(sla.running_due(SlaKind::FirstResponse), Some(t(12, 40)));
        assert_eq!(sla.running_due(SlaKind::Resolution), Some(t(15, 40)));
    }

    #[test]
    fn a_staff_reply_stops_the_first_response_clock_in_time_or_late() {
        let p = policy(60, 240);
        let mut sla = TicketSla::open(&p, Priority::Normal, TicketStatus::Open, t(10, 0));
        sla.staff_replied(&p, t(10, 30));
        assert_eq!(
            sla.clock(SlaKind::FirstResponse).map(SlaClock::state),
            Some(SlaState::Met)
        );
        assert!(sla.settle(t(13, 0)).is_empty());
        let mut late = TicketSla::open(&p, Priority::Normal, TicketStatus::Open, t(10, 0));
        late.staff_replied(&p, t(11, 30));
        assert_eq!(late.settle(t(11, 30)), vec![SlaKind::FirstResponse]);
        assert!(late.settle(t(11, 31)).is_empty(), "a breach is marked once");
    }

    #[test]
    fn a_breach_is_marked_once_and_only_after_the_due_time() {
        let p = policy(60, 240);
        let mut sla = TicketSla::open(&p, Priority::Normal, TicketStatus::Open, t(10, 0));
        assert!(
            sla.settle(t(11, 0)).is_empty(),
            "due at 11:00 is not late at 11:00"
        );
        assert_eq!(sla.settle(t(11, 1)), vec![SlaKind::FirstResponse]);
        assert!(sla.settle(t(12, 0)).is_empty());
        assert!(sla.breached());
        assert_eq!(sla.next_check(), Some(t(14, 0)));
        assert_eq!(sla.settle(t(14, 1)), vec![SlaKind::Resolution]);
        assert_eq!(sla.next_check(), None);
    }

    #[test]
    fn resolving_stops_and_reopening_runs_the_resolution_clock_again() {
        let p = policy(60, 240);
        let mut sla = TicketSla::open(&p, Priority::Normal, TicketStatus::Open, t(10, 0));
        sla.staff_replied(&p, t(10, 10));
        sla.status_changed(&p, TicketStatus::Open, TicketStatus::Resolved, t(11, 0));
        assert_eq!(
            sla.clock(SlaKind::Resolution).map(SlaClock::state),
            Some(SlaState::Met)
        );
        sla.status_changed(&p, TicketStatus::Resolved, TicketStatus::Open, t(16, 0));
        assert_eq!(sla.running_due(SlaKind::Resolution), Some(t(19, 0)));
        assert_eq!(
            sla.clock(SlaKind::FirstResponse).map(SlaClock::state),
            Some(SlaState::Met)
        );
    }

    #[test]
    fn a_new_priority_keeps_the_time_used() {
        let p = SlaPolicy::default();
        let mut sla = TicketSla::open(&p, Priority::Low, TicketStatus::Open, t(8, 0));
        sla.priority_changed(&p, Priority::Urgent, TicketStatus::Open, t(8, 30));
        assert_eq!(sla.running_due(SlaKind::FirstResponse), Some(t(9, 0)));
        assert_eq!(sla.running_due(SlaKind::Resolution), Some(t(12, 0)));
    }

    #[test]
    fn business_hours_skip_nights_and_weekends() {
        let hours = office();
        let p = SlaPolicy {
            business_hours: Some(hours.clone()),
            ..policy(120, 16 * 60)
        };
        // Friday 2026-12-04 16:00 UTC is 17:00 in Berlin: closed until Monday 09:00 (08:00 UTC).
        let friday = chrono::Utc
            .with_ymd_and_hms(2026, 12, 4, 16, 0, 0)
            .single()
            .unwrap_or_default();
        let sla = TicketSla::open(&p, Priority::Normal, TicketStatus::Open, friday);
        let monday = |h| {
            chrono::Utc
                .with_ymd_and_hms(2026, 12, 7, h, 0, 0)
                .single()
                .unwrap_or_default()
        };
        assert_eq!(sla.running_due(SlaKind::FirstResponse), Some(monday(10)));
        // Two full working days: Monday and Tuesday, due Tuesday 17:00 Berlin.
        let tuesday = chrono::Utc
            .with_ymd_and_hms(2026, 12, 8, 16, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(sla.running_due(SlaKind::Resolution), Some(tuesday));
        assert_eq!(time_between(Some(&hours), friday, monday(10)), 2 * 3600);
        assert_eq!(time_between(Some(&hours), monday(10), friday), -2 * 3600);
    }

    #[test]
    fn business_hours_follow_daylight_saving() {
        use Weekday::*;
        let hours = BusinessHours::new(
            chrono_tz::America::New_York,
            vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun],
            NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // Summer: 09:00 EDT is 13:00 UTC; winter: 09:00 EST is 14:00 UTC.
        let summer = chrono::Utc
            .with_ymd_and_hms(2026, 7, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let winter = chrono::Utc
            .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            add_time(Some(&hours), summer, 60)
                .format("%H:%M")
                .to_string(),
            "13:01"
        );
        assert_eq!(
            add_time(Some(&hours), winter, 60)
                .format("%H:%M")
                .to_string(),
            "14:01"
        );
    }

    #[test]
    fn only_a_public_staff_reply_is_the_first_response() {
        let p = policy(60, 240);
        let mut sla = TicketSla::open(&p, Priority::Normal, TicketStatus::Open, t(10, 0));
        sla.message_added(&p, UserType::Customer, Visibility::Public, t(10, 5));
        sla.message_added(&p, UserType::Agent, Visibility::Internal, t(10, 6));
        assert_eq!(sla.running_due(SlaKind::FirstResponse), Some(t(11, 0)));
        sla.message_added(&p, UserType::Admin, Visibility::Public, t(10, 7));
        assert_eq!(sla.running_due(SlaKind::FirstResponse), None);
        assert_eq!(
            sla.clock(SlaKind::FirstResponse).map(SlaClock::state),
            Some(SlaState::Met)
        );
    }

    #[test]
    fn following_a_ticket_applies_priority_then_status() {
        let p = SlaPolicy::default();
        let mut sla = TicketSla::open(&p, Priority::Normal, TicketStatus::Open, t(8, 0));
        sla.follow(
            &p,
            (TicketStatus::Open, Priority::Normal),
            (TicketStatus::Pending, Priority::Urgent),
            t(8, 30),
        );
        let first = sla
            .clock(SlaKind::FirstResponse)
            .cloned()
            .unwrap_or_else(|| panic!("none"));
        assert_eq!(first.state(), SlaState::Paused);
        assert_eq!(first.left_seconds, Some(30 * 60));
    }

    #[test]
    fn hours_are_checked() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
        assert!(BusinessHours::new(chrono_tz::UTC, vec![], nine, nine).is_err());
        assert!(BusinessHours::new(chrono_tz::UTC, vec![Weekday::Mon], nine, nine).is_err());
        let target = SlaTarget {
            first_response_minutes: Some(0),
            resolution_minutes: None,
        };
        assert!(target.validate().is_err());
    }
}
