// RUN: TINYSLM_ROUNDTRIP
// RUN: TINYSLM_GENERIC_ROUNDTRIP

// Round trip of the graph dialect: data movement.

func.func @layout(%x: tensor<1x4x16xi8>) -> tensor<1x16x4x1xi8> {
  %0 = graph.reshape %x : tensor<1x4x16xi8> -> tensor<1x4x16x1xi8>
  %1 = graph.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : tensor<1x4x16x1xi8> -> tensor<1x16x4x1xi8>
  func.return %1 : tensor<1x16x4x1xi8>
}

// CHECK-LABEL: func.func @layout(
// CHECK-NEXT:    %0 = graph.reshape %x : tensor<1x4x16xi8> -> tensor<1x4x16x1xi8>
// CHECK-NEXT:    %1 = graph.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : tensor<1x4x16x1xi8> -> tensor<1x16x4x1xi8>
// CHECK-NEXT:    func.return %1 : tensor<1x16x4x1xi8>

// -----

func.func @cache(%k: tensor<1x16x8x4xi8>, %n: tensor<1x16x1x4xi8>) -> tensor<1x16x9x4xi8> {
  %0 = graph.concat %k, %n {axis = 2 : i64} : (tensor<1x16x8x4xi8>, tensor<1x16x1x4xi8>) -> tensor<1x16x9x4xi8>
  %s0, %s1 = graph.split %0 {axis = 2 : i64, sizes = array<i64: 4, 5>} : tensor<1x16x9x4xi8> -> tensor<1x16x4x4xi8>, tensor<1x16x5x4xi8>
  %cat = graph.concat %s0, %s1 {axis = -2 : i64} : (tensor<1x16x4x4xi8>, tensor<1x16x5x4xi8>) -> tensor<1x16x9x4xi8>
  func.return %cat : tensor<1x16x9x4xi8>
}

// CHECK-LABEL: func.func @cache(
// CHECK-NEXT:    %0 = graph.concat %k, %n {axis = 2 : i64} : (tensor<1x16x8x4xi8>, tensor<1x16x1x4xi8>) -> tensor<1x16x9x4xi8>
// CHECK-NEXT:    %s0, %s1 = graph.split %0 {axis = 2 : i64, sizes = array<i64: 4, 5>} : tensor<1x16x9x4xi8> -> tensor<1x16x4x4xi8>, tensor<1x16x5x4xi8>
// CHECK-NEXT:    %cat = graph.concat %s0, %s1 {axis = -2 : i64} : (tensor<1x16x4x4xi8>, tensor<1x16x5x4xi8>) -> tensor<1x16x9x4xi8>
// CHECK-NEXT:    func.return %cat : tensor<1x16x9x4xi8>

// -----

func.func @slice_pad(%x: tensor<2x10xi8>) -> tensor<4x7xi8> {
  %0 = graph.slice %x {starts = array<i64: 0, 9>, ends = array<i64: 2, 0>, steps = array<i64: 1, -2>} : tensor<2x10xi8> -> tensor<2x5xi8>
  %1 = graph.pad %0 {pads = array<i64: 1, 0, 1, 2>, value = -1.280000e+02 : f64} : tensor<2x5xi8> -> tensor<4x7xi8>
  func.return %1 : tensor<4x7xi8>
}

// CHECK-LABEL: func.func @slice_pad(
// CHECK-NEXT:    %0 = graph.slice %x {starts = array<i64: 0, 9>, ends = array<i64: 2, 0>, steps = array<i64: 1, -2>} : tensor<2x10xi8> -> tensor<2x5xi8>
// CHECK-NEXT:    %1 = graph.pad %0 {pads = array<i64: 1, 0, 1, 2>, value = -1.280000e+02 : f64} : tensor<2x5xi8> -> tensor<4x7xi8>
// CHECK-NEXT:    func.return %1 : tensor<4x7xi8>

// -----

func.func @gather_expand(%ids: tensor<1x8xi64>) -> tensor<2x1x8x64xf32> {
  %e = graph.weight @embedding : tensor<100x64xf32>
  %0 = graph.gather %e, %ids {axis = 0 : i64} : (tensor<100x64xf32>, tensor<1x8xi64>) -> tensor<1x8x64xf32>
  %1 = graph.expand %0 : tensor<1x8x64xf32> -> tensor<2x1x8x64xf32>
  func.return %1 : tensor<2x1x8x64xf32>
}

// CHECK-LABEL: func.func @gather_expand(
// CHECK-NEXT:    %e = graph.weight @embedding : tensor<100x64xf32>
// CHECK-NEXT:    %0 = graph.gather %e, %ids {axis = 0 : i64} : (tensor<100x64xf32>, tensor<1x8xi64>) -> tensor<1x8x64xf32>
// CHECK-NEXT:    %1 = graph.expand %0 : tensor<1x8x64xf32> -> tensor<2x1x8x64xf32>
// CHECK-NEXT:    func.return %1 : tensor<2x1x8x64xf32>
