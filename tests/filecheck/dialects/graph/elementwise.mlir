// RUN: TINYSLM_ROUNDTRIP
// RUN: TINYSLM_GENERIC_ROUNDTRIP

// Round trip of the graph dialect: element-wise ops with broadcasting.

func.func @int_arith(%a: tensor<1x4x8xi8>, %b: tensor<8xi8>) -> tensor<1x4x8xi32> {
  %0 = graph.add %a, %b : (tensor<1x4x8xi8>, tensor<8xi8>) -> tensor<1x4x8xi32>
  %1 = graph.sub %0, %a : (tensor<1x4x8xi32>, tensor<1x4x8xi8>) -> tensor<1x4x8xi32>
  %2 = graph.mul %1, %b : (tensor<1x4x8xi32>, tensor<8xi8>) -> tensor<1x4x8xi32>
  %3 = graph.div %2, %1 : (tensor<1x4x8xi32>, tensor<1x4x8xi32>) -> tensor<1x4x8xi32>
  %4 = graph.max %a, %b : (tensor<1x4x8xi8>, tensor<8xi8>) -> tensor<1x4x8xi8>
  %5 = graph.min %a, %b : (tensor<1x4x8xi8>, tensor<8xi8>) -> tensor<1x4x8xi8>
  %6 = graph.relu %a : tensor<1x4x8xi8> -> tensor<1x4x8xi8>
  %7 = graph.neg %3 : tensor<1x4x8xi32> -> tensor<1x4x8xi32>
  %8 = graph.abs %7 : tensor<1x4x8xi32> -> tensor<1x4x8xi32>
  %9 = graph.clip %8 {min = 0.000000e+00 : f64, max = 1.270000e+02 : f64} : tensor<1x4x8xi32> -> tensor<1x4x8xi32>
  func.return %9 : tensor<1x4x8xi32>
}

// CHECK-LABEL: func.func @int_arith(
// CHECK-NEXT:    %0 = graph.add %a, %b : (tensor<1x4x8xi8>, tensor<8xi8>) -> tensor<1x4x8xi32>
// CHECK-NEXT:    %1 = graph.sub %0, %a : (tensor<1x4x8xi32>, tensor<1x4x8xi8>) -> tensor<1x4x8xi32>
// CHECK-NEXT:    %2 = graph.mul %1, %b : (tensor<1x4x8xi32>, tensor<8xi8>) -> tensor<1x4x8xi32>
// CHECK-NEXT:    %3 = graph.div %2, %1 : (tensor<1x4x8xi32>, tensor<1x4x8xi32>) -> tensor<1x4x8xi32>
// CHECK-NEXT:    %4 = graph.max %a, %b : (tensor<1x4x8xi8>, tensor<8xi8>) -> tensor<1x4x8xi8>
// CHECK-NEXT:    %5 = graph.min %a, %b : (tensor<1x4x8xi8>, tensor<8xi8>) -> tensor<1x4x8xi8>
// CHECK-NEXT:    %6 = graph.relu %a : tensor<1x4x8xi8> -> tensor<1x4x8xi8>
// CHECK-NEXT:    %7 = graph.neg %3 : tensor<1x4x8xi32> -> tensor<1x4x8xi32>
// CHECK-NEXT:    %8 = graph.abs %7 : tensor<1x4x8xi32> -> tensor<1x4x8xi32>
// CHECK-NEXT:    %9 = graph.clip %8 {min = 0.000000e+00 : f64, max = 1.270000e+02 : f64} : tensor<1x4x8xi32> -> tensor<1x4x8xi32>
// CHECK-NEXT:    func.return %9 : tensor<1x4x8xi32>

// -----

func.func @mixed_signedness(%a: tensor<4xui8>, %b: tensor<4xi8>) -> tensor<4xi16> {
  %0 = graph.max %a, %b : (tensor<4xui8>, tensor<4xi8>) -> tensor<4xi16>
  func.return %0 : tensor<4xi16>
}

// CHECK-LABEL: func.func @mixed_signedness(
// CHECK-NEXT:    %0 = graph.max %a, %b : (tensor<4xui8>, tensor<4xi8>) -> tensor<4xi16>
// CHECK-NEXT:    func.return %0 : tensor<4xi16>

// -----

func.func @float_ops(%x: tensor<2x3xf32>, %y: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = graph.pow %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = graph.sigmoid %0 : tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = graph.tanh %1 : tensor<2x3xf32> -> tensor<2x3xf32>
  %3 = graph.exp %2 : tensor<2x3xf32> -> tensor<2x3xf32>
  %4 = graph.log %3 : tensor<2x3xf32> -> tensor<2x3xf32>
  %5 = graph.sqrt %4 : tensor<2x3xf32> -> tensor<2x3xf32>
  %6 = graph.erf %5 : tensor<2x3xf32> -> tensor<2x3xf32>
  %7 = graph.reciprocal %6 : tensor<2x3xf32> -> tensor<2x3xf32>
  %8 = graph.gelu %7 : tensor<2x3xf32> -> tensor<2x3xf32>
  %9 = graph.gelu %8 {tanh_approx = true} : tensor<2x3xf32> -> tensor<2x3xf32>
  func.return %9 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @float_ops(
// CHECK-NEXT:    %0 = graph.pow %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %1 = graph.sigmoid %0 : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %2 = graph.tanh %1 : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %3 = graph.exp %2 : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %4 = graph.log %3 : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %5 = graph.sqrt %4 : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %6 = graph.erf %5 : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %7 = graph.reciprocal %6 : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %8 = graph.gelu %7 : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %9 = graph.gelu %8 {tanh_approx = true} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %9 : tensor<2x3xf32>

// -----

func.func @compare_select(%x: tensor<2x3xf32>, %y: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = graph.equal %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %1 = graph.less %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %2 = graph.greater %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %3 = graph.where %2, %x, %y : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %4 = graph.cast %3 : tensor<2x3xf32> -> tensor<2x3xbf16>
  %5 = graph.cast %4 : tensor<2x3xbf16> -> tensor<2x3xf32>
  func.return %5 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @compare_select(
// CHECK-NEXT:    %0 = graph.equal %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT:    %1 = graph.less %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT:    %2 = graph.greater %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK-NEXT:    %3 = graph.where %2, %x, %y : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %4 = graph.cast %3 : tensor<2x3xf32> -> tensor<2x3xbf16>
// CHECK-NEXT:    %5 = graph.cast %4 : tensor<2x3xbf16> -> tensor<2x3xf32>
// CHECK-NEXT:    func.return %5 : tensor<2x3xf32>
