// RUN: tinyslm-opt %s -p pack-weight-pairs | filecheck %s
// RUN: tinyslm-opt %s -p 'pack-weight-pairs{l1=2048},bufferize{l1=2048}' | filecheck %s --check-prefix=TILED
// RUN: tinyslm-opt %s -p 'pack-weight-pairs{l1=511}' | filecheck %s --check-prefix=SMALL

// The GEMV's int8 weight becomes k_pairs words, two K rows per int32; the attention-style
// MatMul on a runtime (transposed) rhs is left alone.
func.func @gemv(%x: tensor<1x64xi8>, %kc: tensor<4x64xi8>) -> (tensor<1x32xi8>, tensor<1x4xi8>) {
  %w = graph.weight @w : tensor<64x32xi8>
  %m = graph.weight @m : tensor<32xi16>
  %a = graph.weight @a : tensor<32xi8>
  %s = graph.weight @s : tensor<1xi16>
  %z = graph.weight @z : tensor<1xi8>
  %0 = graph.matmul_rq %x, %w, %m, %a {div = 65536 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x64xi8>, tensor<64x32xi8>, tensor<32xi16>, tensor<32xi8>) -> tensor<1x32xi8>
  %1 = graph.matmul_rq %x, %kc, %s, %z {div = 65536 : i64, n_levels = 256 : i64, signed = true, trans_rhs = true} : (tensor<1x64xi8>, tensor<4x64xi8>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x4xi8>
  func.return %0, %1 : tensor<1x32xi8>, tensor<1x4xi8>
}
// CHECK:      %[[W:.*]] = graph.weight @w layout "k_pairs" : tensor<32x32xi32>
// CHECK-NOT:  graph.weight @w :
// CHECK:      graph.matmul_rq %x, %[[W]], %m, %a {{{.*}}rhs_pairs = true} : (tensor<1x64xi8>, tensor<32x32xi32>, tensor<32xi16>, tensor<32xi8>) -> tensor<1x32xi8>
// CHECK:      graph.matmul_rq %x, %kc, %s, %z {{{.*}}trans_rhs = true} : (tensor<1x64xi8>, tensor<4x64xi8>,

// Tiled: K stays whole and a tile of columns is a 2-D copy of K/2 word rows, the same bytes
// as the int8 rows it packs; the kernel is the pair-packed one.
// TILED:      %[[G:.*]] = lmem.global @w {level = "L2", layout = "k_pairs"} : memref<32x32xi32>
// TILED:      tile.loop({{.*}}) {layer = "matmul_rq_0", dims = ["b0", "m", "n", "k"], extents = array<i64: 1, 1, 32, 64>, sizes = array<i64: 1, 1, [[N:[0-9]+]], 64>
// TILED:        dma.start %matmul_rq_0_b, %[[G]] {{{.*}}rows = 32 : i64, dst_stride = {{[0-9]+}} : i64, src_stride = 128 : i64}
// TILED:        lmem.call @tsl_gemm_rq_pairs__i16_i8_i8_i64(

// A budget too small for whole-K tiles (8 bytes per K) keeps the weight as it is.
// SMALL-NOT:  layout
// SMALL-NOT:  rhs_pairs
