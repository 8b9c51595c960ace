// SPDX-License-Identifier: BSD-3-Clause
// Branch-free float32 exp and tanh that the compiler vectorizes for each
// ISA (libm's scalar calls would stop vectorization). Max error ~2 ulp.
// Included only by kernels_isa.cpp, inside its ISA namespace.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float ember_bits_to_float(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

// exp(x) = 2^n * exp(r), r = x - n ln2 in [-ln2/2, ln2/2]; the 2^n scale is
// applied in two halves so results down to the subnormal range stay exact.
static inline float ember_expf(float x) {
  const float log2e = 1.44269504088896341f;
  const float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  float xc = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);
  float n = __builtin_rintf(xc * log2e);
  float r = xc - n * ln2_hi - n * ln2_lo;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.0f;
  int32_t ni = static_cast<int32_t>(n);
  int32_t n1 = ni >> 1;
  int32_t n2 = ni - n1;
  float s1 = ember_bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  float s2 = ember_bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  float y = p * s1 * s2;
  y = x > 88.72283935546875f ? __builtin_inff() : y;
  y = x < -103.972084045410f ? 0.0f : y;
  return x != x ? x : y;
}

static inline float ember_tanhf(float x) {
  float ax = __builtin_fabsf(x);
  // small |x|: odd polynomial; large: 1 - 2 / (exp(2|x|) + 1)
  float z = x * x;
  float p = -5.70498872745E-3f;
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  float small = p * z * x + x;
  float e = ember_expf(2.0f * (ax > 20.0f ? 20.0f : ax));
  float big = 1.0f - 2.0f / (e + 1.0f);
  big = x < 0 ? -big : big;
  float y = ax < 0.625f ? small : big;
  y = __builtin_copysignf(y, x);  // odd function: keeps -0.0
  return x != x ? x : y;
}

// Vectors as wide as the ISA has, for loops written with GCC's vector
// extension whose accumulators stay in registers.
#if defined(__AVX512F__)
constexpr int kWideBytes = 64;
#elif defined(__AVX__)
constexpr int kWideBytes = 32;
#else
constexpr int kWideBytes = 16;
#endif
typedef float ember_vf __attribute__((vector_size(kWideBytes)));
typedef int32_t ember_vi __attribute__((vector_size(kWideBytes)));

// exp(x) for x <= 0 (or NaN), a whole vector at once: the softmax family's
// shifted inputs, which never overflow. Results below 2^-126 are flushed to
// zero: they cannot move a sum that holds exp(0) = 1. Same reduction and
// polynomial as ember_expf (~2 ulp); 2^n is built from the rounding's bits.
static inline ember_vf ember_expf_nonpos(ember_vf x) {
  const ember_vf lo = ember_vf{} - 87.33654475f;  // log(2^-126)
  const ember_vf magic = ember_vf{} + 12582912.0f;  // 1.5 * 2^23: rounds to an integer
  ember_vf xc = x < lo ? lo : x;
  ember_vf t = xc * 1.44269504088896341f + magic;
  ember_vf n = t - magic;
  ember_vi ni = reinterpret_cast<ember_vi>(t) - reinterpret_cast<ember_vi>(magic);
  ember_vf r = xc - n * 0.693359375f - n * -2.12194440e-4f;
  ember_vf p = ember_vf{} + 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.0f;
  ember_vf y = p * reinterpret_cast<ember_vf>((ni + 127) << 23);
  y = x < lo ? ember_vf{} : y;
  return x != x ? x : y;
}
