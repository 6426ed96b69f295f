// RUN: tinyslm-opt %s -p 'bufferize{l1=4096},plan-memory,cluster-offload' -t c | filecheck %s

// A decode step's cache update in the generated C (strict-L1 code): the cache is the input
// buffer itself, the new row reaches it by one DMA at the runtime position, the updated cache
// is written out from that same buffer, and no statement copies the cache.
func.func @main(%rows: tensor<1x2x1x4xi8>, %pos: tensor<1x1xi32>, %cache: tensor<1x2x8x4xi8>) -> tensor<1x2x8x4xi8> {
  %0 = graph.cache_write %cache, %rows, %pos {axis = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x2x1x4xi8>, tensor<1x1xi32>) -> tensor<1x2x8x4xi8>
  func.return %0 : tensor<1x2x8x4xi8>
}

// CHECK:     static int8_t input_2[64]
// CHECK-NOT: output_0[
// CHECK:     tsl_dma_start_1d((uint8_t *)[[POS:buf_[a-z_0-9]*]] + 0, (const uint8_t *)input_1 + 0, 4);
// CHECK:     tsl_cache_write_dma__u8_i32(((const int8_t *)(input_0)), ((const int32_t *)([[POS]])), ((int8_t *)(input_2)), 2, 1, 8, 4);
// CHECK-NOT: tsl_copy
// CHECK:     tsl_host_write("output_0.bin", input_2, 64)
