//! The minutes of a week a rotation is restricted to, and how Firewatch writes them: every
//! source says "on call only then" in its own shape (PagerDuty's daily and weekly
//! restrictions, Opsgenie's time restrictions, Grafana OnCall's part-day turns); each marks
//! them on a [`WeekMask`], which turns them into `restrict` windows one way for all.

use super::model::Restrict;

pub const MINUTES_PER_DAY: usize = 24 * 60;
pub const MINUTES_PER_WEEK: usize = 7 * MINUTES_PER_DAY;

/// Monday first, as Firewatch writes days.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Which minutes of the week (from Monday 00:00) a layer has someone on call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekMask(Vec<bool>);

impl Default for WeekMask {
    fn default() -> Self {
        WeekMask(vec![false; MINUTES_PER_WEEK])
    }
}

impl WeekMask {
    /// Marks `length` minutes from `start` minutes after Monday 00:00, wrapping at the end of
    /// the week; a week or more marks all of it.
    pub fn mark(&mut self, start: usize, length: usize) {
        for minute in start..start + length.min(MINUTES_PER_WEEK) {
            self.0[minute % MINUTES_PER_WEEK] = true;
        }
    }

    /// Every minute of the week.
    pub fn all() -> WeekMask {
        WeekMask(vec![true; MINUTES_PER_WEEK])
    }

    /// No minute at all.
    pub fn is_empty(&self) -> bool {
        !self.0.contains(&true)
    }

    /// The minutes both masks have.
    pub fn shared(&self, other: &WeekMask) -> WeekMask {
        WeekMask(self.0.iter().zip(&other.0).map(|(a, b)| *a && *b).collect())
    }

    /// As Firewatch `restrict` windows: each stretch of on-call time becomes one window
    /// (running past midnight when it does) when it is shorter than a day, else per-day
    /// windows (first day to 24:00, whole days, last day from 00:00); windows with the same
    /// hours are joined by their days, ordered by their first start in the week. A mask
    /// covering the whole week needs no restriction: empty.
    pub fn restricts(&self) -> Vec<Restrict> {
        let Some(off) = self.0.iter().position(|on| !on) else {
            return Vec::new();
        };
        // Stretches, found from a minute that is off so none is cut at the end of the week.
        let mut stretches = Vec::new();
        let mut current: Option<(usize, usize)> = None;
        for step in 1..=MINUTES_PER_WEEK {
            let minute = (off + step) % MINUTES_PER_WEEK;
            match (self.0[minute], current.as_mut()) {
                (true, Some((_, length))) => *length += 1,
                (true, None) => current = Some((minute, 1)),
                (false, _) => stretches.extend(current.take()),
            }
        }
        stretches.extend(current);
        // (from, to) → days.
        let mut windows: std::collections::BTreeMap<(usize, usize), [bool; 7]> =
            std::collections::BTreeMap::new();
        for (start, length) in stretches {
            let mut day = start / MINUTES_PER_DAY;
            let from = start % MINUTES_PER_DAY;
            if from + length <= MINUTES_PER_DAY {
                windows.entry((from, from + length)).or_default()[day] = true;
            } else if length < MINUTES_PER_DAY {
                windows
                    .entry((from, from + length - MINUTES_PER_DAY))
                    .or_default()[day] = true;
            } else {
                windows.entry((from, MINUTES_PER_DAY)).or_default()[day] = true;
                let mut left = length - (MINUTES_PER_DAY - from);
                while left > 0 {
                    day = (day + 1) % 7;
                    let part = left.min(MINUTES_PER_DAY);
                    windows.entry((0, part)).or_default()[day] = true;
                    left -= part;
                }
            }
        }
        let mut out: Vec<(usize, Restrict)> = windows
            .into_iter()
            .map(|((from, to), days)| {
                let first = days.iter().position(|on| *on).unwrap_or(0);
                (
                    first * MINUTES_PER_DAY + from,
                    Restrict {
                        days: day_list(&days),
                        from: hhmm(from),
                        to: hhmm(to),
                    },
                )
            })
            .collect();
        out.sort_by_key(|(order, _)| *order);
        out.into_iter().map(|(_, window)| window).collect()
    }
}

/// Minutes after midnight as "HH:MM"; 1440 is "24:00", the midnight that ends the day.
pub fn hhmm(minutes: usize) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// "mon-fri", "sat,sun", "mon,wed-fri": runs of three or more days as ranges.
pub fn day_list(days: &[bool; 7]) -> String {
    let mut parts = Vec::new();
    let mut day = 0;
    while day < 7 {
        if !days[day] {
            day += 1;
            continue;
        }
        let first = day;
        while day + 1 < 7 && days[day + 1] {
            day += 1;
        }
        match day - first {
            0 => parts.push(DAY_NAMES[first].to_owned()),
            1 => parts.push(format!("{},{}", DAY_NAMES[first], DAY_NAMES[day])),
            _ => parts.push(format!("{}-{}", DAY_NAMES[first], DAY_NAMES[day])),
        }
        day += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(days: &str, from: &str, to: &str) -> Restrict {
        Restrict {
            days: days.into(),
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn weekdays_office_hours_are_one_window() {
        let mut mask = WeekMask::default();
        for day in 0..5 {
            mask.mark(day * MINUTES_PER_DAY + 9 * 60, 9 * 60);
        }
        assert_eq!(mask.restricts(), [window("mon-fri", "09:00", "18:00")]);
    }

    #[test]
    fn a_stretch_of_days_is_split_into_whole_days() {
        // Friday 20:00 for 60 hours: to Monday 08:00 (listed from Monday, as the week runs).
        let mut mask = WeekMask::default();
        mask.mark(4 * MINUTES_PER_DAY + 20 * 60, 60 * 60);
        assert_eq!(
            mask.restricts(),
            [
                window("mon", "00:00", "08:00"),
                window("fri", "20:00", "24:00"),
                window("sat,sun", "00:00", "24:00"),
            ]
        );
    }

    #[test]
    fn nights_run_past_midnight_and_a_full_week_needs_no_restriction() {
        let mut nights = WeekMask::default();
        for day in 0..7 {
            nights.mark(day * MINUTES_PER_DAY + 22 * 60, 9 * 60);
        }
        // Every night, wrapping from Sunday into Monday.
        assert_eq!(nights.restricts(), [window("mon-sun", "22:00", "07:00")]);
        let mut all = WeekMask::default();
        all.mark(3, MINUTES_PER_WEEK);
        assert!(all.restricts().is_empty());
    }

    #[test]
    fn day_lists_use_ranges_from_three_days() {
        let days = |list: &[usize]| {
            let mut set = [false; 7];
            for day in list {
                set[*day] = true;
            }
            day_list(&set)
        };
        assert_eq!(days(&[0, 1, 2, 3, 4]), "mon-fri");
        assert_eq!(days(&[5, 6]), "sat,sun");
        assert_eq!(days(&[0, 2, 3, 4]), "mon,wed-fri");
    }
}
