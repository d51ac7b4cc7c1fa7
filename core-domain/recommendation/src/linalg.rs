//! Dense linear algebra EASE needs and nothing more: a symmetric positive-definite matrix
//! inverted through its Cholesky factor, in `f64`, the column solves spread over threads.

use std::sync::Mutex;

/// A square matrix of `f64`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SquareMatrix {
    size: usize,
    values: Vec<f64>,
}

/// The matrix was not symmetric positive-definite (a pivot was not positive).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("the matrix is not positive-definite (pivot {pivot} is {value})")]
pub struct NotPositiveDefinite {
    /// The row where the factorisation failed.
    pub pivot: usize,
    /// The value found where a positive one was needed.
    pub value: f64,
}

/// Columns solved together, and rows factorised together: each pass over the factor then serves
/// this many rows or columns, which turns a memory-bound loop into a compute-bound one.
const BLOCK: usize = 16;

impl SquareMatrix {
    /// The `size × size` zero matrix.
    pub fn zeros(size: usize) -> Self {
        Self { size, values: vec![0.0; size * size] }
    }

    /// Rows and columns.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The entry at `(row, column)`.
    pub fn get(&self, row: usize, column: usize) -> f64 {
        self.values[row * self.size + column]
    }

    /// Adds `value` to the entry at `(row, column)`.
    pub fn add(&mut self, row: usize, column: usize, value: f64) {
        self.values[row * self.size + column] += value;
    }

    /// Row `row` as a slice.
    pub fn row(&self, row: usize) -> &[f64] {
        &self.values[row * self.size..(row + 1) * self.size]
    }

    /// The inverse of this symmetric positive-definite matrix, consuming it.
    ///
    /// Cholesky `A = L·Lᵀ` in place (`n³/6` multiply-adds, one thread), then the columns of `A⁻¹`
    /// from `L·Y = E` and `Lᵀ·X = Y`, [`BLOCK`] unit columns at a time (`≈ n³/2`, on `threads`
    /// threads). Memory: this matrix and the inverse, `2·n²·8` bytes (256 MB at n = 4,000).
    pub fn invert_spd(mut self, threads: usize) -> Result<SquareMatrix, NotPositiveDefinite> {
        self.cholesky_in_place()?;
        let n = self.size;
        let mut inverse = SquareMatrix::zeros(n);
        let tasks = Mutex::new(inverse.values.chunks_mut((BLOCK * n).max(1)).enumerate());
        let factor = &self;
        let work = || {
            let mut block = vec![0.0; n * BLOCK];
            loop {
                let next = tasks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).next();
                let Some((task, rows)) = next else { return };
                factor.solve_unit_columns(task * BLOCK, &mut block, rows);
            }
        };
        if threads <= 1 {
            work();
        } else {
            std::thread::scope(|scope| {
                for _ in 0..threads {
                    scope.spawn(work);
                }
            });
        }
        Ok(inverse)
    }

    /// Cholesky–Banachiewicz over blocks of rows: `L` ends in the lower triangle and `Lᵀ` is
    /// mirrored into the upper one, so both substitutions read contiguous rows.
    fn cholesky_in_place(&mut self) -> Result<(), NotPositiveDefinite> {
        let n = self.size;
        for first in (0..n).step_by(BLOCK) {
            let end = (first + BLOCK).min(n);
            // Row j is read once for the whole block of rows; rows of the block come in order,
            // so L[i][k<j] and L[j][..=j] are final when L[i][j] is computed.
            for j in 0..end {
                for i in first.max(j)..end {
                    let rest =
                        self.values[i * n + j] - dot(&self.values[i * n..i * n + j], &self.values[j * n..j * n + j]);
                    if i == j {
                        if !(rest > 0.0 && rest.is_finite()) {
                            return Err(NotPositiveDefinite { pivot: i, value: rest });
                        }
                        self.values[i * n + i] = rest.sqrt();
                    } else {
                        self.values[i * n + j] = rest / self.values[j * n + j];
                    }
                }
            }
        }
        for i in 0..n {
            for j in 0..i {
                self.values[j * n + i] = self.values[i * n + j];
            }
        }
        Ok(())
    }

    /// Columns `first..first + r` of the inverse (equal to its rows, the inverse being symmetric)
    /// into `out` (`r` rows of `n`); `block` is `n × BLOCK` scratch, row `i` holding entry `i` of
    /// each column being solved.
    fn solve_unit_columns(&self, first: usize, block: &mut [f64], out: &mut [f64]) {
        let n = self.size;
        let r = out.len() / n.max(1);
        block.iter_mut().for_each(|v| *v = 0.0);
        let mut sums = [0.0f64; BLOCK];
        // Forward: L·Y = E; every column is zero above `first`.
        for i in first..n {
            sums.iter_mut().for_each(|s| *s = 0.0);
            for (k, &l) in self.values[i * n + first..i * n + i].iter().enumerate() {
                let y = &block[(first + k) * BLOCK..(first + k + 1) * BLOCK];
                sums.iter_mut().zip(y).for_each(|(s, y)| *s += l * y);
            }
            let diagonal = self.values[i * n + i];
            for c in 0..r {
                let target = if i == first + c { 1.0 } else { 0.0 };
                block[i * BLOCK + c] = (target - sums[c]) / diagonal;
            }
        }
        // Backward: Lᵀ·X = Y, overwriting Y with X from the bottom row up.
        for i in (0..n).rev() {
            sums.iter_mut().for_each(|s| *s = 0.0);
            for (k, &u) in self.values[i * n + i + 1..(i + 1) * n].iter().enumerate() {
                let x = &block[(i + 1 + k) * BLOCK..(i + 2 + k) * BLOCK];
                sums.iter_mut().zip(x).for_each(|(s, x)| *s += u * x);
            }
            let diagonal = self.values[i * n + i];
            for c in 0..r {
                block[i * BLOCK + c] = (block[i * BLOCK + c] - sums[c]) / diagonal;
            }
        }
        for (c, row) in out.chunks_mut(n).enumerate() {
            for (i, value) in row.iter_mut().enumerate() {
                *value = block[i * BLOCK + c];
            }
        }
    }
}

/// `Σ a_k·b_k` over the shorter length, in four independent sums so the additions pipeline.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut lanes = [0.0f64; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4.remainder().iter().zip(b4.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a4.zip(b4) {
        for lane in 0..4 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&[f64]]) -> SquareMatrix {
        let mut m = SquareMatrix::zeros(rows.len());
        for (i, row) in rows.iter().enumerate() {
            for (j, &value) in row.iter().enumerate() {
                m.add(i, j, value);
            }
        }
        m
    }

    #[test]
    fn inverts_a_two_by_two_by_hand() {
        // [[3, 1], [1, 2]]⁻¹ = (1/5)·[[2, -1], [-1, 3]].
        let inverse = matrix(&[&[3.0, 1.0], &[1.0, 2.0]]).invert_spd(1).unwrap();
        for (got, want) in inverse.values.iter().zip([0.4, -0.2, -0.2, 0.6]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
    }

    #[test]
    fn a_times_its_inverse_is_the_identity_on_a_larger_matrix_with_threads() {
        // A = MᵀM + I for a pseudo-random 40 × 40 M is symmetric positive-definite.
        let n = 40;
        let mut rng = crate::rng::SplitMix64::new(3);
        let m: Vec<f64> = (0..n * n).map(|_| rng.next_f64() - 0.5).collect();
        let mut a = SquareMatrix::zeros(n);
        for i in 0..n {
            for j in 0..n {
                let dot: f64 = (0..n).map(|k| m[k * n + i] * m[k * n + j]).sum();
                a.add(i, j, dot + if i == j { 1.0 } else { 0.0 });
            }
        }
        let inverse = a.clone().invert_spd(3).unwrap();
        assert_eq!(inverse, a.clone().invert_spd(1).unwrap(), "threads change nothing");
        for i in 0..n {
            for j in 0..n {
                let product: f64 = (0..n).map(|k| a.get(i, k) * inverse.get(k, j)).sum();
                let identity = if i == j { 1.0 } else { 0.0 };
                assert!((product - identity).abs() < 1e-9, "({i},{j}) = {product}");
            }
        }
    }

    #[test]
    fn a_matrix_that_is_not_positive_definite_is_refused() {
        let refused = matrix(&[&[1.0, 2.0], &[2.0, 1.0]]).invert_spd(1);
        assert_eq!(refused.unwrap_err().pivot, 1);
    }
}
