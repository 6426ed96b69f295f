// RUN: tinyslm-opt %s -p fold-data-movement --split-input-file | filecheck %s

// Two transposes compose into one; the permutation is the composition, not either input.
func.func @transpose_chain(%x: tensor<2x3x4xi8>) -> tensor<4x2x3xi8> {
  %0 = graph.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<2x3x4xi8> -> tensor<3x2x4xi8>
  %1 = graph.transpose %0 {perm = array<i64: 2, 1, 0>} : tensor<3x2x4xi8> -> tensor<4x2x3xi8>
  func.return %1 : tensor<4x2x3xi8>
}
// CHECK-LABEL: func.func @transpose_chain(
// CHECK-NEXT:    %[[T:.*]] = graph.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xi8> -> tensor<4x2x3xi8>
// CHECK-NEXT:    func.return %[[T]] : tensor<4x2x3xi8>

// -----

// Transposes that cancel disappear entirely.
func.func @transpose_inverse(%x: tensor<2x3xi8>) -> tensor<2x3xi8> {
  %0 = graph.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xi8> -> tensor<3x2xi8>
  %1 = graph.transpose %0 {perm = array<i64: 1, 0>} : tensor<3x2xi8> -> tensor<2x3xi8>
  func.return %1 : tensor<2x3xi8>
}
// CHECK-LABEL: func.func @transpose_inverse(
// CHECK-NEXT:    func.return %x : tensor<2x3xi8>

// -----

// A reshape chain becomes one reshape; an identity reshape vanishes.
func.func @reshape_chain(%x: tensor<1x4x16xi8>) -> tensor<1x4x4x4xi8> {
  %0 = graph.reshape %x : tensor<1x4x16xi8> -> tensor<64xi8>
  %1 = graph.reshape %0 : tensor<64xi8> -> tensor<1x4x4x4xi8>
  %2 = graph.reshape %1 : tensor<1x4x4x4xi8> -> tensor<1x4x4x4xi8>
  func.return %2 : tensor<1x4x4x4xi8>
}
// CHECK-LABEL: func.func @reshape_chain(
// CHECK-NEXT:    %[[R:.*]] = graph.reshape %x : tensor<1x4x16xi8> -> tensor<1x4x4x4xi8>
// CHECK-NEXT:    func.return %[[R]] : tensor<1x4x4x4xi8>

// -----

// A transpose with a second user stays; the fold must not duplicate work it cannot remove.
func.func @shared_transpose(%x: tensor<2x3xi8>) -> (tensor<2x3xi8>, tensor<3x2xi8>) {
  %0 = graph.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xi8> -> tensor<3x2xi8>
  %1 = graph.transpose %0 {perm = array<i64: 1, 0>} : tensor<3x2xi8> -> tensor<2x3xi8>
  func.return %1, %0 : tensor<2x3xi8>, tensor<3x2xi8>
}
// CHECK-LABEL: func.func @shared_transpose(
// CHECK-NEXT:    %[[T:.*]] = graph.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xi8> -> tensor<3x2xi8>
// CHECK-NEXT:    func.return %x, %[[T]] : tensor<2x3xi8>, tensor<3x2xi8>

// -----

// A transpose that only moves unit dims keeps the element order: it becomes a reshape, and
// then folds with the reshape after it (the decoder's head split and merge).
func.func @unit_dim_transpose(%x: tensor<1x1x16x4xi8>) -> tensor<1x64xi8> {
  %0 = graph.transpose %x {perm = array<i64: 0, 2, 1, 3>} : tensor<1x1x16x4xi8> -> tensor<1x16x1x4xi8>
  %1 = graph.reshape %0 : tensor<1x16x1x4xi8> -> tensor<1x64xi8>
  func.return %1 : tensor<1x64xi8>
}
// CHECK-LABEL: func.func @unit_dim_transpose(
// CHECK-NEXT:    %[[R:.*]] = graph.reshape %x : tensor<1x1x16x4xi8> -> tensor<1x64xi8>
// CHECK-NEXT:    func.return %[[R]] : tensor<1x64xi8>

// -----

// Swapping two dims of extent > 1 moves elements: that transpose stays.
func.func @real_transpose(%x: tensor<1x16x3x4xi8>) -> tensor<1x16x4x3xi8> {
  %0 = graph.transpose %x {perm = array<i64: 0, 1, 3, 2>} : tensor<1x16x3x4xi8> -> tensor<1x16x4x3xi8>
  func.return %0 : tensor<1x16x4x3xi8>
}
// CHECK-LABEL: func.func @real_transpose(
// CHECK-NEXT:    graph.transpose %x {perm = array<i64: 0, 1, 3, 2>}
