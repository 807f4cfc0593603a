"""Build a tiny random Qwen3-TTS CustomVoice checkpoint on disk, shaped like the real ones.

(``REAL_1_7B`` / ``REAL_0_6B`` build the real architectures instead, for bench/qwen3_gpu.py.)

Talker + code predictor + 12 Hz speech tokenizer (encoder and decoder) with a few thousand
parameters each, a byte-level BPE text tokenizer trained on the spot, ``generation_config.json``
and the speech tokenizer's feature extractor: everything ``Qwen3TTSModel.from_pretrained`` reads
from a real checkpoint directory. It loads through the same code as the real model; its speech is
noise, but its structure (frames, samples per frame, per-item lengths, prompts) is the real one.

The constraints it honours (found by running qwen_tts 0.1.1, see FIELD-NOTES):
- "<|im_start|>assistant\\n" is 3 text tokens and "<|im_end|>\\n<|im_start|>assistant\\n" is 5;
- text ids < text_vocab_size; talker vocab = codebook size + 1024 (qwen_tts suppresses the top
  1024 ids except EOS, so the special codec ids live there);
- num_code_groups == the decoder's num_quantizers; Mimi upsample_groups == its hidden size;
  decoder upsampling 8*5*4*3 * 2*2 = 1920 samples per frame (12.5 Hz at 24 kHz);
- spk_id, spk_is_dialect (every speaker) and codec_language_id are dicts;
- quantizable linear layers have in_features >= 64 (bitsandbytes on CPU);
- RVQ codebooks start at zero (silence) and the decoder convs need reset_parameters().
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# Codec ids above the codebook, where qwen_tts keeps its control ids (pad, bos, eos, think... are
# codebook + 0..6, see _model_config).
LANGUAGES = {"english": 16, "chinese": 17, "japanese": 18, "german": 19, "french": 20}  # codebook + n
SPEAKERS = {"ryan": 32, "aiden": 33, "vivian": 34, "ono_anna": 35}  # codebook + n
SPECIAL_TEXT = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|tts_pad|>", "<|tts_bos|>", "<|tts_eos|>"]


@dataclass(frozen=True)
class Spec:
    """Sizes of a random checkpoint. The default is tiny; ``REAL_1_7B`` is the real architecture."""

    dtype: str = "float32"  # the published checkpoints are bfloat16
    codebook: int = 64  # codes per quantizer (real: 2048)
    groups: int = 4  # code groups per frame (real: 16); few, so CPU tests are quick
    talker: dict[str, Any] = field(
        default_factory=lambda: {
            # hidden >= 64 so bitsandbytes can quantize the talker's layers on CPU
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "head_dim": 32,
            "max_position_embeddings": 4096,
            "rope_theta": 10000,
        }
    )
    code_predictor: dict[str, Any] | None = None  # None: the talker's sizes
    text_hidden_size: int = 64
    text_vocab_size: int | None = None  # None: the tiny tokenizer's size
    mrope_section: tuple[int, int, int] = (6, 5, 5)  # sums to head_dim / 2
    speech_encoder: dict[str, Any] = field(
        default_factory=lambda: {
            "hidden_size": 16,
            "num_filters": 4,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "num_key_value_heads": 2,
            "head_dim": 8,
            "intermediate_size": 32,
            "codebook_dim": 16,
            "vector_quantization_hidden_dimension": 16,
            "upsample_groups": 16,  # Mimi: must equal hidden_size
        }
    )
    speech_decoder: dict[str, Any] = field(
        default_factory=lambda: {
            "codebook_dim": 16,
            "hidden_size": 32,
            "latent_dim": 32,
            "num_attention_heads": 2,
            "num_key_value_heads": 2,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "decoder_dim": 32,
        }
    )


TINY = Spec()

# Qwen3-TTS-12Hz-1.7B-CustomVoice: the talker is Qwen3-1.7B-shaped (28 layers, 2048 wide, GQA 16/8,
# MLP 6144, MRoPE 24/20/20), the code predictor 5 layers of 1024, 16 code groups of 2048 codes, a
# 151936-token text embedding of width 2048; the 12 Hz tokenizer decoder is 8 layers of 512.
REAL_1_7B = Spec(
    dtype="bfloat16",
    codebook=2048,
    groups=16,
    talker={
        "hidden_size": 2048,
        "intermediate_size": 6144,
        "num_hidden_layers": 28,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000,
        "rms_norm_eps": 1e-6,
    },
    code_predictor={
        "hidden_size": 1024,
        "intermediate_size": 3072,
        "num_hidden_layers": 5,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "max_position_embeddings": 65536,
        "rope_theta": 1000000,
        "rms_norm_eps": 1e-6,
    },
    text_hidden_size=2048,
    text_vocab_size=151936,
    mrope_section=(24, 20, 20),
    speech_encoder={"hidden_size": 512, "upsample_groups": 512, "num_quantizers": 32},
    speech_decoder={
        "codebook_dim": 512,
        "hidden_size": 512,
        "latent_dim": 1024,
        "intermediate_size": 1024,
        "head_dim": 64,
        "num_attention_heads": 16,
        "num_key_value_heads": 16,
        "num_hidden_layers": 8,
        "decoder_dim": 1536,
    },
)
# 0.6B: the talker is Qwen3-0.6B-shaped (1024 wide, MLP 3072); the rest as in 1.7B.
REAL_0_6B = replace(REAL_1_7B, talker={**REAL_1_7B.talker, "hidden_size": 1024, "intermediate_size": 3072})


def _text_tokenizer(directory: Path) -> dict[str, int]:
    """Train a small byte-level BPE where "assistant" and "user" are single tokens; save it."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIAL_TEXT,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    corpus = ["assistant user"] * 200 + ["Speak with quiet sadness. The quick brown fox jumps over the lazy dog."] * 20
    backend.train_from_iterator(corpus, trainer)
    tokenizer = Qwen2TokenizerFast(
        tokenizer_object=backend,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        additional_special_tokens=SPECIAL_TEXT[1:],
    )
    for text, count in (("<|im_start|>assistant\n", 3), ("<|im_end|>\n<|im_start|>assistant\n", 5)):
        ids = tokenizer(text)["input_ids"]
        if len(ids) != count:
            raise AssertionError(f"tiny tokenizer: {text!r} is {len(ids)} tokens, qwen_tts needs {count}")
    tokenizer.save_pretrained(directory)
    return {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TEXT} | {"vocab": len(tokenizer)}


def _model_config(spec: Spec, ids: dict[str, int], model_size: str) -> dict:
    c = spec.codebook
    return {
        "model_type": "qwen3_tts",
        "architectures": ["Qwen3TTSForConditionalGeneration"],
        "tokenizer_type": "qwen3_tts_tokenizer_12hz",
        "tts_model_size": model_size,
        "tts_model_type": "custom_voice",
        "im_start_token_id": ids["<|im_start|>"],
        "im_end_token_id": ids["<|im_end|>"],
        "tts_pad_token_id": ids["<|tts_pad|>"],
        "tts_bos_token_id": ids["<|tts_bos|>"],
        "tts_eos_token_id": ids["<|tts_eos|>"],
        "talker_config": {
            **spec.talker,
            "vocab_size": c + 1024,
            "text_vocab_size": spec.text_vocab_size or ids["vocab"],
            "text_hidden_size": spec.text_hidden_size,
            "num_code_groups": spec.groups,
            "rope_scaling": {"rope_type": "default", "mrope_section": list(spec.mrope_section), "interleaved": True},
            "codec_pad_id": c + 0,
            "codec_bos_id": c + 1,
            "codec_eos_token_id": c + 2,
            "codec_think_id": c + 3,
            "codec_nothink_id": c + 4,
            "codec_think_bos_id": c + 5,
            "codec_think_eos_id": c + 6,
            "codec_language_id": {name: c + offset for name, offset in LANGUAGES.items()},
            "spk_id": {name: c + offset for name, offset in SPEAKERS.items()},
            "spk_is_dialect": {name: False for name in SPEAKERS},
            "code_predictor_config": {
                **(spec.code_predictor or spec.talker),
                "vocab_size": c,
                "num_code_groups": spec.groups,
            },
        },
        # Only read for its sample rate by CustomVoice models (no speaker encoder is built).
        "speaker_encoder_config": {"sample_rate": 24000, "enc_dim": spec.talker["hidden_size"]},
    }


def _speech_tokenizer_config(spec: Spec) -> dict:
    return {
        "encoder_valid_num_quantizers": spec.groups,
        "input_sample_rate": 24000,
        "output_sample_rate": 24000,
        "decode_upsample_rate": 1920,
        "encode_downsample_rate": 1920,
        "encoder_config": {
            "codebook_size": spec.codebook,
            "num_quantizers": spec.groups,
            "frame_rate": 12.5,
            **spec.speech_encoder,
        },
        "decoder_config": {
            "codebook_size": spec.codebook,
            "num_quantizers": spec.groups,
            "upsample_rates": [8, 5, 4, 3],  # x 2 x 2 below = 1920 samples per frame
            "upsampling_ratios": [2, 2],
            **spec.speech_decoder,
        },
    }


def _randomize_speech_tokenizer(model) -> None:
    import torch

    for name, module in model.named_modules():
        if hasattr(module, "embedding_sum"):  # RVQ codebooks: zeros would decode to silence
            module.embedding_sum.data.normal_(0.0, 1.0)
        elif name.startswith("decoder") and isinstance(module, torch.nn.Conv1d | torch.nn.ConvTranspose1d):
            module.reset_parameters()


def _save_speech_tokenizer(spec: Spec, directory: Path, device: str) -> None:
    import torch
    from qwen_tts.core.tokenizer_12hz.configuration_qwen3_tts_tokenizer_v2 import Qwen3TTSTokenizerV2Config
    from qwen_tts.core.tokenizer_12hz.modeling_qwen3_tts_tokenizer_v2 import Qwen3TTSTokenizerV2Model
    from transformers import EncodecFeatureExtractor

    with torch.device(device):
        model = Qwen3TTSTokenizerV2Model(Qwen3TTSTokenizerV2Config(**_speech_tokenizer_config(spec))).eval()
    _randomize_speech_tokenizer(model)
    model.save_pretrained(directory)
    EncodecFeatureExtractor(feature_size=1, sampling_rate=24000, padding_value=0.0).save_pretrained(directory)


def build_random_custom_voice(
    directory: Path, *, seed: int = 0, model_size: str = "1b7", spec: Spec = TINY, device: str = "cpu"
) -> Path:
    """Write a random CustomVoice checkpoint (tiny unless ``spec`` says otherwise) into ``directory``.

    ``model_size`` "0b6" makes qwen_tts ignore instructions, as it does for the real 0.6B model.
    ``device`` is where the weights are initialised (a real-size talker is built faster on a GPU).
    """
    import torch
    from narration.synthesis.torchaudio_shim import import_qwen_tts

    import_qwen_tts()
    from qwen_tts.core.models import Qwen3TTSConfig, Qwen3TTSForConditionalGeneration

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    ids = _text_tokenizer(directory)
    config = _model_config(spec, ids, model_size)
    with torch.device(device):
        model = Qwen3TTSForConditionalGeneration(Qwen3TTSConfig(**{k: v for k, v in config.items() if k != "model_type"}))
    model = model.to(getattr(torch, spec.dtype))
    model.eval().save_pretrained(directory)
    del model
    # qwen_tts reads the sampling defaults from generation_config.json at the model root.
    generation = {
        "do_sample": True,
        "temperature": 0.9,
        "top_k": 50,
        "top_p": 1.0,
        "repetition_penalty": 1.05,
        "subtalker_dosample": True,
        "subtalker_temperature": 0.9,
        "subtalker_top_k": 50,
        "subtalker_top_p": 1.0,
        "max_new_tokens": 8192,
    }
    (directory / "generation_config.json").write_text(json.dumps(generation, indent=2), encoding="utf-8")
    _strip_speaker_encoder_model_type(directory / "config.json")
    _save_speech_tokenizer(spec, directory / "speech_tokenizer", device)
    return directory


def _strip_speaker_encoder_model_type(path: Path) -> None:
    # A saved sub-config carries "model_type", which Qwen3TTSSpeakerEncoderConfig rejects on load.
    data = json.loads(path.read_text(encoding="utf-8"))
    data.get("speaker_encoder_config", {}).pop("model_type", None)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
