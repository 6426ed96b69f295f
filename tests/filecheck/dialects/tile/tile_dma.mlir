// RUN: TINYSLM_ROUNDTRIP
// RUN: TINYSLM_GENERIC_ROUNDTRIP
// A tiled layer: two tiles of 8 elements, the second input tile loaded while the first computes.

func.func @relu_tiled(%x: memref<16xi8>, %y: memref<16xi8>) {
  %t0 = lmem.alloc {level = "L1", live = array<i64: 0, 1>, alignment = 8 : i64, offset = 0 : i64} : memref<8xi8>
  %t1 = lmem.alloc {level = "L1", live = array<i64: 0, 1>, alignment = 8 : i64, offset = 8 : i64} : memref<8xi8>
  %o0 = lmem.alloc {level = "L1", live = array<i64: 0, 1>, alignment = 8 : i64, offset = 16 : i64} : memref<8xi8>
  tile.loop(%x, %y) {layer = "relu_0", dims = ["d0"], extents = array<i64: 16>, sizes = array<i64: 8>, reduction = array<i64: 0>, tile_levels = ["L1", "L1"]} : memref<16xi8>, memref<16xi8> {
    %a = dma.start %t0, %x {dst_offset = 0 : i64, src_offset = 0 : i64, row_bytes = 8 : i64, rows = 1 : i64, dst_stride = 0 : i64, src_stride = 0 : i64} : memref<8xi8>, memref<16xi8> -> !dma.token
    dma.wait %a
    %b = dma.start %t1, %x {dst_offset = 0 : i64, src_offset = 8 : i64, row_bytes = 8 : i64, rows = 1 : i64, dst_stride = 0 : i64, src_stride = 0 : i64} : memref<8xi8>, memref<16xi8> -> !dma.token
    lmem.call @tsl_relu(%t0, %o0) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [8 : i64], engine = "cluster", parallel = 1 : i64, layer = "relu_0"} : memref<8xi8>, memref<8xi8>
    %c = dma.start %y, %o0 {dst_offset = 0 : i64, src_offset = 0 : i64, row_bytes = 4 : i64, rows = 2 : i64, dst_stride = 4 : i64, src_stride = 4 : i64} : memref<16xi8>, memref<8xi8> -> !dma.token
    dma.wait %c
  }
  func.return
}

// CHECK:      tile.loop(%{{.*}}, %{{.*}}) {layer = "relu_0", dims = ["d0"], extents = array<i64: 16>, sizes = array<i64: 8>, reduction = array<i64: 0>, tile_levels = ["L1", "L1"]} : memref<16xi8>, memref<16xi8> {
// CHECK-NEXT:   %{{.*}} = dma.start %{{.*}}, %{{.*}} {dst_offset = 0 : i64, src_offset = 0 : i64, row_bytes = 8 : i64, rows = 1 : i64, dst_stride = 0 : i64, src_stride = 0 : i64} : memref<8xi8>, memref<16xi8> -> !dma.token
// CHECK-NEXT:   dma.wait %{{.*}}
// CHECK:        lmem.call @tsl_relu
// CHECK:        rows = 2 : i64, dst_stride = 4 : i64, src_stride = 4 : i64} : memref<16xi8>, memref<8xi8> -> !dma.token
// CHECK-NEXT:   dma.wait
// CHECK-NEXT: }
