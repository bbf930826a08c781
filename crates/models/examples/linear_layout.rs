//! The measurement behind `src/linear.rs`: `x·W` (Burn's `Linear`) against `(Wᵀ·xᵀ)ᵀ` for
//! the lecture's weight shapes and 1–128 input rows, on the CPU backend, one thread. The
//! weights are cycled through (≈ 24 MB of them) so that each product reads its weight from
//! memory, as a real model's layers do, rather than from cache.
//!
//!     RAYON_NUM_THREADS=1 cargo run --release -p tlab-models --example linear_layout

use std::time::Instant;

use burn::prelude::*;
use burn::tensor::Distribution;

/// Mean microseconds per call of `f` (after a warm-up).
fn micros(mut f: impl FnMut() -> Tensor<2>) -> f64 {
    for _ in 0..24 {
        let _ = f().into_data();
    }
    let calls = 240;
    let start = Instant::now();
    for _ in 0..calls {
        let _ = f().into_data();
    }
    start.elapsed().as_secs_f64() * 1e6 / calls as f64
}

fn main() {
    let dev = tlab_models::device();
    let shapes = [
        (256, 256),
        (256, 1536),
        (1536, 256),
        (384, 384),
        (384, 1536),
        (1536, 384),
        (384, 30522),
    ];
    println!("| in × out | rows | x·W µs | (Wᵀ·xᵀ)ᵀ µs | ratio |");
    println!("|---|---:|---:|---:|---:|");
    for (k, n) in shapes {
        let count = (24 * 256 * 1536 / (k * n)).max(2);
        let weights: Vec<Tensor<2>> = (0..count)
            .map(|_| Tensor::random([k, n], Distribution::Default, &dev))
            .collect();
        for m in [1, 2, 4, 8, 16, 32, 64, 128] {
            let x: Tensor<2> = Tensor::random([m, k], Distribution::Default, &dev);
            let mut i = 0;
            let plain = micros(|| {
                i = (i + 1) % count;
                x.clone().matmul(weights[i].clone())
            });
            let mut i = 0;
            let swapped = micros(|| {
                i = (i + 1) % count;
                weights[i]
                    .clone()
                    .transpose()
                    .matmul(x.clone().transpose())
                    .transpose()
            });
            println!(
                "| {k} × {n} | {m} | {plain:.1} | {swapped:.1} | {:.2} |",
                swapped / plain
            );
        }
    }
}
