// RUN: tinyslm-opt %s -p bufferize --split-input-file | filecheck %s
// RUN: tinyslm-opt %s -p 'bufferize{weights-level=WMEM}' --split-input-file | filecheck %s --check-prefix=WMEM
// RUN: tinyslm-opt %s -p 'bufferize{reorder=true}' --split-input-file | filecheck %s --check-prefix=REORDER

// Inputs stay arguments (now memrefs), the output becomes a trailing argument written in
// place, the weight a global, the intermediate an L2 alloc live from its definition (call 0)
// to its last use (call 1). Each call names the layer it came from.
func.func @chain(%x: tensor<4x8xi8>) -> tensor<4x8xi32> {
  %w = graph.weight @w : tensor<4x8xi8>
  %s = graph.add %x, %w : (tensor<4x8xi8>, tensor<4x8xi8>) -> tensor<4x8xi32>
  %t = graph.add %s, %s : (tensor<4x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  func.return %t : tensor<4x8xi32>
}
// CHECK-LABEL: func.func @chain(%x: memref<4x8xi8>, %out0: memref<4x8xi32>) {
// CHECK-NEXT:    %[[W:.*]] = lmem.global @w {level = "L2"} : memref<4x8xi8>
// CHECK-NEXT:    %[[S:.*]] = lmem.alloc {level = "L2", live = array<i64: 0, 1>, alignment = 8 : i64} : memref<4x8xi32>
// CHECK-NEXT:    lmem.call @{{\w+}}(%x, %[[W]], %[[S]]) {{{.*}}layer = "s"{{.*}}} : memref<4x8xi8>, memref<4x8xi8>, memref<4x8xi32>
// CHECK-NEXT:    lmem.call @{{\w+}}(%[[S]], %[[S]], %out0) {{{.*}}layer = "t"{{.*}}} : memref<4x8xi32>, memref<4x8xi32>, memref<4x8xi32>
// CHECK-NEXT:    func.return
// CHECK-NEXT:  }
// WMEM:        lmem.global @w {level = "WMEM"} : memref<4x8xi8>

// -----

// An output that is an input, or a value returned twice, is copied into its argument.
func.func @copies(%x: tensor<8xi8>) -> (tensor<8xi8>, tensor<8xi32>, tensor<8xi32>) {
  %0 = graph.add %x, %x : (tensor<8xi8>, tensor<8xi8>) -> tensor<8xi32>
  func.return %x, %0, %0 : tensor<8xi8>, tensor<8xi32>, tensor<8xi32>
}
// CHECK-LABEL: func.func @copies(%x: memref<8xi8>, %out0: memref<8xi8>, %out1: memref<8xi32>, %out2: memref<8xi32>) {
// CHECK-NEXT:    lmem.call @{{\w+}}(%x, %x, %out1) {{{.*}}layer = "add_0"{{.*}}}
// CHECK-NEXT:    lmem.call @{{\w+}}(%x, %out0) {{{.*}}layer = "copy_out0"{{.*}}}
// CHECK-NEXT:    lmem.call @{{\w+}}(%out1, %out2) {{{.*}}layer = "copy_out2"{{.*}}}
// CHECK-NEXT:    func.return

// -----

// Breadth-first order keeps both 256-byte tensors live together; the memory-aware order
// finishes one branch (into its output argument) before starting the other.
func.func @branches(%x: tensor<64xi8>, %y: tensor<64xi8>) -> (tensor<64xi32>, tensor<64xi32>) {
  %a = graph.add %x, %x : (tensor<64xi8>, tensor<64xi8>) -> tensor<64xi32>
  %b = graph.add %y, %y : (tensor<64xi8>, tensor<64xi8>) -> tensor<64xi32>
  %c = graph.add %a, %a : (tensor<64xi32>, tensor<64xi32>) -> tensor<64xi32>
  %d = graph.add %b, %b : (tensor<64xi32>, tensor<64xi32>) -> tensor<64xi32>
  func.return %c, %d : tensor<64xi32>, tensor<64xi32>
}
// CHECK-LABEL: func.func @branches(
// CHECK:         lmem.alloc {level = "L2", live = array<i64: 0, 2>, alignment = 8 : i64} : memref<64xi32>
// CHECK:         lmem.alloc {level = "L2", live = array<i64: 1, 3>, alignment = 8 : i64} : memref<64xi32>
// REORDER-LABEL: func.func @branches(
// REORDER:         lmem.alloc {level = "L2", live = array<i64: 0, 1>, alignment = 8 : i64} : memref<64xi32>
// REORDER-NEXT:    lmem.call {{.*}}layer = "a"
// REORDER-NEXT:    lmem.call {{.*}}layer = "c"
// REORDER-NEXT:    lmem.alloc {level = "L2", live = array<i64: 2, 3>, alignment = 8 : i64} : memref<64xi32>
// REORDER-NEXT:    lmem.call {{.*}}layer = "b"
// REORDER-NEXT:    lmem.call {{.*}}layer = "d"

// -----

// A reshape is a view: its consumer reads the operand's buffer (no call, no alloc), which
// stays live until that consumer. A reshape into a graph output is still a copy.
func.func @reshape_view(%x: tensor<2x8xi8>) -> (tensor<16xi32>, tensor<4x4xi32>) {
  %0 = graph.add %x, %x : (tensor<2x8xi8>, tensor<2x8xi8>) -> tensor<2x8xi32>
  %1 = graph.reshape %0 : tensor<2x8xi32> -> tensor<16xi32>
  %2 = graph.add %1, %1 : (tensor<16xi32>, tensor<16xi32>) -> tensor<16xi32>
  %3 = graph.reshape %0 : tensor<2x8xi32> -> tensor<4x4xi32>
  func.return %2, %3 : tensor<16xi32>, tensor<4x4xi32>
}
// CHECK-LABEL: func.func @reshape_view(%x: memref<2x8xi8>, %out0: memref<16xi32>, %out1: memref<4x4xi32>) {
// CHECK-NEXT:    %[[S:.*]] = lmem.alloc {level = "L2", live = array<i64: 0, 2>, alignment = 8 : i64} : memref<2x8xi32>
// CHECK-NEXT:    lmem.call @{{\w+}}(%x, %x, %[[S]]) {{{.*}}layer = "add_0"{{.*}}}
// CHECK-NEXT:    lmem.call @{{\w+}}(%[[S]], %[[S]], %out0) {{{.*}}layer = "add_2"{{.*}}}
// CHECK-NEXT:    lmem.call @{{\w+}}(%[[S]], %out1) {{{.*}}layer = "reshape_3"{{.*}}}
// CHECK-NEXT:    func.return
