//! Fine-tuning a head (the code the page's widget and `tlab-train` share): it learns a
//! simple tagging rule, its held-out accuracy rises, and the exported head loads back into
//! the tagging task with the same predictions. The encoder is the built-in English one
//! (assets/fill-mask-en), frozen, as in the page.

use std::path::PathBuf;

use tlab_tasks::classify::SentenceClassifier;
use tlab_tasks::encoder::ModelFiles;
use tlab_tasks::finetune::{
    FineTuneJob, FineTuneTask, FrozenEncoder, HeadTrainConfig, Prediction, TrainingData,
};
use tlab_tasks::tag::TokenClassifier;

fn encoder_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/fill-mask-en")
}

/// Sentences whose words are tagged by a rule a linear head can learn from word identity:
/// determiners, nouns and verbs from fixed lists.
fn data(seed: usize, n: usize) -> String {
    let det = ["the", "a", "this", "that"];
    let noun = ["man", "dog", "letter", "store", "king", "milk", "bread"];
    let verb = ["saw", "wrote", "bought", "ate", "went"];
    (0..n)
        .map(|i| {
            let k = i * 7 + seed;
            format!(
                "{}/DET {}/NOUN {}/VERB {}/DET {}/NOUN",
                det[k % 4],
                noun[k % 7],
                verb[(k / 3) % 5],
                det[(k / 5) % 4],
                noun[(k / 2) % 7]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The exported head saved beside the encoder's tokenizer and weights, in a fresh folder.
fn beside_encoder(exported: &tlab_tasks::finetune::ExportedHead, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("config.json"), &exported.config_json).expect("config");
    std::fs::write(dir.join("head.safetensors"), &exported.head_safetensors).expect("head");
    for name in ["tokenizer.json", "model.safetensors"] {
        std::fs::copy(encoder_dir().join(name), dir.join(name)).expect("copy");
    }
    dir
}

/// The reloaded tagger gives the job's labels, probabilities close (f16 storage of the
/// exported weights: close, not equal).
fn same_tags(reloaded: &tlab_tasks::tag::Tagged, job: &tlab_tasks::tag::Tagged) {
    for (a, b) in reloaded.words.iter().zip(&job.words) {
        assert_eq!(a.label, b.label, "{}", a.word);
        assert!(
            (a.prob - b.prob).abs() < 2e-2,
            "{} {} vs {}",
            a.word,
            a.prob,
            b.prob
        );
    }
    assert_eq!(reloaded.words.len(), job.words.len());
}

fn tagged(p: Prediction) -> tlab_tasks::tag::Tagged {
    match p {
        Prediction::Tagged(t) => t,
        Prediction::Classified(c) => panic!("a tagging job classified: {c:?}"),
    }
}

#[test]
fn a_head_learns_tags_and_exports_as_a_token_classifier() {
    let encoder = FrozenEncoder::from_dir(&encoder_dir()).expect("encoder");
    let train = TrainingData::parse(&data(0, 60)).expect("train");
    let held = TrainingData::parse(&data(3, 20)).expect("held");
    let config = HeadTrainConfig {
        learning_rate: 1e-2,
        batch: 64,
        ..HeadTrainConfig::default()
    };
    let mut job = FineTuneJob::new(encoder, train, held, config).expect("job");
    assert_eq!(job.labels(), ["DET", "NOUN", "VERB"]);
    assert!(
        job.train(1).is_err(),
        "training before the features are ready"
    );
    let mut progress = job.featurize(7).expect("featurize");
    while progress.sentences_done < progress.sentences {
        progress = job.featurize(7).expect("featurize");
    }
    assert_eq!((progress.train_words, progress.held_out_words), (300, 100));
    let sentence = "the dog wrote a letter";
    assert_eq!(job.task(), FineTuneTask::Tag);
    let before = tagged(job.predict(sentence, None).expect("predict"));
    let start = job.train(1).expect("train").held_out_accuracy;
    let end = job.train(200).expect("train");
    assert!(
        end.held_out_accuracy > 0.95 && end.held_out_accuracy > start,
        "accuracy {start} → {}",
        end.held_out_accuracy
    );
    assert!(end.loss.is_finite() && end.step == 201);
    let after = tagged(job.predict(sentence, None).expect("predict"));
    let labels = |t: &tlab_tasks::tag::Tagged| -> Vec<String> {
        t.words.iter().map(|w| w.label.clone()).collect()
    };
    assert_eq!(labels(&after), ["DET", "NOUN", "VERB", "DET", "NOUN"]);
    assert_eq!(before.words.len(), after.words.len());

    // The exported head with the encoder's files is a BertForTokenClassification.
    let exported = job.export().expect("export");
    let dir = beside_encoder(&exported, "tlab-finetune");
    let files = ModelFiles::read_dir(&dir).expect("files");
    assert_eq!(
        files.weights.len(),
        2,
        "head.safetensors is read with the encoder"
    );
    let tagger = TokenClassifier::from_dir(&dir).expect("loads back");
    assert_eq!(tagger.info().labels, ["DET", "NOUN", "VERB"]);
    same_tags(&tagger.tag(sentence).expect("tag"), &after);
    job.reset();
    assert_eq!(job.train(1).expect("train").step, 1, "reset starts over");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_training_data_is_an_error_in_words() {
    let e = TrainingData::parse("the/DET dog").expect_err("no tag");
    assert!(
        e.to_string().contains("line 1") && e.to_string().contains("word/TAG"),
        "{e}"
    );
    let encoder = FrozenEncoder::from_dir(&encoder_dir()).expect("encoder");
    let train = TrainingData::parse("a/X b/X").expect("parse");
    let held = TrainingData::parse("a/Y").expect("parse");
    let e = FineTuneJob::new(encoder, train, held, HeadTrainConfig::default())
        .err()
        .expect("one label, and an unseen held-out label");
    assert!(e.to_string().contains("never occurs"), "{e}");
    let e = TrainingData::parse("a good film\tpositive\nbad/ADJ").expect_err("mixed forms");
    assert!(e.to_string().contains("line 2"), "{e}");
}

#[test]
fn a_sentence_classifier_learns_from_tab_separated_lines_and_exports() {
    let good = [
        "a wonderful film",
        "I loved it",
        "great acting and a fine story",
        "truly excellent",
    ];
    let bad = [
        "a terrible film",
        "I hated it",
        "awful acting and a dull story",
        "truly boring",
    ];
    let lines = |n: usize, offset: usize| -> String {
        (0..n)
            .map(|i| {
                let k = i + offset;
                if k.is_multiple_of(2) {
                    format!(
                        "{} {}\tpositive",
                        good[k / 2 % 4],
                        ["", "indeed", "really"][k % 3]
                    )
                } else {
                    format!(
                        "{} {}\tnegative",
                        bad[k / 2 % 4],
                        ["", "indeed", "really"][k % 3]
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let encoder = FrozenEncoder::from_dir(&encoder_dir()).expect("encoder");
    let train = TrainingData::parse(&lines(24, 0)).expect("train");
    let held = TrainingData::parse(&lines(8, 1)).expect("held");
    let config = HeadTrainConfig {
        learning_rate: 3e-3,
        batch: 16,
        ..HeadTrainConfig::default()
    };
    let mut job = FineTuneJob::new(encoder, train, held, config).expect("job");
    assert_eq!(job.task(), FineTuneTask::Classify);
    assert_eq!(job.labels(), ["positive", "negative"]);
    while !job.features_ready() {
        job.featurize(5).expect("featurize");
    }
    let end = job.train(150).expect("train");
    assert!(end.held_out_accuracy >= 0.99, "{end:?}");
    let Prediction::Classified(c) = job.predict("an excellent film", None).expect("predict") else {
        panic!("a classification job tagged");
    };
    assert_eq!(c.labels[0].label, "positive");
    assert!(job.predict("a", Some("b")).is_ok(), "pairs are read too");

    let exported = job.export().expect("export");
    assert!(
        exported
            .config_json
            .contains("BertForSequenceClassification")
    );
    let dir = beside_encoder(&exported, "tlab-finetune-cls");
    let classifier = SentenceClassifier::from_dir(&dir).expect("loads back");
    let reloaded = classifier
        .classify("an excellent film", None)
        .expect("classify");
    assert_eq!(reloaded.labels[0].label, "positive");
    assert!((reloaded.labels[0].prob - c.labels[0].prob).abs() < 2e-2);
    std::fs::remove_dir_all(&dir).ok();
}

/// The top encoder block trains with the head: the tagging rule is learnt, the block's
/// weights move, and the export carries the tuned block under the checkpoint's own key
/// names, which the tagger then reads instead of the encoder's (the head file comes first).
#[test]
fn the_top_encoder_layer_fine_tunes_with_the_head_and_exports() {
    use tlab_tasks::tune_layers::LayerTuning;
    let encoder = FrozenEncoder::from_dir(&encoder_dir()).expect("encoder");
    let train = TrainingData::parse(&data(0, 40)).expect("train");
    let held = TrainingData::parse(&data(3, 12)).expect("held");
    let config = HeadTrainConfig {
        learning_rate: 1e-2,
        ..HeadTrainConfig::default()
    };
    let mut job = FineTuneJob::new(encoder, train, held, config).expect("job");
    let too_many = LayerTuning {
        layers: 7,
        ..LayerTuning::default()
    };
    let e = job
        .tune_top_layers(too_many)
        .expect_err("MiniLM has 6 layers");
    assert!(e.to_string().contains("6 encoder layers"), "{e}");
    let tuning = LayerTuning {
        layers: 1,
        learning_rate: 1e-4,
        batch: 8,
    };
    job.tune_top_layers(tuning).expect("one layer");
    assert_eq!(job.tuned_layers(), 1);
    let mut progress = job.featurize(10).expect("featurize");
    assert!(
        job.tune_top_layers(tuning).is_err(),
        "the choice is made before the features"
    );
    while progress.sentences_done < progress.sentences {
        progress = job.featurize(10).expect("featurize");
    }
    assert_eq!((progress.train_words, progress.held_out_words), (200, 60));
    let start = job.train(1).expect("train").held_out_accuracy;
    let end = job.train(40).expect("train");
    assert!(
        end.held_out_accuracy > 0.95 && end.loss.is_finite(),
        "accuracy {start} → {end:?}"
    );
    let sentence = "the dog wrote a letter";
    let after = tagged(job.predict(sentence, None).expect("predict"));
    let labels = |t: &tlab_tasks::tag::Tagged| -> Vec<String> {
        t.words.iter().map(|w| w.label.clone()).collect()
    };
    assert_eq!(labels(&after), ["DET", "NOUN", "VERB", "DET", "NOUN"]);

    let exported = job.export().expect("export");
    let head = safetensors::SafeTensors::deserialize(&exported.head_safetensors).expect("head");
    let tuned = "bert.encoder.layer.5.attention.self.query.weight";
    let names: Vec<String> = head.names().into_iter().map(String::from).collect();
    assert!(names.iter().any(|n| n == tuned), "{names:?}");
    assert!(
        !names.iter().any(|n| n.contains("encoder.layer.4.")),
        "only the top layer is exported"
    );
    let base_bytes = std::fs::read(encoder_dir().join("model.safetensors")).expect("base");
    let base = safetensors::SafeTensors::deserialize(&base_bytes).expect("base");
    let moved =
        head.tensor(tuned).expect("tuned").data() != base.tensor(tuned).expect("base").data();
    assert!(moved, "the tuned block's weights changed");

    let dir = beside_encoder(&exported, "tlab-finetune-top");
    let tagger = TokenClassifier::from_dir(&dir).expect("loads back");
    assert!(
        tagger.info().warnings.is_empty(),
        "every exported tensor is read: {:?}",
        tagger.info().warnings
    );
    same_tags(&tagger.tag(sentence).expect("tag"), &after);
    std::fs::remove_dir_all(&dir).ok();
}
