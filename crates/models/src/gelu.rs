//! Exact GELU, `x·Φ(x) = ½·x·(1 + erf(x/√2))`, for inference on the CPU backend.
//!
//! Why hand-written: burn-flex computes `erf` one element at a time through libm's `erff`
//! (branches, no SIMD). At 128 tokens that was 10–12 % of a MiniLM fill-mask in wasm
//! (node `--cpu-prof`: `erff`, `erfc2`, `expf`). The rational approximation below (the
//! one XLA and Eigen use for f32: odd degree-13 over even degree-8 polynomial on
//! [-4, 4], ±1 outside) has no branches, so the loop compiles to wasm `f32x4` (and AVX on
//! native). Its largest difference from libm's `erff` is checked below to be a few f32
//! rounding steps (< 5e-7, near erf = ±1), far inside every parity tolerance.
//!
//! On an autodiff device (fine-tuning, training) or any other backend, Burn's own `gelu`
//! runs instead, so gradients are Burn's.
//!
//! # Shapes
//! Any shape in, the same shape out.

use burn::prelude::*;
use burn::tensor::{DType, activation};

/// `erf(x)` for f32 (XLA's `ErfImpl32` / Eigen's `generic_fast_erf_float` coefficients).
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = x2 * p + -2.101_024e-6;
    p = x2 * p + -5.692_506_4e-5;
    p = x2 * p + -7.349_906_3e-4;
    p = x2 * p + -2.954_6e-3;
    p = x2 * p + -1.609_603_3e-2;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329e-3;
    q = x2 * q + -1.426_474e-2;
    x * p / q
}

fn gelu_in_place(values: &mut [f32]) {
    for v in values {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Exact GELU (BERT's `hidden_act: "gelu"`).
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    if device.is_autodiff() || device != crate::device() || x.dtype() != DType::F32 {
        return activation::gelu(x);
    }
    // In place in the tensor's own data: no second copy of the activations.
    let mut data = x.into_data();
    match data.as_mut_slice::<f32>() {
        Ok(values) => {
            gelu_in_place(values);
            Tensor::from_data(data, &device)
        }
        Err(_) => activation::gelu(Tensor::from_data(data, &device)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_is_libm_erff_to_a_few_roundings() {
        let mut worst = 0.0f32;
        for i in -700_000..=700_000 {
            let x = i as f32 * 1e-5;
            worst = worst.max((erf(x) - libm::erff(x)).abs());
        }
        assert!(worst < 5e-7, "largest |erf - erff| = {worst:e}");
        for x in [9.0, 1e30, f32::INFINITY] {
            assert!((erf(x) - 1.0).abs() < 2e-7 && (erf(-x) + 1.0).abs() < 2e-7);
        }
        assert_eq!(erf(0.0), 0.0);
    }

    #[test]
    fn gelu_equals_burns_gelu() {
        let dev = crate::device();
        let x: Tensor<3> = Tensor::random(
            [2, 5, 64],
            burn::tensor::Distribution::Normal(0.0, 3.0),
            &dev,
        );
        gelu(x.clone()).into_data().assert_approx_eq::<f32>(
            &activation::gelu(x).into_data(),
            burn::tensor::Tolerance::absolute(1e-6),
        );
    }
}
