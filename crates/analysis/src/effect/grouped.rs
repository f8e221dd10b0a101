//! Person rows summed over covariate patterns, for the logistic fits.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::logistic::{deviance_term, sigmoid, Term};
use super::{Group, PersonRow, Sex};

/// The data summed over covariate patterns: row k of `x` (k-th pattern in
/// order of first appearance) occurs `count[k]` times with `events[k]` attenders.
pub(crate) struct Grouped {
    pub(crate) x: Vec<f64>,
    pub(crate) count: Vec<f64>,
    pub(crate) events: Vec<f64>,
}

/// Maps persons to covariate patterns: everything a [`Term`] reads from a
/// person (arm, age, sex, segment), so equal patterns give equal X rows.
/// Patterns are numbered in order of first appearance, which keeps sums in a
/// fixed order for a given input.
#[derive(Default)]
pub(crate) struct PatternIndex<'a> {
    segments: Vec<&'a str>,
    ids: HashMap<(u8, u64, u8, u32), usize, BuildHasherDefault<MixHasher>>,
}

impl<'a> PatternIndex<'a> {
    /// The pattern number of `r`, and whether it is new.
    pub(crate) fn id(&mut self, r: &'a PersonRow) -> (usize, bool) {
        let seg = match self.segments.iter().position(|s| *s == r.segment) {
            Some(i) => i,
            None => {
                self.segments.push(&r.segment);
                self.segments.len() - 1
            }
        };
        let key = (
            u8::from(r.group == Group::Treated),
            r.age.to_bits(),
            u8::from(r.sex == Sex::Female),
            u32::try_from(seg).unwrap_or(u32::MAX),
        );
        let next = self.ids.len();
        let id = *self.ids.entry(key).or_insert(next);
        (id, id == next)
    }
}

/// Sums `rows` over their covariate patterns.
pub(crate) fn group_rows<'a>(terms: &[Term], rows: impl Iterator<Item = &'a PersonRow>) -> Grouped {
    group_with_ids(terms, rows, |_, _| {})
}

/// As [`group_rows`], also telling `seen(row, pattern)` for every row.
pub(crate) fn group_with_ids<'a>(
    terms: &[Term],
    rows: impl Iterator<Item = &'a PersonRow>,
    mut seen: impl FnMut(&'a PersonRow, usize),
) -> Grouped {
    let mut index = PatternIndex::default();
    let mut g = Grouped {
        x: Vec::new(),
        count: Vec::new(),
        events: Vec::new(),
    };
    for r in rows {
        let (k, new) = index.id(r);
        seen(r, k);
        if new {
            g.x.extend(terms.iter().map(|t| t.value(r)));
            g.count.push(0.0);
            g.events.push(0.0);
        }
        g.count[k] += 1.0;
        g.events[k] += f64::from(u8::from(r.attended));
    }
    g
}

/// A small multiplicative hasher for the fixed-size pattern keys: SipHash's
/// protection against crafted collisions buys nothing here (keys come from
/// our own rows) and costs most of the grouping time.
#[derive(Default)]
pub(crate) struct MixHasher(u64);

impl MixHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(buf));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
}

impl Grouped {
    /// The same patterns with only columns `keep` of the `p` columns.
    pub(crate) fn columns(&self, keep: &[usize], p: usize) -> Grouped {
        Grouped {
            x: self
                .x
                .chunks(p)
                .flat_map(|row| keep.iter().map(move |j| row[*j]))
                .collect(),
            count: self.count.clone(),
            events: self.events.clone(),
        }
    }

    /// The patterns for which `select(k)` holds.
    pub(crate) fn filter(&self, p: usize, select: impl Fn(usize) -> bool) -> Grouped {
        let mut out = Grouped {
            x: Vec::new(),
            count: Vec::new(),
            events: Vec::new(),
        };
        for (k, row) in self.x.chunks(p).enumerate() {
            if select(k) {
                out.x.extend_from_slice(row);
                out.count.push(self.count[k]);
                out.events.push(self.events[k]);
            }
        }
        out
    }

    /// XᵀWX and Xᵀ(y − nμ) at η.
    pub(crate) fn information(&self, eta: &[f64], p: usize) -> (Vec<f64>, Vec<f64>) {
        let mut info = vec![0.0; p * p];
        let mut score = vec![0.0; p];
        for (k, e) in eta.iter().enumerate() {
            let mu = sigmoid(*e);
            let w = self.count[k] * mu * (1.0 - mu);
            let r = self.events[k] - self.count[k] * mu;
            let xk = &self.x[k * p..(k + 1) * p];
            for a in 0..p {
                score[a] += xk[a] * r;
                let wa = w * xk[a];
                for b in 0..=a {
                    info[a * p + b] += wa * xk[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                info[b * p + a] = info[a * p + b];
            }
        }
        (info, score)
    }

    /// −2 ln L over all persons.
    pub(crate) fn deviance(&self, eta: &[f64]) -> f64 {
        eta.iter()
            .enumerate()
            .map(|(k, e)| {
                let yes = self.events[k];
                let no = self.count[k] - yes;
                let mut d = 0.0;
                if yes > 0.0 {
                    d += yes * deviance_term(*e, true);
                }
                if no > 0.0 {
                    d += no * deviance_term(*e, false);
                }
                d
            })
            .sum()
    }
}
