"""The `c` target: plain C for a bufferized, planned and offloaded `lmem` module.

The program needs no allocator and no file system beyond the runtime's host files:

* one static arena per memory level, each planned buffer a constant pointer at its offset;
* weights as extern symbols that `weights.S` defines by `.incbin`-ing `weights.bin`, so a
  model with megabytes of weights compiles as fast as one with none;
* graph inputs and outputs as static buffers `input_<i>` / `output_<i>`, filled from and
  written to `input_<i>.bin` / `output_<i>.bin` by `main`;
* one static function per layer, whose fork regions are outlined into `layer_<k>_part_<j>`
  (one function per distinct body: a tiled layer's tiles share them) and run by
  `tsl_fork`; `run_network` brackets every layer with `tsl_region_begin/end(k)`, so the
  cycle report has one region per layer;
* a tiled layer's DMAs and waits run on core 0 between its forks: `tsl_dma_start_1d/2d`
  into a slot of a local ring of `tsl_dma_t` when the transfer is waited for, then
  `tsl_dma_wait`; its periodic runs of tiles are rolled back into loops (`c_loops`).

Kernel calls and instantiations are printed by `tinyslm_ir.kernels.c_call`, the one place
that knows the C calling convention of the kernel library.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, FloatAttr, IntegerAttr, ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.utils.target import Target

from tinyslm_ir.dialects import cluster, dma, lmem
from tinyslm_ir.kernels.c_call import emit_call, instantiations
from tinyslm_ir.kernels.catalog import Arg, KernelCall, Param, type_code
from tinyslm_ir.targets.siracusa.c_loops import Stmt, render, reroll
from tinyslm_ir.targets.siracusa.c_program import (
    ARENA_ALIGN,
    CBuffer,
    CEmitError,
    CProgram,
    Layer,
    Part,
    read_program,
)

#: Placement macro of each level (tsl_rt.h); L2 is where unplaced globals go anyway.
PLACEMENT = {"L1": "TSL_L1 ", "L2": "", "WMEM": "TSL_WMEM ", "L3": "TSL_L3 "}


def kernel_call(op: lmem.CallOp) -> KernelCall:
    """The catalogue's view of an `lmem.call`, for `c_call` to print.

    A buffer's element code is its memref's: the op does not record the code the kernel was
    selected with, which differs only for byte-moving kernels (an f32 copy moves u32), where
    the sizes agree and the pointer conversion is harmless."""
    n_in = op.num_inputs.value.data
    args = []
    for pos, (value, off) in enumerate(zip(op.buffers, op.offsets.get_values(), strict=True)):
        if isinstance(value.owner, lmem.NullOp):
            args.append(Arg("null"))
            continue
        code = type_code(value.type.get_element_type())  # type: ignore[attr-defined]
        kind = "in" if pos < n_in else "out"
        args.append(Arg(kind, pos if pos < n_in else pos - n_in, int(off), code=code))
    return KernelCall(op.callee.root_reference.data, tuple(args),
                      tuple(_param(p) for p in op.params.data),
                      op.instantiation.data if op.instantiation is not None else None,
                      op.engine.data, bool(op.parallel.value.data))  # type: ignore[arg-type]


def _param(attr: object) -> Param:
    if isinstance(attr, IntegerAttr):
        return int(attr.value.data)
    if isinstance(attr, FloatAttr):
        return float(attr.value.data)
    if isinstance(attr, DenseArrayBase):
        return tuple(int(v) for v in attr.get_values())
    raise CEmitError(f"lmem.call parameter {attr} is not an integer, a float or an array")


@dataclass
class _Printer:
    prog: CProgram
    out: list[str]
    entry: str | None = None  # print as an entry of a multi-program image (`print_c`)

    def line(self, text: str = "") -> None:
        self.out.append(text)

    def call(self, op: lmem.CallOp, indent: str) -> None:
        exprs = [self.prog.names[v] for v in op.buffers]
        self.line(indent + emit_call(kernel_call(op), exprs))

    def serial(self, op: object, ring: _TokenRing) -> Stmt:
        """One statement of a layer's core-0 code: a kernel call, a DMA or a wait."""
        if isinstance(op, lmem.CallOp):
            exprs = [self.prog.names[v] for v in op.buffers]
            return Stmt.text(emit_call(kernel_call(op), exprs))
        if isinstance(op, dma.StartOp):
            f = op.field
            dst, src = self.prog.names[op.dst], self.prog.names[op.src]
            if f("rows") == 1:
                pieces = (f"tsl_dma_start_1d((uint8_t *){dst} + ",
                          f", (const uint8_t *){src} + ", ", ", ");")
                ints = (f("dst_offset"), f("src_offset"), f("row_bytes"))
            else:
                pieces = (f"tsl_dma_start_2d((uint8_t *){dst} + ",
                          f", (const uint8_t *){src} + ", *[", "] * 4, ");")
                ints = (f("dst_offset"), f("src_offset"), f("row_bytes"), f("rows"),
                        f("dst_stride"), f("src_stride"))
            if not op.token.uses:
                return Stmt(("(void)" + pieces[0], *pieces[1:]), ints, (0,) * len(ints))
            return Stmt(("dma[", "] = " + pieces[0], *pieces[1:]),
                        (ring.slot[op.token], *ints), (ring.size, *(0,) * len(ints)))
        if isinstance(op, dma.WaitOp):
            return Stmt(("tsl_dma_wait(dma[", "]);"), (ring.slot[op.token],), (ring.size,))
        raise CEmitError(f"the C printer cannot print '{getattr(op, 'name', op)}' here")

    # -- file sections -------------------------------------------------------------------

    def header(self) -> None:
        self.line("/* Generated by tinyslm-ir (the `c` target). Do not edit. */")
        self.line("#include <stddef.h>")
        self.line("#include <stdint.h>")
        self.line("#include <stdio.h>")
        self.line()
        self.line('#include "tsl_rt.h"')
        self.line('#include "tsl_kernels.h"')

    def kernel_instantiations(self, calls: list[lmem.CallOp]) -> None:
        lines = instantiations([kernel_call(c) for c in calls])
        if lines:
            self.line()
            self.line("/* ---- kernel instantiations ---- */")
            self.out.extend(lines)

    def io_buffers(self) -> None:
        self.line()
        self.line("/* ---- graph inputs and outputs (read from / written to <name>.bin) ---- */")
        state = _state_names(self.prog) if self.entry else set()
        for b in [*self.prog.inputs, *(o for o in self.prog.outputs if o.file is None)]:
            if b.name in state:  # defined once by the image, shared by its entries
                self.line(f"extern {b.ctype} {b.name}[{b.storage_count}];  /* {b.shape_text}, "
                          f"{b.nbytes} B, state */")
                continue
            self.line(f"static {b.ctype} {b.name}[{b.storage_count}] __attribute__((aligned("
                      f"{ARENA_ALIGN})));  /* {b.shape_text}, {b.nbytes} B */")

    def weights(self) -> None:
        if not self.prog.weights:
            return
        self.line()
        self.line("/* ---- weights: defined in weights.S from weights.bin ---- */")
        for w in self.prog.weights:
            self.line(f"extern const {w.ctype} {w.name}[{w.storage_count}];  /* {w.weight}: "
                      f"{w.shape_text}, {w.level} */")

    def arenas(self) -> None:
        for level in self.prog.arena_levels:
            arena = arena_name(level)
            self.line()
            self.line(f"/* ---- {level} arena: {self.prog.arena_size(level)} B, planned ---- */")
            if self.entry:  # the image defines each arena once, as large as its largest user
                self.line(f"extern uint8_t {arena}[];")
            else:
                self.line(f"static uint8_t {arena}[{max(1, self.prog.arena_size(level))}] "
                          f"{PLACEMENT[level]}__attribute__((aligned({ARENA_ALIGN})));")
            for b in self.prog.buffers:
                if b.level == level:
                    self.line(f"static {b.ctype} *const {b.name} = ({b.ctype} *)({arena} + "
                              f"{b.offset});  /* {b.shape_text}, {b.nbytes} B, live "
                              f"[{b.live[0]}, {b.live[1]}] */")

    def layer(self, layer: Layer, bodies: dict[tuple[str, ...], str]) -> None:
        """The layer's function, after its fork bodies. A body already printed (`bodies`
        maps each to its function) is reused: a tiled layer forks once per tile, but its
        tiles have only a few distinct shapes and buffer copies, and an unshared function
        per tile can overflow L2 with code."""
        self.line()
        self.line(f"/* ---- layer {layer.index}: {_comment(layer.name)} ---- */")
        outlined = []
        for j, part in enumerate(layer.parts):
            if part.cores is not None:
                body = self.fork_body(part)
                if body not in bodies:
                    bodies[body] = f"{layer.function}_part_{j}"
                    self.line(f"static void {bodies[body]}(void *arg) {{")
                    self.out.extend(body)
                    self.line("}")
                    self.line()
                outlined.append(bodies[body])
        self.line(f"static void {layer.function}(void) {{")
        it = iter(outlined)
        serial = [op for part in layer.parts if part.cores is None for op in part.calls]
        ring = _TokenRing.of(serial)
        if ring.slot:
            self.line(f"  tsl_dma_t dma[{ring.size}];")
        stmts = []
        for part in layer.parts:
            if part.cores is None:
                stmts += [self.serial(op, ring) for op in part.calls]
            else:
                stmts.append(Stmt.text(f"tsl_fork({part.cores}, {next(it)}, NULL);"))
        self.out.extend(render(reroll(stmts)))
        self.line("}")

    def fork_body(self, part: Part) -> tuple[str, ...]:
        """The statements of a fork region's outlined function."""
        body = _Printer(self.prog, [])
        body.line("  (void)arg;")
        for op in part.calls:
            if isinstance(op, cluster.BarrierOp):
                body.line("  tsl_barrier();")
            elif op.parallel.value.data:  # type: ignore[union-attr]
                body.call(op, "  ")  # type: ignore[arg-type]
            else:
                body.line("  if (tsl_core_id() == 0) {")
                body.call(op, "    ")  # type: ignore[arg-type]
                body.line("  }")
        return tuple(body.out)

    def run_network(self) -> None:
        self.line()
        self.line("/* ---- the network: one cycle-report region per layer ---- */")
        self.line("static void run_network(void) {")
        for layer in self.prog.layers:
            k = layer.index
            self.line(f"  tsl_region_begin({k}); {layer.function}(); tsl_region_end({k});"
                      f"  /* {_comment(layer.name)} */")
        self.line("}")

    def main(self) -> None:
        """`main`, or for an image entry `tsl_entry_<entry>`, whose files carry the entry's
        name as a prefix (`image.entry_file`)."""
        prefix = f"{self.entry}_" if self.entry else ""
        self.line()
        self.line(f"int tsl_entry_{self.entry}(void) {{" if self.entry else "int main(void) {")
        for code, b in enumerate(self.prog.inputs, start=10):
            self.line(f'  if (tsl_host_read("{prefix}{b.stem}.bin", {b.name}, {b.nbytes}) != '
                      f"{b.nbytes}) {{")
            self.line(f'    printf("tinyslm: {prefix}{b.stem}.bin must hold {b.nbytes} '
                      'bytes\\n");')
            self.line(f"    return {code};")
            self.line("  }")
        self.line("  run_network();")
        for code, b in enumerate(self.prog.outputs, start=20):
            self.line(f'  if (tsl_host_write("{prefix}{b.stem}.bin", {b.name}, {b.nbytes}) != '
                      f"{b.nbytes}) return {code};")
        self.line("  return 0;")
        self.line("}")


@dataclass(frozen=True)
class _TokenRing:
    """Where a layer keeps its DMA tokens: the q-th transfer that is waited for in slot
    ``q % size`` of a local array (see `c_loops`); ``slot`` maps each token to its q."""

    slot: dict[SSAValue, int]
    size: int

    @staticmethod
    def of(serial: list[Operation]) -> _TokenRing:
        """The smallest power-of-two ring in which no token is overwritten before its last
        wait."""
        slot: dict[SSAValue, int] = {}
        distance = 0
        for op in serial:
            if isinstance(op, dma.StartOp) and op.token.uses:
                slot[op.token] = len(slot)
            elif isinstance(op, dma.WaitOp):
                distance = max(distance, len(slot) - 1 - slot[op.token])
        size = 1
        while size <= distance:
            size *= 2
        return _TokenRing(slot, size)


def _comment(text: str) -> str:
    return text.replace("*/", "* /")


def arena_name(level: str) -> str:
    return f"tsl_{level.lower()}_arena"


def _state_names(prog: CProgram) -> set[str]:
    """The inputs an output aliases: state the program updates in place (KV caches)."""
    return {o.name for o in prog.outputs if o.file is not None}


def state_symbol(index: int) -> str:
    """The C name of input `index` when it is state in an image: the same in every entry."""
    return f"tsl_state_{index}"


def _as_entry(prog: CProgram) -> CProgram:
    """`prog` with its state inputs renamed to their image-wide symbols (`state_symbol`)."""
    state = _state_names(prog)
    renamed = {b.name: state_symbol(k) for k, b in enumerate(prog.inputs) if b.name in state}

    def rename(b: CBuffer) -> CBuffer:
        return replace(b, name=renamed[b.name], file=b.stem) if b.name in renamed else b

    return replace(prog, inputs=[rename(b) for b in prog.inputs],
                   outputs=[rename(b) for b in prog.outputs],
                   names={v: renamed.get(n, n) for v, n in prog.names.items()})


def print_c(prog: CProgram, entry: str | None = None) -> str:
    """The whole C translation unit of `prog`: a program with its own `main`, or with
    `entry`, one entry `tsl_entry_<entry>` of a multi-program image (`driver.image`), which
    defines the arenas and the state buffers its entries share."""
    if entry is not None:
        prog = _as_entry(prog)
    p = _Printer(prog, [], entry)
    p.header()
    calls = [op for layer in prog.layers for part in layer.parts for op in part.calls
             if isinstance(op, lmem.CallOp)]
    p.kernel_instantiations(calls)
    p.io_buffers()
    p.weights()
    p.arenas()
    bodies: dict[tuple[str, ...], str] = {}
    for layer in prog.layers:
        p.layer(layer, bodies)
    p.run_network()
    p.main()
    return "\n".join(p.out) + "\n"


@dataclass(frozen=True)
class CTarget(Target):
    """`tinyslm-opt -t c`: print the module as C (weights are left to the driver)."""

    name = "c"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        output.write(print_c(read_program(module)))
