// RUN: tinyslm-opt %s --verify-diagnostics --split-input-file | filecheck %s
// Every verifier rule of the graph dialect rejects a bad op with a message naming the op and the reason.

func.func @broadcast(%a: tensor<2x3xi8>, %b: tensor<4xi8>) {
  %0 = graph.add %a, %b : (tensor<2x3xi8>, tensor<4xi8>) -> tensor<2x3xi32>
  func.return
}
// CHECK: graph.add: shapes (2, 3) and (4,) do not broadcast (dimension 1 is [3, 4])

// -----

func.func @accumulator_type(%a: tensor<2x3xi8>) {
  %0 = graph.add %a, %a : (tensor<2x3xi8>, tensor<2x3xi8>) -> tensor<2x3xi8>
  func.return
}
// CHECK: graph.add: result type tensor<2x3xi8> does not match the inferred type tensor<2x3xi32>

// -----

func.func @matmul_k(%a: tensor<2x3xi8>, %b: tensor<4x5xi8>) {
  %0 = graph.matmul %a, %b : (tensor<2x3xi8>, tensor<4x5xi8>) -> tensor<2x5xi32>
  func.return
}
// CHECK: graph.matmul: contracting dimensions differ: K=3 (lhs) vs K=4 (rhs)

// -----

func.func @gemm_k(%a: tensor<2x3xi8>, %b: tensor<4x5xi8>) {
  %0 = graph.gemm %a, %b {trans_b = true} : (tensor<2x3xi8>, tensor<4x5xi8>) -> tensor<2x4xi32>
  func.return
}
// CHECK: graph.gemm: contracting dimensions differ: K=3 (A) vs K=5 (B)

// -----

func.func @gemm_alpha(%a: tensor<2x3xi8>, %b: tensor<3x5xi8>) {
  %0 = graph.gemm %a, %b {alpha = 5.000000e-01 : f64} : (tensor<2x3xi8>, tensor<3x5xi8>) -> tensor<2x5xi32>
  func.return
}
// CHECK: graph.gemm: alpha = 0.5 must be integral on integer operands

// -----

func.func @gemm_c(%a: tensor<2x3xi8>, %b: tensor<3x5xi8>, %c: tensor<3xi32>) {
  %0 = graph.gemm %a, %b, %c : (tensor<2x3xi8>, tensor<3x5xi8>, tensor<3xi32>) -> tensor<2x5xi32>
  func.return
}
// CHECK: graph.gemm: C of shape (3,) does not broadcast to the result (2, 5)

// -----

func.func @conv_group(%x: tensor<1x4x8xi8>, %w: tensor<4x1x3xi8>) {
  %0 = graph.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 3 : i64} : (tensor<1x4x8xi8>, tensor<4x1x3xi8>) -> tensor<1x4x6xi32>
  func.return
}
// CHECK: graph.conv: group 3 does not divide channels 4 and 4

// -----

func.func @conv_bias(%x: tensor<1x4x8xi8>, %w: tensor<2x4x3xi8>, %b: tensor<4xi32>) {
  %0 = graph.conv %x, %w, %b {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x4x8xi8>, tensor<2x4x3xi8>, tensor<4xi32>) -> tensor<1x2x6xi32>
  func.return
}
// CHECK: graph.conv: bias shape (4,) must be (2,)

// -----

func.func @conv_pads(%x: tensor<1x4x8xi8>, %w: tensor<2x4x3xi8>) {
  %0 = graph.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x4x8xi8>, tensor<2x4x3xi8>) -> tensor<1x2x6xi32>
  func.return
}
// CHECK: graph.conv: pads has 1 entries, expected 2

// -----

func.func @pool_window(%x: tensor<1x4x8xi8>) {
  %0 = graph.maxpool %x {kernel_shape = array<i64: 9>, strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : tensor<1x4x8xi8> -> tensor<1x4x1xi8>
  func.return
}
// CHECK: graph.maxpool: window 9 larger than padded input 8

// -----

func.func @reduce_axis(%x: tensor<1x4x8xi8>) {
  %0 = graph.reduce_sum %x {axes = array<i64: 3>, keepdims = false} : tensor<1x4x8xi8> -> tensor<1x4xi32>
  func.return
}
// CHECK: graph.reduce_sum: axis 3 is out of range for rank 3

// -----

func.func @softmax_int(%x: tensor<1x4x8xi8>) {
  %0 = graph.softmax %x {axis = -1 : i64} : tensor<1x4x8xi8> -> tensor<1x4x8xi8>
  func.return
}
// CHECK: graph.softmax: the operand must be a float tensor, got tensor<1x4x8xi8>

// -----

func.func @layer_norm_scale(%x: tensor<1x4x8xf32>, %g: tensor<4xf32>) {
  %0 = graph.layer_norm %x, %g {axis = -1 : i64, epsilon = 1.000000e-05 : f64} : (tensor<1x4x8xf32>, tensor<4xf32>) -> tensor<1x4x8xf32>
  func.return
}
// CHECK: graph.layer_norm: scale/bias shape (4,) does not broadcast to the normalised shape (8,)

// -----

func.func @transpose_perm(%x: tensor<2x3xi8>) {
  %0 = graph.transpose %x {perm = array<i64: 0, 0>} : tensor<2x3xi8> -> tensor<3x2xi8>
  func.return
}
// CHECK: graph.transpose: perm [0, 0] is not a permutation of 2 axes

// -----

func.func @reshape_count(%x: tensor<2x3xi8>) {
  %0 = graph.reshape %x : tensor<2x3xi8> -> tensor<7xi8>
  func.return
}
// CHECK: graph.reshape: tensor<2x3xi8> and tensor<7xi8> differ in element type or count

// -----

func.func @expand(%x: tensor<2x3xi8>) {
  %0 = graph.expand %x : tensor<2x3xi8> -> tensor<2x4xi8>
  func.return
}
// CHECK: graph.expand: tensor<2x3xi8> does not broadcast to tensor<2x4xi8>

// -----

func.func @concat(%x: tensor<2x3xi8>, %y: tensor<2x4xi8>) {
  %0 = graph.concat %x, %y {axis = 0 : i64} : (tensor<2x3xi8>, tensor<2x4xi8>) -> tensor<4x3xi8>
  func.return
}
// CHECK: graph.concat: concat operands [(2, 3), (2, 4)] differ outside axis 0

// -----

func.func @split(%x: tensor<2x3xi8>) {
  %0, %1 = graph.split %x {axis = 1 : i64, sizes = array<i64: 1, 1>} : tensor<2x3xi8> -> tensor<2x1xi8>, tensor<2x1xi8>
  func.return
}
// CHECK: graph.split: split sizes [1, 1] do not add up to 3

// -----

func.func @slice(%x: tensor<2x3xi8>) {
  %0 = graph.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, 9>, steps = array<i64: 1, 1>} : tensor<2x3xi8> -> tensor<2x3xi8>
  func.return
}
// CHECK: graph.slice: slice bounds [0, 9) out of range for dimension 3

// -----

func.func @pad_value(%x: tensor<2x3xi8>) {
  %0 = graph.pad %x {pads = array<i64: 0, 1, 0, 1>, value = 3.000000e+02 : f64} : tensor<2x3xi8> -> tensor<2x5xi8>
  func.return
}
// CHECK: graph.pad: pad value 300.0 is not representable in i8

// -----

func.func @gather_indices(%x: tensor<10x3xf32>, %i: tensor<2xf32>) {
  %0 = graph.gather %x, %i {axis = 0 : i64} : (tensor<10x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  func.return
}
// CHECK: graph.gather: indices must be an integer tensor, got tensor<2xf32>

// -----

func.func @requant_div(%x: tensor<4x8xi32>, %m: tensor<1xi32>) {
  %0 = graph.requant_shift %x, %m, %m {div = 0 : i64, n_levels = 256 : i64, signed = true} : (tensor<4x8xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<4x8xi8>
  func.return
}
// CHECK: graph.requant_shift: div = 0 must be positive

// -----

func.func @requant_levels(%x: tensor<4x8xi32>, %m: tensor<1xi32>) {
  %0 = graph.requant_shift %x, %m, %m {div = 2 : i64, n_levels = 1 : i64, signed = true} : (tensor<4x8xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<4x8xi8>
  func.return
}
// CHECK: graph.requant_shift: n_levels = 1 must be at least 2

// -----

func.func @requant_param(%x: tensor<4x8xi32>, %m: tensor<3xi32>) {
  %0 = graph.requant_shift %x, %m, %m {div = 2 : i64, n_levels = 256 : i64, signed = true} : (tensor<4x8xi32>, tensor<3xi32>, tensor<3xi32>) -> tensor<4x8xi8>
  func.return
}
// CHECK: graph.requant_shift: mul of shape (3,) is neither a scalar, broadcastable to (4, 8), nor one value per channel

// -----

func.func @requant_signed_type(%x: tensor<4x8xi32>, %m: tensor<1xi32>) {
  %0 = graph.requant_shift %x, %m, %m {div = 2 : i64, n_levels = 256 : i64, signed = false} : (tensor<4x8xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<4x8xi8>
  func.return
}
// CHECK: graph.requant_shift: result type tensor<4x8xi8> does not match the inferred type tensor<4x8xui8>

// -----

func.func @requant_float(%x: tensor<4x8xf32>, %m: tensor<1xi32>) {
  %0 = graph.requant_shift %x, %m, %m {div = 2 : i64, n_levels = 256 : i64, signed = true} : (tensor<4x8xf32>, tensor<1xi32>, tensor<1xi32>) -> tensor<4x8xi8>
  func.return
}
// CHECK: graph.requant_shift: the operand must be an integer tensor, got tensor<4x8xf32>

// -----

func.func @isoftmax_log2(%x: tensor<1x4x16xi8>) {
  %0 = graph.isoftmax %x {coeff_a = 1 : i64, coeff_b = 345 : i64, coeff_c = 62395 : i64, log2 = 0 : i64, n_levels = 256 : i64} : tensor<1x4x16xi8> -> tensor<1x4x16xui8>
  func.return
}
// CHECK: graph.isoftmax: log2 must be positive

// -----

func.func @itamax_levels(%x: tensor<1x4x16xi8>) {
  %0 = graph.itamax %x {n_levels = 255 : i64} : tensor<1x4x16xi8> -> tensor<1x4x16xui8>
  func.return
}
// CHECK: graph.itamax: n_levels = 255 must be a power of two

// -----

func.func @itapartialmax_group(%x: tensor<1x4x16xi8>) {
  %0 = graph.itapartialmax %x {group_width = 0 : i64, n_levels = 256 : i64} : tensor<1x4x16xi8> -> tensor<1x4x16xui8>
  func.return
}
// CHECK: graph.itapartialmax: group_width must be positive

// -----

func.func @ihardswish_six(%x: tensor<4xi8>) {
  %0 = graph.ihardswish %x {three = 3 : i64, six = -6 : i64, one_over_six = 1 : i64} : tensor<4xi8> -> tensor<4xi32>
  func.return
}
// CHECK: graph.ihardswish: six must be non-negative

// -----

func.func @igelu_b(%x: tensor<4xi8>) {
  %0 = graph.igelu %x {b = 4 : i64, one = 1743 : i64} : tensor<4xi8> -> tensor<4xi32>
  func.return
}
// CHECK: graph.igelu: b must be negative

// -----

func.func @true_integer_div(%x: tensor<4xi8>) {
  %0 = graph.true_integer_div %x {delta = 16384 : i64, eps = 0 : i64, eta = 200000 : i64, y = 0 : i64} : tensor<4xi8> -> tensor<4xi32>
  func.return
}
// CHECK: graph.true_integer_div: y*eta + eps must be positive

// -----

func.func @irmsnorm_d(%x: tensor<2x64xi8>, %w: tensor<64xi32>) {
  %0 = graph.irmsnorm %x, %w {d = 1000 : i64, n_levels = 256 : i64} : (tensor<2x64xi8>, tensor<64xi32>) -> tensor<2x64xi8>
  func.return
}
// CHECK: graph.irmsnorm: d = 1000 must be a positive power of two

// -----

func.func @irmsnorm_weight(%x: tensor<2x64xi8>, %w: tensor<32xi32>) {
  %0 = graph.irmsnorm %x, %w {d = 1024 : i64, n_levels = 256 : i64} : (tensor<2x64xi8>, tensor<32xi32>) -> tensor<2x64xi8>
  func.return
}
// CHECK: graph.irmsnorm: weight shape (32,) does not match the last axis (64,)

// -----

func.func @ilayernorm_bias(%x: tensor<2x64xi8>, %w: tensor<64xi32>, %b: tensor<2xi32>) {
  %0 = graph.ilayernorm %x, %w, %b {d = 1024 : i64, n_levels = 256 : i64} : (tensor<2x64xi8>, tensor<64xi32>, tensor<2xi32>) -> tensor<2x64xi8>
  func.return
}
// CHECK: graph.ilayernorm: weight/bias shape (2,) does not match the last axis (64,)

// -----

func.func @inonorm_bias(%x: tensor<2x64xi8>, %w: tensor<64xi32>, %b: tensor<3xi32>) {
  %0 = graph.inonorm %x, %w, %b {d = 65536 : i64, mul = 425 : i64, n_levels = 256 : i64} : (tensor<2x64xi8>, tensor<64xi32>, tensor<3xi32>) -> tensor<2x64xi8>
  func.return
}
// CHECK: graph.inonorm: weights (64,) / bias (3,) do not broadcast to (2, 64)

// -----

func.func @integer_div_float(%x: tensor<4xf32>, %y: tensor<4xi32>) {
  %0 = graph.integer_div %x, %y {delta = 1 : i64, eps = 1 : i64, eta = 1 : i64} : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xi32>
  func.return
}
// CHECK: graph.integer_div: lhs must be an integer tensor, got tensor<4xf32>

// -----

func.func @dynamic_shape(%x: tensor<?x4xi8>) {
  %0 = graph.relu %x : tensor<?x4xi8> -> tensor<?x4xi8>
  func.return
}
// CHECK: graph.relu: operands and results must be statically shaped tensors, got tensor<?x4xi8>

// -----

func.func @weight_dynamic() {
  %0 = graph.weight @w : tensor<?x4xi8>
  func.return
}
// CHECK: graph.weight: result must be a static tensor, got tensor<?x4xi8>

// -----

func.func @where_cond(%c: tensor<4xi8>, %x: tensor<4xf32>) {
  %0 = graph.where %c, %x, %x : (tensor<4xi8>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return
}
// CHECK: graph.where: condition must be an i1 tensor, got tensor<4xi8>

// -----

func.func @pow_int(%x: tensor<4xi8>) {
  %0 = graph.pow %x, %x : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  func.return
}
// CHECK: graph.pow: graph.pow is defined on float bases only

// -----

func.func @sigmoid_int(%x: tensor<4xi8>) {
  %0 = graph.sigmoid %x : tensor<4xi8> -> tensor<4xi8>
  func.return
}
// CHECK: graph.sigmoid: the operand must be a float tensor, got tensor<4xi8>

// -----

func.func @cast_shape(%x: tensor<4xf32>) {
  %0 = graph.cast %x : tensor<4xf32> -> tensor<2xi8>
  func.return
}
// CHECK: graph.cast: shape changes from tensor<4xf32> to tensor<2xi8>

// -----

func.func @compare_type(%x: tensor<4xf32>) {
  %0 = graph.less %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return
}
// CHECK: graph.less: result type tensor<4xf32> does not match the inferred type tensor<4xi1>

// -----

func.func @avgpool_stride(%x: tensor<1x4x8xf32>) {
  %0 = graph.avgpool %x {kernel_shape = array<i64: 2>, strides = array<i64: 0>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : tensor<1x4x8xf32> -> tensor<1x4x4xf32>
  func.return
}
// CHECK: graph.avgpool: strides and dilations must be positive

// -----

func.func @reduce_mean_keepdims(%x: tensor<2x8xi8>) {
  %0 = graph.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8xi8> -> tensor<2xi8>
  func.return
}
// CHECK: graph.reduce_mean: result type tensor<2xi8> does not match the inferred type tensor<2x1xi8>

// -----

func.func @rms_norm_scale(%x: tensor<2x8xf32>, %g: tensor<3xf32>) {
  %0 = graph.rms_norm %x, %g {axis = -1 : i64, epsilon = 1.000000e-06 : f64} : (tensor<2x8xf32>, tensor<3xf32>) -> tensor<2x8xf32>
  func.return
}
// CHECK: graph.rms_norm: scale/bias shape (3,) does not broadcast to the normalised shape (8,)

// -----

func.func @cache_overflow(%c: tensor<1x2x4x4xi8>, %r: tensor<1x2x5x4xi8>, %p: tensor<1xi32>) {
  %0 = graph.cache_write %c, %r, %p {axis = 2 : i64} : (tensor<1x2x4x4xi8>, tensor<1x2x5x4xi8>, tensor<1xi32>) -> tensor<1x2x4x4xi8>
  func.return
}
// CHECK: graph.cache_write: 5 rows exceed the cache capacity 4

// -----

func.func @cache_rows_type(%c: tensor<1x2x4x4xi8>, %r: tensor<1x2x1x4xi32>, %p: tensor<1xi32>) {
  %0 = graph.cache_write %c, %r, %p {axis = 2 : i64} : (tensor<1x2x4x4xi8>, tensor<1x2x1x4xi32>, tensor<1xi32>) -> tensor<1x2x4x4xi8>
  func.return
}
// CHECK: graph.cache_write: rows of i32 cannot be written into a cache of i8

// -----

func.func @cache_heads(%c: tensor<1x2x4x4xi8>, %r: tensor<1x3x1x4xi8>, %p: tensor<1xi32>) {
  %0 = graph.cache_write %c, %r, %p {axis = 2 : i64} : (tensor<1x2x4x4xi8>, tensor<1x3x1x4xi8>, tensor<1xi32>) -> tensor<1x2x4x4xi8>
  func.return
}
// CHECK: graph.cache_write: rows (1, 3, 1, 4) and cache (1, 2, 4, 4) differ outside axis 2

// -----

func.func @cache_float_position(%c: tensor<1x2x4x4xi8>, %r: tensor<1x2x1x4xi8>, %p: tensor<1xf32>) {
  %0 = graph.cache_write %c, %r, %p {axis = 2 : i64} : (tensor<1x2x4x4xi8>, tensor<1x2x1x4xi8>, tensor<1xf32>) -> tensor<1x2x4x4xi8>
  func.return
}
// CHECK: graph.cache_write: the positions must be an integer tensor, got tensor<1xf32>

// -----

func.func @causal_rank(%x: tensor<8xi8>, %p: tensor<1xi32>) {
  %0 = graph.icausal_softmax %x, %p {coeff_a = 1 : i64, coeff_b = 345 : i64, coeff_c = 62395 : i64, log2 = 255 : i64, n_levels = 256 : i64} : (tensor<8xi8>, tensor<1xi32>) -> tensor<8xui8>
  func.return
}
// CHECK: graph.icausal_softmax: expected (..., queries, positions), got tensor<8xi8>

// -----

func.func @causal_float(%x: tensor<2x8xf32>, %p: tensor<1xi32>) {
  %0 = graph.causal_softmax %x, %p : (tensor<2x8xf32>, tensor<1xi32>) -> tensor<2x8xf16>
  func.return
}
// CHECK: graph.causal_softmax: result type tensor<2x8xf16> does not match the inferred type tensor<2x8xf32>

// -----

func.func @weight_layout() {
  %w = graph.weight @w layout "k_quads" : tensor<4x5xi32>
  func.return
}
// CHECK: graph.weight @w: unknown layout 'k_quads' (known: k_pairs)

// -----

func.func @weight_k_pairs_type() {
  %w = graph.weight @w layout "k_pairs" : tensor<4x5xi8>
  func.return
}
// CHECK: graph.weight @w: layout k_pairs holds int32 words (K/2, N), got tensor<4x5xi8>

// -----

func.func @matmul_rq_pairs_lhs(%x: tensor<1x8xui8>, %w: tensor<4x5xi32>, %m: tensor<1xi16>, %a: tensor<1xi8>) {
  %0 = graph.matmul_rq %x, %w, %m, %a {div = 1024 : i64, n_levels = 256 : i64, signed = true, rhs_pairs = true} : (tensor<1x8xui8>, tensor<4x5xi32>, tensor<1xi16>, tensor<1xi8>) -> tensor<1x5xi8>
  func.return
}
// CHECK: graph.matmul_rq: rhs_pairs needs an i8 lhs and a k_pairs (i32) rhs
