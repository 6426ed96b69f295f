// RUN: tinyslm-opt %s -p 'bufferize{l1=512}' --split-input-file | filecheck %s --check-prefix=K
// RUN: tinyslm-opt %s -p 'bufferize{l1=1024}' --split-input-file | filecheck %s --check-prefix=CONV
// RUN: tinyslm-opt %s -p 'bufferize{l1=4096},verify-memory-plan{level=L1 capacity=4096}' --split-input-file | filecheck %s --check-prefix=PF

// K-tiling: 512 B of L1 cannot hold A and B whole, so K is split in 4 tiles of 16 while the
// int32 output tile stays in L1. Double-buffered A/B tiles at the tiler's offsets; each tile
// waits for its own loads, then issues the next tile's loads before computing. The first K
// tile writes the output (C null, beta 0), the later ones accumulate (C = the output tile,
// beta 1), and the output is written back once, after the last K tile.
func.func @matmul(%a: tensor<4x64xi8>, %b: tensor<64x8xi8>) -> tensor<4x8xi32> {
  %0 = graph.matmul %a, %b : (tensor<4x64xi8>, tensor<64x8xi8>) -> tensor<4x8xi32>
  func.return %0 : tensor<4x8xi32>
}
// K:      tile.untiled = []
// K:      func.func @matmul(%a: memref<4x64xi8>, %b: memref<64x8xi8>, %out0: memref<4x8xi32>) {
// K-NEXT:   %[[A0:.*]] = lmem.alloc {level = "L1", {{.*}}offset = 0 : i64} : memref<64xi8>
// K-NEXT:   %[[A1:.*]] = lmem.alloc {level = "L1", {{.*}}offset = 64 : i64} : memref<64xi8>
// K-NEXT:   %[[B0:.*]] = lmem.alloc {level = "L1", {{.*}}offset = 128 : i64} : memref<128xi8>
// K-NEXT:   %[[B1:.*]] = lmem.alloc {level = "L1", {{.*}}offset = 256 : i64} : memref<128xi8>
// K-NEXT:   %[[O:.*]] = lmem.alloc {level = "L1", {{.*}}offset = 384 : i64} : memref<32xi32>
// K:        tile.loop(%a, %b, %out0) {layer = "matmul_0", dims = ["b0", "m", "n", "k"], extents = array<i64: 1, 4, 8, 64>, sizes = array<i64: 1, 4, 8, 16>, reduction = array<i64: 0, 0, 0, 1>
// K-NEXT:     dma.start %[[A0]], %a {{.*}}src_offset = 0 : i64, row_bytes = 16 : i64, rows = 4 : i64
// K-NEXT:     %[[T0:.*]] = dma.start %[[B0]], %b {{.*}}src_offset = 0 : i64, row_bytes = 128 : i64
// K-NEXT:     dma.wait %[[T0]]
// K-NEXT:     dma.start %[[A1]], %a {{.*}}src_offset = 16 : i64
// K-NEXT:     %[[T1:.*]] = dma.start %[[B1]], %b {{.*}}src_offset = 128 : i64
// K-NEXT:     lmem.call @tsl_gemm__i8_i8_i32_i32(%[[A0]], %[[B0]], %{{.*}}, %[[O]]) {{.*}}params = [1 : i64, array<i64: 1>, array<i64: 0>, array<i64: 0>, 4 : i64, 8 : i64, 16 : i64, 16 : i64, 1 : i64, 8 : i64, 1 : i64, 0 : i64, 0 : i64, 1 : i64, 0 : i64]
// K-NEXT:     dma.wait %[[T1]]
// K-NEXT:     dma.start %[[A0]], %a {{.*}}src_offset = 32 : i64
// K-NEXT:     %[[T2:.*]] = dma.start %[[B0]], %b {{.*}}src_offset = 256 : i64
// K-NEXT:     lmem.call @tsl_gemm__i8_i8_i32_i32(%[[A1]], %[[B1]], %[[O]], %[[O]]) {{.*}}params = [{{.*}}, 8 : i64, 1 : i64, 1 : i64, 1 : i64]
// K-NEXT:     dma.wait %[[T2]]
// K-NEXT:     dma.start %[[A1]], %a {{.*}}src_offset = 48 : i64
// K-NEXT:     %[[T3:.*]] = dma.start %[[B1]], %b {{.*}}src_offset = 384 : i64
// K-NEXT:     lmem.call @tsl_gemm__i8_i8_i32_i32(%[[A0]], %[[B0]], %[[O]], %[[O]])
// K-NEXT:     dma.wait %[[T3]]
// K-NEXT:     lmem.call @tsl_gemm__i8_i8_i32_i32(%[[A1]], %[[B1]], %[[O]], %[[O]])
// K-NEXT:     %[[W:.*]] = dma.start %out0, %[[O]] {{.*}}row_bytes = 128 : i64
// K-NEXT:     dma.wait %[[W]]
// K-NEXT:   }

// -----

// Conv rows split in 4 tiles of 2 output rows: each input tile carries the 3x3 halo, clipped
// to the image. The first tile reads 3 input rows and keeps the top pad (ph = 1), interior
// tiles read 4 rows with no pad, the last one 3 rows (its bottom pad is implied by the
// output size). The left/right pad (pw = 1) stays on every tile, since columns are whole.
func.func @conv(%x: tensor<1x2x8x8xi8>, %w: tensor<4x2x3x3xi8>) -> tensor<1x4x8x8xi32> {
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x8x8xi8>, tensor<4x2x3x3xi8>) -> tensor<1x4x8x8xi32>
  func.return %0 : tensor<1x4x8x8xi32>
}
// CONV:      tile.untiled = []
// CONV:      tile.loop(%x, %w, %out0) {layer = "conv_0", dims = ["n", "m", "oh", "ow", "c"], extents = array<i64: 1, 4, 8, 8, 2>, sizes = array<i64: 1, 4, 2, 8, 2>
// CONV:        lmem.call @tsl_conv2d__i8_i8_i32_i32({{.*}}params = [1 : i64, 2 : i64, 3 : i64, 8 : i64, 4 : i64, 3 : i64, 3 : i64, 2 : i64, 8 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64, 0 : i64]
// CONV-NEXT:   dma.start %out0
// CONV:        lmem.call @tsl_conv2d__i8_i8_i32_i32({{.*}}params = [1 : i64, 2 : i64, 4 : i64, 8 : i64, 4 : i64, 3 : i64, 3 : i64, 2 : i64, 8 : i64, 1 : i64, 1 : i64, 0 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64, 0 : i64]
// CONV:        lmem.call @tsl_conv2d__i8_i8_i32_i32({{.*}}params = [1 : i64, 2 : i64, 4 : i64, 8 : i64, 4 : i64, 3 : i64, 3 : i64, 2 : i64, 8 : i64, 1 : i64, 1 : i64, 0 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64, 0 : i64]
// CONV:        lmem.call @tsl_conv2d__i8_i8_i32_i32({{.*}}params = [1 : i64, 2 : i64, 3 : i64, 8 : i64, 4 : i64, 3 : i64, 3 : i64, 2 : i64, 8 : i64, 1 : i64, 1 : i64, 0 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64, 0 : i64]
// CONV-NEXT:   dma.start %out0
// CONV-NEXT:   dma.wait
// CONV-NEXT: }

// -----

// Weight prefetch: matmul_1's weight tile does not depend on matmul_0, so its load is issued
// in matmul_0's loop (the only earlier tiled layer), right after matmul_0's own first loads
// (before its first wait), into a buffer placed above all of matmul_0's buffers and live from
// matmul_0's step on. matmul_1 only loads and waits for its activation; the L1 peak is the
// highest byte placed.
func.func @chain(%x: tensor<1x16xi8>) -> (tensor<1x16xi32>, tensor<1x8xi32>) {
  %w0 = graph.weight @w0 : tensor<16x16xi8>
  %w1 = graph.weight @w1 : tensor<16x8xi8>
  %0 = graph.matmul %x, %w0 : (tensor<1x16xi8>, tensor<16x16xi8>) -> tensor<1x16xi32>
  %1 = graph.matmul %x, %w1 : (tensor<1x16xi8>, tensor<16x8xi8>) -> tensor<1x8xi32>
  func.return %0, %1 : tensor<1x16xi32>, tensor<1x8xi32>
}
// PF:      lmem.plan = {L1 = {peak = 512 : i64
// PF:      %[[W0:.*]] = lmem.global @w0
// PF-NEXT: %[[W1:.*]] = lmem.global @w1
// PF-NEXT: %[[A0:.*]] = lmem.alloc {{.*}}offset = 0 : i64} : memref<16xi8>
// PF-NEXT: %[[B0:.*]] = lmem.alloc {{.*}}offset = 16 : i64} : memref<256xi8>
// PF-NEXT: lmem.alloc {{.*}}offset = 272 : i64} : memref<16xi32>
// PF-NEXT: lmem.null
// PF-NEXT: %[[B1:.*]] = lmem.alloc {level = "L1", live = array<i64: 0, 1>, {{.*}}offset = 352 : i64} : memref<128xi8>
// PF-NEXT: tile.loop({{.*}}layer = "matmul_0"
// PF-NEXT:   dma.start %[[A0]], %x
// PF-NEXT:   %[[T0:.*]] = dma.start %[[B0]], %[[W0]]
// PF-NEXT:   dma.start %[[B1]], %[[W1]]
// PF-NEXT:   dma.wait %[[T0]]
// PF-NEXT:   lmem.call @tsl_gemm__i8_i8_i32_i32
// PF:      %[[A1:.*]] = lmem.alloc {{.*}}offset = 336 : i64} : memref<16xi8>
// PF:      tile.loop({{.*}}layer = "matmul_1"
// PF-NEXT:   %[[T1:.*]] = dma.start %[[A1]], %x
// PF-NEXT:   dma.wait %[[T1]]
// PF-NEXT:   lmem.call @tsl_gemm__i8_i8_i32_i32(%[[A1]], %[[B1]],
