//! What every training run here shares, whatever it trains (the masked-LM in [`crate::train`],
//! the GPT in [`crate::gpt`]): the optimiser and its learning-rate schedule, the run
//! directory that makes a run resumable, and the loop's bookkeeping — progress lines, when to
//! evaluate and save, the time limit.

use anyhow::Context;
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamWConfig, ModuleOptimizer};
use serde::{Deserialize, Serialize};

/// The optimiser and learning-rate schedule a run is pinned to (part of its `run.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, clap::Args)]
pub struct Schedule {
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Optimizer steps in the whole run (the schedule's length).
    #[arg(long)]
    pub steps: usize,
    /// Peak learning rate.
    #[arg(long = "lr", value_name = "LR")]
    pub peak_lr: f64,
    /// Linear warm-up steps.
    #[arg(long)]
    pub warmup: usize,
    /// The learning rate at the last step, as a fraction of the peak.
    #[arg(long, default_value_t = 0.1)]
    pub final_lr_fraction: f64,
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    /// Per-tensor gradient-norm clipping (0: none).
    #[arg(long, default_value_t = 1.0)]
    pub clip_norm: f32,
}

impl Schedule {
    /// Linear warm-up over `warmup` steps to the peak, then linear decay to
    /// `final_lr_fraction · peak` at step `steps`.
    pub fn learning_rate(&self, step: usize) -> f64 {
        let peak = self.peak_lr;
        if step < self.warmup {
            return peak * (step + 1) as f64 / self.warmup as f64;
        }
        let span = self.steps.saturating_sub(self.warmup).max(1) as f64;
        let done = ((step - self.warmup) as f64 / span).min(1.0);
        peak * (1.0 - done * (1.0 - self.final_lr_fraction))
    }

    /// AdamW as every run here uses it. Burn clips each parameter tensor's gradient by itself
    /// (not one global norm as PyTorch's `clip_grad_norm_`); `clip_norm` 0 switches clipping
    /// off.
    pub fn adamw(&self, epsilon: Option<f32>) -> ModuleOptimizer {
        let config = AdamWConfig::new()
            .with_weight_decay(self.weight_decay as f32)
            .with_grad_clipping((self.clip_norm > 0.0).then_some(
                burn::grad_clipping::GradientClippingConfig::Norm(self.clip_norm),
            ));
        match epsilon {
            Some(e) => config.with_epsilon(e),
            None => config,
        }
        .init()
    }
}

/// When a run evaluates, saves and stops; not pinned, so a resume may change it.
#[derive(Debug, Clone, clap::Args)]
pub struct Cadence {
    #[arg(long, default_value_t = 500, value_parser = positive)]
    pub eval_every: usize,
    #[arg(long, default_value_t = 100, value_parser = positive)]
    pub save_every: usize,
    /// Stop after this many minutes (saving first); run the same command to resume.
    #[arg(long)]
    pub max_minutes: Option<f64>,
    /// Stop (saving first) once this step is reached, as a cut-off run did.
    #[arg(long)]
    pub stop_at_step: Option<usize>,
    /// Also keep the model of every Nth step, from --keep-from on, as `kept/model-STEP.bpk`
    /// (for `export --average`).
    #[arg(long, value_parser = positive)]
    pub keep_every: Option<usize>,
    #[arg(long, default_value_t = 0)]
    pub keep_from: usize,
}

/// Every N steps needs N ≥ 1: `step % 0` would mean "never", silently.
fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// A run's progress, saved next to its checkpoint as `state.json`: step, tokens and time, and
/// the learning curve, whose points each trainer defines (`P`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunState<P> {
    pub step: usize,
    pub tokens_seen: u64,
    pub wall_seconds: f64,
    pub curve: Vec<P>,
}

impl<P> Default for RunState<P> {
    fn default() -> Self {
        Self {
            step: 0,
            tokens_seen: 0,
            wall_seconds: 0.0,
            curve: Vec::new(),
        }
    }
}

/// A run directory: `run.json` (the settings, fixed at the first start), the latest
/// checkpoint in Burn's record format (`model.bpk`, `optim.bpk`) and `state.json` (progress).
pub(crate) struct RunDir<'a>(pub &'a Path);

impl RunDir<'_> {
    /// Writes `config` on the first start; on a resume, refuses settings that differ.
    pub fn pin_config<C>(&self, config: &C) -> anyhow::Result<()>
    where
        C: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        std::fs::create_dir_all(self.0)?;
        let path = self.0.join("run.json");
        if let Ok(bytes) = std::fs::read(&path) {
            let saved: C = serde_json::from_slice(&bytes)?;
            anyhow::ensure!(
                &saved == config,
                "{} was started with different settings ({saved:?}); use a new run directory",
                self.0.display()
            );
            Ok(())
        } else {
            write_atomic(&path, &serde_json::to_vec_pretty(config)?)
        }
    }

    /// The checkpoint's model, optimizer and progress, if there is one; else those given
    /// and the default progress.
    pub fn resume<M: Module, P: serde::de::DeserializeOwned>(
        &self,
        model: M,
        optim: ModuleOptimizer,
    ) -> anyhow::Result<(M, ModuleOptimizer, RunState<P>)> {
        let Ok(bytes) = std::fs::read(self.0.join("state.json")) else {
            return Ok((model, optim, RunState::default()));
        };
        let state: RunState<P> = serde_json::from_slice(&bytes)?;
        let model = model
            .try_load_file(self.0.join("model.bpk"))
            .map_err(|e| anyhow::anyhow!("cannot resume from the model checkpoint: {e:?}"))?;
        let optim = optim
            .load(self.0.join("optim.bpk"))
            .map_err(|e| anyhow::anyhow!("cannot resume from the optimizer checkpoint: {e:?}"))?;
        eprintln!(
            "resuming at step {} ({} tokens seen, {:.0} min so far)",
            state.step,
            state.tokens_seen,
            state.wall_seconds / 60.0
        );
        Ok((model, optim, state))
    }

    /// Saves the checkpoint; each file is written aside and renamed, so a run killed while
    /// saving keeps the previous checkpoint.
    pub fn save<M: Module + Clone, S: Serialize>(
        &self,
        model: &M,
        optim: &ModuleOptimizer,
        state: &S,
    ) -> anyhow::Result<()> {
        let file = |name: &str| self.0.join(name);
        model
            .clone()
            .save_file(file("model.bpk.tmp"))
            .map_err(|e| anyhow::anyhow!("cannot save the model: {e:?}"))?;
        optim
            .save(file("optim.bpk.tmp"))
            .map_err(|e| anyhow::anyhow!("cannot save the optimizer: {e:?}"))?;
        std::fs::rename(file("model.bpk.tmp"), file("model.bpk"))?;
        std::fs::rename(file("optim.bpk.tmp"), file("optim.bpk"))?;
        write_atomic(&file("state.json"), &serde_json::to_vec_pretty(state)?)
    }

    /// Keeps the model just saved at `step` as `kept/model-STEP.bpk` (a hard link, so no copy
    /// where the file system allows it; the next save renames a new file over `model.bpk`).
    pub fn keep(&self, step: usize) -> anyhow::Result<()> {
        let kept = self.0.join("kept");
        std::fs::create_dir_all(&kept)?;
        let (from, to) = (
            self.0.join("model.bpk"),
            kept.join(format!("model-{step}.bpk")),
        );
        let _ = std::fs::remove_file(&to);
        std::fs::hard_link(&from, &to)
            .or_else(|_| std::fs::copy(&from, &to).map(|_| ()))
            .with_context(|| format!("cannot keep {} as {}", from.display(), to.display()))
    }

    /// The kept models (`keep`), by step.
    pub fn kept(&self) -> anyhow::Result<Vec<(usize, std::path::PathBuf)>> {
        let dir = self.0.join("kept");
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("{} has no kept checkpoints (--keep-every)", dir.display()))?;
        let mut kept = Vec::new();
        for entry in entries {
            let path = entry?.path();
            let step = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("model-")?.strip_suffix(".bpk")?.parse().ok());
            if let Some(step) = step {
                kept.push((step, path));
            }
        }
        kept.sort();
        Ok(kept)
    }
}

/// The parameter-wise mean of `models` (one architecture): checkpoint averaging, as the
/// Transformer paper's base models were made ("a single model obtained by averaging the last
/// 5 checkpoints", Vaswani et al. 2017, §6.1).
pub fn average<M: Module>(models: Vec<M>) -> anyhow::Result<M> {
    use burn::module::{ModuleMapper, ModuleVisitor, Param};
    use burn::prelude::Tensor;

    /// Every float parameter, flattened, in visiting order.
    struct Collect(Vec<Tensor<1>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.val();
            let n = t.shape().num_elements();
            self.0.push(t.reshape([n]));
        }
    }
    /// Adds the collected tensors, in the same order, then scales.
    struct AddScaled(std::vec::IntoIter<Tensor<1>>, f32);
    impl ModuleMapper for AddScaled {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let (other, scale) = (self.0.next(), self.1);
            param.map(|t| match other {
                Some(o) => {
                    let dims = t.dims();
                    (t + o.reshape(dims)).mul_scalar(scale)
                }
                None => t.mul_scalar(scale),
            })
        }
    }

    let n = models.len();
    let mut models = models.into_iter();
    let mut sum = models
        .next()
        .ok_or_else(|| anyhow::anyhow!("no checkpoints to average"))?;
    let count = sum.num_params();
    for m in models {
        anyhow::ensure!(m.num_params() == count, "the checkpoints differ in shape");
        let mut c = Collect(Vec::new());
        m.visit(&mut c);
        sum = sum.map(&mut AddScaled(c.0.into_iter(), 1.0));
    }
    Ok(sum.map(&mut AddScaled(Vec::new().into_iter(), 1.0 / n as f32)))
}

/// Steps between progress lines.
const REPORT_EVERY: usize = 20;

/// What the loop must do after a step.
pub(crate) struct Due {
    pub eval: bool,
    pub save: bool,
    /// Keep this step's checkpoint too (`--keep-every`); implies `save`.
    pub keep: bool,
    /// The session's time or step limit is reached: evaluate, save, stop.
    pub stop: bool,
}

/// The training loop's clock and running loss: progress lines every 20 steps, and when the
/// cadence says to evaluate, save or stop.
pub(crate) struct LoopClock<'a> {
    schedule: &'a Schedule,
    cadence: &'a Cadence,
    session: Instant,
    wall_at_start: f64,
    window_start: Instant,
    window_tokens: u64,
    loss_sum: f64,
    loss_n: usize,
}

impl<'a> LoopClock<'a> {
    /// Starts the session's clock; `wall_seconds` is the time the run had before it.
    pub fn start(schedule: &'a Schedule, cadence: &'a Cadence, wall_seconds: f64) -> Self {
        Self {
            schedule,
            cadence,
            session: Instant::now(),
            wall_at_start: wall_seconds,
            window_start: Instant::now(),
            window_tokens: 0,
            loss_sum: 0.0,
            loss_n: 0,
        }
    }

    /// Records the step just taken (`step` counts it) and returns the run's wall time.
    /// Every 20 steps prints the progress line with `shown_loss` (by default the mean since
    /// the last evaluation); `detail(seconds)` adds the trainer's own fields (e.g. where
    /// those seconds went).
    pub fn record(
        &mut self,
        step: usize,
        tokens: u64,
        tokens_seen: u64,
        loss: f64,
        shown_loss: Option<f64>,
        detail: impl FnOnce(f64) -> String,
    ) -> f64 {
        self.window_tokens += tokens;
        self.loss_sum += loss;
        self.loss_n += 1;
        let shown_loss = shown_loss.unwrap_or(self.loss_sum / self.loss_n as f64);
        let wall = self.wall_at_start + self.session.elapsed().as_secs_f64();
        if step.is_multiple_of(REPORT_EVERY) {
            let secs = self.window_start.elapsed().as_secs_f64().max(1e-9);
            let steps = self.schedule.steps;
            eprintln!(
                "step {step}/{steps} | loss {shown_loss:.3} | lr {:.2e} | {:.0} tokens/s{} | {:.1}M tokens | {:.0} min | ETA {:.0} min",
                self.schedule.learning_rate(step),
                self.window_tokens as f64 / secs,
                detail(secs),
                tokens_seen as f64 / 1e6,
                wall / 60.0,
                steps.saturating_sub(step) as f64 * secs / REPORT_EVERY as f64 / 60.0
            );
            let _ = std::io::stderr().flush();
            self.window_tokens = 0;
            self.window_start = Instant::now();
        }
        wall
    }

    pub fn due(&self, step: usize) -> Due {
        let stop = self
            .cadence
            .max_minutes
            .is_some_and(|m| self.session.elapsed().as_secs_f64() >= m * 60.0)
            || self.cadence.stop_at_step.is_some_and(|s| step >= s);
        let last = step >= self.schedule.steps || stop;
        let keep = self
            .cadence
            .keep_every
            .is_some_and(|n| step >= self.cadence.keep_from && step.is_multiple_of(n));
        Due {
            eval: step.is_multiple_of(self.cadence.eval_every) || last,
            save: step.is_multiple_of(self.cadence.save_every) || last || keep,
            keep,
            stop,
        }
    }

    /// The mean training loss since the last call (for the learning curve).
    pub fn take_mean_loss(&mut self) -> f64 {
        let mean = self.loss_sum / self.loss_n.max(1) as f64;
        self.loss_sum = 0.0;
        self.loss_n = 0;
        mean
    }
}

/// Says the session stopped on its time or step limit.
pub(crate) fn log_time_limit() {
    eprintln!("time or step limit reached; run again to resume");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_is_the_parameter_wise_mean() -> anyhow::Result<()> {
        use burn::nn::LinearConfig;
        use burn::prelude::*;
        let device = tlab_models::device();
        let linear = |w: [[f32; 2]; 3], b: [f32; 2]| {
            let mut l = LinearConfig::new(3, 2).init(&device);
            l.weight = burn::module::Param::from_tensor(Tensor::from_data(w, &device));
            l.bias = Some(burn::module::Param::from_tensor(Tensor::from_data(
                b, &device,
            )));
            l
        };
        let a = linear([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0.0, 3.0]);
        let b = linear([[3.0, 2.0], [1.0, 0.0], [5.0, -6.0]], [6.0, 0.0]);
        let c = linear([[2.0, 2.0], [2.0, 2.0], [2.0, 0.0]], [3.0, 0.0]);
        let mean = average(vec![a, b, c])?;
        let w = tlab_models::readout::values(mean.weight.val())?;
        let bias = mean.bias.ok_or_else(|| anyhow::anyhow!("no bias"))?;
        let bias = tlab_models::readout::values(bias.val())?;
        assert_eq!(w, [2.0, 2.0, 2.0, 2.0, 4.0, 0.0]);
        assert_eq!(bias, [3.0, 1.0]);
        assert!(average(Vec::<burn::nn::Linear>::new()).is_err());
        Ok(())
    }

    #[test]
    fn kept_checkpoints_are_listed_by_step() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("tlab-kept-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let run = RunDir(&dir);
        assert!(run.kept().is_err(), "a run that kept nothing says so");
        // As `save` does: a new file renamed over model.bpk, which leaves kept ones unchanged.
        let save = |text: &str| -> std::io::Result<()> {
            std::fs::write(dir.join("model.bpk.tmp"), text)?;
            std::fs::rename(dir.join("model.bpk.tmp"), dir.join("model.bpk"))
        };
        for step in [900, 1000, 80] {
            save(&step.to_string())?;
            run.keep(step)?;
        }
        save("later")?;
        let kept = run.kept()?;
        let steps: Vec<usize> = kept.iter().map(|(s, _)| *s).collect();
        assert_eq!(steps, [80, 900, 1000]);
        assert_eq!(std::fs::read_to_string(&kept[2].1)?, "1000");
        assert_eq!(std::fs::read_to_string(&kept[0].1)?, "80");
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn every_n_steps_refuses_zero() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            cadence: Cadence,
        }
        let parse =
            |args: &[&str]| Cli::try_parse_from(["t"].iter().chain(args)).map(|c| c.cadence);
        for flag in ["--eval-every", "--save-every", "--keep-every"] {
            let err = parse(&[flag, "0"])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("must be at least 1"), "{flag} 0: {err}");
        }
        let c = parse(&["--keep-every", "100", "--keep-from", "2600"]).expect("valid flags");
        assert_eq!(
            (c.keep_every, c.keep_from, c.save_every),
            (Some(100), 2600, 100)
        );
    }

    #[test]
    fn warm_up_then_linear_decay_to_the_final_fraction() {
        let s = Schedule {
            seed: 0,
            steps: 110,
            peak_lr: 1e-3,
            warmup: 10,
            final_lr_fraction: 0.1,
            weight_decay: 0.0,
            clip_norm: 0.0,
        };
        assert!((s.learning_rate(0) - 1e-4).abs() < 1e-12);
        assert!((s.learning_rate(9) - 1e-3).abs() < 1e-12);
        assert!((s.learning_rate(10) - 1e-3).abs() < 1e-12);
        assert!((s.learning_rate(60) - 5.5e-4).abs() < 1e-12);
        assert!((s.learning_rate(110) - 1e-4).abs() < 1e-12);
        assert!((s.learning_rate(500) - 1e-4).abs() < 1e-12);
    }

    /// `run.json` files written before the schedule was one struct still resume.
    #[test]
    fn run_json_keeps_its_flat_layout() -> serde_json::Result<()> {
        let mlm = r#"{"seed": 2026, "steps": 12000, "batch": 64, "max_len": 128,
            "peak_lr": 0.0005, "warmup": 100, "final_lr_fraction": 0.1, "weight_decay": 0.01,
            "clip_norm": 1.0, "mask_rate": 0.15, "freeze_embeddings": false}"#;
        let c: crate::train::RunConfig = serde_json::from_str(mlm)?;
        assert_eq!(
            (c.schedule.steps, c.schedule.peak_lr, c.batch),
            (12000, 5e-4, 64)
        );
        let round: serde_json::Value = serde_json::to_value(&c)?;
        assert_eq!(round, serde_json::from_str::<serde_json::Value>(mlm)?);

        let gpt = r#"{"seed": 2026, "steps": 1600, "batch": 32, "seq_len": 128,
            "peak_lr": 0.001, "warmup": 100, "final_lr_fraction": 0.1, "weight_decay": 0.01,
            "clip_norm": 1.0}"#;
        let g: crate::gpt::GptRunConfig = serde_json::from_str(gpt)?;
        assert_eq!((g.schedule.warmup, g.seq_len), (100, 128));
        let round: serde_json::Value = serde_json::to_value(&g)?;
        assert_eq!(round, serde_json::from_str::<serde_json::Value>(gpt)?);
        Ok(())
    }
}
