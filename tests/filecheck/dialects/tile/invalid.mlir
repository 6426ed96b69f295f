// RUN: tinyslm-opt %s --verify-diagnostics --split-input-file | filecheck %s
// Every verifier rule of the dma and tile dialects rejects a bad op with its reason.

func.func @dma_out_of_bounds(%x: memref<16xi8>, %t: memref<8xi8>) {
  %a = dma.start %t, %x {dst_offset = 4 : i64, src_offset = 0 : i64, row_bytes = 8 : i64, rows = 1 : i64, dst_stride = 0 : i64, src_stride = 0 : i64} : memref<8xi8>, memref<16xi8> -> !dma.token
  func.return
}
// CHECK: dma.start: the dst rows [4, 12) leave its buffer of 8 B

// -----

func.func @dma_rows_overlap(%x: memref<16xi8>, %t: memref<8xi8>) {
  %a = dma.start %t, %x {dst_offset = 0 : i64, src_offset = 0 : i64, row_bytes = 4 : i64, rows = 2 : i64, dst_stride = 2 : i64, src_stride = 8 : i64} : memref<8xi8>, memref<16xi8> -> !dma.token
  func.return
}
// CHECK: dma.start: destination rows overlap (dst_stride 2 < row_bytes 4)

// -----

func.func @dma_empty(%x: memref<16xi8>, %t: memref<8xi8>) {
  %a = dma.start %t, %x {dst_offset = 0 : i64, src_offset = 0 : i64, row_bytes = 0 : i64, rows = 1 : i64, dst_stride = 0 : i64, src_stride = 0 : i64} : memref<8xi8>, memref<16xi8> -> !dma.token
  func.return
}
// CHECK: dma.start: row_bytes (0) and rows (1) must be positive

// -----

func.func @tile_size(%x: memref<16xi8>) {
  tile.loop(%x) {layer = "l", dims = ["d0"], extents = array<i64: 16>, sizes = array<i64: 32>, reduction = array<i64: 0>, tile_levels = ["L1"]} : memref<16xi8> {
  ^bb0:
  }
  func.return
}
// CHECK: tile.loop: dim d0 has tile size 32 outside [1, 16]

// -----

func.func @tile_levels(%x: memref<16xi8>) {
  tile.loop(%x) {layer = "l", dims = ["d0"], extents = array<i64: 16>, sizes = array<i64: 8>, reduction = array<i64: 0>, tile_levels = []} : memref<16xi8> {
  ^bb0:
  }
  func.return
}
// CHECK: tile.loop: 1 buffers but 0 tile levels

// -----

func.func @kernel_on_l2(%x: memref<16xi8>, %y: memref<16xi8>) {
  tile.loop(%x, %y) {layer = "l", dims = ["d0"], extents = array<i64: 16>, sizes = array<i64: 16>, reduction = array<i64: 0>, tile_levels = ["L1", "L1"]} : memref<16xi8>, memref<16xi8> {
    lmem.call @tsl_relu(%x, %y) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [16 : i64], engine = "cluster", parallel = 1 : i64} : memref<16xi8>, memref<16xi8>
  }
  func.return
}
// CHECK: tile.loop: kernel @tsl_relu uses a buffer outside the tile levels ['L1']
