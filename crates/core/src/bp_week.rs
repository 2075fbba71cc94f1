//! The guided blood-pressure week (the ESH home protocol `tend-clinic` judges by): the patient
//! picks a first day and a morning and an evening time; Tend reminds them at both for seven days
//! (through the reminder plan, so it rings while locked) and shows from the readings stored how
//! far the week is ("day 3 of 7, 9 of 12 readings").

use jiff::{
    civil::{Date, Time},
    tz::TimeZone,
    SignedDuration, Timestamp, ToSpan, Zoned,
};
use serde::{Deserialize, Serialize};
use tend_clinic::{
    bp_week_progress, pair_blood_pressure, BpSlot, BpWeekProgress, EVENING_FROM_HOUR, PROTOCOL_DAYS,
};
use tend_vault::RecordKind;
use tend_vitals::Metric;

use crate::{devices::measurement, medications::zone_named, Error, Result, Session};

/// The sealed setting that holds the week while it is on.
const BP_WEEK: &str = "bp_week";

/// A measuring week the patient started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BpWeek {
    /// Its first day (whose readings the protocol discards: the patient gets used to the cuff).
    pub start: Date,
    /// Before noon (ESH: before breakfast and before medication).
    pub morning: Time,
    /// From noon (ESH: before dinner).
    pub evening: Time,
    /// The zone its days and times keep: the patient's when it started.
    pub zone: String,
}

/// A week and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BpWeekStatus {
    pub week: BpWeek,
    pub progress: BpWeekProgress,
    /// "Day 3 of 7, 9 of 12 readings".
    pub label: String,
}

impl BpWeek {
    /// A week from `start` with reminders at `morning` and `evening` local time in `zone`.
    pub fn new(start: Date, morning: Time, evening: Time, zone: &TimeZone) -> Result<BpWeek> {
        if i64::from(morning.hour()) >= EVENING_FROM_HOUR {
            return Err(Error::InvalidInput(format!(
                "the morning readings are taken before noon, not at {morning}"
            )));
        }
        if i64::from(evening.hour()) < EVENING_FROM_HOUR {
            return Err(Error::InvalidInput(format!(
                "the evening readings are taken from noon on, not at {evening}"
            )));
        }
        let zone = zone.iana_name().ok_or_else(|| {
            Error::InvalidInput("the week needs a named time zone (such as Europe/Berlin)".into())
        })?;
        Ok(BpWeek {
            start,
            morning,
            evening,
            zone: zone.to_owned(),
        })
    }

    /// Every reminder of the week, in order: the day (1 to 7), the slot and when.
    pub fn reminders(&self) -> Result<Vec<(u32, BpSlot, Zoned)>> {
        let zone = zone_named(&self.zone)?;
        let mut reminders = Vec::new();
        for day in 0..PROTOCOL_DAYS {
            let date = self.start.checked_add(day.days()).map_err(out_of_range)?;
            for (slot, time) in [
                (BpSlot::Morning, self.morning),
                (BpSlot::Evening, self.evening),
            ] {
                let at = date
                    .to_datetime(time)
                    .to_zoned(zone.clone())
                    .map_err(out_of_range)?;
                reminders.push((u32::try_from(day + 1).unwrap_or(0), slot, at));
            }
        }
        Ok(reminders)
    }

    /// `[first day's midnight, the day after the last)` in the week's zone.
    fn span(&self) -> Result<(Timestamp, Timestamp)> {
        let zone = zone_named(&self.zone)?;
        let first = self.start.to_zoned(zone).map_err(out_of_range)?;
        let after = first
            .checked_add(PROTOCOL_DAYS.days())
            .map_err(out_of_range)?;
        Ok((first.timestamp(), after.timestamp()))
    }
}

impl Session {
    /// The week the patient started, if any (finished ones stay until stopped or replaced).
    pub async fn bp_week(&self) -> Result<Option<BpWeek>> {
        Ok(self.vault.get_record(RecordKind::Setting, BP_WEEK).await?)
    }

    /// Starts (or replaces) the guided week; its reminders ring from the next plan check on.
    pub async fn start_bp_week(&self, week: &BpWeek) -> Result<()> {
        week.span()?;
        self.vault
            .put_record(RecordKind::Setting, BP_WEEK, week)
            .await?;
        self.write_reminder_plan().await
    }

    /// Ends the guided week: no more reminders. The readings stay.
    pub async fn stop_bp_week(&self) -> Result<()> {
        self.vault
            .delete_record(RecordKind::Setting, BP_WEEK)
            .await?;
        self.write_reminder_plan().await
    }

    /// The week and how far it is at `now`, from the blood pressure stored during it.
    pub async fn bp_week_status(&self, now: Timestamp) -> Result<Option<BpWeekStatus>> {
        let Some(week) = self.bp_week().await? else {
            return Ok(None);
        };
        let (from, until) = week.span()?;
        // The week as of `now`: readings stamped later (a device clock ahead) are not counted yet.
        let until = until.min(now + SignedDuration::from_nanos(1));
        let mut readings = Vec::new();
        for metric in [Metric::Systolic, Metric::Diastolic] {
            if until <= from {
                break;
            }
            let read = self.vault.read_raw(metric, from, until).await?;
            if !read.damaged.is_empty() {
                return Err(Error::Vault(tend_vault::Error::Tampered));
            }
            readings.extend(read.data.iter().filter_map(measurement).map(|m| m.reading));
        }
        let measurements = pair_blood_pressure(&readings);
        let progress = bp_week_progress(week.start, &zone_named(&week.zone)?, &measurements, now);
        Ok(Some(BpWeekStatus {
            label: progress.label(),
            week,
            progress,
        }))
    }
}

/// How late a missed reminder may still ring (a laptop that wakes at 8:30 for a 7:00 reading);
/// older ones stay silent, and the week's progress shows what was missed.
pub const BP_REMINDER_RINGS_WITHIN: SignedDuration = SignedDuration::from_hours(2);

fn out_of_range(e: jiff::Error) -> Error {
    Error::InvalidInput(format!("the week's dates are out of range: {e}"))
}
