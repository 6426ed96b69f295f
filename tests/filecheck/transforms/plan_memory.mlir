// RUN: tinyslm-opt %s -p 'plan-memory{time-limit=1}' --split-input-file | filecheck %s
// RUN: tinyslm-opt %s -p 'plan-memory{level=L1 capacity=262144}' --split-input-file | filecheck %s --check-prefix=L1
// RUN: tinyslm-opt %s -p 'plan-memory{capacity=64}' --split-input-file --verify-diagnostics | filecheck %s --check-prefix=SMALL

// A chain: %a and %c never live together, so they share offset 0 and %b sits above %a.
// The peak equals the lower bound (the most bytes live at one step): 64 + 30.
func.func @chain(%x: memref<64xi8>, %out0: memref<64xi8>) {
  %a = lmem.alloc {level = "L2", live = array<i64: 0, 1>, alignment = 8 : i64} : memref<64xi8>
  lmem.call @k(%x, %a) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  %b = lmem.alloc {level = "L2", live = array<i64: 1, 2>, alignment = 8 : i64} : memref<30xi8>
  lmem.call @k(%a, %b) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<30xi8>
  %c = lmem.alloc {level = "L2", live = array<i64: 2, 3>, alignment = 8 : i64} : memref<64xi8>
  lmem.call @k(%b, %c) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<30xi8>, memref<64xi8>
  lmem.call @k(%c, %out0) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  func.return
}
// CHECK:      builtin.module attributes {lmem.plan = {L2 = {peak = 94 : i64, lower_bound = 94 : i64, capacity = 2097152 : i64, optimal = true, method = "{{.*}}"}}}
// CHECK:      %a = lmem.alloc {level = "L2", live = array<i64: 0, 1>, alignment = 8 : i64, offset = 0 : i64} : memref<64xi8>
// CHECK:      %b = lmem.alloc {level = "L2", live = array<i64: 1, 2>, alignment = 8 : i64, offset = 64 : i64} : memref<30xi8>
// CHECK:      %c = lmem.alloc {level = "L2", live = array<i64: 2, 3>, alignment = 8 : i64, offset = 0 : i64} : memref<64xi8>

// Planning L1 leaves the L2 allocs alone and records an empty L1.
// L1:         builtin.module attributes {lmem.plan = {L1 = {peak = 0 : i64, lower_bound = 0 : i64, capacity = 262144 : i64, optimal = true, method = "{{.*}}"}}}
// L1-NOT:     offset =

// Over capacity: the diagnostic names the level, its capacity and the bytes needed.
// SMALL:      plan-memory: level L2 needs at least 94 bytes but its capacity is 64 bytes

// -----

// Another level's recorded result is kept; alignment makes two 1-byte buffers need 9 bytes,
// and the recorded lower bound counts that padding.
builtin.module attributes {lmem.plan = {L1 = {peak = 16 : i64}}} {
  func.func @aligned(%x: memref<1xi8>) {
    %a = lmem.alloc {level = "L2", live = array<i64: 0, 0>, alignment = 8 : i64} : memref<1xi8>
    %b = lmem.alloc {level = "L2", live = array<i64: 0, 0>, alignment = 8 : i64} : memref<1xi8>
    lmem.call @k(%x, %a, %b) {num_inputs = 1 : i64, offsets = array<i64: 0, 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<1xi8>, memref<1xi8>, memref<1xi8>
    func.return
  }
}
// CHECK:      builtin.module attributes {lmem.plan = {L1 = {peak = 16 : i64}, L2 = {peak = 9 : i64, lower_bound = 9 : i64, capacity = 2097152 : i64, optimal = true, method = "{{.*}}"}}}
// CHECK-DAG:  offset = 0 : i64
// CHECK-DAG:  offset = 8 : i64

// L1:         builtin.module attributes {lmem.plan = {L1 = {peak = 0 : i64, lower_bound = 0 : i64, capacity = 262144 : i64, optimal = true, method = "{{.*}}"}}}

// SMALL:      builtin.module attributes {lmem.plan = {L1 = {peak = 16 : i64}, L2 = {peak = 9 : i64, lower_bound = 9 : i64, capacity = 64 : i64
