// RUN: tinyslm-opt %s -p select-kernels --split-input-file --verify-diagnostics | filecheck %s

// Each op is annotated with its kernel and engine; weights are not computed, so not annotated.
func.func @annotate(%x: tensor<4x8xi8>) -> tensor<4x8xi32> {
  %w = graph.weight @w : tensor<4x8xi8>
  %0 = graph.add %x, %w : (tensor<4x8xi8>, tensor<4x8xi8>) -> tensor<4x8xi32>
  func.return %0 : tensor<4x8xi32>
}
// CHECK-LABEL: func.func @annotate(
// CHECK-NEXT:    %w = graph.weight @w : tensor<4x8xi8>
// CHECK-NEXT:    %0 = graph.add %x, %w {kernel = "{{\w+}}", engine = "cluster"} : (tensor<4x8xi8>, tensor<4x8xi8>) -> tensor<4x8xi32>

// -----

// No kernel: the diagnostic names the op, its types and why (a broadcast pattern that does
// not collapse to the kernels' rank limit).
func.func @no_kernel(%a: tensor<2x1x2x1x2x1x2xi8>, %b: tensor<1x2x1x2x1x2x1xi8>) -> tensor<2x2x2x2x2x2x2xi32> {
  %0 = graph.add %a, %b : (tensor<2x1x2x1x2x1x2xi8>, tensor<1x2x1x2x1x2x1xi8>) -> tensor<2x2x2x2x2x2x2xi32>
  func.return %0 : tensor<2x2x2x2x2x2x2xi32>
}
// CHECK: no kernel for 'graph.add' on (tensor<2x1x2x1x2x1x2xi8>, tensor<1x2x1x2x1x2x1xi8>) -> (tensor<2x2x2x2x2x2x2xi32>): {{.+}}

// -----

// An op lowered to several calls records them all, in order.
func.func @several(%a: tensor<2x3xi8>, %b: tensor<2x5xi8>) -> tensor<2x8xi8> {
  %0 = graph.concat %a, %b {axis = 1 : i64} : (tensor<2x3xi8>, tensor<2x5xi8>) -> tensor<2x8xi8>
  func.return %0 : tensor<2x8xi8>
}
// CHECK-LABEL: func.func @several(
// CHECK-NEXT:    graph.concat %a, %b {kernel = ["{{\w+}}", "{{\w+}}"], engine = "cluster", axis = 1 : i64}
