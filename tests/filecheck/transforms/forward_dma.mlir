// RUN: tinyslm-opt %s -p 'bufferize{l1=4096},forward-dma' --split-input-file | filecheck %s
// RUN: tinyslm-opt %s -p 'bufferize{l1=4096 l1_weights=8},forward-dma' --split-input-file | filecheck %s --check-prefix=RESIDENT

// A chain of one-tile layers: each output stays in the L1 buffer its layer wrote, which
// lives on until its last reader (%a until the add); no L2 tensor, copy or wait is left
// between layers, only the first input's load and the last output's store.
func.func @chain(%x: tensor<1x64xi8>) -> tensor<1x64xi32> {
  %a = graph.relu %x : tensor<1x64xi8> -> tensor<1x64xi8>
  %b = graph.relu %a : tensor<1x64xi8> -> tensor<1x64xi8>
  %c = graph.add %b, %a : (tensor<1x64xi8>, tensor<1x64xi8>) -> tensor<1x64xi32>
  func.return %c : tensor<1x64xi32>
}
// CHECK-LABEL: func.func @chain(
// CHECK-NOT:     level = "L2"
// CHECK:         %[[A:.*]] = lmem.alloc {level = "L1", live = array<i64: 0, 2>{{.*}} : memref<64xi8>
// CHECK-NEXT:    tile.loop(%x, %[[A]]) {layer = "a"
// CHECK-NEXT:      %[[T:.*]] = dma.start %{{.*}}, %x
// CHECK-NEXT:      dma.wait %[[T]]
// CHECK-NEXT:      lmem.call @tsl_relu__i8_i8_i8(%{{.*}}, %[[A]])
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[B:.*]] = lmem.alloc {level = "L1", live = array<i64: 1, 2>{{.*}} : memref<64xi8>
// CHECK-NEXT:    tile.loop(%[[A]], %[[B]]) {layer = "b"
// CHECK-NEXT:      lmem.call @tsl_relu__i8_i8_i8(%[[A]], %[[B]])
// CHECK-NEXT:    }
// CHECK:         tile.loop(%[[B]], %[[A]], %out0) {layer = "c"
// CHECK-NEXT:      lmem.call @tsl_add__i8_i8_i32_u32(%[[B]], %[[A]], %[[O:[a-z_0-9]+]])
// CHECK-NEXT:      %[[W:.*]] = dma.start %out0, %[[O]]
// CHECK-NEXT:      dma.wait %[[W]]
// CHECK-NEXT:    }

// -----

// Layer a's closing wait also covered the weight it prefetched for layer d. With a's copy
// out gone, that wait moves to the prefetch instead of disappearing, so d still finds its
// weight complete; d and the cast read their inputs where the previous layer left them.
func.func @prefetch(%x: tensor<1x16xi8>) -> tensor<1x8xi32> {
  %w0 = graph.weight @w0 : tensor<16x16xi8>
  %w1 = graph.weight @w1 : tensor<16x8xi8>
  %a = graph.matmul %x, %w0 : (tensor<1x16xi8>, tensor<16x16xi8>) -> tensor<1x16xi32>
  %c = graph.cast %a : tensor<1x16xi32> -> tensor<1x16xi8>
  %d = graph.matmul %c, %w1 : (tensor<1x16xi8>, tensor<16x8xi8>) -> tensor<1x8xi32>
  func.return %d : tensor<1x8xi32>
}
// CHECK-LABEL: func.func @prefetch(
// CHECK:         tile.loop({{.*}}) {layer = "a"
// CHECK-NEXT:      dma.start
// CHECK-NEXT:      %[[W0:.*]] = dma.start %{{.*}}, %{{.*}} {{{.*}}row_bytes = 256
// CHECK-NEXT:      %[[W1:.*]] = dma.start %[[B1:[a-z_0-9]+]], %{{.*}} {{{.*}}row_bytes = 128
// CHECK-NEXT:      dma.wait %[[W0]]
// CHECK-NEXT:      lmem.call @tsl_gemm__i8_i8_i32_i32(%{{.*}}, %{{.*}}, %{{.*}}, %[[A:[a-z_0-9]+]])
// CHECK-NEXT:      dma.wait %[[W1]]
// CHECK-NEXT:    }
// CHECK:         tile.loop(%[[A]], %[[C:[a-z_0-9]+]]) {layer = "c"
// CHECK-NEXT:      lmem.call @tsl_cast__i32_i8_i32(%[[A]], %[[C]])
// CHECK-NEXT:    }
// CHECK:         tile.loop(%[[C]], {{.*}}) {layer = "d"
// CHECK-NEXT:      lmem.call @tsl_gemm__i8_i8_i32_i32(%[[C]], %[[B1]],

// -----

// L1 pressure: keeping %a in L1 across layer b, the step that holds the most bytes, would
// raise the peak, so %a goes through L2 as before. Layer c loads it once for both operands.
func.func @pressure(%x: tensor<1x64xi8>, %y: tensor<1x512xi8>) -> (tensor<1x512xi8>, tensor<1x64xi32>) {
  %a = graph.relu %x : tensor<1x64xi8> -> tensor<1x64xi8>
  %b = graph.relu %y : tensor<1x512xi8> -> tensor<1x512xi8>
  %c = graph.add %a, %a : (tensor<1x64xi8>, tensor<1x64xi8>) -> tensor<1x64xi32>
  func.return %b, %c : tensor<1x512xi8>, tensor<1x64xi32>
}
// CHECK-LABEL: func.func @pressure(
// CHECK:         %[[T:.*]] = lmem.alloc {level = "L2"{{.*}} : memref<1x64xi8>
// CHECK:         tile.loop({{.*}}) {layer = "a"
// CHECK:           dma.start %[[T]], %{{.*}}
// CHECK:         tile.loop(%[[T]], %[[T]], %out1) {layer = "c"
// CHECK-NEXT:      %[[L:.*]] = dma.start %[[IN:[a-z_0-9]+]], %[[T]]
// CHECK-NEXT:      dma.wait %[[L]]
// CHECK-NEXT:      lmem.call @tsl_add__i8_i8_i32_u32(%[[IN]], %[[IN]], %{{.*}})

// -----

// Weights of at most l1_weights bytes are resident in L1 (loaded with the image): the kernel
// reads them in place, and only the activation moves.
func.func @resident(%x: tensor<1x64xi8>) -> tensor<1x64xi8> {
  %m = graph.weight @m : tensor<1xi16>
  %a = graph.weight @a : tensor<1xi8>
  %0 = graph.requant_shift %x, %m, %a {div = 256 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x64xi8>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x64xi8>
  func.return %0 : tensor<1x64xi8>
}
// RESIDENT-LABEL: func.func @resident(
// RESIDENT:         %[[M:[a-z_0-9]+]] = lmem.global @m {level = "L1"} : memref<1xi16>
// RESIDENT-NEXT:    %[[A:[a-z_0-9]+]] = lmem.global @a {level = "L1"} : memref<1xi8>
// RESIDENT:         tile.loop
// RESIDENT-NEXT:      %[[T:.*]] = dma.start %{{.*}}, %x
// RESIDENT-NEXT:      dma.wait %[[T]]
// RESIDENT-NEXT:      lmem.call @tsl_requant__i8_i16_i8_i8_i32(%{{.*}}, %[[M]], %[[A]], %{{.*}})
// RESIDENT-NEXT:      %[[O:.*]] = dma.start %out0
// RESIDENT-NEXT:      dma.wait %[[O]]
// RESIDENT-NEXT:    }
