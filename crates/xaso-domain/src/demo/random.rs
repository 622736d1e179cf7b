//! A small deterministic random source (SplitMix64, Steele, Lea & Flood 2014): fast, good enough
//! for demo data, and written here so that a seed gives the same province on every machine and
//! every version of the dependencies.

/// SplitMix64. Each dossier gets a stream of its own (`derive`), so what it becomes does not
/// depend on how many numbers other dossiers drew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Random {
    state: u64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Random {
    pub fn new(seed: u64) -> Random {
        Random { state: mix(seed) }
    }

    /// A stream of its own for `parts` (a commune, a day, an index) under `seed`.
    pub fn derive(seed: u64, parts: &[u64]) -> Random {
        let mut state = mix(seed ^ GOLDEN);
        for part in parts {
            state = mix(state.wrapping_add(GOLDEN) ^ mix(*part));
        }
        Random { state }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// A number in `0..n` (0 when `n` is 0), without modulo bias worth speaking of.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        lo + self.below(span) as i64
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// One of `items` (the first when there is only one); `None` for none.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }

    /// An index drawn with the given weights (the last when they sum to nothing).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut point = self.unit() * total;
        for (i, weight) in weights.iter().enumerate() {
            if point < *weight {
                return i;
            }
            point -= weight;
        }
        weights.len().saturating_sub(1)
    }
}

/// A cumulative table for drawing often from the same weights (binary search instead of a scan).
#[derive(Debug, Clone)]
pub struct Weights {
    cumulative: Vec<f64>,
}

impl Weights {
    pub fn new(weights: &[f64]) -> Weights {
        let mut sum = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                sum += w.max(0.0);
                sum
            })
            .collect();
        Weights { cumulative }
    }

    /// The running sums of the weights.
    pub fn cumulative(&self) -> &[f64] {
        &self.cumulative
    }

    pub fn total(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    /// An index drawn with the weights; 0 when there are none.
    pub fn draw(&self, random: &mut Random) -> usize {
        let point = random.unit() * self.total();
        let index = self.cumulative.partition_point(|c| *c <= point);
        index.min(self.cumulative.len().saturating_sub(1))
    }
}
