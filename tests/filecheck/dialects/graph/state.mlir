// RUN: TINYSLM_ROUNDTRIP
// RUN: TINYSLM_GENERIC_ROUNDTRIP

// Round trip of the graph dialect: decoder state (in-place KV cache, causal softmax).

func.func @decode_step(%cache: tensor<1x16x64x4xi8>, %rows: tensor<1x16x1x4xi8>, %pos: tensor<1x1xi32>, %s: tensor<1x16x1x64xi8>, %f: tensor<1x16x1x64xf32>) -> tensor<1x16x64x4xi8> {
  %0 = graph.cache_write %cache, %rows, %pos {axis = 2 : i64} : (tensor<1x16x64x4xi8>, tensor<1x16x1x4xi8>, tensor<1x1xi32>) -> tensor<1x16x64x4xi8>
  %1 = graph.icausal_softmax %s, %pos {coeff_a = 1 : i64, coeff_b = 345 : i64, coeff_c = 62395 : i64, log2 = 255 : i64, n_levels = 256 : i64} : (tensor<1x16x1x64xi8>, tensor<1x1xi32>) -> tensor<1x16x1x64xui8>
  %2 = graph.causal_softmax %f, %pos : (tensor<1x16x1x64xf32>, tensor<1x1xi32>) -> tensor<1x16x1x64xf32>
  func.return %0 : tensor<1x16x64x4xi8>
}

// CHECK-LABEL: func.func @decode_step(
// CHECK-NEXT:    %0 = graph.cache_write %cache, %rows, %pos {axis = 2 : i64} : (tensor<1x16x64x4xi8>, tensor<1x16x1x4xi8>, tensor<1x1xi32>) -> tensor<1x16x64x4xi8>
// CHECK-NEXT:    %1 = graph.icausal_softmax %s, %pos {coeff_a = 1 : i64, coeff_b = 345 : i64, coeff_c = 62395 : i64, log2 = 255 : i64, n_levels = 256 : i64} : (tensor<1x16x1x64xi8>, tensor<1x1xi32>) -> tensor<1x16x1x64xui8>
// CHECK-NEXT:    %2 = graph.causal_softmax %f, %pos : (tensor<1x16x1x64xf32>, tensor<1x1xi32>) -> tensor<1x16x1x64xf32>
// CHECK-NEXT:    func.return %0 : tensor<1x16x64x4xi8>
