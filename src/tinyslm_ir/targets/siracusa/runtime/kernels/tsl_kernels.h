/* tinyslm-ir kernel library: the umbrella header generated code includes.
 *
 * Every kernel is a template macro (TSL_DEFINE_<FAMILY>(codes...)) that defines a static
 * function named tsl_<kernel>__<codes joined by _>; the generated file instantiates each one it
 * calls exactly once. Signatures and semantics are documented per family header; the lowering
 * that builds the calls is tinyslm_ir/kernels/lowerings/<family>.py.
 */
#ifndef TSL_KERNELS_H
#define TSL_KERNELS_H

#include "tsl_k_common.h"
#include "tsl_k_eltwise.h"
#include "tsl_k_move.h"
#include "tsl_k_gemm.h"
#include "tsl_k_gemm_rq.h"
#include "tsl_k_gemm_rq_pairs.h"
#include "tsl_k_conv.h"
#include "tsl_k_reduce.h"
#include "tsl_k_integer.h"

#endif /* TSL_KERNELS_H */
