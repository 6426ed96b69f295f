// RUN: tinyslm-opt %s -p verify-memory-plan --split-input-file --verify-diagnostics | filecheck %s

// A valid plan passes unchanged: %a and %c share bytes but are never live together.
func.func @valid(%x: memref<64xi8>, %out0: memref<64xi8>) {
  %a = lmem.alloc {level = "L2", live = array<i64: 0, 1>, alignment = 8 : i64, offset = 0 : i64} : memref<64xi8>
  lmem.call @k(%x, %a) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  %b = lmem.alloc {level = "L2", live = array<i64: 1, 2>, alignment = 8 : i64, offset = 64 : i64} : memref<30xi8>
  lmem.call @k(%a, %b) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<30xi8>
  %c = lmem.alloc {level = "L2", live = array<i64: 2, 3>, alignment = 8 : i64, offset = 0 : i64} : memref<64xi8>
  lmem.call @k(%b, %c) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<30xi8>, memref<64xi8>
  lmem.call @k(%c, %out0) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  func.return
}
// CHECK-LABEL: func.func @valid(
// CHECK:         %c = lmem.alloc {level = "L2", live = array<i64: 2, 3>, alignment = 8 : i64, offset = 0 : i64} : memref<64xi8>

// -----

// Two buffers live at step 1 overlap in bytes [32, 64).
func.func @overlap(%x: memref<64xi8>) {
  %a = lmem.alloc {level = "L2", live = array<i64: 0, 1>, alignment = 8 : i64, offset = 0 : i64} : memref<64xi8>
  lmem.call @k(%x, %a) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  %b = lmem.alloc {level = "L2", live = array<i64: 1, 1>, alignment = 8 : i64, offset = 32 : i64} : memref<64xi8>
  lmem.call @k(%a, %b) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  func.return
}
// CHECK: verify-memory-plan: invalid plan of level L2 (capacity 2097152 bytes): buffers 'L2#1:memref<64xi8>' (live [1, 2), bytes [32, 96)) and 'L2#0:memref<64xi8>' (live [0, 2), bytes [0, 64)) are live at the same step and overlap in memory

// -----

// An alloc that plan-memory has not placed.
func.func @unplanned(%x: memref<64xi8>) {
  %a = lmem.alloc {level = "L2", live = array<i64: 0, 0>, alignment = 8 : i64} : memref<64xi8>
  lmem.call @k(%x, %a) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  func.return
}
// CHECK: verify-memory-plan: invalid plan of level L2 (capacity 2097152 bytes): plan has no offset for L2#0:memref<64xi8>

// -----

// Beyond the capacity of L2.
func.func @beyond(%x: memref<64xi8>) {
  %a = lmem.alloc {level = "L2", live = array<i64: 0, 0>, alignment = 8 : i64, offset = 2097120 : i64} : memref<64xi8>
  lmem.call @k(%x, %a) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  func.return
}
// CHECK: verify-memory-plan: invalid plan of level L2 (capacity 2097152 bytes): buffer 'L2#0:memref<64xi8>' at offset 2097120 with size 64 ends at 2097184, beyond the capacity 2097152

// -----

// A live range that misses a use: the plan could hand the bytes to another buffer too early.
func.func @short_live(%x: memref<64xi8>, %out0: memref<64xi8>) {
  %a = lmem.alloc {level = "L2", live = array<i64: 0, 0>, alignment = 8 : i64, offset = 0 : i64} : memref<64xi8>
  lmem.call @k(%x, %a) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  cluster.fork cores(8) {
    lmem.call @k(%a, %out0) {num_inputs = 1 : i64, offsets = array<i64: 0, 0>, params = [], engine = "cluster", parallel = 1 : i64} : memref<64xi8>, memref<64xi8>
  }
  func.return
}
// CHECK: verify-memory-plan: memref<64xi8> allocated in L2 is live over [0, 0] but used by calls 0 to 1
