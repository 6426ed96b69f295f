// RUN: tinyslm-opt %s -p bufferize --split-input-file | filecheck %s
// RUN: tinyslm-opt %s -p 'bufferize{l1=4096}' --split-input-file | filecheck %s --check-prefix=TILED

// The KV-cache state pattern: the cache comes in, the updated cache goes out. The write is
// in place into the input's buffer, the output gets no argument of its own (the alias is
// recorded on the function), and nothing allocates or copies the cache.
func.func @append(%rows: tensor<1x2x1x4xi8>, %pos: tensor<1x1xi32>, %cache: tensor<1x2x8x4xi8>) -> tensor<1x2x8x4xi8> {
  %0 = graph.cache_write %cache, %rows, %pos {axis = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x2x1x4xi8>, tensor<1x1xi32>) -> tensor<1x2x8x4xi8>
  func.return %0 : tensor<1x2x8x4xi8>
}
// CHECK-LABEL: func.func @append(%rows: memref<1x2x1x4xi8>, %pos: memref<1x1xi32>, %cache: memref<1x2x8x4xi8>) attributes {lmem.num_inputs = 3 : i64, lmem.output_aliases = array<i64: 2>} {
// CHECK-NOT:     lmem.alloc
// CHECK-NEXT:    lmem.call @tsl_cache_write__u8_i32(%cache, %rows, %pos, %cache) {{.*}} : memref<1x2x8x4xi8>, memref<1x2x1x4xi8>, memref<1x1xi32>, memref<1x2x8x4xi8>
// CHECK-NEXT:    func.return

// Strict-L1 code: pos moves to L1 (4 bytes), the rows go into the cache in L2 by the
// kernel's DMA; the cache is never copied.
// TILED-LABEL: func.func @append(
// TILED-NOT:     memref<1x2x8x4xi8> = lmem.alloc
// TILED:         %[[P:.*]] = lmem.alloc {level = "L1"{{.*}}} : memref<1xi32>
// TILED-NEXT:    tile.loop
// TILED-NEXT:      dma.start %[[P]], %pos {{{.*}}row_bytes = 4 : i64{{.*}}}
// TILED-NEXT:      dma.wait
// TILED:         lmem.call @tsl_cache_write_dma__u8_i32(%rows, %[[P]], %cache) {{.*}}parallel = 0
// TILED-NEXT:    func.return

// -----

// A cache that something else still reads is not overwritten: the result gets its own
// buffer (here the output argument) and the kernel copies the cache into it first.
func.func @shared(%rows: tensor<1x1x4xi8>, %pos: tensor<1xi32>, %cache: tensor<1x8x4xi8>) -> (tensor<1x8x4xi8>, tensor<1x8x4xi8>) {
  %0 = graph.cache_write %cache, %rows, %pos {axis = 1 : i64} : (tensor<1x8x4xi8>, tensor<1x1x4xi8>, tensor<1xi32>) -> tensor<1x8x4xi8>
  func.return %0, %cache : tensor<1x8x4xi8>, tensor<1x8x4xi8>
}
// CHECK-LABEL: func.func @shared(%rows: memref<1x1x4xi8>, %pos: memref<1xi32>, %cache: memref<1x8x4xi8>, %out0: memref<1x8x4xi8>, %out1: memref<1x8x4xi8>) {
// CHECK-NEXT:    lmem.call @tsl_cache_write__u8_i32(%cache, %rows, %pos, %out0)
