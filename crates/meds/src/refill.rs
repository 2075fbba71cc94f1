//! Refills: pills left after the doses taken, and when to remind the patient to reorder.

use std::num::NonZeroU32;

/// The pill count after some doses were taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefillStatus {
    pub remaining: u32,
    /// Whole doses the remaining pills still make.
    pub doses_left: u32,
    /// At or below the threshold: a refill is due.
    pub needs_refill: bool,
    /// This count-down took the count from above the threshold to at or below it: the one moment
    /// to remind, so the reminder is not repeated at every later dose.
    pub crossed_threshold: bool,
    /// Pills recorded as taken beyond those on hand: the count on hand was wrong.
    pub short_by: u32,
}

/// Counts down `on_hand` pills by `doses_taken` doses of `per_dose` pills each, against a refill
/// `threshold` in pills.
pub fn count_down(
    on_hand: u32,
    per_dose: NonZeroU32,
    doses_taken: u32,
    threshold: u32,
) -> RefillStatus {
    let used = u64::from(doses_taken) * u64::from(per_dose.get());
    let remaining = u64::from(on_hand).saturating_sub(used);
    let short_by = used.saturating_sub(u64::from(on_hand));
    // Both fit: remaining <= on_hand, and short_by is clamped to what a u32 can say.
    let remaining = u32::try_from(remaining).unwrap_or(u32::MAX);
    let short_by = u32::try_from(short_by).unwrap_or(u32::MAX);
    RefillStatus {
        remaining,
        doses_left: remaining / per_dose.get(),
        needs_refill: remaining <= threshold,
        crossed_threshold: on_hand > threshold && remaining <= threshold,
        short_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(on_hand: u32, per_dose: u32, taken: u32, threshold: u32, expected: RefillStatus) {
        let per_dose = NonZeroU32::new(per_dose).expect("non-zero");
        assert_eq!(
            count_down(on_hand, per_dose, taken, threshold),
            expected,
            "{on_hand} on hand, {taken} doses of {per_dose}, threshold {threshold}"
        );
    }

    fn status(
        remaining: u32,
        doses_left: u32,
        needs: bool,
        crossed: bool,
        short_by: u32,
    ) -> RefillStatus {
        RefillStatus {
            remaining,
            doses_left,
            needs_refill: needs,
            crossed_threshold: crossed,
            short_by,
        }
    }

    #[test]
    fn counts_down_and_reminds_once_at_the_threshold() {
        check(30, 1, 0, 7, status(30, 30, false, false, 0));
        check(30, 1, 22, 7, status(8, 8, false, false, 0));
        check(30, 1, 23, 7, status(7, 7, true, true, 0));
        // Already at the threshold before: still needs a refill, but no second reminder.
        check(7, 1, 1, 7, status(6, 6, true, false, 0));
        // Two pills a dose: 5 pills make 2 whole doses.
        check(11, 2, 3, 4, status(5, 2, false, false, 0));
        check(11, 2, 4, 4, status(3, 1, true, true, 0));
        // More taken than on hand: the count stops at zero and says by how much it was short.
        check(3, 2, 2, 0, status(0, 0, true, true, 1));
        check(u32::MAX, 1, u32::MAX, 0, status(0, 0, true, true, 0));
        check(
            0,
            u32::MAX,
            u32::MAX,
            0,
            status(0, 0, true, false, u32::MAX),
        );
    }
}
