//! The service-level policy, as the policy calls take and answer it.

use chrono::{NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use ticketd_app::FieldError;
use ticketd_domain::{BusinessHours, Priority, SlaPolicy, SlaTarget};
use utoipa::ToSchema;

use super::json::{object, object_or_null, whole_or_null};

/// The targets of one priority, in minutes; `null` (or absent) sets none.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlaMinutesDto {
    /// Minutes from opening to the first public staff reply (1 to 527040).
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 527040, example = 60)]
    #[serde(default, deserialize_with = "whole_or_null")]
    pub first_response_minutes: Option<i64>,
    /// Minutes from opening to resolution (1 to 527040).
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 527040, example = 240)]
    #[serde(default, deserialize_with = "whole_or_null")]
    pub resolution_minutes: Option<i64>,
}

/// The targets of each priority.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlaTargetsDto {
    /// Priority 1.
    #[serde(deserialize_with = "object")]
    pub low: SlaMinutesDto,
    /// Priority 2.
    #[serde(deserialize_with = "object")]
    pub normal: SlaMinutesDto,
    /// Priority 3.
    #[serde(deserialize_with = "object")]
    pub high: SlaMinutesDto,
    /// Priority 4.
    #[serde(deserialize_with = "object")]
    pub urgent: SlaMinutesDto,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum WeekdayDto {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl From<WeekdayDto> for Weekday {
    fn from(d: WeekdayDto) -> Self {
        match d {
            WeekdayDto::Mon => Weekday::Mon,
            WeekdayDto::Tue => Weekday::Tue,
            WeekdayDto::Wed => Weekday::Wed,
            WeekdayDto::Thu => Weekday::Thu,
            WeekdayDto::Fri => Weekday::Fri,
            WeekdayDto::Sat => Weekday::Sat,
            WeekdayDto::Sun => Weekday::Sun,
        }
    }
}

impl From<Weekday> for WeekdayDto {
    fn from(d: Weekday) -> Self {
        match d {
            Weekday::Mon => WeekdayDto::Mon,
            Weekday::Tue => WeekdayDto::Tue,
            Weekday::Wed => WeekdayDto::Wed,
            Weekday::Thu => WeekdayDto::Thu,
            Weekday::Fri => WeekdayDto::Fri,
            Weekday::Sat => WeekdayDto::Sat,
            Weekday::Sun => WeekdayDto::Sun,
        }
    }
}

/// The hours in which clocks count.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BusinessHoursDto {
    /// An IANA time zone; daylight saving is followed.
    #[schema(example = "Europe/Berlin", max_length = 64)]
    pub time_zone: String,
    /// The working days: at least one, each once.
    #[schema(value_type = std::collections::BTreeSet<WeekdayDto>, example = json!(["mon", "tue", "wed", "thu", "fri"]), min_items = 1, max_items = 7)]
    pub days: Vec<WeekdayDto>,
    /// When a working day opens, local time, `HH:MM`.
    #[schema(example = "09:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub opens: String,
    /// When it closes (after `opens`), `HH:MM`.
    #[schema(example = "17:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub closes: String,
}

/// The service-level policy: targets per priority, counted on the calendar
/// or in business hours.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlaPolicyDto {
    /// The targets of each priority.
    #[serde(deserialize_with = "object")]
    pub targets: SlaTargetsDto,
    /// Business hours; `null` (or absent) counts every hour of the calendar.
    #[serde(default, deserialize_with = "object_or_null")]
    pub business_hours: Option<BusinessHoursDto>,
}

fn minutes(t: SlaTarget) -> SlaMinutesDto {
    SlaMinutesDto {
        first_response_minutes: t.first_response_minutes.map(i64::from),
        resolution_minutes: t.resolution_minutes.map(i64::from),
    }
}

/// Minutes as a target takes them; out of range (negative, past `u32`) is
/// 0, which the target's own check refuses.
fn target_minutes(m: Option<i64>) -> Option<u32> {
    m.map(|m| u32::try_from(m).unwrap_or(0))
}

impl From<&SlaPolicy> for SlaPolicyDto {
    fn from(p: &SlaPolicy) -> Self {
        Self {
            targets: SlaTargetsDto {
                low: minutes(p.target(Priority::Low)),
                normal: minutes(p.target(Priority::Normal)),
                high: minutes(p.target(Priority::High)),
                urgent: minutes(p.target(Priority::Urgent)),
            },
            business_hours: p.business_hours.as_ref().map(|h| BusinessHoursDto {
                time_zone: h.time_zone.name().to_owned(),
                days: h.days.iter().map(|d| (*d).into()).collect(),
                opens: h.opens.format("%H:%M").to_string(),
                closes: h.closes.format("%H:%M").to_string(),
            }),
        }
    }
}

fn clock_time(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveTime> {
    let ok = raw.len() == 5 && raw.as_bytes()[2] == b':';
    match NaiveTime::parse_from_str(raw, "%H:%M").ok().filter(|_| ok) {
        Some(t) => Some(t),
        None => {
            errors.push(FieldError::new(
                field,
                "must be a time of day as HH:MM (00:00 to 23:59)",
            ));
            None
        }
    }
}

impl SlaPolicyDto {
    /// The policy, or every field that is wrong.
    pub fn into_policy(self) -> Result<SlaPolicy, Vec<FieldError>> {
        let mut errors = Vec::new();
        let t = self.targets;
        let mut targets = [t.low, t.normal, t.high, t.urgent].map(|m| SlaTarget {
            first_response_minutes: target_minutes(m.first_response_minutes),
            resolution_minutes: target_minutes(m.resolution_minutes),
        });
        for (target, name) in targets.iter_mut().zip(["low", "normal", "high", "urgent"]) {
            if let Err(e) = target.validate() {
                errors.push(FieldError::new(format!("targets.{name}"), e.0));
            }
        }
        let business_hours = self.business_hours.and_then(|h| {
            let zone = h.time_zone.parse::<chrono_tz::Tz>().map_err(|_| {
                errors.push(FieldError::new(
                    "businessHours.timeZone",
                    "must be an IANA time zone such as Europe/Berlin or America/New_York",
                ));
            });
            let opens = clock_time("businessHours.opens", &h.opens, &mut errors);
            let closes = clock_time("businessHours.closes", &h.closes, &mut errors);
            let mut days: Vec<Weekday> = Vec::with_capacity(h.days.len());
            for day in h.days.into_iter().map(Weekday::from) {
                if days.contains(&day) {
                    errors.push(FieldError::new(
                        "businessHours.days",
                        "must name each day once",
                    ));
                    break;
                }
                days.push(day);
            }
            match (zone, opens, closes) {
                (Ok(zone), Some(opens), Some(closes)) => {
                    BusinessHours::new(zone, days, opens, closes)
                        .map_err(|e| errors.push(FieldError::new("businessHours", e.0)))
                        .ok()
                }
                _ => None,
            }
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SlaPolicy {
            targets,
            business_hours,
        })
    }
}
