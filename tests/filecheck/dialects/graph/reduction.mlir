// RUN: TINYSLM_ROUNDTRIP
// RUN: TINYSLM_GENERIC_ROUNDTRIP

// Round trip of the graph dialect: reductions, softmax and normalisations.

func.func @reduce(%x: tensor<1x8x16xi8>) -> tensor<1x16xi32> {
  %0 = graph.reduce_sum %x {axes = array<i64: 1>, keepdims = false} : tensor<1x8x16xi8> -> tensor<1x16xi32>
  %1 = graph.reduce_mean %x {axes = array<i64: -1>, keepdims = true} : tensor<1x8x16xi8> -> tensor<1x8x1xi8>
  %2 = graph.reduce_max %x {axes = array<i64>, keepdims = false} : tensor<1x8x16xi8> -> tensor<i8>
  func.return %0 : tensor<1x16xi32>
}

// CHECK-LABEL: func.func @reduce(
// CHECK-NEXT:    %0 = graph.reduce_sum %x {axes = array<i64: 1>, keepdims = false} : tensor<1x8x16xi8> -> tensor<1x16xi32>
// CHECK-NEXT:    %1 = graph.reduce_mean %x {axes = array<i64: -1>, keepdims = true} : tensor<1x8x16xi8> -> tensor<1x8x1xi8>
// CHECK-NEXT:    %2 = graph.reduce_max %x {axes = array<i64>, keepdims = false} : tensor<1x8x16xi8> -> tensor<i8>
// CHECK-NEXT:    func.return %0 : tensor<1x16xi32>

// -----

func.func @norms(%x: tensor<2x5x64xf32>) -> tensor<2x5x64xf32> {
  %g = graph.weight @g : tensor<64xf32>
  %b = graph.weight @b : tensor<64xf32>
  %0 = graph.softmax %x {axis = -1 : i64} : tensor<2x5x64xf32> -> tensor<2x5x64xf32>
  %1 = graph.layer_norm %0, %g, %b {axis = -1 : i64, epsilon = 1.000000e-12 : f64} : (tensor<2x5x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x5x64xf32>
  %2 = graph.layer_norm %1, %g {axis = 2 : i64, epsilon = 1.000000e-05 : f64} : (tensor<2x5x64xf32>, tensor<64xf32>) -> tensor<2x5x64xf32>
  %3 = graph.rms_norm %2, %g {axis = -1 : i64, epsilon = 1.000000e-06 : f64} : (tensor<2x5x64xf32>, tensor<64xf32>) -> tensor<2x5x64xf32>
  func.return %3 : tensor<2x5x64xf32>
}

// CHECK-LABEL: func.func @norms(
// CHECK-NEXT:    %g = graph.weight @g : tensor<64xf32>
// CHECK-NEXT:    %b = graph.weight @b : tensor<64xf32>
// CHECK-NEXT:    %0 = graph.softmax %x {axis = -1 : i64} : tensor<2x5x64xf32> -> tensor<2x5x64xf32>
// CHECK-NEXT:    %1 = graph.layer_norm %0, %g, %b {axis = -1 : i64, epsilon = 1.000000e-12 : f64} : (tensor<2x5x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x5x64xf32>
// CHECK-NEXT:    %2 = graph.layer_norm %1, %g {axis = 2 : i64, epsilon = 1.000000e-05 : f64} : (tensor<2x5x64xf32>, tensor<64xf32>) -> tensor<2x5x64xf32>
// CHECK-NEXT:    %3 = graph.rms_norm %2, %g {axis = -1 : i64, epsilon = 1.000000e-06 : f64} : (tensor<2x5x64xf32>, tensor<64xf32>) -> tensor<2x5x64xf32>
// CHECK-NEXT:    func.return %3 : tensor<2x5x64xf32>
