//! `y = x·W + b` for the few-row products of inference: one sentence through an encoder,
//! one decoding step of a few beams, the masked positions of a fill-mask head.
//!
//! Why hand-written: Burn's `Linear::forward` hands `x·W` to the `gemm` crate with the
//! weight `W` `[in, out]` on the right, and `gemm` repacks its right operand into panels
//! on every call. With thousands of weight rows and only a handful of input rows, that
//! repacking streams the whole weight through memory twice per call, for little
//! arithmetic. Computed as `(Wᵀ·xᵀ)ᵀ`, the weight becomes the left operand, which `gemm`
//! reads in place (its rows are Burn's columns, stride 1), and only the few rows of `x`
//! are packed. Same products, summed in another order (answers agree to float rounding;
//! every parity fixture still passes).
//!
//! Measured (`cargo run --release -p tlab-models --example linear_layout`, one thread,
//! weights cycled so that they come from memory as in a real model, not from cache):
//! 4 ≤ rows ≤ 32 is 1.5–2.2× faster for the lecture's shapes (256/384 ↔ 1536, 384 → 30 522);
//! one row takes `gemm`'s matrix–vector path either way; from 64 rows on the repacked
//! form is as fast or faster. Outside [`FEW_ROWS`] this is exactly `Linear::forward`.
//!
//! # Shapes
//! `x` `[..., in]` → `[..., out]`, like `Linear::forward`.

use std::ops::RangeInclusive;

use burn::nn::Linear;
use burn::prelude::*;

/// Row counts (all leading dimensions of `x` multiplied) that take the weight-on-the-left
/// product.
pub const FEW_ROWS: RangeInclusive<usize> = 2..=48;

/// `lin.forward(x)`, computed as `(Wᵀ·xᵀ)ᵀ` when `x` has [`FEW_ROWS`] rows.
pub fn forward<const D: usize>(lin: &Linear, x: Tensor<D>) -> Tensor<D> {
    let dims = x.dims();
    let rows: usize = dims[..D - 1].iter().product(); // 1 for a vector
    if !FEW_ROWS.contains(&rows) {
        return lin.forward(x);
    }
    let w = lin.weight.val(); // [in, out]
    let [d_in, d_out] = w.dims();
    // [out, in] · [in, rows] → [out, rows] → [rows, out]
    let y = w
        .transpose()
        .matmul(x.reshape([rows, d_in]).transpose())
        .transpose();
    let y = match &lin.bias {
        Some(b) => y + b.val().unsqueeze::<2>(),
        None => y,
    };
    let mut out = dims;
    out[D - 1] = d_out;
    y.reshape(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::LinearConfig;
    use burn::tensor::{Distribution, Tolerance};

    #[test]
    fn equals_linear_forward_for_every_row_count() {
        let dev = crate::device();
        for bias in [true, false] {
            let lin = LinearConfig::new(24, 40).with_bias(bias).init(&dev);
            for rows in [1, 2, 3, 7, 48, 49, 64] {
                let x: Tensor<3> = Tensor::random([1, rows, 24], Distribution::Default, &dev);
                let want = lin.forward(x.clone()).into_data();
                let got = forward(&lin, x);
                assert_eq!(got.dims(), [1, rows, 40]);
                got.into_data()
                    .assert_approx_eq::<f32>(&want, Tolerance::absolute(1e-5));
            }
        }
    }
}
