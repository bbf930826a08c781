//! The built-in fine-tuned heads, trained over the frozen default English encoder with
//! `tlab_tasks::finetune` — the code the page's fine-tuning widget runs:
//! - part of speech: a `BertForTokenClassification` head on the Brown corpus (12 universal
//!   tags, `tools/corpus/pos.py`), each word read at its first sub-token;
//! - next sentence: BERT's pooler and `cls.seq_relationship` on `[CLS]` of sentence pairs
//!   from Brown (`tools/corpus/nsp.py`: half true successors, half random sentences from
//!   another document), also scored on negatives from the *same* document.
//!
//! Features are computed once and cached under the data folder (`features-*.f32`), so
//! changing training settings does not re-run the encoder.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tlab_tasks::finetune::{
    Examples, FrozenEncoder, HeadTrainConfig, HeadTrainer, Progress, export_head,
};

/// The 12 universal tags (Petrov, Das & McDonald 2012) in the POS head's id order.
pub const TAGS: [&str; 12] = [
    "NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ", "PRT", ".", "X",
];

/// The next-sentence head's classes in BERT's order: index 0 is "B follows A".
pub const NSP_LABELS: [&str; 2] = ["IsNext", "NotNext"];

/// What both trainers take.
pub struct HeadOptions {
    pub encoder: PathBuf,
    /// The data folder (train.jsonl, test.jsonl; feature caches are written here).
    pub data: PathBuf,
    pub out: PathBuf,
    /// Training examples used: the first N sentences (POS) or pairs (NSP).
    pub train_examples: usize,
    /// Held-out examples used, from the start of test.jsonl.
    pub held_out_examples: usize,
    pub steps: usize,
    pub report_every: usize,
    pub config: HeadTrainConfig,
}

#[derive(Serialize)]
struct Training<'a> {
    task: &'a str,
    encoder: String,
    /// Sentences (POS) or pairs (NSP).
    train_examples: usize,
    held_out_examples: usize,
    /// What the accuracy counts: held-out words (POS) or pairs (NSP).
    scored: usize,
    steps: usize,
    config: HeadTrainConfig,
    /// Seconds to compute (or, with `features_from_cache`, to read) the features.
    feature_seconds: f64,
    features_from_cache: bool,
    train_seconds: f64,
    curve: &'a [Progress],
    held_out_accuracy: f32,
    /// On the held-out set.
    per_label_accuracy: LabelScores,
    /// NSP only: accuracy when the NotNext sentence comes from the same document.
    #[serde(skip_serializing_if = "Option::is_none")]
    same_document_accuracy: Option<f32>,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path, limit: usize) -> anyhow::Result<Vec<T>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .take(limit)
        .map(|line| Ok(serde_json::from_str(line)?))
        .collect()
}

/// Features from `cache` when it holds `rows` of them, else computed from `items` a chunk
/// at a time by `compute` (with a progress line per chunk) and cached.
fn cached<T>(
    cache: &Path,
    rows: usize,
    hidden: usize,
    (items, what): (&[T], &str),
    compute: impl Fn(&[T]) -> anyhow::Result<Vec<f32>>,
) -> anyhow::Result<Vec<f32>> {
    if let Ok(bytes) = std::fs::read(cache)
        && bytes.len() == rows * hidden * 4
    {
        eprintln!("  features: read from {}", cache.display());
        return Ok(bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect());
    }
    const CHUNK: usize = 256;
    let t = Instant::now();
    let mut features = Vec::with_capacity(rows * hidden);
    for (i, chunk) in items.chunks(CHUNK).enumerate() {
        features.extend(compute(chunk)?);
        eprintln!(
            "  features: {} / {} {what}, {:.0} s",
            i * CHUNK + chunk.len(),
            items.len(),
            t.elapsed().as_secs_f64()
        );
    }
    anyhow::ensure!(
        features.len() == rows * hidden,
        "features of the wrong size"
    );
    let bytes: Vec<u8> = features.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(cache, bytes).with_context(|| format!("cannot write {}", cache.display()))?;
    Ok(features)
}

/// Runs `steps` steps, reporting every `report_every`; returns the curve and the seconds.
fn fit(trainer: &mut HeadTrainer, o: &HeadOptions) -> anyhow::Result<(Vec<Progress>, f64)> {
    let mut curve = Vec::new();
    let t = Instant::now();
    let mut done = 0;
    while done < o.steps {
        let n = o.report_every.max(1).min(o.steps - done);
        trainer.train(n)?;
        done += n;
        let p = trainer.progress()?;
        eprintln!(
            "step {:>6}  epoch {:>6.2}  loss {:.4}  held-out accuracy {:.2} %",
            p.step,
            p.epochs,
            p.loss,
            p.held_out_accuracy * 100.0
        );
        curve.push(p);
    }
    Ok((curve, t.elapsed().as_secs_f64()))
}

/// Per class: (label, accuracy, examples).
type LabelScores = Vec<(String, f32, usize)>;

/// Accuracy of `trainer` on `ex`, overall and per label.
fn score(
    trainer: &HeadTrainer,
    ex: &Examples,
    labels: &[&str],
) -> anyhow::Result<(f32, LabelScores)> {
    let predicted = trainer.predict(&ex.features)?;
    let mut per = vec![(0usize, 0usize); labels.len()];
    for (p, l) in predicted.iter().zip(&ex.labels) {
        let e = &mut per[*l as usize];
        e.1 += 1;
        e.0 += usize::from(p == l);
    }
    let right: usize = per.iter().map(|e| e.0).sum();
    let table = labels
        .iter()
        .zip(&per)
        .map(|(t, &(r, all))| (t.to_string(), r as f32 / all.max(1) as f32, all))
        .collect();
    Ok((right as f32 / ex.len().max(1) as f32, table))
}

fn write_out(
    o: &HeadOptions,
    encoder: &FrozenEncoder,
    architecture: &str,
    labels: &[&str],
    tensors: &[tlab_tasks::finetune::NamedTensor],
    training: &Training,
) -> anyhow::Result<()> {
    let labels: Vec<String> = labels.iter().map(|t| t.to_string()).collect();
    let exported = export_head(encoder.config_json(), architecture, &labels, tensors)?;
    std::fs::create_dir_all(&o.out)?;
    std::fs::write(o.out.join("config.json"), &exported.config_json)?;
    std::fs::write(o.out.join("head.safetensors"), &exported.head_safetensors)?;
    std::fs::write(
        o.out.join("training.json"),
        serde_json::to_vec_pretty(training)?,
    )?;
    eprintln!(
        "wrote {}: held-out accuracy {:.2} % over {} items",
        o.out.display(),
        training.held_out_accuracy * 100.0,
        training.scored
    );
    Ok(())
}

/// A head to train: what it is for and how it is stored.
struct Head<'a> {
    task: &'a str,
    architecture: &'a str,
    labels: &'a [&'a str],
    /// The classifier's checkpoint key (`classifier`, `cls.seq_relationship`).
    classifier: &'a str,
    /// A pooler on `[CLS]` before the classifier (sequence-level heads).
    pooler: bool,
}

/// Trains `head` on the features, scores it on `held` (and on `same_document`, for NSP) and
/// writes `config.json`, `head.safetensors` and `training.json` to `o.out`.
#[allow(clippy::too_many_arguments)]
fn finish(
    o: &HeadOptions,
    encoder: &FrozenEncoder,
    head: &Head,
    (train_examples, held_out_examples): (usize, usize),
    train: Examples,
    held: Examples,
    same_document: Option<&Examples>,
    feature_seconds: f64,
    features_from_cache: bool,
) -> anyhow::Result<()> {
    let (hidden, n) = (encoder.hidden_size(), head.labels.len());
    let mut trainer = HeadTrainer::new(hidden, n, train, held.clone(), o.config, head.pooler)?;
    let (curve, train_seconds) = fit(&mut trainer, o)?;
    let (accuracy, per_label) = score(&trainer, &held, head.labels)?;
    let same_document_accuracy = match same_document {
        Some(same) => {
            let (a, _) = score(&trainer, same, head.labels)?;
            eprintln!(
                "same-document negatives: accuracy {:.2} % (random-document negatives: {:.2} %)",
                a * 100.0,
                accuracy * 100.0
            );
            Some(a)
        }
        None => None,
    };
    let training = Training {
        task: head.task,
        encoder: o.encoder.display().to_string(),
        train_examples,
        held_out_examples,
        scored: held.len(),
        steps: o.steps,
        config: o.config,
        feature_seconds,
        features_from_cache,
        train_seconds,
        curve: &curve,
        held_out_accuracy: accuracy,
        per_label_accuracy: per_label,
        same_document_accuracy,
    };
    write_out(
        o,
        encoder,
        head.architecture,
        head.labels,
        &trainer.tensors(head.classifier)?,
        &training,
    )
}

#[derive(Deserialize)]
struct TaggedSentence {
    words: Vec<String>,
    tags: Vec<String>,
}

/// Word features and tag ids of `sentences`, cached as `features-{name}-{n}.f32`.
fn word_examples(
    encoder: &FrozenEncoder,
    sentences: &[TaggedSentence],
    cache: &Path,
) -> anyhow::Result<Examples> {
    let mut labels = Vec::new();
    for s in sentences {
        anyhow::ensure!(
            s.words.len() == s.tags.len(),
            "words and tags differ in length"
        );
        for t in &s.tags {
            let id = TAGS.iter().position(|x| x == t);
            labels.push(id.with_context(|| format!("unknown tag {t}"))? as u32);
        }
    }
    let features = cached(
        cache,
        labels.len(),
        encoder.hidden_size(),
        (sentences, "sentences"),
        |chunk| {
            let words: Vec<Vec<String>> = chunk.iter().map(|s| s.words.clone()).collect();
            Ok(encoder.word_features(&words)?.concat())
        },
    )?;
    Ok(Examples { features, labels })
}

pub fn train_pos(o: &HeadOptions) -> anyhow::Result<()> {
    let encoder = FrozenEncoder::from_dir(&o.encoder)?;
    let train_set: Vec<TaggedSentence> = read_jsonl(&o.data.join("train.jsonl"), o.train_examples)?;
    let held_set: Vec<TaggedSentence> =
        read_jsonl(&o.data.join("test.jsonl"), o.held_out_examples)?;
    let t = Instant::now();
    let cache = |name: &str, n: usize| o.data.join(format!("features-{name}-{n}.f32"));
    let features_from_cache = cache("train", train_set.len()).exists();
    let train = word_examples(&encoder, &train_set, &cache("train", train_set.len()))?;
    let held = word_examples(&encoder, &held_set, &cache("test", held_set.len()))?;
    let feature_seconds = t.elapsed().as_secs_f64();
    eprintln!(
        "{} training words, {} held-out words ({feature_seconds:.0} s for features)",
        train.len(),
        held.len()
    );
    let head = Head {
        task: "part-of-speech tagging (Brown, 12 universal tags), words",
        architecture: "BertForTokenClassification",
        labels: &TAGS,
        classifier: "classifier",
        pooler: false,
    };
    let sizes = (train_set.len(), held_set.len());
    finish(
        o,
        &encoder,
        &head,
        sizes,
        train,
        held,
        None,
        feature_seconds,
        features_from_cache,
    )
}

#[derive(Deserialize)]
struct Pair {
    a: String,
    b: String,
    is_next: bool,
}

/// `[CLS]` features and class ids (0 = IsNext) of `pairs`, cached.
fn pair_examples(
    encoder: &FrozenEncoder,
    pairs: &[Pair],
    cache: &Path,
) -> anyhow::Result<Examples> {
    let labels = pairs.iter().map(|p| u32::from(!p.is_next)).collect();
    let features = cached(
        cache,
        pairs.len(),
        encoder.hidden_size(),
        (pairs, "pairs"),
        |chunk| {
            let texts: Vec<(String, Option<String>)> = chunk
                .iter()
                .map(|p| (p.a.clone(), Some(p.b.clone())))
                .collect();
            Ok(encoder.cls_features(&texts)?)
        },
    )?;
    Ok(Examples { features, labels })
}

pub fn train_nsp(o: &HeadOptions) -> anyhow::Result<()> {
    let encoder = FrozenEncoder::from_dir(&o.encoder)?;
    let read = |name: &str, n: usize| read_jsonl::<Pair>(&o.data.join(name), n);
    let train_set = read("train.jsonl", o.train_examples)?;
    let held_set = read("test.jsonl", o.held_out_examples)?;
    let same_set = read("test-same-document.jsonl", o.held_out_examples)?;
    let t = Instant::now();
    let cache = |name: &str, n: usize| o.data.join(format!("features-{name}-{n}.f32"));
    let features_from_cache = cache("train", train_set.len()).exists();
    let train = pair_examples(&encoder, &train_set, &cache("train", train_set.len()))?;
    let held = pair_examples(&encoder, &held_set, &cache("test", held_set.len()))?;
    let same = pair_examples(&encoder, &same_set, &cache("same", same_set.len()))?;
    let feature_seconds = t.elapsed().as_secs_f64();
    let head = Head {
        task: "next-sentence prediction (Brown pairs, negatives from another document)",
        architecture: "BertForNextSentencePrediction",
        labels: &NSP_LABELS,
        classifier: "cls.seq_relationship",
        pooler: true,
    };
    let sizes = (train_set.len(), held_set.len());
    finish(
        o,
        &encoder,
        &head,
        sizes,
        train,
        held,
        Some(&same),
        feature_seconds,
        features_from_cache,
    )
}
