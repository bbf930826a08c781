//! Sequence classifiers that a checkpoint carries beside its masked-LM head, described in
//! `config.json` so that their class names travel with the model:
//!
//! ```json
//! "classifier_heads": [
//!   {"name": "chain", "weights": "cls.chain", "input": "pooler_output",
//!    "id2label": {"0": "Heavy", "1": "Light"}}
//! ]
//! ```
//!
//! `weights` is the `nn.Linear` key prefix in `model.safetensors`; `input` is what it reads
//! (only BERT's pooled `[CLS]` vector, `"pooler_output"`, as in Hugging Face); `id2label`
//! follows Hugging Face's per-model field, here per head. A model without the field has no
//! heads. Labels are never invented here: a head whose classes are not named in the config
//! is not offered (`tlab convert-bert --heads` writes the field).

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};
use tlab_models::bert_heads::{ClassifierHead, Pooler};
use tlab_models::burn;
use tlab_models::weights::{Checkpoint, LoadError};

use crate::TaskError;

/// One head as `config.json` describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct HeadSpec {
    pub name: String,
    pub weights: String,
    #[serde(default = "pooler_output")]
    pub input: String,
    pub id2label: BTreeMap<String, String>,
}

fn pooler_output() -> String {
    "pooler_output".into()
}

#[derive(Deserialize)]
struct HeadsConfig {
    #[serde(default)]
    classifier_heads: Vec<HeadSpec>,
}

/// The class probabilities of one head for one input.
#[derive(Debug, Clone, Serialize)]
pub struct HeadPrediction {
    /// The head's name (`"species"`, `"chain"`).
    pub head: String,
    /// The most probable class and its probability.
    pub label: String,
    pub prob: f32,
    /// Every class, in the head's id order.
    pub classes: Vec<ClassProb>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassProb {
    pub label: String,
    pub prob: f32,
}

/// The pooler and the heads of one checkpoint, with their labels.
pub struct SequenceHeads {
    pooler: Pooler,
    heads: Vec<(String, Vec<String>, ClassifierHead)>,
}

fn config_err(message: String) -> TaskError {
    TaskError::Load(LoadError::Config(message))
}

/// The `classifier_heads` of `config.json` (empty when absent), checked.
pub fn parse_specs(config: &[u8]) -> Result<Vec<HeadSpec>, TaskError> {
    let parsed: HeadsConfig = tlab_models::json::parse("config.json", config).map_err(|e| {
        // A data error here can only come from the one field this struct reads.
        let e = match e.strip_prefix("config.json: ") {
            Some(rest) => format!("config.json: classifier_heads: {rest}"),
            None => e,
        };
        TaskError::Load(LoadError::ConfigFile(e))
    })?;
    for spec in &parsed.classifier_heads {
        if spec.input != "pooler_output" {
            return Err(config_err(format!(
                "classifier head \"{}\" reads \"{}\"; only \"pooler_output\" (the pooled [CLS] vector) is supported",
                spec.name, spec.input
            )));
        }
        labels_in_order(spec)?;
    }
    Ok(parsed.classifier_heads)
}

/// `id2label` as a list indexed by class id; the ids must be exactly `0..n`.
pub(crate) fn labels_in_order(spec: &HeadSpec) -> Result<Vec<String>, TaskError> {
    let n = spec.id2label.len();
    let mut labels = vec![None; n];
    for (id, label) in &spec.id2label {
        let i = id.parse::<usize>().ok().filter(|&i| i < n).ok_or_else(|| {
            config_err(format!(
                "classifier head \"{}\": id2label key \"{id}\" is not a class id 0..{n}",
                spec.name
            ))
        })?;
        labels[i] = Some(label.clone());
    }
    // n keys below n leave a slot empty only if two keys name one id ("1" and "01").
    match labels.into_iter().collect::<Option<Vec<_>>>() {
        Some(labels) if !labels.is_empty() => Ok(labels),
        _ => Err(config_err(format!(
            "classifier head \"{}\": id2label must name each class id 0..{n} once",
            spec.name
        ))),
    }
}

impl SequenceHeads {
    /// Loads the pooler and every head in `specs`; `None` when there are none.
    pub fn load(
        specs: &[HeadSpec],
        ckpt: &Checkpoint,
        hidden: usize,
    ) -> Result<Option<Self>, TaskError> {
        if specs.is_empty() {
            return Ok(None);
        }
        let pooler = Pooler::load(ckpt, hidden)?;
        let heads = specs
            .iter()
            .map(|spec| {
                let labels = labels_in_order(spec)?;
                let head = ClassifierHead::load(ckpt, &spec.weights, hidden, labels.len())?;
                Ok((spec.name.clone(), labels, head))
            })
            .collect::<Result<_, TaskError>>()?;
        Ok(Some(Self { pooler, heads }))
    }

    pub fn num_params(&self) -> usize {
        use burn::module::Module;
        self.pooler.num_params()
            + self
                .heads
                .iter()
                .map(|(_, _, head)| head.num_params())
                .sum::<usize>()
    }

    pub fn names(&self) -> Vec<String> {
        self.heads.iter().map(|(name, _, _)| name.clone()).collect()
    }

    /// Softmax of every head on the pooled `[CLS]` vector of a batch of one.
    ///
    /// # Shapes
    /// - `hidden`: `[1, seq, hidden]`
    pub fn classify(&self, hidden: Tensor<3>) -> Result<Vec<HeadPrediction>, TaskError> {
        let pooled = self.pooler.forward(hidden);
        self.heads
            .iter()
            .map(|(name, labels, head)| {
                let probs = tlab_models::readout::values(softmax(head.forward(pooled.clone()), 1))?;
                let classes: Vec<ClassProb> = labels
                    .iter()
                    .zip(&probs)
                    .map(|(label, &prob)| ClassProb {
                        label: label.clone(),
                        prob,
                    })
                    .collect();
                let best = classes
                    .iter()
                    .max_by(|a, b| a.prob.total_cmp(&b.prob))
                    .ok_or_else(|| TaskError::Internal(format!("head {name} has no classes")))?;
                Ok(HeadPrediction {
                    head: name.clone(),
                    label: best.label.clone(),
                    prob: best.prob,
                    classes,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(heads: &str) -> Result<Vec<HeadSpec>, TaskError> {
        parse_specs(format!(r#"{{"classifier_heads": {heads}}}"#).as_bytes())
    }

    #[test]
    fn labels_come_in_id_order() {
        let specs = parse(
            r#"[{"name": "chain", "weights": "cls.chain", "id2label": {"1": "Light", "0": "Heavy"}}]"#,
        )
        .expect("valid heads");
        assert_eq!(
            labels_in_order(&specs[0]).expect("labels"),
            ["Heavy", "Light"]
        );
        assert!(parse_specs(b"{}").expect("no heads").is_empty());
    }

    #[test]
    fn bad_heads_are_refused_in_words() {
        for (heads, words) in [
            (
                r#"[{"name": "c", "weights": "w", "id2label": {"0": "A", "2": "B"}}]"#,
                "is not a class id",
            ),
            (
                r#"[{"name": "c", "weights": "w", "id2label": {"0": "A", "00": "B"}}]"#,
                "name each class id",
            ),
            (
                r#"[{"name": "c", "weights": "w", "id2label": {}}]"#,
                "name each class id",
            ),
            (
                r#"[{"name": "c", "weights": "w", "input": "last_hidden_state", "id2label": {"0": "A"}}]"#,
                "only \"pooler_output\"",
            ),
            (r#"[{"name": "c"}]"#, "classifier_heads"),
        ] {
            let err = parse(heads).expect_err(heads).to_string();
            assert!(err.contains(words), "{heads}: {err}");
        }
    }
}
