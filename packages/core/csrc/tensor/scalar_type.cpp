// SPDX-License-Identifier: BSD-3-Clause
#include "scalar_type.h"

namespace ember {

size_t element_size(ScalarType t) {
  static const size_t sizes[] = {1, 1, 1, 2, 4, 8, 2, 2, 4, 8};
  return sizes[static_cast<int>(t)];
}

const char* scalar_type_name(ScalarType t) {
  static const char* names[] = {"bool",  "uint8",   "int8",     "int16",
                                "int32", "int64",   "float16",  "bfloat16",
                                "float32", "float64"};
  int i = static_cast<int>(t);
  return (i >= 0 && i < kNumScalarTypes) ? names[i] : "undefined";
}

const char* scalar_type_torch_name(ScalarType t) {
  static const char* names[] = {"Bool", "Byte", "Char",     "Short", "Int",
                                "Long", "Half", "BFloat16", "Float", "Double"};
  int i = static_cast<int>(t);
  return (i >= 0 && i < kNumScalarTypes) ? names[i] : "Undefined";
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  if (a == ScalarType::Undefined) return b;
  if (b == ScalarType::Undefined) return a;
  // PyTorch's table, rows and columns in ScalarType order.
  constexpr ScalarType b1 = ScalarType::Bool, u1 = ScalarType::UInt8,
                       i1 = ScalarType::Int8, i2 = ScalarType::Int16,
                       i4 = ScalarType::Int32, i8 = ScalarType::Int64,
                       f2 = ScalarType::Float16, bf = ScalarType::BFloat16,
                       f4 = ScalarType::Float32, f8 = ScalarType::Float64;
  static const ScalarType table[10][10] = {
      /*        b1  u1  i1  i2  i4  i8  f2  bf  f4  f8 */
      /* b1 */ {b1, u1, i1, i2, i4, i8, f2, bf, f4, f8},
      /* u1 */ {u1, u1, i2, i2, i4, i8, f2, bf, f4, f8},
      /* i1 */ {i1, i2, i1, i2, i4, i8, f2, bf, f4, f8},
      /* i2 */ {i2, i2, i2, i2, i4, i8, f2, bf, f4, f8},
      /* i4 */ {i4, i4, i4, i4, i4, i8, f2, bf, f4, f8},
      /* i8 */ {i8, i8, i8, i8, i8, i8, f2, bf, f4, f8},
      /* f2 */ {f2, f2, f2, f2, f2, f2, f2, f4, f4, f8},
      /* bf */ {bf, bf, bf, bf, bf, bf, f4, bf, f4, f8},
      /* f4 */ {f4, f4, f4, f4, f4, f4, f4, f4, f4, f8},
      /* f8 */ {f8, f8, f8, f8, f8, f8, f8, f8, f8, f8},
  };
  return table[static_cast<int>(a)][static_cast<int>(b)];
}

}  // namespace ember
