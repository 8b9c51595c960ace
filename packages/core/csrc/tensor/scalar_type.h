// SPDX-License-Identifier: BSD-3-Clause
// Element types and PyTorch's type promotion lattice.
#pragma once
#include <cstdint>
#include <string>

#include "half.h"

namespace ember {

enum class ScalarType : int8_t {
  Bool = 0,
  UInt8,
  Int8,
  Int16,
  Int32,
  Int64,
  Float16,
  BFloat16,
  Float32,
  Float64,
  NumTypes,
  Undefined = -1,
};
constexpr int kNumScalarTypes = static_cast<int>(ScalarType::NumTypes);

size_t element_size(ScalarType t);
const char* scalar_type_name(ScalarType t);  // "float32"
const char* scalar_type_torch_name(ScalarType t);  // "Float", as in errors
inline bool is_floating(ScalarType t) {
  return t >= ScalarType::Float16 && t <= ScalarType::Float64;
}
inline bool is_integral(ScalarType t, bool include_bool) {
  return (t >= ScalarType::UInt8 && t <= ScalarType::Int64) ||
         (include_bool && t == ScalarType::Bool);
}
ScalarType promote_types(ScalarType a, ScalarType b);

// The C++ type stored for each ScalarType.
template <ScalarType S> struct CType;
template <> struct CType<ScalarType::Bool> { using type = bool; };
template <> struct CType<ScalarType::UInt8> { using type = uint8_t; };
template <> struct CType<ScalarType::Int8> { using type = int8_t; };
template <> struct CType<ScalarType::Int16> { using type = int16_t; };
template <> struct CType<ScalarType::Int32> { using type = int32_t; };
template <> struct CType<ScalarType::Int64> { using type = int64_t; };
template <> struct CType<ScalarType::Float16> { using type = Half; };
template <> struct CType<ScalarType::BFloat16> { using type = BFloat16; };
template <> struct CType<ScalarType::Float32> { using type = float; };
template <> struct CType<ScalarType::Float64> { using type = double; };

// The type arithmetic is carried out in: 16-bit floats compute in float.
template <typename T> struct OpMath { using type = T; };
template <> struct OpMath<Half> { using type = float; };
template <> struct OpMath<BFloat16> { using type = float; };
template <typename T> using opmath_t = typename OpMath<T>::type;

// Calls fn(T{}) with T the C++ type of `t`: one switch for every dispatch.
#define EMBER_DISPATCH_CASE(ST, ...)                    \
  case ST: {                                            \
    using scalar_t = typename ::ember::CType<ST>::type; \
    return __VA_ARGS__();                               \
  }

#define EMBER_DISPATCH_ALL_TYPES(TYPE, NAME, ...)                          \
  [&] {                                                                     \
    switch (TYPE) {                                                         \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Bool, __VA_ARGS__)           \
      EMBER_DISPATCH_CASE(::ember::ScalarType::UInt8, __VA_ARGS__)          \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Int8, __VA_ARGS__)           \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Int16, __VA_ARGS__)          \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Int32, __VA_ARGS__)          \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Int64, __VA_ARGS__)          \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Float16, __VA_ARGS__)        \
      EMBER_DISPATCH_CASE(::ember::ScalarType::BFloat16, __VA_ARGS__)       \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Float32, __VA_ARGS__)        \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Float64, __VA_ARGS__)        \
      default:                                                              \
        EMBER_CHECK_TYPE(false, NAME, ": unsupported dtype ",               \
                         ::ember::scalar_type_name(TYPE));                  \
    }                                                                       \
  }()

#define EMBER_DISPATCH_FLOATING_TYPES(TYPE, NAME, ...)                     \
  [&] {                                                                     \
    switch (TYPE) {                                                         \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Float16, __VA_ARGS__)        \
      EMBER_DISPATCH_CASE(::ember::ScalarType::BFloat16, __VA_ARGS__)       \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Float32, __VA_ARGS__)        \
      EMBER_DISPATCH_CASE(::ember::ScalarType::Float64, __VA_ARGS__)        \
      default:                                                              \
        EMBER_CHECK_TYPE(false, NAME, ": expected a floating-point tensor, " \
                         "got dtype ", ::ember::scalar_type_name(TYPE));    \
    }                                                                       \
  }()

}  // namespace ember
