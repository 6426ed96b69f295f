// RUN: TINYSLM_ROUNDTRIP
// RUN: TINYSLM_GENERIC_ROUNDTRIP

// Round trip of the graph dialect: matmul, gemm, convolution and pooling.

func.func @matmul(%a: tensor<1x16x1x4xi8>, %b: tensor<1x16x4x9xi8>) -> tensor<1x16x1x9xi32> {
  %0 = graph.matmul %a, %b : (tensor<1x16x1x4xi8>, tensor<1x16x4x9xi8>) -> tensor<1x16x1x9xi32>
  func.return %0 : tensor<1x16x1x9xi32>
}

// CHECK-LABEL: func.func @matmul(
// CHECK-NEXT:    %0 = graph.matmul %a, %b : (tensor<1x16x1x4xi8>, tensor<1x16x4x9xi8>) -> tensor<1x16x1x9xi32>
// CHECK-NEXT:    func.return %0 : tensor<1x16x1x9xi32>

// -----

func.func @matmul_broadcast(%a: tensor<3x1x4x8xf32>) -> tensor<3x1x4x2xf32> {
  %w = graph.weight @w : tensor<8x2xf32>
  %0 = graph.matmul %a, %w : (tensor<3x1x4x8xf32>, tensor<8x2xf32>) -> tensor<3x1x4x2xf32>
  func.return %0 : tensor<3x1x4x2xf32>
}

// CHECK-LABEL: func.func @matmul_broadcast(
// CHECK-NEXT:    %w = graph.weight @w : tensor<8x2xf32>
// CHECK-NEXT:    %0 = graph.matmul %a, %w : (tensor<3x1x4x8xf32>, tensor<8x2xf32>) -> tensor<3x1x4x2xf32>
// CHECK-NEXT:    func.return %0 : tensor<3x1x4x2xf32>

// -----

func.func @gemm(%a: tensor<4x8xi8>) -> tensor<4x6xi32> {
  %w = graph.weight @w : tensor<6x8xi8>
  %c = graph.weight @c : tensor<6xi32>
  %0 = graph.gemm %a, %w, %c {alpha = 2.000000e+00 : f64, beta = 3.000000e+00 : f64, trans_b = true} : (tensor<4x8xi8>, tensor<6x8xi8>, tensor<6xi32>) -> tensor<4x6xi32>
  %1 = graph.gemm %a, %w {trans_b = true} : (tensor<4x8xi8>, tensor<6x8xi8>) -> tensor<4x6xi32>
  %2 = graph.add %0, %1 : (tensor<4x6xi32>, tensor<4x6xi32>) -> tensor<4x6xi32>
  func.return %2 : tensor<4x6xi32>
}

// CHECK-LABEL: func.func @gemm(
// CHECK-NEXT:    %w = graph.weight @w : tensor<6x8xi8>
// CHECK-NEXT:    %c = graph.weight @c : tensor<6xi32>
// CHECK-NEXT:    %0 = graph.gemm %a, %w, %c {alpha = 2.000000e+00 : f64, beta = 3.000000e+00 : f64, trans_b = true} : (tensor<4x8xi8>, tensor<6x8xi8>, tensor<6xi32>) -> tensor<4x6xi32>
// CHECK-NEXT:    %1 = graph.gemm %a, %w {trans_b = true} : (tensor<4x8xi8>, tensor<6x8xi8>) -> tensor<4x6xi32>
// CHECK-NEXT:    %2 = graph.add %0, %1 : (tensor<4x6xi32>, tensor<4x6xi32>) -> tensor<4x6xi32>
// CHECK-NEXT:    func.return %2 : tensor<4x6xi32>

// -----

func.func @conv(%x: tensor<1x8x10x10xi8>) -> tensor<1x8x5x5xi32> {
  %w = graph.weight @w : tensor<8x1x3x3xi8>
  %b = graph.weight @b : tensor<8xi32>
  %0 = graph.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x10x10xi8>, tensor<8x1x3x3xi8>, tensor<8xi32>) -> tensor<1x8x5x5xi32>
  func.return %0 : tensor<1x8x5x5xi32>
}

// CHECK-LABEL: func.func @conv(
// CHECK-NEXT:    %w = graph.weight @w : tensor<8x1x3x3xi8>
// CHECK-NEXT:    %b = graph.weight @b : tensor<8xi32>
// CHECK-NEXT:    %0 = graph.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 8 : i64} : (tensor<1x8x10x10xi8>, tensor<8x1x3x3xi8>, tensor<8xi32>) -> tensor<1x8x5x5xi32>
// CHECK-NEXT:    func.return %0 : tensor<1x8x5x5xi32>

// -----

func.func @conv1d(%x: tensor<1x4x32xf32>) -> tensor<1x16x30xf32> {
  %w = graph.weight @w : tensor<16x4x3xf32>
  %0 = graph.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x4x32xf32>, tensor<16x4x3xf32>) -> tensor<1x16x30xf32>
  func.return %0 : tensor<1x16x30xf32>
}

// CHECK-LABEL: func.func @conv1d(
// CHECK-NEXT:    %w = graph.weight @w : tensor<16x4x3xf32>
// CHECK-NEXT:    %0 = graph.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x4x32xf32>, tensor<16x4x3xf32>) -> tensor<1x16x30xf32>
// CHECK-NEXT:    func.return %0 : tensor<1x16x30xf32>

// -----

func.func @pools(%x: tensor<1x4x9x9xi8>) -> tensor<1x4x4x4xi8> {
  %0 = graph.maxpool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x4x9x9xi8> -> tensor<1x4x4x4xi8>
  %1 = graph.avgpool %0 {kernel_shape = array<i64: 1, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = false} : tensor<1x4x4x4xi8> -> tensor<1x4x4x4xi8>
  %2 = graph.maxpool %1 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : tensor<1x4x4x4xi8> -> tensor<1x4x2x2xi8>
  func.return %1 : tensor<1x4x4x4xi8>
}

// CHECK-LABEL: func.func @pools(
// CHECK-NEXT:    %0 = graph.maxpool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x4x9x9xi8> -> tensor<1x4x4x4xi8>
// CHECK-NEXT:    %1 = graph.avgpool %0 {kernel_shape = array<i64: 1, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = false} : tensor<1x4x4x4xi8> -> tensor<1x4x4x4xi8>
// CHECK-NEXT:    %2 = graph.maxpool %1 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : tensor<1x4x4x4xi8> -> tensor<1x4x2x2xi8>
// CHECK-NEXT:    func.return %1 : tensor<1x4x4x4xi8>
