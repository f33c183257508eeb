"""A tiny random-weight llama GGUF for tests and benchmarks (written with the `gguf` package).

Vocabulary: the 256 GPT-2 byte-level tokens, a few BPE merges, and the ChatML control tokens
<|im_start|> / <|im_end|> (the latter is EOS). The chat template is ChatML. Weights are random
but *biased*: every embedding carries a large constant component on dimension 0 and the layers
are weak, so after the final norm the hidden state points mostly along that dimension, and the
output rows of a few tokens (newline, backtick, quote, braces, EOS) get a positive weight there.
The model therefore babbles random bytes but often ends lines, closes fences and stops, which
keeps grammar-constrained generations short (a uniform random model would take ~65k tokens to
close a code block). Loads in milliseconds: 2 layers, hidden 64, 4 heads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 2
N_FF = 128
N_LAYERS = 2
N_CTX_TRAIN = 8192

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# (left, right) pairs in GPT-2 byte-unicode form; "Ġ" is the space byte.
MERGES = [("Ġ", "t"), ("e", "r"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("`", "`")]

# Preferred output tokens (as raw text) and their bias weight on dimension 0.
PREFERRED = {"\n": 0.6, "`": 0.6, '"': 0.55, "}": 0.5, "]": 0.3, ",": 0.3, "<|im_end|>": 0.4}


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable unicode character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs), strict=True))


def vocab() -> tuple[list[str], list[int], list[str]]:
    """tokens, token types, merges."""
    import gguf

    normal, control = gguf.TokenType.NORMAL, gguf.TokenType.CONTROL
    table = bytes_to_unicode()
    tokens = [table[b] for b in range(256)]
    types = [normal] * 256
    # merges must be added in an order where each part already exists
    merges = []
    for left, right in MERGES:
        assert left in tokens and right in tokens, (left, right)
        tokens.append(left + right)
        types.append(normal)
        merges.append(f"{left} {right}")
    for special in ("<|im_start|>", "<|im_end|>"):
        tokens.append(special)
        types.append(control)
    return tokens, [int(t) for t in types], merges


def write_tiny_gguf(path: str | Path, seed: int = 0, bias: float = 6.0) -> Path:
    """Write the tiny model to `path` (overwriting) and return the path."""
    import gguf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tokens, types, merges = vocab()
    n_vocab = len(tokens)
    im_start, im_end = tokens.index("<|im_start|>"), tokens.index("<|im_end|>")
    head_dim = N_EMBD // N_HEAD

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("toolcoder-tiny-test")
    writer.add_context_length(N_CTX_TRAIN)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYERS)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_rope_dimension_count(head_dim)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(im_start)
    writer.add_eos_token_id(im_end)
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML_TEMPLATE)

    def rand(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    # numpy shapes are (rows, cols) = ggml's (ne1, ne0) reversed by the writer
    embd = rand(n_vocab, N_EMBD, scale=0.5)
    embd[:, 0] = bias  # the constant direction that survives the weak layers
    writer.add_tensor("token_embd.weight", embd)
    kv_dim = head_dim * N_HEAD_KV
    for i in range(N_LAYERS):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.attn_q.weight", rand(N_EMBD, N_EMBD, scale=0.1))
        writer.add_tensor(f"blk.{i}.attn_k.weight", rand(kv_dim, N_EMBD, scale=0.1))
        writer.add_tensor(f"blk.{i}.attn_v.weight", rand(kv_dim, N_EMBD, scale=0.1))
        writer.add_tensor(f"blk.{i}.attn_output.weight", rand(N_EMBD, N_EMBD, scale=0.1))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", rand(N_FF, N_EMBD, scale=0.1))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", rand(N_FF, N_EMBD, scale=0.1))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", rand(N_EMBD, N_FF, scale=0.1))
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    out = rand(n_vocab, N_EMBD, scale=0.15)
    out[:, 0] = 0.0
    table = bytes_to_unicode()
    for text, weight in PREFERRED.items():
        token = text if text in tokens else table[ord(text)]
        out[tokens.index(token), 0] = weight
    writer.add_tensor("output.weight", out)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
