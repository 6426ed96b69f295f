// RUN: tinyslm-opt %s -t c | filecheck %s

// A small bufferized, planned and offloaded module: a fork region with a barrier (layer
// MatMul_0), then a serial call on core 0 that reads at an element offset (layer out_copy).
builtin.module {
  func.func @main(%x: memref<4x8xi8>, %y: memref<4x16xi8>) {
    %w = lmem.global @"MatMul_0.w" {level = "WMEM"} : memref<8x16xi8>
    %mul = lmem.global @rqs_mul {level = "L2"} : memref<16xi32>
    %acc = lmem.alloc {level = "L1", live = array<i64: 0, 1>, alignment = 8 : i64, offset = 64 : i64} : memref<4x16xi32>
    %tmp = lmem.alloc {level = "L2", live = array<i64: 1, 2>, alignment = 8 : i64, offset = 0 : i64} : memref<4x16xi8>
    %n = lmem.null : memref<0xi8>
    cluster.fork cores(8) {
      lmem.call @tsl_matmul__i8_i8_i32(%x, %w, %acc) {num_inputs = 2 : i64, offsets = array<i64: 0, 0, 0>, params = [1 : i64, 4 : i64, 8 : i64, 16 : i64], instantiation = "TSL_DEFINE_MATMUL(i8, i8, i32)", engine = "cluster", parallel = 1 : i64, layer = "MatMul_0"} : memref<4x8xi8>, memref<8x16xi8>, memref<4x16xi32>
      cluster.barrier
      lmem.call @tsl_requant__i32_i8(%acc, %mul, %n, %tmp) {num_inputs = 3 : i64, offsets = array<i64: 0, 0, 0, 0>, params = [64 : i64, 16384 : i64], engine = "cluster", parallel = 1 : i64, layer = "MatMul_0"} : memref<4x16xi32>, memref<16xi32>, memref<0xi8>, memref<4x16xi8>
    }
    lmem.call @tsl_copy__i8(%tmp, %y) {num_inputs = 1 : i64, offsets = array<i64: 16, 0>, params = [48 : i64], engine = "cluster", parallel = 0 : i64, layer = "out_copy"} : memref<4x16xi8>, memref<4x16xi8>
    func.return
  }
}

// CHECK:       #include "tsl_rt.h"
// CHECK-NEXT:  #include "tsl_kernels.h"
// CHECK:       kernel instantiations
// CHECK-NEXT:  TSL_DEFINE_MATMUL(i8, i8, i32)

// Graph I/O: static buffers outside the arenas, named by position.
// CHECK:       static int8_t input_0[32] __attribute__((aligned(16)));
// CHECK-NEXT:  static int8_t output_0[64] __attribute__((aligned(16)));

// Weights are extern symbols from weights.S, named after the store entry.
// CHECK:       extern const int8_t w_MatMul_0_w[128];  /* MatMul_0.w: 8x16xi8, WMEM */
// CHECK-NEXT:  extern const int32_t w_rqs_mul[16];

// One arena per level, sized to the highest planned end; buffers at their offsets.
// CHECK:       static uint8_t tsl_l1_arena[320] TSL_L1 __attribute__((aligned(16)));
// CHECK-NEXT:  static int32_t *const buf_acc = (int32_t *)(tsl_l1_arena + 64);
// CHECK:       static uint8_t tsl_l2_arena[64] __attribute__((aligned(16)));
// CHECK-NEXT:  static int8_t *const buf_tmp = (int8_t *)(tsl_l2_arena + 0);

// The fork body is outlined; the barrier stays between the two parallel calls.
// CHECK:       /* ---- layer 0: MatMul_0 ---- */
// CHECK-NEXT:  static void layer_0_part_0(void *arg) {
// CHECK-NEXT:    (void)arg;
// CHECK-NEXT:    tsl_matmul__i8_i8_i32({{.*}}(input_0)), {{.*}}(w_MatMul_0_w)), {{.*}}(buf_acc)), 1, 4, 8, 16);
// CHECK-NEXT:    tsl_barrier();
// CHECK-NEXT:    tsl_requant__i32_i8({{.*}}(buf_acc)), {{.*}}(w_rqs_mul)), NULL, {{.*}}(buf_tmp)), 64, 16384);
// CHECK-NEXT:  }
// CHECK:       static void layer_0(void) {
// CHECK-NEXT:    tsl_fork(8, layer_0_part_0, NULL);
// CHECK-NEXT:  }

// A serial call runs directly in its layer function; the offset advances the pointer.
// CHECK:       /* ---- layer 1: out_copy ---- */
// CHECK-NEXT:  static void layer_1(void) {
// CHECK-NEXT:    tsl_copy__i8((((const int8_t *)(buf_tmp)) + 16), ((int8_t *)(output_0)), 48);
// CHECK-NEXT:  }

// One report region per layer, in schedule order.
// CHECK:       static void run_network(void) {
// CHECK-NEXT:    tsl_region_begin(0); layer_0(); tsl_region_end(0);
// CHECK-NEXT:    tsl_region_begin(1); layer_1(); tsl_region_end(1);
// CHECK-NEXT:  }

// main reads every input with a size check, runs, and writes every output.
// CHECK:       int main(void) {
// CHECK-NEXT:    if (tsl_host_read("input_0.bin", input_0, 32) != 32) {
// CHECK:           return 10;
// CHECK:         run_network();
// CHECK-NEXT:    if (tsl_host_write("output_0.bin", output_0, 64) != 64) return 20;
// CHECK-NEXT:    return 0;
// CHECK-NEXT:  }
