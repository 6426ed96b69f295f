// RUN: tinyslm-opt %s -p 'cluster-offload' --split-input-file | filecheck %s
// RUN: tinyslm-opt %s -p 'cluster-offload{cores=2}' --split-input-file | filecheck %s --check-prefix=TWO

// The two calls of layer "concat_0" share one fork, separated by a barrier; the serial call
// stays on the calling core; the next layer gets its own fork. Allocs stay outside.
func.func @layers(%x: memref<4xi8>, %out0: memref<8xi8>) {
  %a = lmem.alloc {level = "L2", live = array<i64: 0, 2>, alignment = 8 : i64} : memref<8xi8>
  lmem.call @copy(%x, %a) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64, layer = "concat_0"} : memref<4xi8>, memref<8xi8>
  lmem.call @copy(%x, %a) {num_inputs = 1 : i64, offsets = array<i64: 0, 4>, params = [], engine = "cluster", parallel = 1 : i64, layer = "concat_0"} : memref<4xi8>, memref<8xi8>
  %b = lmem.alloc {level = "L2", live = array<i64: 2, 3>, alignment = 8 : i64} : memref<8xi8>
  lmem.call @serial(%a, %b) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 0 : i64, layer = "neg_1"} : memref<8xi8>, memref<8xi8>
  lmem.call @relu(%b, %out0) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64, layer = "relu_2"} : memref<8xi8>, memref<8xi8>
  func.return
}
// CHECK-LABEL: func.func @layers(
// CHECK-NEXT:    %a = lmem.alloc
// CHECK-NEXT:    cluster.fork cores(8) {
// CHECK-NEXT:      lmem.call @copy(%x, %a) {{.*}}offsets = array<i64: 0, 0>
// CHECK-NEXT:      cluster.barrier
// CHECK-NEXT:      lmem.call @copy(%x, %a) {{.*}}offsets = array<i64: 0, 4>
// CHECK-NEXT:    }
// CHECK-NEXT:    %b = lmem.alloc
// CHECK-NEXT:    lmem.call @serial(%a, %b)
// CHECK-NEXT:    cluster.fork cores(8) {
// CHECK-NEXT:      lmem.call @relu(%b, %out0)
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
// TWO-LABEL:   func.func @layers(
// TWO-COUNT-2:   cluster.fork cores(2) {

// -----

// Adjacent calls of different layers, or without a layer, get a fork each; NPU calls none.
func.func @no_sharing(%x: memref<4xi8>, %y: memref<4xi8>) {
  lmem.call @k(%x, %y) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64, layer = "a"} : memref<4xi8>, memref<4xi8>
  lmem.call @k(%y, %x) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64, layer = "b"} : memref<4xi8>, memref<4xi8>
  lmem.call @k(%x, %y) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<4xi8>, memref<4xi8>
  lmem.call @k(%y, %x) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<4xi8>, memref<4xi8>
  lmem.call @job(%x, %y) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "npu", parallel = 1 : i64, layer = "c"} : memref<4xi8>, memref<4xi8>
  func.return
}
// CHECK-LABEL: func.func @no_sharing(
// CHECK-COUNT-4: cluster.fork cores(8) {
// CHECK-NEXT:      lmem.call @k
// CHECK-NEXT:    }
// CHECK-NOT:     cluster.barrier
// CHECK-NEXT:    lmem.call @job
// CHECK-NEXT:    func.return
