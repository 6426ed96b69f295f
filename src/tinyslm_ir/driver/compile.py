"""`tinyslm compile`: ONNX -> a directory with the generated program, built for a target.

The directory holds everything needed to run and to inspect the result:

    network.c      the C program (the `c` target)       weights.S / weights.bin  the constants
    layers.json    report region -> layer, kernels, MACs  plan.json  every planned buffer
    manifest.json  target, cores, inputs and outputs     network.elf | network   the binary
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import onnx
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DictionaryAttr,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Operation

from tinyslm_ir.analysis.tiling.errors import TilingInfeasibleError
from tinyslm_ir.dialects.graph import MatMulRequantOp, WeightOp
from tinyslm_ir.dialects.lmem import buffer_bytes
from tinyslm_ir.driver import artifacts as art
from tinyslm_ir.driver.macs import layer_ops
from tinyslm_ir.driver.strict import check_strict, strict_default, untiled_layers
from tinyslm_ir.frontend.input_shapes import Shapes
from tinyslm_ir.frontend.kv_cache import canonicalize_kv_caches
from tinyslm_ir.frontend.onnx_importer import (
    ImportedModel,
    import_onnx,
    load_model,
    runtime_inputs,
)
from tinyslm_ir.passes.pack_weight_pairs import packable
from tinyslm_ir.passes.pipeline import BackendOptions, run_backend_pipeline, run_default_pipeline
from tinyslm_ir.targets.siracusa import memory_map
from tinyslm_ir.targets.siracusa.build import isa_for
from tinyslm_ir.targets.siracusa.c_printer import print_c
from tinyslm_ir.targets.siracusa.c_program import CBuffer, CEmitError, CProgram, read_program
from tinyslm_ir.targets.siracusa.weight_blob import BLOB_NAME, weight_files

TARGETS = ("siracusa", "host")
L2_RESERVE = 256 * 1024
"""L2 bytes kept for what the plan does not place: code, stacks (8 KiB per hart), data."""
HOST_ARENA = 1 << 30
"""Activation budget on the host, which has no L2: models whose weights alone exceed the
chip's L2 (MiniLM's 47 MB embedding table) still run there."""

UNTILED = 0
"""`CompileOptions.l1` (`--l1 0`) for untiled siracusa code: cores compute on L2 directly and
no strict-L1 check is possible. Kept as an explicit opt-out, for comparison benchmarks."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CompileOptions:
    target: str = "siracusa"
    cores: int = 8
    l1: int | None = None  # L1 bytes to tile into; None: `default_l1`; UNTILED (0): untiled
    l2: int | None = None  # activation budget; default: L2 minus reserve, weights and I/O
    input_types: Mapping[str, Attribute] | None = None
    input_shapes: Shapes | None = None  # static shapes for dynamic ONNX inputs
    weights_level: str | None = None  # L2 or WMEM; default: L2 unless they do not fit there
    strict_l1: bool | None = None  # cores touch only L1 (PMP); default: exactly when tiled
    entry: str | None = None  # print as an image entry (driver.image), build nothing
    pack_weights: bool | None = None  # k_pairs GEMV weights; default: where twice fits

    def __post_init__(self) -> None:
        if self.l1 is not None and self.l1 < 0:
            raise ValueError(f"--l1 {self.l1}: an L1 size is at least 0 (0: untiled)")


def _bytes_of(t: Attribute) -> int:
    assert isinstance(t, TensorType)
    return buffer_bytes(MemRefType(t.get_element_type(), t.get_shape()))


def weight_bytes(module: ModuleOp) -> int:
    return sum(_bytes_of(op.res.type) for op in module.walk() if isinstance(op, WeightOp))


def io_bytes(module: ModuleOp) -> int:
    return sum(_bytes_of(t) for fn in module.walk() if isinstance(fn, func.FuncOp)
               for t in (*fn.function_type.inputs, *fn.function_type.outputs))


def default_weights_level(module: ModuleOp) -> str:
    """L2, unless the weights do not fit there beside graph I/O and the reserve: then the
    8 MiB weight memory (float32 MiniLM layers, 7 MB each, are the case in point)."""
    return "L2" if _weights_fit(module, "L2") else "WMEM"


def default_l2_budget(module: ModuleOp, weights_level: str = "L2", extra: int = 0) -> int:
    """L2 left for planned activations once weights (`extra` bytes more once packed), graph
    I/O and the reserve are placed."""
    fixed = io_bytes(module) + (weight_bytes(module) + extra if weights_level == "L2" else 0)
    return max(0, memory_map.L2.size - L2_RESERVE - fixed)


def packed_weights(module: ModuleOp, l1_budget: int) -> set[Operation]:
    """The weights `pack-weight-pairs` stores as k_pairs under `l1_budget`."""
    return {mm.rhs.owner for mm in module.walk()
            if isinstance(mm, MatMulRequantOp) and packable(mm, l1_budget)}


def pairs_bytes(module: ModuleOp, l1_budget: int) -> int:
    """Bytes that `pack-weight-pairs` adds: a k_pairs weight takes two bytes per int8."""
    return sum(_bytes_of(w.results[0].type) for w in packed_weights(module, l1_budget))


L1_WEIGHT_MAX = 1024
"""The largest weight kept resident in L1: requantization factors and norm weights, which a
decode step would otherwise move by DMA, a few bytes at a time, in every layer."""
L1_WEIGHT_SHARE = 8
"""Resident weights take at most this fraction (1/8) of the tile budget."""


def resident_l1_weights(module: ModuleOp, l1_budget: int, pack: bool) -> tuple[int, int]:
    """(cutoff, bytes): the weights of at most `cutoff` bytes stay in L1 (`bufferize`'s
    `l1_weights`), the smallest first, `bytes` in all (each rounded to its 8-byte alignment),
    within 1/L1_WEIGHT_SHARE of the tile budget. Packed weights (`pack`) count twice."""
    packed = packed_weights(module, l1_budget) if pack else set()
    sizes: dict[int, int] = {}
    for w in module.walk():
        if isinstance(w, WeightOp):
            size = _bytes_of(w.res.type) * (2 if w in packed else 1)
            sizes[size] = sizes.get(size, 0) + -(-size // 8) * 8
    cutoff, total = 0, 0
    for size in sorted(s for s in sizes if 0 < s <= L1_WEIGHT_MAX):
        if total + sizes[size] > l1_budget // L1_WEIGHT_SHARE:
            break
        cutoff, total = size, total + sizes[size]
    return cutoff, total


def _weights_fit(module: ModuleOp, level: str, extra: int = 0) -> bool:
    """Whether the weights, `extra` bytes larger, fit `level` (beside graph I/O and the
    reserve in L2). Packing is a speed for memory trade: the default only where the memory
    is there."""
    if level == "WMEM":
        return weight_bytes(module) + extra <= memory_map.WMEM.size
    return weight_bytes(module) + extra + io_bytes(module) + L2_RESERVE < memory_map.L2.size


def default_l1(target: str) -> int:
    """The L1 a compile tiles into when none is given. On siracusa all of it: tiled strict mode
    is the default there, because only then are the cycle counts honest (every byte a core
    computes on was moved by DMA and charged). The host has no L1 and always runs untiled."""
    return memory_map.L1.size if target == "siracusa" else UNTILED


class L1BelowReserveError(ValueError):
    """`--l1` leaves nothing for tiles once the runtime's own L1 reserve is taken out."""


def tile_budget(l1: int) -> int:
    """L1 bytes the tiler may use out of an L1 of `l1` bytes: what the strict-L1 runtime
    keeps at the base of L1 (stacks, TLS, its state) is not the compiler's. At least 1, so
    that a budget below the reserve is reported by the tiler, naming the first layer."""
    return max(1, l1 - memory_map.L1_RESERVED_STRICT)


def _attr_json(attr: Attribute) -> object:
    if isinstance(attr, DictionaryAttr):
        return {k: _attr_json(v) for k, v in attr.data.items()}
    if isinstance(attr, IntegerAttr):
        value = attr.value.data
        return bool(value) if attr.type.bitwidth == 1 else value  # type: ignore[union-attr]
    if isinstance(attr, StringAttr):
        return attr.data
    return str(attr)


def plan_json(module: ModuleOp, prog: CProgram) -> dict[str, object]:
    """Every planned buffer with its level, offset, size and live range, plus the planner's
    own summary per level (`lmem.plan`: peak, lower bound, capacity, optimality)."""
    summary = module.attributes.get("lmem.plan")
    return {
        "levels": _attr_json(summary) if summary is not None else {},
        "peaks": {lvl: prog.peak(lvl) for lvl in prog.arena_levels},
        "weights": {lvl: sum(w.nbytes for w in prog.weights if w.level == lvl)
                    for lvl in sorted({w.level for w in prog.weights})},
        "buffers": [{"name": b.name, "level": b.level, "offset": b.offset, "size": b.nbytes,
                     "live": list(b.live or ()), "type": b.shape_text} for b in prog.buffers],
    }


def layers_json(prog: CProgram, ops: Mapping[str, tuple[str, int]]) -> list[dict[str, object]]:
    """One entry per report region; layers without a graph op are output copies."""
    return [{"region": layer.index, "layer": layer.name, "function": layer.function,
             "op": ops.get(layer.name, ("copy", 0))[0], "kernels": layer.callees,
             "macs": ops.get(layer.name, ("copy", 0))[1]} for layer in prog.layers]


def state_inputs(prog: CProgram) -> tuple[int, ...]:
    """The inputs an output aliases (updated in place), by index."""
    aliased = {o.name for o in prog.outputs if o.file is not None}
    return tuple(k for k, b in enumerate(prog.inputs) if b.name in aliased)


def _spec(buf: CBuffer, onnx_name: str, grown: Mapping[str, tuple[int, int]]
          ) -> art.TensorSpec:
    return art.TensorSpec(buf.stem, onnx_name, buf.dtype.name, buf.shape, grown.get(onnx_name))


FLOAT_ELEMENTS = ("f16", "bf16", "f32", "f64")


def uses_float(prog: CProgram) -> bool:
    """Whether any buffer of the program holds floats: then the ELF needs the F extension."""
    buffers = (*prog.inputs, *prog.outputs, *prog.weights, *prog.buffers)
    return any(b.element in FLOAT_ELEMENTS for b in buffers)


def build(target: str, directory: Path, cores: int, regions: int, isa: tuple[str, str],
          strict_l1: bool = False) -> Path:
    """Build `network.c` + `weights.S` of `directory` for `target`; returns the binary.
    `regions` (the layer count) sizes the runtime's per-region cycle counters; `isa` is the
    siracusa (march, mabi); `strict_l1` builds the siracusa ELF with the L1-only check."""
    sources = [directory / art.SOURCE, directory / art.WEIGHTS_ASM]
    if target == "host":
        from tinyslm_ir.targets.host.native import build_native

        binary = build_native(sources, cores=cores, include_dirs=[directory])
    else:
        from tinyslm_ir.targets.siracusa.build import BuildConfig, build_elf
        from tinyslm_ir.targets.siracusa.toolchain import RUNTIME_DIR

        kernels = RUNTIME_DIR / "kernels"
        config = BuildConfig(cores=cores, march=isa[0], mabi=isa[1], strict_l1=strict_l1,
                             defines=(("TSL_MAX_REGIONS", str(max(256, regions))),))
        binary = build_elf([*sources, *sorted(kernels.glob("*.c"))], config,
                           include_dirs=[kernels, directory])
    dest = directory / art.BINARY[target]
    shutil.copyfile(binary, dest)
    dest.chmod(0o755)
    return dest


def compile_model(model: str | Path | onnx.ModelProto, out_dir: str | Path,
                  options: CompileOptions = CompileOptions(),
                  progress: Progress = lambda _: None) -> art.Manifest:
    """Compile `model` into `out_dir` (created) and build it for `options.target`."""
    start = time.perf_counter()
    onnx_model = load_model(model)
    progress("importing the ONNX model")
    imported = import_onnx(onnx_model, input_types=options.input_types,
                           input_shapes=options.input_shapes)
    grown = canonicalize_kv_caches(imported)
    if grown:
        progress(f"{grown} KV caches updated in place instead of grown by Concat")
    source = str(model) if not isinstance(model, onnx.ModelProto) else "<in memory>"
    onnx_inputs = tuple(i.name for i in runtime_inputs(onnx_model))
    return compile_imported(imported, onnx_inputs, out_dir, options, progress, source=source,
                            start=start)


def compile_imported(imported: ImportedModel, onnx_inputs: tuple[str, ...],
                     out_dir: str | Path, options: CompileOptions = CompileOptions(),
                     progress: Progress = lambda _: None, *, source: str = "<in memory>",
                     start: float | None = None) -> art.Manifest:
    """Compile an imported graph module (modified in place) into `out_dir` and build it.

    `onnx_inputs` are the names of all runtime inputs of the model, in order: `tinyslm run`
    maps input arrays onto them by position."""
    if options.target not in TARGETS:
        raise ValueError(f"unknown target '{options.target}' (choose from {', '.join(TARGETS)})")
    start = time.perf_counter() if start is None else start
    directory = Path(out_dir)
    module = imported.module
    run_default_pipeline(module)
    ops = layer_ops(module)
    host = options.target == "host"
    weights_level = options.weights_level or ("L2" if host else default_weights_level(module))
    if not host and weights_level == "WMEM" and weight_bytes(module) > memory_map.WMEM.size:
        raise CEmitError(f"the weights need {weight_bytes(module)} B, more than the "
                         f"{memory_map.WMEM.size} B of weight memory; the backend does not "
                         "stream weights from L3 yet, so split the model into parts that fit")
    l1 = default_l1(options.target) if options.l1 is None else options.l1
    tiled = not host and l1 > 0
    strict = strict_default(options.target, l1, options.strict_l1)
    budget = tile_budget(l1) if tiled else 0
    extra = 0 if host or options.pack_weights is False else pairs_bytes(module, budget)
    if extra and not _weights_fit(module, weights_level, extra):
        if options.pack_weights:
            raise CEmitError(f"--pack-weights: the packed weights need {extra} B more, which "
                             f"{weights_level} does not have; compile without --pack-weights")
        extra = 0
    cutoff, resident = resident_l1_weights(module, budget, pack=extra > 0) if tiled else (0, 0)
    l2 = options.l2 if options.l2 is not None \
        else HOST_ARENA if host else default_l2_budget(module, weights_level, extra)
    progress(f"lowering to planned C kernels ({options.cores} cores, L2 budget {l2} B, "
             f"weights in {weights_level}" + (f", {extra} B more for k_pairs GEMV weights)"
                                              if extra else ")"))
    if tiled:
        progress(f"tiling into {budget - resident} B of L1 ({l1} B minus "
                 f"{memory_map.L1_RESERVED_STRICT} B for the runtime"
                 + (f" and {resident} B of weights kept in L1)" if resident else ")"))
    elif not host:
        progress("untiled (--l1 0): cores compute on L2 directly")
    try:
        run_backend_pipeline(module, BackendOptions(cores=options.cores, l2_capacity=l2,
                                                    weights_level=weights_level,
                                                    l1=budget - resident, pack_weights=extra > 0,
                                                    l1_weights=cutoff, l1_resident=resident))
    except TilingInfeasibleError as e:
        reserve = memory_map.L1_RESERVED_STRICT
        if l1 <= reserve:
            raise L1BelowReserveError(
                f"layer {e.layer} ({e.kind}) needs at least {e.min_bytes} B of L1 for its "
                f"smallest legal tiles, but --l1 {l1} B does not even cover the "
                f"runtime's {reserve} B L1 reserve (core stacks and runtime state); this layer "
                f"alone needs --l1 >= {reserve + e.min_bytes}") from e
        raise TilingInfeasibleError(
            e.layer, e.kind, e.capacity, e.min_bytes, e.constraint,
            f"{e.breakdown}; L1 budget = --l1 {l1} B minus "
            f"{memory_map.L1_RESERVED_STRICT} B runtime reserve") from e
    if strict:
        check_strict(module)
    elif tiled:  # --no-strict: say which layers fall back to computing on L2
        for layer in untiled_layers(module):
            progress(f"not tiled, runs on L2: {layer}")
    prog = read_program(module)
    l1_capacity = l1 if tiled else memory_map.L1.size
    if prog.peak("L1") > l1_capacity:
        raise CEmitError(f"the program needs {prog.peak('L1')} B of L1, more than the "
                         f"budget of {l1_capacity} B")
    progress(f"printing C: {len(prog.layers)} layers, {len(prog.weights)} weights")
    directory.mkdir(parents=True, exist_ok=True)
    weights = weight_files(prog, imported.weights)
    (directory / art.SOURCE).write_text(print_c(prog, options.entry))
    (directory / art.WEIGHTS_ASM).write_text(weights.asm)
    (directory / BLOB_NAME).write_bytes(weights.blob)
    (directory / art.LAYERS).write_text(json.dumps(layers_json(prog, ops), indent=1) + "\n")
    (directory / art.PLAN).write_text(json.dumps(plan_json(module, prog), indent=1) + "\n")
    isa = isa_for(uses_float(prog))
    if options.entry is None:
        progress(f"building for {options.target}{' (strict L1)' if strict else ''}")
        build(options.target, directory, options.cores, len(prog.layers), isa, strict)
    manifest = art.Manifest(
        target=options.target, cores=options.cores, model=source, onnx_inputs=onnx_inputs,
        inputs=tuple(_spec(b, n, imported.grown_inputs)
                     for b, n in zip(prog.inputs, imported.input_names, strict=True)),
        outputs=tuple(_spec(b, n, {}) for b, n in zip(prog.outputs, imported.output_names,
                                                       strict=True)),
        l1_peak=prog.peak("L1"), l2_peak=prog.peak("L2"),
        compile_s=round(time.perf_counter() - start, 3), isa=isa[0], strict_l1=strict,
        entry=options.entry, state=state_inputs(prog))
    manifest.save(directory)
    progress(f"compiled in {manifest.compile_s:.2f} s -> {directory}")
    return manifest
