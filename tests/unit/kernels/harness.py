"""Run one-op graph modules through the kernel library and compare with the reference.

A batch of cases becomes ONE C program (each kernel instantiated once, every case's buffers
read from `c<i>_in<j>.bin` and written to `c<i>_out<j>.bin`), compiled natively against the
host runtime (cached by a hash of the source and the headers) or built for spike through
`sim.build_and_run`. Parallel calls run inside `tsl_fork` with a team size that varies per
case (1..8) on the host, and all 8 cores on spike, so every work split is exercised.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    Float32Type,
    Float64Type,
    FunctionType,
    ModuleOp,
    TensorType,
    i1,
)
from xdsl.ir import Attribute, Block, Region
from xdsl.utils.exceptions import VerifyException

from tinyslm_ir.dialects import graph as g
from tinyslm_ir.dialects import graph_shapes as gs
from tinyslm_ir.kernels import c_call
from tinyslm_ir.kernels.catalog import KernelCall, kernel_calls
from tinyslm_ir.reference import run_module

PKG = Path(g.__file__).resolve().parents[1]
KERNELS_DIR = PKG / "targets" / "siracusa" / "runtime" / "kernels"
HOST_RT = PKG / "targets" / "host" / "runtime"
CACHE = Path(os.environ.get("TSL_KERNEL_TEST_CACHE",
                            Path(tempfile.gettempdir()) / "tsl-kernel-tests"))


def elt(dtype: np.dtype | type) -> Attribute:
    """Graph element type storing numpy `dtype` (int8 -> i8, uint8 -> ui8, bool -> i1)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return i1
    if dtype.kind in "iu":
        return gs.int_type(dtype.itemsize * 8, dtype.kind == "i")
    return {4: Float32Type(), 8: Float64Type()}[dtype.itemsize]


@dataclass
class Case:
    """One op applied to `inputs` (func arguments, in operand order)."""

    op_cls: type[g.GraphOp]
    inputs: list[np.ndarray]
    props: Mapping[str, Attribute] = field(default_factory=dict)
    result_types: Sequence[Attribute] | None = None
    arg_types: Sequence[Attribute] | None = None
    module: ModuleOp = field(init=False)
    op: g.GraphOp = field(init=False)
    expected: list[np.ndarray] = field(init=False)
    calls: list[KernelCall] = field(init=False)

    def __post_init__(self) -> None:
        types = [TensorType(t or elt(a.dtype), list(a.shape)) for a, t in
                 zip(self.inputs, self.arg_types or [None] * len(self.inputs), strict=True)]
        block = Block(arg_types=types)
        with ImplicitBuilder(block) as args:
            self.op = self.op_cls.from_operands(args, self.props, self.result_types)
            func.ReturnOp(*self.op.results)
        fn = func.FuncOp("main", FunctionType.from_lists(types, [r.type for r in
                                                                 self.op.results]),
                         Region(block))
        self.module = ModuleOp([fn])
        self.module.verify()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.expected = run_module(self.module, {}, self.inputs)
        self.inputs = [np.ascontiguousarray(a.astype(_storage(a.dtype))) for a in self.inputs]
        self.calls = kernel_calls(self.op)

    def __repr__(self) -> str:
        return f"{self.op}  inputs={[a.tolist() for a in self.inputs]}"


def _storage(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.uint8) if dtype == np.bool_ else dtype


def program(cases: Sequence[Case]) -> str:
    """The C test program of a batch of cases."""
    calls = [c for case in cases for c in case.calls]
    lines = ['#include "tsl_rt.h"', '#include "tsl_kernels.h"', "#include <stdint.h>", "",
             "#ifndef TSL_TEST_TEAM", "#define TSL_TEST_TEAM(i) ((i) % 8 + 1)", "#endif",
             *c_call.instantiations(calls), ""]
    body: list[str] = []
    for i, case in enumerate(cases):
        bufs = {("in", j): a.nbytes for j, a in enumerate(case.inputs)}
        bufs |= {("out", j): e.nbytes for j, e in enumerate(case.expected)}
        for (kind, j), n in bufs.items():
            lines.append(f"static uint8_t c{i}_{kind}{j}[{max(n, 1)}] "
                         f"__attribute__((aligned(8)));")
        for k, call in enumerate(case.calls):
            exprs = [f"c{i}_{a.kind}{a.index}" if a.kind in ("in", "out") else "0"
                     for a in call.args]
            lines.append(f"static void c{i}_k{k}(void *arg) {{ (void)arg; "
                         f"{c_call.emit_call(call, exprs)} }}")
        for j, a in enumerate(case.inputs):
            body.append(f'  if (tsl_host_read("c{i}_in{j}.bin", c{i}_in{j}, {a.nbytes}) != '
                        f"{a.nbytes}) return 2;")
        for k, call in enumerate(case.calls):
            body.append(f"  tsl_fork(TSL_TEST_TEAM({i}), c{i}_k{k}, 0);" if call.parallel
                        else f"  c{i}_k{k}(0);")
        for j, e in enumerate(case.expected):
            body.append(f'  tsl_host_write("c{i}_out{j}.bin", c{i}_out{j}, {e.nbytes});')
    return "\n".join([*lines, "", "int main(void) {", *body, "  return 0;", "}", ""])


def input_files(cases: Sequence[Case]) -> dict[str, bytes]:
    return {f"c{i}_in{j}.bin": a.tobytes() for i, case in enumerate(cases)
            for j, a in enumerate(case.inputs)}


def _headers_digest() -> bytes:
    parts = [p.read_bytes() for d in (KERNELS_DIR, HOST_RT / "include", HOST_RT / "src")
             for p in sorted(d.iterdir()) if p.is_file()]
    return hashlib.sha256(b"".join(parts)).digest()


def build_host(source: str) -> Path:
    """Compile a test program natively (cached by content)."""
    key = hashlib.sha256(source.encode() + _headers_digest()).hexdigest()[:24]
    exe = CACHE / f"prog-{key}"
    if exe.exists():
        return exe
    CACHE.mkdir(parents=True, exist_ok=True)
    src = CACHE / f"prog-{key}.c"
    src.write_text(source)
    tmp = exe.with_suffix(f".{os.getpid()}.tmp")
    cmd = ["gcc", "-std=c99", "-O1", "-Wall", "-Wno-unused-function", "-Werror",
           f"-I{HOST_RT / 'include'}", f"-I{KERNELS_DIR}", str(src),
           str(HOST_RT / "src" / "tsl_rt_host.c"), "-o", str(tmp), "-lm", "-lpthread"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise AssertionError(f"gcc failed on {src}:\n{proc.stderr[-6000:]}")
    os.replace(tmp, exe)
    return exe


def run_host(cases: Sequence[Case]) -> dict[str, bytes]:
    exe = build_host(program(cases))
    with tempfile.TemporaryDirectory(prefix="tsl-kt-") as tmp:
        for name, data in input_files(cases).items():
            (Path(tmp) / name).write_bytes(data)
        proc = subprocess.run([str(exe)], cwd=tmp, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"test program failed ({proc.returncode}): {proc.stderr}"
        return {p.name: p.read_bytes() for p in Path(tmp).glob("c*_out*.bin")}


def run_spike(cases: Sequence[Case], cores: int = 8) -> dict[str, bytes]:
    from tinyslm_ir.targets.siracusa.sim import build_and_run

    source = program(cases)
    key = hashlib.sha256(source.encode()).hexdigest()[:24]
    CACHE.mkdir(parents=True, exist_ok=True)
    src = CACHE / f"spike-{key}.c"
    src.write_text(source)
    result = build_and_run([src], cores=cores, include_dirs=[KERNELS_DIR],
                           defines={"TSL_TEST_TEAM(i)": cores},
                           inputs=input_files(cases), timeout=120)
    return result.outputs


def check(cases: Sequence[Case], outputs: Mapping[str, bytes]) -> None:
    """Every case's outputs equal the reference (integers) or are within 1e-5 (floats)."""
    for i, case in enumerate(cases):
        for j, exp in enumerate(case.expected):
            dtype = _storage(exp.dtype)
            got = np.frombuffer(outputs[f"c{i}_out{j}.bin"], dtype).reshape(exp.shape)
            want = exp.astype(dtype)
            if dtype.kind == "f":
                scale = float(np.max(np.abs(want), initial=0.0)) + 1.0
                ok = np.allclose(got, want, rtol=1e-5, atol=1e-5 * scale, equal_nan=True)
            else:
                ok = np.array_equal(got, want)
            assert ok, (f"case {i} output {j} differs\n{case!r}\ncalls: {case.calls}\n"
                        f"got  {got.tolist()}\nwant {want.tolist()}")


Maker = Callable[[np.random.Generator], Case | None]


def make_cases(make: Maker, seeds: Sequence[int]) -> list[Case]:
    """A case per seed; a maker returns None (or builds an op that does not verify) to skip."""
    cases = []
    for s in seeds:
        try:
            case = make(np.random.default_rng(s))
        except (gs.ShapeError, VerifyException):
            continue
        if case is not None:
            cases.append(case)
    return cases


def run_cases(make: Maker, seeds: Sequence[int]) -> None:
    """Run a batch of random cases in one host program and compare with the reference."""
    cases = make_cases(make, seeds)
    if cases:
        check(cases, run_host(cases))


def batched(make: Maker, size: int = 16, examples: int = 2) -> Callable[..., None]:
    """A hypothesis test drawing `examples` batches of `size` seeds for `make` (one C program
    per batch keeps the compile count low)."""

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.integers(0, 2**32 - 1), min_size=size, max_size=size))
    def test(seeds: list[int]) -> None:
        run_cases(make, seeds)

    return test


def ints(rng: np.random.Generator, shape: Sequence[int], dtype: np.dtype | type,
         lo: int | None = None, hi: int | None = None) -> np.ndarray:
    """Random integers of `dtype` in [lo, hi] (default: the type's full range)."""
    info = np.iinfo(dtype) if np.dtype(dtype) != np.bool_ else None
    if info is None:
        return rng.integers(0, 2, size=tuple(shape)).astype(np.bool_)
    lo = info.min if lo is None else max(lo, info.min)
    hi = info.max if hi is None else min(hi, info.max)
    return rng.integers(lo, hi, size=tuple(shape), endpoint=True, dtype=np.int64 if
                        np.dtype(dtype) != np.uint64 else np.uint64).astype(dtype)


def floats(rng: np.random.Generator, shape: Sequence[int], dtype: np.dtype | type = np.float32,
           scale: float = 2.0) -> np.ndarray:
    return (rng.standard_normal(tuple(shape)) * scale).astype(dtype)



INT_TYPES = (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64)
FLOAT_TYPES = (np.float32, np.float64)


def pick(rng: np.random.Generator, options: Sequence):
    return options[int(rng.integers(len(options)))]


def rand_shape(rng: np.random.Generator, rank: int, hi: int = 4) -> tuple[int, ...]:
    return tuple(int(d) for d in rng.integers(1, hi, size=rank, endpoint=True))


def broadcast_operand(rng: np.random.Generator, out: Sequence[int]) -> tuple[int, ...]:
    """A shape that numpy-broadcasts to `out`: a suffix with some dims set to 1."""
    suffix = list(out[int(rng.integers(len(out) + 1)):])
    return tuple(1 if rng.random() < 0.3 else d for d in suffix)


def values(rng: np.random.Generator, shape: Sequence[int], dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    return floats(rng, shape, dtype) if dtype.kind == "f" else ints(rng, shape, dtype)
