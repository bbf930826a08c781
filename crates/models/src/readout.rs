//! Reading results back from the model: tensors → the nested `Vec`s the page and the CLI
//! receive, and the best entries of a row already on the host (top-k, argmax).
//!
//! Every task reads its outputs through these, so the layouts (`[head][query][key]`, one
//! row per position) are written once. Top-k works on host rows rather than with Burn's
//! `topk_with_indices` because its callers need the whole row on the host anyway (beam
//! bookkeeping, the probability of the original token, the rank of a target).

use burn::prelude::*;

/// A tensor could not be read back (a backend failure, not bad input).
#[derive(Debug, thiserror::Error)]
#[error("cannot read a result back from the model: {0}")]
pub struct ReadError(String);

/// All values, row-major.
pub fn values<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, ReadError> {
    t.try_into_vec_as::<f32>()
        .map_err(|e| ReadError(format!("{e:?}")))
}

/// `[n, m]` → `n` rows of `m`.
pub fn rows(t: Tensor<2>) -> Result<Vec<Vec<f32>>, ReadError> {
    let [_, m] = t.dims();
    Ok(values(t)?.chunks(m.max(1)).map(<[f32]>::to_vec).collect())
}

/// Attention probabilities of a batch of one: `[1, heads, q, k]` → `[head][query][key]`.
pub fn heads(probs: Tensor<4>) -> Result<Vec<Vec<Vec<f32>>>, ReadError> {
    let [_, heads, q, k] = probs.dims();
    let flat = values(probs)?;
    Ok((0..heads)
        .map(|h| {
            (0..q)
                .map(|r| flat[(h * q + r) * k..(h * q + r + 1) * k].to_vec())
                .collect()
        })
        .collect())
}

/// Indices of the `k` largest entries of `row`, largest first (fewer if `row` is shorter).
/// NaN sorts above every number (`total_cmp`), so a broken row shows instead of hiding.
pub fn top_k(row: &[f32], k: usize) -> Vec<usize> {
    let k = k.min(row.len());
    if k == 0 {
        return Vec::new();
    }
    let mut idx: Vec<usize> = (0..row.len()).collect();
    idx.select_nth_unstable_by(k - 1, |&a, &b| row[b].total_cmp(&row[a]));
    idx.truncate(k);
    idx.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
    idx
}

/// Index of the largest entry (0 for an empty row).
pub fn argmax(row: &[f32]) -> usize {
    top_k(row, 1).first().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_is_largest_first_and_clamped() {
        let row = [0.1, 0.7, -1.0, 0.7, 0.3];
        let top = top_k(&row, 3);
        assert_eq!(top.len(), 3);
        assert_eq!(row[top[0]], 0.7);
        assert_eq!(row[top[1]], 0.7);
        assert_eq!(top[2], 4);
        assert_eq!(top_k(&row, 99).len(), 5);
        assert!(top_k(&row, 0).is_empty());
        assert!(top_k(&[], 3).is_empty());
        assert_eq!(argmax(&row[2..]), 1);
        assert_eq!(argmax(&[]), 0);
    }

    #[test]
    fn heads_layout_is_head_query_key() {
        let device = crate::device();
        let t = Tensor::<1, Int>::arange(0..12, &device)
            .float()
            .reshape([1, 2, 2, 3]);
        let h = heads(t).expect("read");
        assert_eq!(h[1][0], vec![6.0, 7.0, 8.0]);
        assert_eq!(h[0][1], vec![3.0, 4.0, 5.0]);
        let r = rows(
            Tensor::<1, Int>::arange(0..6, &device)
                .float()
                .reshape([3, 2]),
        )
        .expect("read");
        assert_eq!(r[2], vec![4.0, 5.0]);
    }
}
