// RUN: tinyslm-opt %s -p fuse-requant --split-input-file | filecheck %s

// A GEMV and its per-column requantization become one op; the int32 product disappears.
func.func @gemv(%x: tensor<1x1x64xi8>) -> tensor<1x1x32xi8> {
  %w = graph.weight @w : tensor<64x32xi8>
  %m = graph.weight @m : tensor<32xi16>
  %a = graph.weight @a : tensor<32xi8>
  %0 = graph.matmul %x, %w : (tensor<1x1x64xi8>, tensor<64x32xi8>) -> tensor<1x1x32xi32>
  %1 = graph.requant_shift %0, %m, %a {div = 1048576 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x1x32xi32>, tensor<32xi16>, tensor<32xi8>) -> tensor<1x1x32xi8>
  func.return %1 : tensor<1x1x32xi8>
}
// CHECK-LABEL: func.func @gemv(
// CHECK:         %[[R:.*]] = graph.matmul_rq %x, %w, %m, %a {div = 1048576 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x1x64xi8>, tensor<64x32xi8>, tensor<32xi16>, tensor<32xi8>) -> tensor<1x1x32xi8>
// CHECK-NEXT:    func.return %[[R]] : tensor<1x1x32xi8>

// -----

// Attention scores: the transpose of the K cache's last two dims is absorbed as trans_rhs.
func.func @scores(%q: tensor<1x16x1x4xi8>, %k: tensor<1x16x65x4xi8>) -> tensor<1x16x1x65xi8> {
  %m = graph.weight @m : tensor<1xi16>
  %a = graph.weight @a : tensor<1xi8>
  %t = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<1x16x65x4xi8> -> tensor<1x16x4x65xi8>
  %0 = graph.matmul %q, %t : (tensor<1x16x1x4xi8>, tensor<1x16x4x65xi8>) -> tensor<1x16x1x65xi32>
  %1 = graph.requant_shift %0, %m, %a {div = 2097152 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x16x1x65xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x16x1x65xi8>
  func.return %1 : tensor<1x16x1x65xi8>
}
// CHECK-LABEL: func.func @scores(
// CHECK-NOT:     graph.transpose
// CHECK:         %[[R:.*]] = graph.matmul_rq %q, %k, %m, %a {div = 2097152 : i64, n_levels = 256 : i64, signed = true, trans_rhs = true} : (tensor<1x16x1x4xi8>, tensor<1x16x65x4xi8>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x16x1x65xi8>
// CHECK-NEXT:    func.return %[[R]]

// -----

// Not fused: a per-channel (axis 1) mul, a divisor that is not a power of two, and a product
// with a second user.
func.func @unfused(%x: tensor<2x8x4xi8>, %w: tensor<4x4xi8>) -> (tensor<2x8x4xi8>, tensor<2x8x4xi8>, tensor<2x8x4xi32>) {
  %m8 = graph.weight @m8 : tensor<8xi16>
  %m = graph.weight @m : tensor<1xi16>
  %a = graph.weight @a : tensor<1xi8>
  %0 = graph.matmul %x, %w : (tensor<2x8x4xi8>, tensor<4x4xi8>) -> tensor<2x8x4xi32>
  %1 = graph.requant_shift %0, %m8, %a {div = 1024 : i64, n_levels = 256 : i64, signed = true} : (tensor<2x8x4xi32>, tensor<8xi16>, tensor<1xi8>) -> tensor<2x8x4xi8>
  %2 = graph.matmul %x, %w : (tensor<2x8x4xi8>, tensor<4x4xi8>) -> tensor<2x8x4xi32>
  %3 = graph.requant_shift %2, %m, %a {div = 1000 : i64, n_levels = 256 : i64, signed = true} : (tensor<2x8x4xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<2x8x4xi8>
  %4 = graph.matmul %x, %w : (tensor<2x8x4xi8>, tensor<4x4xi8>) -> tensor<2x8x4xi32>
  %5 = graph.requant_shift %4, %m, %a {div = 1024 : i64, n_levels = 256 : i64, signed = true} : (tensor<2x8x4xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<2x8x4xi8>
  func.return %1, %3, %4 : tensor<2x8x4xi8>, tensor<2x8x4xi8>, tensor<2x8x4xi32>
}
// CHECK-LABEL: func.func @unfused(
// CHECK-NOT:     graph.matmul_rq
// CHECK:         func.return

// -----

// A requantized residual add of two scaled int32 products becomes one add_rq.
func.func @residual(%x: tensor<1x1x64xi8>, %y: tensor<1x1x64xi16>) -> tensor<1x1x64xi16> {
  %sx = graph.weight @sx : tensor<1xi16>
  %sy = graph.weight @sy : tensor<1xi8>
  %m = graph.weight @m : tensor<1xi16>
  %a = graph.weight @a : tensor<1xi8>
  %0 = graph.mul %x, %sx : (tensor<1x1x64xi8>, tensor<1xi16>) -> tensor<1x1x64xi32>
  %1 = graph.mul %y, %sy : (tensor<1x1x64xi16>, tensor<1xi8>) -> tensor<1x1x64xi32>
  %2 = graph.add %0, %1 : (tensor<1x1x64xi32>, tensor<1x1x64xi32>) -> tensor<1x1x64xi32>
  %3 = graph.requant_shift %2, %m, %a {div = 16384 : i64, n_levels = 65536 : i64, signed = true} : (tensor<1x1x64xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x1x64xi16>
  func.return %3 : tensor<1x1x64xi16>
}
// CHECK-LABEL: func.func @residual(
// CHECK-NOT:     graph.mul
// CHECK:         %[[R:.*]] = graph.add_rq %x, %sx, %y, %sy, %m, %a {div = 16384 : i64, n_levels = 65536 : i64, signed = true} : (tensor<1x1x64xi8>, tensor<1xi16>, tensor<1x1x64xi16>, tensor<1xi8>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x1x64xi16>
// CHECK-NEXT:    func.return %[[R]]

// -----

// Not fused: a per-element factor, and a product with a second user.
func.func @residual_unfused(%x: tensor<64xi8>, %y: tensor<64xi8>, %f: tensor<64xi16>) -> (tensor<64xi8>, tensor<64xi8>, tensor<64xi32>) {
  %s = graph.weight @s : tensor<1xi16>
  %m = graph.weight @m : tensor<1xi16>
  %a = graph.weight @a : tensor<1xi8>
  %0 = graph.mul %x, %f : (tensor<64xi8>, tensor<64xi16>) -> tensor<64xi32>
  %1 = graph.mul %y, %s : (tensor<64xi8>, tensor<1xi16>) -> tensor<64xi32>
  %2 = graph.add %0, %1 : (tensor<64xi32>, tensor<64xi32>) -> tensor<64xi32>
  %3 = graph.requant_shift %2, %m, %a {div = 1024 : i64, n_levels = 256 : i64, signed = true} : (tensor<64xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<64xi8>
  %4 = graph.mul %x, %s : (tensor<64xi8>, tensor<1xi16>) -> tensor<64xi32>
  %5 = graph.mul %y, %s : (tensor<64xi8>, tensor<1xi16>) -> tensor<64xi32>
  %6 = graph.add %4, %5 : (tensor<64xi32>, tensor<64xi32>) -> tensor<64xi32>
  %7 = graph.requant_shift %6, %m, %a {div = 1024 : i64, n_levels = 256 : i64, signed = true} : (tensor<64xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<64xi8>
  func.return %3, %7, %4 : tensor<64xi8>, tensor<64xi8>, tensor<64xi32>
}
// CHECK-LABEL: func.func @residual_unfused(
// CHECK-NOT:     graph.add_rq
// CHECK:         func.return

// -----

// SwiGLU's requantized product of two int8 tensors becomes one mul_rq.
func.func @swiglu(%g: tensor<1x1x256xi8>, %u: tensor<1x1x256xi8>) -> tensor<1x1x256xi8> {
  %m = graph.weight @m : tensor<1xi16>
  %a = graph.weight @a : tensor<1xi8>
  %0 = graph.mul %g, %u : (tensor<1x1x256xi8>, tensor<1x1x256xi8>) -> tensor<1x1x256xi32>
  %1 = graph.requant_shift %0, %m, %a {div = 2097152 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x1x256xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x1x256xi8>
  func.return %1 : tensor<1x1x256xi8>
}
// CHECK-LABEL: func.func @swiglu(
// CHECK:         %[[R:.*]] = graph.mul_rq %g, %u, %m, %a {div = 2097152 : i64, n_levels = 256 : i64, signed = true} : (tensor<1x1x256xi8>, tensor<1x1x256xi8>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x1x256xi8>
// CHECK-NEXT:    func.return %[[R]]

// -----

// Not fused: a broadcast operand (the product is larger than it).
func.func @mul_unfused(%g: tensor<4x8xi8>, %u: tensor<8xi8>) -> tensor<4x8xi8> {
  %m = graph.weight @m : tensor<1xi16>
  %a = graph.weight @a : tensor<1xi8>
  %0 = graph.mul %g, %u : (tensor<4x8xi8>, tensor<8xi8>) -> tensor<4x8xi32>
  %1 = graph.requant_shift %0, %m, %a {div = 1024 : i64, n_levels = 256 : i64, signed = true} : (tensor<4x8xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<4x8xi8>
  func.return %1 : tensor<4x8xi8>
}
// CHECK-LABEL: func.func @mul_unfused(
// CHECK-NOT:     graph.mul_rq
// CHECK:         func.return
