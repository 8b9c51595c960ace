// SPDX-License-Identifier: BSD-3-Clause
// Element functors. Each takes and returns its dtype's opmath type (float for
// 16-bit floats) and says which dtypes it is defined for. Included only by
// kernels_isa.cpp, inside its ISA namespace.
#pragma once
#include <math.h>

#include <type_traits>

template <typename T>
constexpr bool kIsFloat = std::is_floating_point<T>::value;
template <typename T>
constexpr bool kIsBool = std::is_same<T, bool>::value;
template <typename T>
constexpr bool kIsInt = std::is_integral<T>::value && !kIsBool<T>;
template <typename T>
constexpr bool kIsNumeric = kIsFloat<T> || kIsInt<T>;

// Supported dtype sets, as predicates over the opmath type.
struct AllTypes {
  template <typename T> static constexpr bool ok = true;
};
struct NumericTypes {
  template <typename T> static constexpr bool ok = kIsNumeric<T>;
};
struct FloatTypes {
  template <typename T> static constexpr bool ok = kIsFloat<T>;
};
struct IntTypes {
  template <typename T> static constexpr bool ok = kIsInt<T>;
};
struct IntBoolTypes {
  template <typename T> static constexpr bool ok = !kIsFloat<T>;
};

// Output is the input dtype, or bool for predicates.
struct SameOut {
  static constexpr bool boolean = false;
};
struct BoolOut {
  static constexpr bool boolean = true;
};

template <typename T> inline bool is_nan(T v) {
  if constexpr (kIsFloat<T>) return v != v;
  return false;
}

// Math functions picked by type (float vs double) from libm.
#define EMBER_LIBM(name)                                    \
  inline float m_##name(float x) { return name##f(x); }     \
  inline double m_##name(double x) { return name(x); }
EMBER_LIBM(exp) EMBER_LIBM(exp2) EMBER_LIBM(expm1) EMBER_LIBM(log)
EMBER_LIBM(log2) EMBER_LIBM(log10) EMBER_LIBM(log1p) EMBER_LIBM(sqrt)
EMBER_LIBM(sin) EMBER_LIBM(cos) EMBER_LIBM(tan) EMBER_LIBM(asin)
EMBER_LIBM(acos) EMBER_LIBM(atan) EMBER_LIBM(sinh) EMBER_LIBM(cosh)
EMBER_LIBM(tanh) EMBER_LIBM(erf) EMBER_LIBM(erfc) EMBER_LIBM(floor)
EMBER_LIBM(ceil) EMBER_LIBM(nearbyint) EMBER_LIBM(trunc) EMBER_LIBM(fabs)
#undef EMBER_LIBM
#define EMBER_LIBM2(name)                                                 \
  inline float m_##name(float x, float y) { return name##f(x, y); }       \
  inline double m_##name(double x, double y) { return name(x, y); }
EMBER_LIBM2(fmod) EMBER_LIBM2(pow) EMBER_LIBM2(atan2) EMBER_LIBM2(copysign)
#undef EMBER_LIBM2
inline float m_fexp(float x) { return ember_expf(x); }
inline double m_fexp(double x) { return exp(x); }
inline float m_ftanh(float x) { return ember_tanhf(x); }
inline double m_ftanh(double x) { return tanh(x); }

// ---- binary ----------------------------------------------------------------
#define EMBER_BINARY(Name, Types, Out, ...)             \
  struct Name {                                         \
    using types = Types;                                \
    using out = Out;                                    \
    template <typename T> static inline auto f(T a, T b) { __VA_ARGS__ } \
  };

EMBER_BINARY(Add, AllTypes, SameOut,
             if constexpr (kIsBool<T>) return static_cast<T>(a || b);
             else return static_cast<T>(a + b);)
EMBER_BINARY(Sub, NumericTypes, SameOut, return static_cast<T>(a - b);)
EMBER_BINARY(Mul, AllTypes, SameOut,
             if constexpr (kIsBool<T>) return static_cast<T>(a && b);
             else return static_cast<T>(a * b);)
EMBER_BINARY(Div, FloatTypes, SameOut, return a / b;)
EMBER_BINARY(FloorDivide, NumericTypes, SameOut,
  if constexpr (kIsInt<T>) {
    if (b == 0) return T(0);  // the front end raises before this
    if constexpr (std::is_signed<T>::value) {
      if (b == T(-1)) return static_cast<T>(T(0) - a);  // no INT_MIN / -1 trap
    }
    T q = static_cast<T>(a / b);
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  } else {
    if (b == 0) return a / b;
    T mod = m_fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && (b < 0) != (mod < 0)) div -= T(1);
    T fl;
    if (div != 0) {
      fl = m_floor(div);
      if (div - fl > T(0.5)) fl += T(1);
    } else {
      fl = m_copysign(T(0), a / b);
    }
    return fl;
  })
EMBER_BINARY(Remainder, NumericTypes, SameOut,
  if constexpr (kIsInt<T>) {
    if (b == 0) return T(0);
    if constexpr (std::is_signed<T>::value) {
      if (b == T(-1)) return T(0);
    }
    T r = static_cast<T>(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
    return r;
  } else {
    T r = m_fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  })
EMBER_BINARY(Fmod, NumericTypes, SameOut,
  if constexpr (kIsInt<T>) {
    if (b == 0) return T(0);
    if constexpr (std::is_signed<T>::value) {
      if (b == T(-1)) return T(0);
    }
    return static_cast<T>(a % b);
  } else {
    return m_fmod(a, b);
  })
EMBER_BINARY(Pow, NumericTypes, SameOut,
  if constexpr (kIsInt<T>) {
    // exponent >= 0 is checked by the front end; squaring wraps like C.
    using U = std::make_unsigned_t<T>;
    U base = static_cast<U>(a), result = 1;
    T e = b;
    while (e > 0) {
      if (e & 1) result = static_cast<U>(result * base);
      base = static_cast<U>(base * base);
      e = static_cast<T>(e >> 1);
    }
    return static_cast<T>(result);
  } else {
    return m_pow(a, b);
  })
EMBER_BINARY(Atan2, FloatTypes, SameOut, return m_atan2(a, b);)
EMBER_BINARY(Minimum, AllTypes, SameOut,
             if (is_nan(a)) return a; if (is_nan(b)) return b;
             return b < a ? b : a;)
EMBER_BINARY(Maximum, AllTypes, SameOut,
             if (is_nan(a)) return a; if (is_nan(b)) return b;
             return b > a ? b : a;)
EMBER_BINARY(Eq, AllTypes, BoolOut, return a == b;)
EMBER_BINARY(Ne, AllTypes, BoolOut, return a != b;)
EMBER_BINARY(Lt, AllTypes, BoolOut, return a < b;)
EMBER_BINARY(Le, AllTypes, BoolOut, return a <= b;)
EMBER_BINARY(Gt, AllTypes, BoolOut, return a > b;)
EMBER_BINARY(Ge, AllTypes, BoolOut, return a >= b;)
EMBER_BINARY(LogicalAnd, AllTypes, BoolOut, return (a != T(0)) && (b != T(0));)
EMBER_BINARY(LogicalOr, AllTypes, BoolOut, return (a != T(0)) || (b != T(0));)
EMBER_BINARY(LogicalXor, AllTypes, BoolOut, return (a != T(0)) != (b != T(0));)
EMBER_BINARY(BitwiseAnd, IntBoolTypes, SameOut, return static_cast<T>(a & b);)
EMBER_BINARY(BitwiseOr, IntBoolTypes, SameOut, return static_cast<T>(a | b);)
EMBER_BINARY(BitwiseXor, IntBoolTypes, SameOut, return static_cast<T>(a ^ b);)
EMBER_BINARY(LeftShift, IntTypes, SameOut,
  using U = std::make_unsigned_t<T>;
  constexpr T bits = static_cast<T>(sizeof(T) * 8);
  if (b < 0 || b >= bits) return T(0);
  return static_cast<T>(static_cast<U>(a) << b);)
EMBER_BINARY(RightShift, IntTypes, SameOut,
  constexpr T bits = static_cast<T>(sizeof(T) * 8);
  if (b < 0 || b >= bits) return static_cast<T>(a < 0 ? -1 : 0);
  return static_cast<T>(a >> b);)

// ---- unary -----------------------------------------------------------------
#define EMBER_UNARY(Name, Types, Out, ...)             \
  struct Name {                                        \
    using types = Types;                               \
    using out = Out;                                   \
    template <typename T> static inline auto f(T a, const double* p) { \
      (void)p;                                         \
      __VA_ARGS__                                      \
    }                                                  \
  };

EMBER_UNARY(Neg, NumericTypes, SameOut, return static_cast<T>(-a);)
EMBER_UNARY(Abs, NumericTypes, SameOut,
  if constexpr (kIsFloat<T>) return m_fabs(a);
  else if constexpr (kIsBool<T> || std::is_unsigned<T>::value) return a;
  else return static_cast<T>(a < 0 ? -a : a);)
EMBER_UNARY(Sign, AllTypes, SameOut,
  if constexpr (kIsBool<T>) return a;
  else if constexpr (kIsFloat<T>) {
    if (a != a) return a;
    return static_cast<T>((T(0) < a) - (a < T(0)));
  } else return static_cast<T>((T(0) < a) - (a < T(0)));)
EMBER_UNARY(Exp, FloatTypes, SameOut, return m_fexp(a);)
EMBER_UNARY(Exp2, FloatTypes, SameOut, return m_exp2(a);)
EMBER_UNARY(Expm1, FloatTypes, SameOut, return m_expm1(a);)
EMBER_UNARY(Log, FloatTypes, SameOut, return m_log(a);)
EMBER_UNARY(Log2, FloatTypes, SameOut, return m_log2(a);)
EMBER_UNARY(Log10, FloatTypes, SameOut, return m_log10(a);)
EMBER_UNARY(Log1p, FloatTypes, SameOut, return m_log1p(a);)
EMBER_UNARY(Sqrt, FloatTypes, SameOut, return m_sqrt(a);)
EMBER_UNARY(Rsqrt, FloatTypes, SameOut, return T(1) / m_sqrt(a);)
EMBER_UNARY(Sin, FloatTypes, SameOut, return m_sin(a);)
EMBER_UNARY(Cos, FloatTypes, SameOut, return m_cos(a);)
EMBER_UNARY(Tan, FloatTypes, SameOut, return m_tan(a);)
EMBER_UNARY(Asin, FloatTypes, SameOut, return m_asin(a);)
EMBER_UNARY(Acos, FloatTypes, SameOut, return m_acos(a);)
EMBER_UNARY(Atan, FloatTypes, SameOut, return m_atan(a);)
EMBER_UNARY(Sinh, FloatTypes, SameOut, return m_sinh(a);)
EMBER_UNARY(Cosh, FloatTypes, SameOut, return m_cosh(a);)
EMBER_UNARY(Tanh, FloatTypes, SameOut, return m_ftanh(a);)
EMBER_UNARY(Sigmoid, FloatTypes, SameOut, return T(1) / (T(1) + m_fexp(-a));)
EMBER_UNARY(Relu, NumericTypes, SameOut,
  if (is_nan(a)) return a; return a > T(0) ? a : T(0);)
EMBER_UNARY(Erf, FloatTypes, SameOut, return m_erf(a);)
EMBER_UNARY(Erfc, FloatTypes, SameOut, return m_erfc(a);)
EMBER_UNARY(Floor, NumericTypes, SameOut,
  if constexpr (kIsFloat<T>) return m_floor(a); else return a;)
EMBER_UNARY(Ceil, NumericTypes, SameOut,
  if constexpr (kIsFloat<T>) return m_ceil(a); else return a;)
EMBER_UNARY(Round, NumericTypes, SameOut,
  if constexpr (kIsFloat<T>) return m_nearbyint(a); else return a;)
EMBER_UNARY(Trunc, NumericTypes, SameOut,
  if constexpr (kIsFloat<T>) return m_trunc(a); else return a;)
EMBER_UNARY(Frac, FloatTypes, SameOut, return a - m_trunc(a);)
EMBER_UNARY(Reciprocal, FloatTypes, SameOut, return T(1) / a;)
EMBER_UNARY(LogicalNot, AllTypes, BoolOut, return !(a != T(0));)
EMBER_UNARY(BitwiseNot, IntBoolTypes, SameOut,
  if constexpr (kIsBool<T>) return !a; else return static_cast<T>(~a);)
EMBER_UNARY(IsNan, AllTypes, BoolOut, return is_nan(a);)
EMBER_UNARY(IsInf, AllTypes, BoolOut,
  if constexpr (kIsFloat<T>) return m_fabs(a) == T(INFINITY); else return false;)
EMBER_UNARY(IsFinite, AllTypes, BoolOut,
  if constexpr (kIsFloat<T>) return a - a == T(0); else return true;)
// params: nan, posinf, neginf replacements (already clipped to the dtype).
EMBER_UNARY(NanToNum, FloatTypes, SameOut,
  if (a != a) return static_cast<T>(p[0]);
  if (a == T(INFINITY)) return static_cast<T>(p[1]);
  if (a == -T(INFINITY)) return static_cast<T>(p[2]);
  return a;)
EMBER_UNARY(Square, NumericTypes, SameOut, return static_cast<T>(a * a);)
EMBER_UNARY(Signbit, AllTypes, BoolOut,
  if constexpr (kIsFloat<T>) return m_copysign(T(1), a) < T(0);  // not signbit: gcc 12 ICE
  else if constexpr (kIsBool<T> || std::is_unsigned<T>::value) return false;
  else return a < 0;)
EMBER_UNARY(IsPosInf, AllTypes, BoolOut,
  if constexpr (kIsFloat<T>) return a == T(INFINITY); else return false;)
EMBER_UNARY(IsNegInf, AllTypes, BoolOut,
  if constexpr (kIsFloat<T>) return a == -T(INFINITY); else return false;)
