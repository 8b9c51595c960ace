// SPDX-License-Identifier: BSD-3-Clause
// 16-bit floating-point storage types. Arithmetic happens in float: each type
// converts to and from float with round-to-nearest-even, as PyTorch does.
#pragma once
#include <cstdint>
#include <cstring>

// Per-ISA kernel files compile this header with their own EMBER_ISA_NS, so
// each gets its own copy of these inline functions (see kernels/isa.h).
#ifndef EMBER_ISA_NS
#define EMBER_ISA_NS isa_base
#endif

namespace ember {
inline namespace EMBER_ISA_NS {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

struct BFloat16 {
  uint16_t x;
  BFloat16() = default;
  BFloat16(float f) {  // NOLINT: implicit like a builtin float type
    uint32_t u = float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      x = static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
    } else {
      u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
      x = static_cast<uint16_t>(u >> 16);
    }
  }
  operator float() const { return bits_float(static_cast<uint32_t>(x) << 16); }
};

struct Half {
  uint16_t x;
  Half() = default;
  Half(float f) { x = from_float(f); }  // NOLINT
  operator float() const { return to_float(x); }

  static float to_float(uint16_t h) {
    uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    if (exp == 0x1f) return bits_float(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {
      if (mant == 0) return bits_float(sign);
      // subnormal: value = mant * 2^-24
      float v = static_cast<float>(mant) * 5.9604644775390625e-8f;
      return sign ? -v : v;
    }
    return bits_float(sign | ((exp + 112) << 23) | (mant << 13));
  }

  static uint16_t from_float(float f) {
    uint32_t u = float_bits(f);
    uint32_t sign = (u >> 16) & 0x8000u;
    uint32_t abs = u & 0x7fffffffu;
    if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);
    if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);
    if (abs < 0x38800000u) {  // result is subnormal or zero
      // add 0.5 (as float) so the FPU rounds the mantissa to nearest even
      float v = bits_float(abs) + 0.5f;
      return static_cast<uint16_t>(sign | (float_bits(v) - 0x3f000000u));
    }
    uint32_t mant_odd = (abs >> 13) & 1u;
    abs += 0xc8000fffu + mant_odd;  // rebias exponent, round to nearest even
    return static_cast<uint16_t>(sign | (abs >> 13));
  }
};

}  // namespace EMBER_ISA_NS
}  // namespace ember
