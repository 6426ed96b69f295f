// RUN: TINYSLM_ROUNDTRIP
// RUN: TINYSLM_GENERIC_ROUNDTRIP

// Round trip of the graph dialect: QuantLib integer operators.

func.func @requant(%x: tensor<1x16x4x4xi32>) -> tensor<1x16x4x4xui8> {
  %m = graph.weight @mul : tensor<16x1x1xi32>
  %a = graph.weight @add : tensor<1xi32>
  %0 = graph.requant_shift %x, %m, %a {div = 65536 : i64, n_levels = 256 : i64, signed = false} : (tensor<1x16x4x4xi32>, tensor<16x1x1xi32>, tensor<1xi32>) -> tensor<1x16x4x4xui8>
  func.return %0 : tensor<1x16x4x4xui8>
}

// CHECK-LABEL: func.func @requant(
// CHECK-NEXT:    %m = graph.weight @mul : tensor<16x1x1xi32>
// CHECK-NEXT:    %a = graph.weight @add : tensor<1xi32>
// CHECK-NEXT:    %0 = graph.requant_shift %x, %m, %a {div = 65536 : i64, n_levels = 256 : i64, signed = false} : (tensor<1x16x4x4xi32>, tensor<16x1x1xi32>, tensor<1xi32>) -> tensor<1x16x4x4xui8>
// CHECK-NEXT:    func.return %0 : tensor<1x16x4x4xui8>

// -----

func.func @requant_per_channel(%x: tensor<1x16x32xi32>) -> tensor<1x16x32xi8> {
  %m = graph.weight @mul : tensor<16xi32>
  %0 = graph.requant_shift %x, %m, %m {div = 1 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x16x32xi32>, tensor<16xi32>, tensor<16xi32>) -> tensor<1x16x32xi8>
  func.return %0 : tensor<1x16x32xi8>
}

// CHECK-LABEL: func.func @requant_per_channel(
// CHECK-NEXT:    %m = graph.weight @mul : tensor<16xi32>
// CHECK-NEXT:    %0 = graph.requant_shift %x, %m, %m {div = 1 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x16x32xi32>, tensor<16xi32>, tensor<16xi32>) -> tensor<1x16x32xi8>
// CHECK-NEXT:    func.return %0 : tensor<1x16x32xi8>

// -----

func.func @softmaxes(%x: tensor<1x4x16xi8>) -> tensor<1x4x16xui8> {
  %0 = graph.isoftmax %x {coeff_a = 1 : i64, coeff_b = 345 : i64, coeff_c = 62395 : i64, log2 = 255 : i64, n_levels = 256 : i64} : tensor<1x4x16xi8> -> tensor<1x4x16xui8>
  %1 = graph.itamax %x {n_levels = 256 : i64} : tensor<1x4x16xi8> -> tensor<1x4x16xui8>
  %2 = graph.itapartialmax %x {group_width = 16 : i64, n_levels = 256 : i64} : tensor<1x4x16xi8> -> tensor<1x4x16xui8>
  func.return %0 : tensor<1x4x16xui8>
}

// CHECK-LABEL: func.func @softmaxes(
// CHECK-NEXT:    %0 = graph.isoftmax %x {coeff_a = 1 : i64, coeff_b = 345 : i64, coeff_c = 62395 : i64, log2 = 255 : i64, n_levels = 256 : i64} : tensor<1x4x16xi8> -> tensor<1x4x16xui8>
// CHECK-NEXT:    %1 = graph.itamax %x {n_levels = 256 : i64} : tensor<1x4x16xi8> -> tensor<1x4x16xui8>
// CHECK-NEXT:    %2 = graph.itapartialmax %x {group_width = 16 : i64, n_levels = 256 : i64} : tensor<1x4x16xi8> -> tensor<1x4x16xui8>
// CHECK-NEXT:    func.return %0 : tensor<1x4x16xui8>

// -----

func.func @activations(%x: tensor<1x8x64xi8>) -> tensor<1x8x64xi32> {
  %0 = graph.ihardswish %x {three = 20 : i64, six = 41 : i64, one_over_six = 3 : i64} : tensor<1x8x64xi8> -> tensor<1x8x64xi32>
  %1 = graph.igelu %x {b = -40 : i64, one = 1743 : i64} : tensor<1x8x64xi8> -> tensor<1x8x64xi32>
  %2 = graph.true_integer_div %x {delta = 16384 : i64, eps = 1 : i64, eta = 200000 : i64, y = 2 : i64} : tensor<1x8x64xi8> -> tensor<1x8x64xi32>
  %3 = graph.integer_div %0, %1 {delta = 1 : i64, eps = 1 : i64, eta = 1 : i64} : (tensor<1x8x64xi32>, tensor<1x8x64xi32>) -> tensor<1x8x64xi32>
  %4 = graph.add %2, %3 : (tensor<1x8x64xi32>, tensor<1x8x64xi32>) -> tensor<1x8x64xi32>
  func.return %4 : tensor<1x8x64xi32>
}

// CHECK-LABEL: func.func @activations(
// CHECK-NEXT:    %0 = graph.ihardswish %x {three = 20 : i64, six = 41 : i64, one_over_six = 3 : i64} : tensor<1x8x64xi8> -> tensor<1x8x64xi32>
// CHECK-NEXT:    %1 = graph.igelu %x {b = -40 : i64, one = 1743 : i64} : tensor<1x8x64xi8> -> tensor<1x8x64xi32>
// CHECK-NEXT:    %2 = graph.true_integer_div %x {delta = 16384 : i64, eps = 1 : i64, eta = 200000 : i64, y = 2 : i64} : tensor<1x8x64xi8> -> tensor<1x8x64xi32>
// CHECK-NEXT:    %3 = graph.integer_div %0, %1 {delta = 1 : i64, eps = 1 : i64, eta = 1 : i64} : (tensor<1x8x64xi32>, tensor<1x8x64xi32>) -> tensor<1x8x64xi32>
// CHECK-NEXT:    %4 = graph.add %2, %3 : (tensor<1x8x64xi32>, tensor<1x8x64xi32>) -> tensor<1x8x64xi32>
// CHECK-NEXT:    func.return %4 : tensor<1x8x64xi32>

// -----

func.func @norms(%x: tensor<1x8x64xi8>) -> tensor<1x8x64xi8> {
  %w = graph.weight @w : tensor<64xi32>
  %b = graph.weight @b : tensor<64xi32>
  %0 = graph.irmsnorm %x, %w {d = 65536 : i64, n_levels = 256 : i64} : (tensor<1x8x64xi8>, tensor<64xi32>) -> tensor<1x8x64xi8>
  %1 = graph.ilayernorm %0, %w, %b {d = 16384 : i64, n_levels = 256 : i64} : (tensor<1x8x64xi8>, tensor<64xi32>, tensor<64xi32>) -> tensor<1x8x64xi8>
  %2 = graph.inonorm %1, %w, %b {d = 65536 : i64, mul = 425 : i64, n_levels = 256 : i64} : (tensor<1x8x64xi8>, tensor<64xi32>, tensor<64xi32>) -> tensor<1x8x64xi8>
  func.return %2 : tensor<1x8x64xi8>
}

// CHECK-LABEL: func.func @norms(
// CHECK-NEXT:    %w = graph.weight @w : tensor<64xi32>
// CHECK-NEXT:    %b = graph.weight @b : tensor<64xi32>
// CHECK-NEXT:    %0 = graph.irmsnorm %x, %w {d = 65536 : i64, n_levels = 256 : i64} : (tensor<1x8x64xi8>, tensor<64xi32>) -> tensor<1x8x64xi8>
// CHECK-NEXT:    %1 = graph.ilayernorm %0, %w, %b {d = 16384 : i64, n_levels = 256 : i64} : (tensor<1x8x64xi8>, tensor<64xi32>, tensor<64xi32>) -> tensor<1x8x64xi8>
// CHECK-NEXT:    %2 = graph.inonorm %1, %w, %b {d = 65536 : i64, mul = 425 : i64, n_levels = 256 : i64} : (tensor<1x8x64xi8>, tensor<64xi32>, tensor<64xi32>) -> tensor<1x8x64xi8>
// CHECK-NEXT:    func.return %2 : tensor<1x8x64xi8>
