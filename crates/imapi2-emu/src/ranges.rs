//! A set of block addresses kept as sorted, disjoint, non-adjacent half-open
//! ranges: the written blocks of an overwritable medium, a defect list.

/// Sorted, disjoint, non-touching half-open ranges `[start, end)` of LBAs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeSet {
    ranges: Vec<(i64, i64)>,
}

impl RangeSet {
    /// An empty set.
    pub fn new() -> RangeSet {
        RangeSet::default()
    }

    /// The ranges, sorted.
    pub fn ranges(&self) -> &[(i64, i64)] {
        &self.ranges
    }

    /// True when the set holds no block.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Number of blocks in the set.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|(s, e)| (e - s) as u64).sum()
    }

    /// Removes every block.
    pub fn clear(&mut self) {
        self.ranges.clear();
    }

    /// Adds `[start, end)`; empty ranges are ignored.
    pub fn insert(&mut self, start: i64, end: i64) {
        if start >= end {
            return;
        }
        let mut s = start;
        let mut e = end;
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let mut placed = false;
        for &(a, b) in &self.ranges {
            if b < s {
                out.push((a, b));
            } else if a > e {
                if !placed {
                    out.push((s, e));
                    placed = true;
                }
                out.push((a, b));
            } else {
                s = s.min(a);
                e = e.max(b);
            }
        }
        if !placed {
            out.push((s, e));
        }
        self.ranges = out;
    }

    /// Removes `[start, end)`.
    pub fn remove(&mut self, start: i64, end: i64) {
        if start >= end {
            return;
        }
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(a, b) in &self.ranges {
            if b <= start || a >= end {
                out.push((a, b));
                continue;
            }
            if a < start {
                out.push((a, start));
            }
            if b > end {
                out.push((end, b));
            }
        }
        self.ranges = out;
    }

    /// True when `lba` is in the set.
    pub fn contains(&self, lba: i64) -> bool {
        match self.ranges.binary_search_by(|&(a, _)| a.cmp(&lba)) {
            Ok(_) => true,
            Err(0) => false,
            Err(i) => self.ranges[i - 1].1 > lba,
        }
    }

    /// The range holding `lba`.
    pub fn range_containing(&self, lba: i64) -> Option<(i64, i64)> {
        match self.ranges.binary_search_by(|&(a, _)| a.cmp(&lba)) {
            Ok(i) => Some(self.ranges[i]),
            Err(0) => None,
            Err(i) => Some(self.ranges[i - 1]).filter(|r| r.1 > lba),
        }
    }

    /// The first block of `[start, end)` that is in the set.
    pub fn first_in(&self, start: i64, end: i64) -> Option<i64> {
        self.ranges
            .iter()
            .find(|&&(a, b)| b > start && a < end)
            .map(|&(a, _)| a.max(start))
    }

    /// Highest block in the set.
    pub fn last(&self) -> Option<i64> {
        self.ranges.last().map(|&(_, e)| e - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_overlapping_and_adjacent() {
        let mut r = RangeSet::new();
        r.insert(10, 20);
        r.insert(30, 40);
        r.insert(20, 25);
        assert_eq!(r.ranges(), &[(10, 25), (30, 40)]);
        r.insert(24, 31);
        assert_eq!(r.ranges(), &[(10, 40)]);
        r.insert(0, 5);
        assert_eq!(r.ranges(), &[(0, 5), (10, 40)]);
        assert_eq!(r.len(), 35);
        assert!(r.contains(4) && !r.contains(5) && r.contains(10) && !r.contains(40));
    }

    #[test]
    fn remove_splits() {
        let mut r = RangeSet::new();
        r.insert(0, 100);
        r.remove(10, 20);
        assert_eq!(r.ranges(), &[(0, 10), (20, 100)]);
        r.remove(-5, 1);
        assert_eq!(r.ranges(), &[(1, 10), (20, 100)]);
        assert_eq!(r.first_in(10, 30), Some(20));
        assert_eq!(r.first_in(10, 20), None);
        assert_eq!(r.last(), Some(99));
    }
}
