"""The Siracusa cycle model: every timing constant and formula, in one place.

The simulator (spike plugin + C runtime) and the compiler's own estimates both take their numbers
from here: `sim.py` passes `plugin_args()` to the spike device and writes `c_header()` into the
build, so no constant is ever copied by hand into C or C++.

Model (see DESIGN.md §5):
- A core's time is the instructions it retires (IPC 1). Spin loops are not work: waits set the
  core's clock to the modelled completion time instead of counting the spin.
- A DMA transfer occupies the issuing core's DMA queue for `dma_cycles(bytes)`; queues of
  different cores are independent (contention between cores is not modelled, which keeps the
  model independent of simulator interleaving).
- A parallel region costs FORK_CYCLES + max over cores + BARRIER_CYCLES.
- An NPU job costs `npu_job_cycles(...)`, the N-Eureka subtile model; jobs of one core run in order.

Sources: [hw] = ../shared/reference/siracusa-hardware.md (GVSoC parameters, RTL, pulp-sdk);
[R] = recalled there, unverified; [ours] = a modelling choice of this project.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from math import ceil

# ---- cluster cores -------------------------------------------------------------------------
NUM_CORES = 8  # [hw] nb_pe=9: 8 compute cores (+1 orchestrator, not modelled)
CYCLES_PER_INSTRUCTION = 1  # [ours] IPC 1, as DESIGN.md §5 prescribes

# pi_cl_team_fork: dispatch through the event-unit FIFO, then the implicit barrier.
# [hw][R] "about 50-150 cycles per fork plus barrier": we split 100 as 70 fork + 30 barrier.
FORK_CYCLES = 70
BARRIER_CYCLES = 30

# ---- cluster DMA (mchan v7) -------------------------------------------------------------------
DMA_BYTES_PER_CYCLE = 8  # [hw][R] 64-bit AXI port, about 8 B/cycle L2<->L1
DMA_SETUP_CYCLES = 25  # [hw][R] "about 20-30 cycles of programming per transfer": engine latency
DMA_MAX_OUTSTANDING = 16  # [hw] mchan channel ids 0..15; the runtime waits for the oldest beyond

# ---- NPU (N-Eureka) -------------------------------------------------------------------------
NPU_SUBTILE_PIXELS = 36  # [hw] 6x6 output pixels per subtile
NPU_SUBTILE_SIDE = 6
NPU_KO_BLOCK = 32  # [hw] 32 output channels per subtile
NPU_KI_BLOCK_1X1 = 32  # [hw] 32 input channels per subtile (1x1)
NPU_KI_BLOCK_3X3 = 28  # [hw] 28 input channels per subtile (3x3, dense and depthwise)
NPU_WEIGHT_BITS = 8  # [hw] qw: int8 weights (the datapath is bit-serial over qw)
NPU_LOAD_OVH_1X1 = 19  # [hw] fixed load overhead, 1x1
NPU_LOAD_OVH_3X3 = 31  # [hw] fixed load overhead, 3x3
NPU_MATVEC_OVH = 17  # [hw] fixed matrix-vector overhead
NPU_FIFO_LATENCY = 8  # [hw] "about +6-10 cycles of FIFO latency per phase": per subtile
NPU_NORMQUANT_CH_PER_CYCLE = 4  # [hw] norm/quant handles 4 channels per cycle
NPU_STREAMOUT_BYTES_PER_CYCLE = 36  # [hw] 288-bit L1 port
NPU_JOB_OVERHEAD = 40  # [ours] job-register copy + trigger + completion event, per job


class NpuOp(IntEnum):
    """NPU job kinds; the values are the `op` field of `tsl_npu_job_t`."""

    CONV1X1 = 0
    CONV3X3 = 1
    DWCONV3X3 = 2


@dataclass(frozen=True)
class NpuShape:
    """Output extent and channel counts of one NPU job (stride 1, HWC)."""

    op: NpuOp
    h_out: int
    w_out: int
    c_in: int
    c_out: int
    out_bytes: int = 1  # 1 for int8 outputs, 4 for raw int32 accumulators


def dma_cycles(nbytes: int) -> int:
    """Cycles one transfer occupies its core's DMA queue: setup + bytes / 8 B per cycle."""
    return DMA_SETUP_CYCLES + ceil(nbytes / DMA_BYTES_PER_CYCLE)


def npu_job_cycles(s: NpuShape) -> int:
    """N-Eureka latency of one job, following the subtile model of siracusa-hardware.md:

    T = overhead + sum over spatial subtiles and Ko blocks of
        [ sum over Ki blocks of (ovh_ld + load + ovh_mv + matvec + fifo) + normquant + streamout ].
    """
    if s.op == NpuOp.CONV1X1:
        ki_block, ovh_ld, load_px, matvec = NPU_KI_BLOCK_1X1, NPU_LOAD_OVH_1X1, 36, NPU_KO_BLOCK
        n_ki, ko_block = ceil(s.c_in / ki_block), NPU_KO_BLOCK
    elif s.op == NpuOp.CONV3X3:
        ki_block, ovh_ld, load_px = NPU_KI_BLOCK_3X3, NPU_LOAD_OVH_3X3, 64  # 8x8 input halo
        matvec = NPU_KO_BLOCK * NPU_WEIGHT_BITS  # qw cycles per output channel
        n_ki, ko_block = ceil(s.c_in / ki_block), NPU_KO_BLOCK
    else:  # depthwise: one input block per channel block, qw cycles for its 9 taps
        ki_block, ovh_ld, load_px, matvec = NPU_KI_BLOCK_3X3, NPU_LOAD_OVH_3X3, 64, NPU_WEIGHT_BITS
        n_ki, ko_block = 1, NPU_KI_BLOCK_3X3
    n_spatial = ceil(s.h_out / NPU_SUBTILE_SIDE) * ceil(s.w_out / NPU_SUBTILE_SIDE)
    n_ko = ceil(s.c_out / ko_block)
    per_ki = ovh_ld + load_px + NPU_MATVEC_OVH + matvec + NPU_FIFO_LATENCY
    normquant = ceil(ko_block / NPU_NORMQUANT_CH_PER_CYCLE)
    streamout = ceil(NPU_SUBTILE_PIXELS * ko_block * s.out_bytes / NPU_STREAMOUT_BYTES_PER_CYCLE)
    return NPU_JOB_OVERHEAD + n_spatial * n_ko * (n_ki * per_ki + normquant + streamout)


# The constants the simulator needs, by the names used in C (TSL_<name>) and plugin args.
_SIM_CONSTANTS: dict[str, int] = {
    "NUM_CORES": NUM_CORES,
    "FORK_CYCLES": FORK_CYCLES,
    "BARRIER_CYCLES": BARRIER_CYCLES,
    "DMA_BYTES_PER_CYCLE": DMA_BYTES_PER_CYCLE,
    "DMA_SETUP_CYCLES": DMA_SETUP_CYCLES,
    "DMA_MAX_OUTSTANDING": DMA_MAX_OUTSTANDING,
    "NPU_SUBTILE_SIDE": NPU_SUBTILE_SIDE,
    "NPU_SUBTILE_PIXELS": NPU_SUBTILE_PIXELS,
    "NPU_KO_BLOCK": NPU_KO_BLOCK,
    "NPU_KI_BLOCK_1X1": NPU_KI_BLOCK_1X1,
    "NPU_KI_BLOCK_3X3": NPU_KI_BLOCK_3X3,
    "NPU_WEIGHT_BITS": NPU_WEIGHT_BITS,
    "NPU_LOAD_OVH_1X1": NPU_LOAD_OVH_1X1,
    "NPU_LOAD_OVH_3X3": NPU_LOAD_OVH_3X3,
    "NPU_MATVEC_OVH": NPU_MATVEC_OVH,
    "NPU_FIFO_LATENCY": NPU_FIFO_LATENCY,
    "NPU_NORMQUANT_CH_PER_CYCLE": NPU_NORMQUANT_CH_PER_CYCLE,
    "NPU_STREAMOUT_BYTES_PER_CYCLE": NPU_STREAMOUT_BYTES_PER_CYCLE,
    "NPU_JOB_OVERHEAD": NPU_JOB_OVERHEAD,
}


def plugin_args() -> list[str]:
    """`key=value` arguments for the spike device (`--device=tsl_shim,...`)."""
    return [f"{k.lower()}={v}" for k, v in _SIM_CONSTANTS.items()]


def c_header() -> str:
    """`tsl_cost.h`, generated into every build so the runtime sees the same constants."""
    lines = ["/* Generated from tinyslm_ir/targets/siracusa/cost_model.py: do not edit. */",
             "#pragma once"]
    lines += [f"#define TSL_{k} {v}u" for k, v in _SIM_CONSTANTS.items()]
    return "\n".join(lines) + "\n"
