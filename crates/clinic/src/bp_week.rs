//! The guided blood-pressure week: from its start date, the readings taken and now, how far the
//! patient is ("day 3 of 7, 9 of 12 readings") and which morning and evening slots are still due.
//! The protocol is that of [`crate::blood_pressure`] (ESH 2008, 2021): 7 days, two readings each
//! morning and evening, the first day discarded, at least 12 readings averaged.

use std::collections::BTreeMap;

use jiff::{civil::Date, tz::TimeZone, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{
    blood_pressure::{
        BloodPressureReading, PROTOCOL_DAYS, PROTOCOL_MINIMUM_DAYS, PROTOCOL_MINIMUM_READINGS,
    },
    local_time::{date_of_day, day_of_date, local_seconds},
};

/// Readings asked for in each slot (ESH: duplicate measurements, one minute apart).
pub const READINGS_PER_SLOT: u32 = 2;
/// The local hour at which the morning slot ends and the evening slot begins.
pub const EVENING_FROM_HOUR: i64 = 12;

/// The two measuring times of a day. Morning: before noon, local time (ESH: before breakfast
/// and before taking medication); evening: from noon (ESH: before dinner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum BpSlot {
    Morning,
    Evening,
}

impl BpSlot {
    fn of_second_of_day(second: i64) -> BpSlot {
        if second < EVENING_FROM_HOUR * 3600 {
            BpSlot::Morning
        } else {
            BpSlot::Evening
        }
    }
}

/// One slot of the week that still needs readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlotDue {
    pub date: Date,
    pub slot: BpSlot,
    /// Readings still missing in it (1 or 2).
    pub readings_needed: u32,
}

/// Where a guided BP week stands at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BpWeekProgress {
    pub start: Date,
    /// Today's day of the week, 1 to 7; 0 before it starts, 8 once it is over.
    pub day: u32,
    pub days: u32,
    /// Valid readings that count (days 2 to 7, at most two per slot).
    pub counted_readings: u32,
    /// Days (2 to 7) with at least one counted reading.
    pub counted_days: u32,
    /// What the average needs at least: 12 readings.
    pub minimum_readings: u32,
    /// What a full week gives: 6 days × 2 slots × 2 readings = 24.
    pub planned_readings: u32,
    /// Enough readings and days for the home average to be classified.
    pub complete: bool,
    /// The week is over (now is past its seventh day).
    pub finished: bool,
    /// Slots from now on that still need readings, in order: the current one first.
    pub due: Vec<SlotDue>,
    /// Slots already past that got fewer than two readings.
    pub missed: Vec<SlotDue>,
}

impl BpWeekProgress {
    /// "Day 3 of 7, 9 of 12 readings".
    pub fn label(&self) -> String {
        let day = match self.day {
            0 => "Starts soon".to_owned(),
            day if day > self.days => format!("Week over ({} days)", self.days),
            day => format!("Day {day} of {}", self.days),
        };
        format!(
            "{day}, {} of {} readings",
            self.counted_readings, self.minimum_readings
        )
    }
}

/// The progress of the BP week that begins on local `start` in `zone`, given the readings taken
/// (any order; those outside the week and invalid ones are ignored) and `now`.
pub fn bp_week_progress(
    start: Date,
    zone: &TimeZone,
    readings: &[BloodPressureReading],
    now: Timestamp,
) -> BpWeekProgress {
    let first_day = day_of_date(start);
    let last_day = first_day + PROTOCOL_DAYS - 1;
    let mut per_slot: BTreeMap<(i64, BpSlot), u32> = BTreeMap::new();
    for reading in readings.iter().filter(|r| r.valid) {
        let local = local_seconds(reading.at, zone);
        let day = local.div_euclid(86_400);
        if (first_day..=last_day).contains(&day) {
            let slot = BpSlot::of_second_of_day(local.rem_euclid(86_400));
            *per_slot.entry((day, slot)).or_default() += 1;
        }
    }
    let counted = |day: i64, slot| {
        per_slot
            .get(&(day, slot))
            .copied()
            .unwrap_or(0)
            .min(READINGS_PER_SLOT)
    };
    let mut counted_readings = 0;
    let mut counted_days = 0;
    for day in first_day + 1..=last_day {
        let on_day = counted(day, BpSlot::Morning) + counted(day, BpSlot::Evening);
        counted_readings += on_day;
        counted_days += u32::from(on_day > 0);
    }
    let now_local = local_seconds(now, zone);
    let today = now_local.div_euclid(86_400);
    let slot_now = BpSlot::of_second_of_day(now_local.rem_euclid(86_400));
    let mut due = Vec::new();
    let mut missed = Vec::new();
    for day in first_day..=last_day {
        for slot in [BpSlot::Morning, BpSlot::Evening] {
            let readings_needed = READINGS_PER_SLOT - counted(day, slot);
            if readings_needed == 0 {
                continue;
            }
            let entry = SlotDue {
                date: date_of_day(day),
                slot,
                readings_needed,
            };
            if (day, slot) < (today, slot_now) {
                missed.push(entry);
            } else {
                due.push(entry);
            }
        }
    }
    let day = if today < first_day {
        0
    } else {
        u32::try_from((today - first_day + 1).min(PROTOCOL_DAYS + 1)).unwrap_or(0)
    };
    BpWeekProgress {
        start,
        day,
        days: PROTOCOL_DAYS as u32,
        counted_readings,
        counted_days,
        minimum_readings: PROTOCOL_MINIMUM_READINGS,
        planned_readings: (PROTOCOL_DAYS as u32 - 1) * 2 * READINGS_PER_SLOT,
        complete: counted_readings >= PROTOCOL_MINIMUM_READINGS
            && counted_days >= PROTOCOL_MINIMUM_DAYS - 1,
        finished: today > last_day,
        due,
        missed,
    }
}
