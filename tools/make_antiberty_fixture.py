#!/usr/bin/env python3
"""Make the AntiBERTy parity fixture: what the antiberty package's own PyTorch model computes
for three real antibody variable regions with masked residues.

Used only to (re)make `fixtures/antiberty/expected.json`; nothing at run time needs Python.
    python3 -m pip install torch transformers antiberty==0.1.3
    python3 tools/make_antiberty_fixture.py

The reference is the package itself: `antiberty.AntiBERTyRunner` (its model class
`antiberty.AntiBERTy`, a `BertPreTrainedModel` with a masked-LM head and species / chain /
graft heads on the pooled [CLS] vector, and its tokenizer, `BertTokenizer(vocab.txt,
do_lower_case=False)` fed `" ".join(residues)` with "_" replaced by "[MASK]").
`crates/tasks/tests/antiberty_parity.rs` compares `models/antiberty` (converted from the
same wheel by `tools/prepare-models.sh`, without Python) against this file.

Per case: the text as our fill-mask reads it (residues with [MASK] inline), input_ids,
mask positions, the logits at the masked positions (over the whole 25-token vocabulary),
top-5 ids, the package's own `fill_masks` output, and the species and chain probabilities
(softmax of the heads the package's `classify` uses). Then a recovery scan: each sequence
masked at every 10th residue (10 offsets, so every residue is masked once), with the
reference's best non-special residue and its margin over the runner-up, so that the test can
check our top-1 on ~350 positions and report how many true residues are recovered.
"""
import json
import os

import torch
import transformers
from antiberty import AntiBERTy, AntiBERTyRunner
from antiberty.AntiBERTyRunner import CHECKPOINT_PATH, LABEL_TO_CHAIN, LABEL_TO_SPECIES, VOCAB_FILE

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "fixtures", "antiberty")
HEADS = os.path.join(ROOT, "tools", "antiberty-heads.json")

# The first two are the heavy and light chains of the package's README examples; the third is
# the trastuzumab (Herceptin) heavy-chain variable region (PDB 1N8Z), a well-known public one.
SEQUENCES = [
    ("README heavy chain",
     "EVQLVQSGPEVKKPGTSVKVSCKASGFTFMSSAVQWVRQARGQRLEWIGWIVIGSGNTNYAQKFQERVTITRDMSTSTAYMELSSLRSEDTAVYYCAAPYCSSISCNDGFDIWGQGTMVTVS"),
    ("README light chain",
     "DVVMTQTPFSLPVSLGDQASISCRSSQSLVHSNGNTYLHWYLQKPGQSPKLLIYKVSNRFSGVPDRFSGSGSGTDFTLKISRVEAEDLGVYFCSQSTHVPYTFGGGTKLEIK"),
    ("trastuzumab heavy chain",
     "EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNSLRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS"),
]
# 0-based residue indices to mask: framework and CDR positions, 1–3 per sequence.
MASKED = [[5], [12, 38], [2, 30, 101]]


def masked_text(seq, positions, mask):
    return "".join(mask if i in positions else c for i, c in enumerate(seq))


def check_heads_file():
    """tools/antiberty-heads.json (what the converter writes into config.json) must name the
    classes exactly as the package's AntiBERTyRunner does."""
    with open(HEADS) as f:
        heads = {h["name"]: h for h in json.load(f)["classifier_heads"]}
    for name, table in [("species", LABEL_TO_SPECIES), ("chain", LABEL_TO_CHAIN)]:
        want = {str(k): v for k, v in table.items()}
        assert heads[name]["id2label"] == want, f"{name}: {heads[name]['id2label']} != {want}"


def load_model():
    """The package's model class with the package's weights, every tensor accounted for.

    Neither `AntiBERTy(config)` nor `AntiBERTy.from_pretrained` (what AntiBERTyRunner calls)
    works under transformers 5: `AntiBERTy.__init__` calls `init_weights()`, which now needs
    `all_tied_weights_keys`, set only by `post_init()`. The subclass below changes that one
    call and nothing else (forward and heads are the package's); the state dict is then
    loaded directly and strictly.
    """

    class Reference(AntiBERTy):
        def init_weights(self):
            if not hasattr(self, "all_tied_weights_keys"):
                self.post_init()  # sets it, then calls init_weights again
            else:
                super().init_weights()

    config = transformers.BertConfig.from_pretrained(CHECKPOINT_PATH)
    model = Reference(config).eval()
    state = torch.load(os.path.join(CHECKPOINT_PATH, "pytorch_model.bin"), map_location="cpu")
    missing, unexpected = model.load_state_dict(state, strict=False)
    # position_ids is a buffer (0..511) that newer BertEmbeddings no longer store.
    assert not missing and set(unexpected) <= {"bert.embeddings.position_ids"}, (missing, unexpected)
    for k, v in model.state_dict().items():
        assert torch.equal(v, state[k]), k
    return model


def main():
    check_heads_file()
    model = load_model()
    # AntiBERTyRunner.__init__ minus its from_pretrained call (see load_model): the runner's
    # own fill_masks / classify code then runs on the same model and tokenizer.
    runner = AntiBERTyRunner.__new__(AntiBERTyRunner)
    runner.device = torch.device("cpu")
    runner.model = model
    with open(VOCAB_FILE) as f:
        vocab = [line.rstrip("\n") for line in f]
    # The runner passes `vocab_file=VOCAB_FILE`; transformers 5's BertTokenizer silently
    # ignores that keyword (it takes `vocab`) and tokenizes every residue as [UNK]. Same
    # vocabulary and settings, passed the way transformers 5 reads them:
    runner.tokenizer = transformers.BertTokenizer(
        vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=False)
    tok = runner.tokenizer
    special = set(tok.all_special_ids)

    def forward(ids):
        with torch.no_grad():
            return model(input_ids=torch.tensor([ids]))

    cases = []
    for (name, seq), positions in zip(SEQUENCES, MASKED):
        underscored = masked_text(seq, positions, "_")
        # Exactly the package's preprocessing (AntiBERTyRunner.fill_masks / classify).
        spaced = " ".join("[MASK]" if c == "_" else c for c in underscored)
        ids = tok(spaced)["input_ids"]
        # One token per residue between [CLS] and [SEP], straight from vocab.txt.
        plain = [vocab.index("[MASK]" if c == "_" else c) for c in underscored]
        assert ids == [vocab.index("[CLS]")] + plain + [vocab.index("[SEP]")], ids
        out = forward(ids)
        mask_pos = [j for j, t in enumerate(ids) if t == tok.mask_token_id]
        assert mask_pos == [p + 1 for p in positions], (mask_pos, positions)
        logits = out.prediction_logits[0, mask_pos]
        top = logits.softmax(-1).topk(5, dim=-1)
        filled = runner.fill_masks([underscored])[0]
        cases.append({
            "name": name,
            "text": masked_text(seq, positions, "[MASK]"),
            "truth": seq,
            "input_ids": ids,
            "mask_positions": mask_pos,
            "logits": [[round(float(x), 6) for x in row] for row in logits],
            "top5_ids": top.indices.tolist(),
            "top5_probs": [[round(float(x), 7) for x in row] for row in top.values],
            "runner_filled": filled,
            "species_probs": [round(float(x), 7) for x in out.species_logits[0].softmax(-1)],
            "chain_probs": [round(float(x), 7) for x in out.chain_logits[0].softmax(-1)],
        })
        print(f"{name}: masks {positions} → {[seq[p] for p in positions]}, "
              f"top-1 {tok.convert_ids_to_tokens([r[0] for r in top.indices.tolist()])}, "
              f"species {runner.classify([underscored])[0][0]}, chain {runner.classify([underscored])[1][0]}")

    recovery = []
    hits = total = 0
    for si, (_, seq) in enumerate(SEQUENCES):
        for offset in range(10):
            positions = list(range(offset, len(seq), 10))
            ids = tok(" ".join("[MASK]" if i in positions else c for i, c in enumerate(seq)))["input_ids"]
            logits = forward(ids).prediction_logits[0].clone()
            # As the runner's fill_masks does: special tokens are never a residue.
            logits[:, sorted(special)] = -float("inf")
            best = logits.topk(2, dim=-1)
            for p in positions:
                row = best.values[p + 1]
                top1 = int(best.indices[p + 1, 0])
                recovery.append({"sequence": si, "offset": offset, "position": p,
                                 "top1_id": top1, "margin": round(float(row[0] - row[1]), 6)})
                hits += tok.convert_ids_to_tokens(top1) == seq[p]
                total += 1
    print(f"recovery (every residue masked once, 10% at a time): {hits}/{total} = {hits / total:.3f}")

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({
            "reference": f"antiberty 0.1.3, transformers {transformers.__version__}, "
                         f"torch {torch.__version__}",
            "cases": cases,
            "recovery": {"stride": 10, "reference_top1_accuracy": round(hits / total, 6),
                         "positions": recovery},
        }, f)
    print(f"wrote {os.path.join(OUT, 'expected.json')} ({os.path.getsize(os.path.join(OUT, 'expected.json'))} bytes)")


if __name__ == "__main__":
    main()
