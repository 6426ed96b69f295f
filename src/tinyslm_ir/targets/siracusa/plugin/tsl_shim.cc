// Spike MMIO device: the Siracusa cluster DMA and N-Eureka-like NPU, with their timing.
//
// Registers: one 0x100-byte bank per core at base + 0x100 * core (word offsets in tsl_internal.h):
//   0x00 SRC  0x04 DST  0x08 ROW_BYTES  0x0C ROWS  0x10 SRC_STRIDE  0x14 DST_STRIDE
//   0x18 TIME_LO  0x1C TIME_HI   issuing core's modelled clock, written before a command
//   0x20 DMA_START (w)            copy rows now; DONE = max(TIME, queue free) + DMA cycles
//   0x24 NPU_SUBMIT (w)           address of a tsl_npu_job_t; run it; DONE likewise
//   0x28 DONE_LO  0x2C DONE_HI    completion clock of the last command (r)
//   0x30 FAULT_ADDR  0x34 FAULT_KIND  0x38 LATENCY (r)
// Global: 0x800 JITTER (r): the `jitter=` argument, seed of the runtime's test-only perturbation.
// The work is done functionally at the command; only time is deferred. Each core has its own DMA
// and NPU queue clocks, so results never depend on the order spike interleaves the harts.
//
// Faults: an address range outside the mapped regions (or an NPU operand outside the memory the
// NPU can reach) makes the command store fail, which spike turns into a store access fault on the
// core; the runtime's trap handler then reads FAULT_ADDR/FAULT_KIND, and we also print the cause.
//
// Arguments (all generated from cost_model.py / memory_map.py by sim.py):
//   --device=tsl_shim,base=0x...,mem=BASE:SIZE,...,l1=BASE:SIZE,wmem=BASE:SIZE,<constant>=N,...
#include <riscv/abstract_device.h>
#include <riscv/sim.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr reg_t kBankSize = 0x100;
constexpr reg_t kSize = 0x1000;
constexpr reg_t kJitterReg = 0x800;
constexpr unsigned kMaxCores = 8;
constexpr reg_t kPage = 4096;  // spike's mem_t is sparse, one host allocation per 4 KiB page

enum Reg { SRC, DST, ROW_BYTES, ROWS, SRC_STRIDE, DST_STRIDE, TIME_LO, TIME_HI, DMA_START,
           NPU_SUBMIT, DONE_LO, DONE_HI, FAULT_ADDR, FAULT_KIND, LATENCY, NUM_REGS };
enum Fault { NONE, DMA_SRC, DMA_DST, NPU_IN, NPU_WEIGHTS, NPU_OUT, NPU_SCALE_BIAS, NPU_DESC,
             NPU_INVALID };
const char* const kFaultNames[] = {"none", "DMA source", "DMA destination", "NPU input",
                                   "NPU weights", "NPU output", "NPU scale/bias",
                                   "NPU descriptor", "NPU job parameters"};

struct Range { uint64_t base, size; bool contains(uint64_t a, uint64_t n) const {
  return a >= base && n <= size && a - base <= size - n; } };

// Mirrors tsl_npu_job_t (rv32: pointers are 32-bit).
struct NpuJob {
  uint32_t op, flags, input, weights, output, scale, bias, h_in, w_in, c_in, c_out;
  uint8_t pad_top, pad_right, pad_bottom, pad_left;
  uint32_t shift;
};
static_assert(sizeof(NpuJob) == 52, "tsl_npu_job_t layout");
enum { NPU_RELU = 1, NPU_OUT_INT32 = 2, NPU_ROUND = 4 };
enum { CONV1X1 = 0, CONV3X3 = 1, DWCONV3X3 = 2 };

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

class tsl_shim_t : public abstract_device_t {
 public:
  tsl_shim_t(const sim_t* sim, std::map<std::string, uint64_t> k, std::vector<Range> mem,
             Range l1, Range wmem)
      : sim_(sim), k_(std::move(k)), mem_(std::move(mem)), l1_(l1), wmem_(wmem) {}

  bool load(reg_t addr, size_t len, uint8_t* bytes) override {
    if (addr == kJitterReg && len == 4) {
      uint32_t seed = k_.count("jitter") ? (uint32_t)k_.at("jitter") : 0;
      memcpy(bytes, &seed, 4);
      return true;
    }
    unsigned core = addr / kBankSize, r = (addr % kBankSize) / 4;
    if (len != 4 || (addr & 3) || core >= kMaxCores || r >= NUM_REGS) return false;
    memcpy(bytes, &bank_[core][r], 4);
    return true;
  }

  bool store(reg_t addr, size_t len, const uint8_t* bytes) override {
    unsigned core = addr / kBankSize, r = (addr % kBankSize) / 4;
    if (len != 4 || (addr & 3) || core >= kMaxCores || r >= DONE_LO) return false;
    uint32_t* b = bank_[core];
    memcpy(&b[r], bytes, 4);
    if (r == DMA_START) return finish(core, dma(core));
    if (r == NPU_SUBMIT) return finish(core, npu(core));
    return true;
  }

  reg_t size() override { return kSize; }

 private:
  // ---- simulated memory (simif_t::addr_to_mem is public; it is private in sim_t) ----
  simif_t* simif() const { return const_cast<sim_t*>(sim_); }
  bool mapped(uint64_t a, uint64_t n) const {
    return std::any_of(mem_.begin(), mem_.end(), [&](const Range& r) { return r.contains(a, n); });
  }
  template <class F> void for_each_chunk(reg_t addr, size_t len, F f) const {
    while (len) {
      size_t n = std::min<size_t>(len, kPage - addr % kPage);
      f(simif()->addr_to_mem(addr), n);
      addr += n;
      len -= n;
    }
  }
  void read(reg_t addr, void* dst, size_t len) const {
    auto* d = static_cast<uint8_t*>(dst);
    for_each_chunk(addr, len, [&](char* p, size_t n) { memcpy(d, p, n); d += n; });
  }
  void write(reg_t addr, const void* src, size_t len) const {
    auto* s = static_cast<const uint8_t*>(src);
    for_each_chunk(addr, len, [&](char* p, size_t n) { memcpy(p, s, n); s += n; });
  }

  // ---- faults and completion ----
  struct Outcome { Fault fault; uint64_t addr, latency; uint64_t* queue; };
  Outcome fault(Fault f, uint64_t addr) { return {f, addr, 0, nullptr}; }
  bool finish(unsigned core, Outcome o) {
    uint32_t* b = bank_[core];
    if (o.fault != NONE) {
      b[FAULT_ADDR] = (uint32_t)o.addr;
      b[FAULT_KIND] = o.fault;
      fprintf(stderr, "tsl_shim: core %u: %s address %#llx is outside the memory it may use\n",
              core, kFaultNames[o.fault], (unsigned long long)o.addr);
      return false;
    }
    uint64_t issue = b[TIME_LO] | (uint64_t)b[TIME_HI] << 32;
    uint64_t done = std::max(issue, *o.queue) + o.latency;
    *o.queue = done;
    b[DONE_LO] = (uint32_t)done;
    b[DONE_HI] = (uint32_t)(done >> 32);
    b[LATENCY] = (uint32_t)o.latency;
    return true;
  }
  uint64_t k(const char* name) const { return k_.at(name); }

  // ---- DMA ----
  Outcome dma(unsigned core) {
    const uint32_t* b = bank_[core];
    uint64_t rows = b[ROWS], row = b[ROW_BYTES];
    uint64_t src_extent = rows ? (rows - 1) * b[SRC_STRIDE] + row : 0;
    uint64_t dst_extent = rows ? (rows - 1) * b[DST_STRIDE] + row : 0;
    if (!mapped(b[SRC], src_extent)) return fault(DMA_SRC, b[SRC]);
    if (!mapped(b[DST], dst_extent)) return fault(DMA_DST, b[DST]);
    std::vector<uint8_t> buf(row);
    for (uint64_t i = 0; i < rows; i++) {
      read(b[SRC] + i * b[SRC_STRIDE], buf.data(), row);
      write(b[DST] + i * b[DST_STRIDE], buf.data(), row);
    }
    uint64_t lat = k("dma_setup_cycles") + ceil_div(rows * row, k("dma_bytes_per_cycle"));
    return {NONE, 0, lat, &dma_free_[core]};
  }

  // ---- NPU ----
  Outcome npu(unsigned core) {
    uint32_t desc = bank_[core][NPU_SUBMIT];
    NpuJob j;
    if (!mapped(desc, sizeof j)) return fault(NPU_DESC, desc);
    read(desc, &j, sizeof j);
    const bool k3 = j.op != CONV1X1;
    const int pt = j.pad_top, pr = j.pad_right, pb = j.pad_bottom, pl = j.pad_left;
    const int h_out = (int)j.h_in + pt + pb - (k3 ? 2 : 0);
    const int w_out = (int)j.w_in + pl + pr - (k3 ? 2 : 0);
    if (j.op > DWCONV3X3 || h_out < 1 || w_out < 1 || !j.c_in || !j.c_out ||
        (j.op == DWCONV3X3 && j.c_in != j.c_out) || j.shift > 63 ||
        std::max({pt, pr, pb, pl}) > (k3 ? 2 : 0))
      return fault(NPU_INVALID, desc);
    const uint64_t taps = k3 ? 9 : 1, out_bytes = (j.flags & NPU_OUT_INT32) ? 4 : 1;
    const uint64_t n_in = (uint64_t)j.h_in * j.w_in * j.c_in;
    const uint64_t n_w = j.op == DWCONV3X3 ? 9ull * j.c_in : (uint64_t)j.c_out * taps * j.c_in;
    const uint64_t n_out = (uint64_t)h_out * w_out * j.c_out;
    if (!l1_.contains(j.input, n_in)) return fault(NPU_IN, j.input);
    if (!l1_.contains(j.weights, n_w) && !wmem_.contains(j.weights, n_w))
      return fault(NPU_WEIGHTS, j.weights);
    if (!l1_.contains(j.output, n_out * out_bytes)) return fault(NPU_OUT, j.output);
    std::vector<int32_t> scale(j.c_out), bias(j.c_out);
    if (!(j.flags & NPU_OUT_INT32)) {
      if (!l1_.contains(j.scale, 4ull * j.c_out)) return fault(NPU_SCALE_BIAS, j.scale);
      if (!l1_.contains(j.bias, 4ull * j.c_out)) return fault(NPU_SCALE_BIAS, j.bias);
      read(j.scale, scale.data(), 4 * j.c_out);
      read(j.bias, bias.data(), 4 * j.c_out);
    }
    std::vector<int8_t> in(n_in), w(n_w);
    read(j.input, in.data(), n_in);
    read(j.weights, w.data(), n_w);
    std::vector<int32_t> acc(n_out);
    convolve(j, h_out, w_out, in, w, acc);
    if (j.flags & NPU_OUT_INT32) {
      write(j.output, acc.data(), 4 * n_out);
    } else {
      std::vector<int8_t> out(n_out);
      for (uint64_t i = 0; i < n_out; i++) out[i] = requant(acc[i], j, scale, bias, i % j.c_out);
      write(j.output, out.data(), n_out);
    }
    return {NONE, 0, latency(j, h_out, w_out, out_bytes), &npu_free_[core]};
  }

  // int32 accumulation wraps, as in hardware: accumulate in uint32.
  static void convolve(const NpuJob& j, int h_out, int w_out, const std::vector<int8_t>& in,
                       const std::vector<int8_t>& w, std::vector<int32_t>& acc) {
    const int kk = j.op == CONV1X1 ? 1 : 3, ci_n = j.c_in, co_n = j.c_out;
    for (int y = 0; y < h_out; y++)
      for (int x = 0; x < w_out; x++)
        for (int o = 0; o < co_n; o++) {
          uint32_t a = 0;
          for (int dy = 0; dy < kk; dy++)
            for (int dx = 0; dx < kk; dx++) {
              int iy = y + dy - (kk == 3 ? j.pad_top : 0), ix = x + dx - (kk == 3 ? j.pad_left : 0);
              if (iy < 0 || ix < 0 || iy >= (int)j.h_in || ix >= (int)j.w_in) continue;
              const int8_t* px = &in[((size_t)iy * j.w_in + ix) * ci_n];
              if (j.op == DWCONV3X3) {
                a += (uint32_t)(px[o] * w[(size_t)o * 9 + dy * 3 + dx]);
              } else {
                const int8_t* wr = &w[(((size_t)o * kk + dy) * kk + dx) * ci_n];
                for (int c = 0; c < ci_n; c++) a += (uint32_t)(px[c] * wr[c]);
              }
            }
          acc[((size_t)y * w_out + x) * co_n + o] = (int32_t)a;
        }
  }

  static int8_t requant(int32_t acc, const NpuJob& j, const std::vector<int32_t>& scale,
                        const std::vector<int32_t>& bias, size_t o) {
    int64_t v = (int64_t)acc * scale[o] + bias[o];
    if (j.flags & NPU_RELU) v = std::max<int64_t>(v, 0);
    if ((j.flags & NPU_ROUND) && j.shift) v += (int64_t)1 << (j.shift - 1);
    v >>= j.shift;  // arithmetic: floor
    return (int8_t)std::min<int64_t>(127, std::max<int64_t>(-128, v));
  }

  // Same formula as cost_model.npu_job_cycles (checked by the e2e tests).
  uint64_t latency(const NpuJob& j, int h_out, int w_out, uint64_t out_bytes) const {
    uint64_t ki_block, ovh_ld, load_px, matvec, n_ki, ko_block;
    if (j.op == CONV1X1) {
      ki_block = k("npu_ki_block_1x1"); ovh_ld = k("npu_load_ovh_1x1"); load_px = 36;
      matvec = k("npu_ko_block"); n_ki = ceil_div(j.c_in, ki_block); ko_block = k("npu_ko_block");
    } else if (j.op == CONV3X3) {
      ki_block = k("npu_ki_block_3x3"); ovh_ld = k("npu_load_ovh_3x3"); load_px = 64;
      matvec = k("npu_ko_block") * k("npu_weight_bits"); n_ki = ceil_div(j.c_in, ki_block);
      ko_block = k("npu_ko_block");
    } else {
      ovh_ld = k("npu_load_ovh_3x3"); load_px = 64; matvec = k("npu_weight_bits"); n_ki = 1;
      ko_block = k("npu_ki_block_3x3");
    }
    const uint64_t side = k("npu_subtile_side");
    const uint64_t n_spatial = ceil_div(h_out, side) * ceil_div(w_out, side);
    const uint64_t n_ko = ceil_div(j.c_out, ko_block);
    const uint64_t per_ki = ovh_ld + load_px + k("npu_matvec_ovh") + matvec + k("npu_fifo_latency");
    const uint64_t normquant = ceil_div(ko_block, k("npu_normquant_ch_per_cycle"));
    const uint64_t streamout = ceil_div(k("npu_subtile_pixels") * ko_block * out_bytes,
                                        k("npu_streamout_bytes_per_cycle"));
    return k("npu_job_overhead") + n_spatial * n_ko * (n_ki * per_ki + normquant + streamout);
  }

  const sim_t* sim_;
  std::map<std::string, uint64_t> k_;
  std::vector<Range> mem_;
  Range l1_, wmem_;
  uint32_t bank_[kMaxCores][NUM_REGS] = {};
  uint64_t dma_free_[kMaxCores] = {}, npu_free_[kMaxCores] = {};
};

Range parse_range(const std::string& v) {
  size_t colon = v.find(':');
  return {std::stoull(v.substr(0, colon), nullptr, 0), std::stoull(v.substr(colon + 1), nullptr, 0)};
}

tsl_shim_t* tsl_shim_parse(const void*, const sim_t* sim, reg_t* base,
                           const std::vector<std::string>& args) {
  std::map<std::string, uint64_t> consts;
  std::vector<Range> mem;
  Range l1{0, 0}, wmem{0, 0};
  *base = 0;
  for (const std::string& a : args) {
    size_t eq = a.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("tsl_shim: expected key=value: " + a);
    std::string key = a.substr(0, eq), val = a.substr(eq + 1);
    if (key == "base") *base = std::stoull(val, nullptr, 0);
    else if (key == "mem") mem.push_back(parse_range(val));
    else if (key == "l1") l1 = parse_range(val);
    else if (key == "wmem") wmem = parse_range(val);
    else consts[key] = std::stoull(val, nullptr, 0);
  }
  return new tsl_shim_t(sim, std::move(consts), std::move(mem), l1, wmem);
}

std::string tsl_shim_dts(const sim_t*, const std::vector<std::string>&) { return ""; }

}  // namespace

REGISTER_DEVICE(tsl_shim, tsl_shim_parse, tsl_shim_dts)
