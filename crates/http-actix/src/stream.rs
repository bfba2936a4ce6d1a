//! The live event stream (Server-Sent Events): one reader of the event log
//! per server fans each new event out to every open stream, which passes on
//! what its caller may see. A stream that resumes (`Last-Event-ID`) or falls
//! behind reads what it missed from the log first, so none is lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use ticketd_app::{Cursor, ListOrder, SupportDesk};
use ticketd_domain::Actor;
use ticketd_ports::{Event, Position};
use tokio::sync::broadcast;

use crate::dto::EventDto;

/// How many events the fan-out holds for a slow stream before the stream
/// has to read them from the log again.
const BACKLOG: usize = 1024;
/// How many events one read of the log takes.
const PAGE: u32 = 200;

/// The fan-out of new events to the open streams of one server.
pub struct EventHub {
    sender: broadcast::Sender<Arc<Event>>,
    started: AtomicBool,
    /// How often the log is read for new events.
    poll: Duration,
    /// Where the reader of the log is (for streams that start now).
    at: Arc<Mutex<Option<Position>>>,
}

impl Default for EventHub {
    fn default() -> Self {
        Self::new(Duration::from_millis(100))
    }
}

impl EventHub {
    /// A hub that reads the log every `poll` once a stream is open.
    pub fn new(poll: Duration) -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            started: AtomicBool::new(false),
            poll,
            at: Arc::default(),
        }
    }

    /// A receiver of every new event, the reader of the log started if it
    /// was not, and where the log stood when it was subscribed.
    async fn subscribe(
        &self,
        desk: &SupportDesk,
    ) -> (broadcast::Receiver<Arc<Event>>, Option<Position>) {
        let receiver = self.sender.subscribe();
        if !self.started.swap(true, Ordering::SeqCst) {
            let start = loop {
                match desk.last_event_position().await {
                    Ok(p) => break p,
                    Err(e) => {
                        log::warn!(target: "ticketd::stream", "reading where the events end failed (retrying): {e}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            if let Ok(mut at) = self.at.lock() {
                *at = start;
            }
            actix_web::rt::spawn(read_log(
                desk.clone(),
                self.sender.clone(),
                self.at.clone(),
                start,
                self.poll,
            ));
        }
        let at = self.at.lock().map(|a| *a).unwrap_or(None);
        (receiver, at)
    }
}

/// Reads new events from the log and sends each to the open streams, for as
/// long as the server runs.
async fn read_log(
    desk: SupportDesk,
    sender: broadcast::Sender<Arc<Event>>,
    at: Arc<Mutex<Option<Position>>>,
    mut after: Option<Position>,
    poll: Duration,
) {
    let mut failing = false;
    loop {
        match desk.every_event_after(after, PAGE).await {
            Ok(events) => {
                failing = false;
                let full = events.len() >= PAGE as usize;
                for event in events {
                    after = Some(event.position);
                    if let Ok(mut at) = at.lock() {
                        *at = after;
                    }
                    // No open stream is not an error: the event is in the log.
                    let _ = sender.send(Arc::new(event));
                }
                if !full {
                    tokio::time::sleep(poll).await;
                }
            }
            Err(e) => {
                if !failing {
                    log::warn!(target: "ticketd::stream", "reading new events failed (retrying): {e}");
                    failing = true;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The cursor a stream's `id:` carries, and `Last-Event-ID` gives back.
pub(crate) fn event_cursor(position: Position) -> String {
    Cursor {
        order: ListOrder::Events,
        position,
    }
    .encode()
}

/// One event as an SSE frame.
fn frame(event: &Event) -> Bytes {
    let dto = EventDto::from(event);
    // Serialising the event's own DTO cannot fail; an empty object stands in.
    let data = serde_json::to_string(&dto).unwrap_or_else(|_| "{}".to_owned());
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {data}\n\n",
        event_cursor(event.position),
        event.kind.as_str()
    ))
}

/// What a stream does between frames.
struct StreamState {
    desk: SupportDesk,
    actor: Actor,
    receiver: broadcast::Receiver<Arc<Event>>,
    /// The last position sent (or skipped past).
    after: Option<Position>,
    /// Whether missed events must be read from the log first.
    catching_up: bool,
    /// Frames ready to send.
    ready: std::collections::VecDeque<Bytes>,
    ticker: tokio::time::Interval,
    ticks_since_frame: u32,
    heartbeat_ticks: u32,
    stopping: actix_web::web::Data<crate::Draining>,
    done: bool,
}

/// The frames of a stream for `actor`, after `after` (from the log) or from
/// now on: events it may see, a comment every `heartbeat`, until the server
/// stops or the client leaves.
pub(crate) async fn event_stream(
    hub: &EventHub,
    desk: SupportDesk,
    actor: Actor,
    resume_after: Option<Position>,
    heartbeat: Duration,
    stopping: actix_web::web::Data<crate::Draining>,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> + use<> {
    let (receiver, now) = hub.subscribe(&desk).await;
    let tick = Duration::from_secs(1).min(heartbeat);
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = StreamState {
        desk,
        actor,
        receiver,
        after: resume_after.or(now),
        catching_up: resume_after.is_some(),
        // The first bytes: the client knows the stream is open, and how soon
        // to reconnect.
        ready: [Bytes::from_static(b"retry: 2000\n: connected\n\n")].into(),
        ticker,
        ticks_since_frame: 0,
        heartbeat_ticks: u32::try_from(heartbeat.as_millis() / tick.as_millis().max(1))
            .unwrap_or(u32::MAX)
            .max(1),
        stopping,
        done: false,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(bytes) = s.ready.pop_front() {
                s.ticks_since_frame = 0;
                return Some((Ok(bytes), s));
            }
            if s.done {
                return None;
            }
            if s.catching_up {
                match s.desk.events_for(&s.actor, s.after, PAGE).await {
                    Ok(events) => {
                        // A page may hold events the caller may not see: go
                        // on from the last one read, seen or not.
                        s.catching_up = events.len() >= PAGE as usize;
                        for e in &events {
                            s.after = Some(e.position);
                            s.ready.push_back(frame(e));
                        }
                        if events.is_empty() {
                            s.catching_up = false;
                        }
                    }
                    Err(e) => {
                        log::warn!(target: "ticketd::stream", "a stream could not read missed events: {e}");
                        s.done = true;
                    }
                }
                continue;
            }
            tokio::select! {
                received = s.receiver.recv() => match received {
                    Ok(event) => {
                        let new = s.after.is_none_or(|a| event.position.value > a.value);
                        if new {
                            s.after = Some(event.position);
                            if let Some(seen) = s.desk.event_as_seen_by(&s.actor, &event) {
                                s.ready.push_back(frame(&seen));
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => s.catching_up = true,
                    Err(broadcast::error::RecvError::Closed) => s.done = true,
                },
                _ = s.ticker.tick() => {
                    if s.stopping.is_on() {
                        s.done = true;
                        continue;
                    }
                    s.ticks_since_frame += 1;
                    if s.ticks_since_frame >= s.heartbeat_ticks {
                        s.ready.push_back(Bytes::from_static(b": keep-alive\n\n"));
                    }
                }
            }
        }
    })
}
