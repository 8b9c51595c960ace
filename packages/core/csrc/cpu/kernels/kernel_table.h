// SPDX-License-Identifier: BSD-3-Clause
// The table of inner loops, one entry per (op, dtype). Each ISA's kernel
// file (kernels_isa.cpp, compiled once per ISA) fills the entries it has;
// select_kernels() picks the best ISA the CPU supports at load.
//
// Only plain C types cross this table, so the per-ISA copies never share an
// inline function or template with each other (see isa.h).
#pragma once
#include <cstdint>

#include "../../tensor/device.h"
#include "../../tensor/scalar_type.h"

namespace ember {

// data[0] is the output; strides are in bytes, one per operand.
using LoopFn = void (*)(char** data, const int64_t* strides, int64_t n,
                        const double* params);
// Reduces n strided elements into *out.
using ReduceFn = void (*)(const char* in, int64_t n, int64_t stride,
                          char* out);
// out[j] = reduce over i of in[i * row_stride + j], j < cols contiguous.
using ReduceColsFn = void (*)(const char* in, int64_t rows,
                              int64_t row_stride, int64_t cols, char* out);

#define EMBER_BINARY_OPS(_)                                                  \
  _(add) _(sub) _(mul) _(div) _(floor_divide) _(remainder) _(fmod) _(pow)    \
  _(atan2) _(minimum) _(maximum) _(eq) _(ne) _(lt) _(le) _(gt) _(ge)         \
  _(logical_and) _(logical_or) _(logical_xor) _(bitwise_and) _(bitwise_or)   \
  _(bitwise_xor) _(bitwise_left_shift) _(bitwise_right_shift)

#define EMBER_UNARY_OPS(_)                                                   \
  _(neg) _(abs) _(sign) _(exp) _(exp2) _(expm1) _(log) _(log2) _(log10)      \
  _(log1p) _(sqrt) _(rsqrt) _(sin) _(cos) _(tan) _(asin) _(acos) _(atan)     \
  _(sinh) _(cosh) _(tanh) _(sigmoid) _(relu) _(erf) _(erfc) _(floor)         \
  _(ceil) _(round) _(trunc) _(frac) _(reciprocal) _(logical_not)             \
  _(bitwise_not) _(isnan) _(isinf) _(isfinite) _(nan_to_num) _(square)       \
  _(signbit) _(isposinf) _(isneginf)

// Reductions with a fixed output type rule (see reduce.cpp).
#define EMBER_REDUCE_OPS(_) \
  _(sum) _(prod) _(amax) _(amin) _(all) _(any) _(argmax) _(argmin)

#define EMBER_ENUM_ENTRY(name) name,
enum class BinaryOp : int { EMBER_BINARY_OPS(EMBER_ENUM_ENTRY) kCount };
enum class UnaryOp : int { EMBER_UNARY_OPS(EMBER_ENUM_ENTRY) kCount };
enum class ReduceOp : int { EMBER_REDUCE_OPS(EMBER_ENUM_ENTRY) kCount };
#undef EMBER_ENUM_ENTRY

constexpr int kNumBinaryOps = static_cast<int>(BinaryOp::kCount);
constexpr int kNumUnaryOps = static_cast<int>(UnaryOp::kCount);
constexpr int kNumReduceOps = static_cast<int>(ReduceOp::kCount);

// Row kernels over contiguous [rows, cols] (float32/float64).
// softmax: flags 1 = log_softmax, 2 = only each row's logsumexp (out[r]).
using SoftmaxRowsFn = void (*)(const char* in, char* out, int64_t rows,
                               int64_t cols, int flags);
// layer norm: out = (x - mean) * rstd * weight + bias per row; weight/bias
// (cols elements) may be null; mean/rstd (rows elements) are written.
using NormRowsFn = void (*)(const char* in, char* out, char* mean, char* rstd,
                            int64_t rows, int64_t cols, double eps,
                            const char* weight, const char* bias);

// Direct stride-1 convolution over a zero-padded plane (conv_direct.h):
// `run` computes `block_o`-row by `tile`-pixel register tiles.
using ConvDirectFn = void (*)(const char* xpad, int64_t plane, int64_t cin,
                              const int64_t* offs, int64_t taps,
                              const char* packed, int64_t cout, char* out,
                              int64_t ld, int64_t len);
struct ConvDirectKernel {
  int64_t block_o;  // output channels per tile (the weight packing's rows)
  int64_t tile;     // pixels per tile (`out` rows are rounded up to it)
  ConvDirectFn run;
};

// The LSTM cell's pointwise part over `rows` rows and `n` hidden units of a
// block whose gates lie `stride` columns apart (recurrent.h; Note [Fused
// LSTM layer] in ops/lstm.cpp).
using LstmCellFn = void (*)(char* gates, int64_t ld_gates, int64_t stride, const char* c_prev, char* c,
                            char* h, int64_t ld_state, int64_t rows, int64_t n);
using LstmCellBackwardFn = void (*)(const char* gates, int64_t ld_gates, int64_t stride, char* d_gates,
                                    int64_t ld_d, int64_t d_stride, const char* c, const char* c_prev,
                                    const char* dh, char* dc, int64_t ld_state, int64_t rows, int64_t n);

// C[rows, cols] += A[rows, k] @ B (float32) with B packed in panels of
// `recurrent_panel` columns (recurrent.h): the per-step GEMM of recurrent layers.
using RecurrentGemmFn = void (*)(const char* a, int64_t lda, int64_t rows, int64_t k, const char* packed,
                                 int64_t cols, char* c, int64_t ldc);

struct KernelTable {
  LoopFn binary[kNumBinaryOps][kNumScalarTypes];
  LoopFn unary[kNumUnaryOps][kNumScalarTypes];
  LoopFn cast[kNumScalarTypes][kNumScalarTypes];  // [from][to]
  LoopFn where[kNumScalarTypes];                  // (out, cond, a, b)
  ReduceFn reduce[kNumReduceOps][kNumScalarTypes];
  ReduceColsFn reduce_cols[kNumReduceOps][kNumScalarTypes];
  SoftmaxRowsFn softmax_rows[kNumScalarTypes];
  NormRowsFn layer_norm_rows[kNumScalarTypes];
  ConvDirectKernel conv_direct[kNumScalarTypes];
  LstmCellFn lstm_cell[kNumScalarTypes];
  LstmCellBackwardFn lstm_cell_backward[kNumScalarTypes];
  RecurrentGemmFn recurrent_gemm_f32;
  int64_t recurrent_panel;
};

const char* binary_op_name(BinaryOp op);
const char* unary_op_name(UnaryOp op);
const char* reduce_op_name(ReduceOp op);

// The loops for a device type: for the CPU, the best ISA this CPU runs
// (filled on first use); other device types register theirs when their
// backend loads. Raises when none is registered.
const KernelTable& kernels(DeviceType device = DeviceType::CPU);
void register_device_kernels(DeviceType device, const KernelTable* table);
// "baseline", "avx2" or "avx512": the ISA whose loops kernels() holds.
const char* simd_level();

// Defined once per ISA in kernels_isa.cpp.
void register_kernels_baseline(KernelTable& table);
void register_kernels_avx2(KernelTable& table);
void register_kernels_avx512(KernelTable& table);

}  // namespace ember
