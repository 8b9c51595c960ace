// SPDX-License-Identifier: BSD-3-Clause
// Loop templates over strided 1-D runs and the registration of every
// (op, dtype) pair. Included only by kernels_isa.cpp (see Note there).
#pragma once
#include <cstring>
#include <type_traits>

// Contiguous and scalar-broadcast layouts get their own loops so the
// compiler vectorizes them; anything else walks byte strides.
template <typename Op, typename T>
void binary_loop(char** data, const int64_t* s, int64_t n, const double*) {
  using M = opmath_t<T>;
  using O = typename std::conditional<Op::out::boolean, bool, T>::type;
  O* __restrict out = reinterpret_cast<O*>(data[0]);
  const char* a = data[1];
  const char* b = data[2];
  constexpr int64_t so = sizeof(O), st = sizeof(T);
  if (s[0] == so && s[1] == st && s[2] == st) {
    const T* __restrict x = reinterpret_cast<const T*>(a);
    const T* __restrict y = reinterpret_cast<const T*>(b);
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<O>(Op::f(static_cast<M>(x[i]), static_cast<M>(y[i])));
  } else if (s[0] == so && s[1] == 0 && s[2] == st) {
    const M xv = static_cast<M>(*reinterpret_cast<const T*>(a));
    const T* __restrict y = reinterpret_cast<const T*>(b);
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<O>(Op::f(xv, static_cast<M>(y[i])));
  } else if (s[0] == so && s[1] == st && s[2] == 0) {
    const T* __restrict x = reinterpret_cast<const T*>(a);
    const M yv = static_cast<M>(*reinterpret_cast<const T*>(b));
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<O>(Op::f(static_cast<M>(x[i]), yv));
  } else {
    char* o = data[0];
    for (int64_t i = 0; i < n; ++i) {
      M xv = static_cast<M>(*reinterpret_cast<const T*>(a + i * s[1]));
      M yv = static_cast<M>(*reinterpret_cast<const T*>(b + i * s[2]));
      *reinterpret_cast<O*>(o + i * s[0]) = static_cast<O>(Op::f(xv, yv));
    }
  }
}

template <typename Op, typename T>
void unary_loop(char** data, const int64_t* s, int64_t n, const double* p) {
  using M = opmath_t<T>;
  using O = typename std::conditional<Op::out::boolean, bool, T>::type;
  constexpr int64_t so = sizeof(O), st = sizeof(T);
  if (s[0] == so && s[1] == st) {
    O* __restrict out = reinterpret_cast<O*>(data[0]);
    const T* __restrict x = reinterpret_cast<const T*>(data[1]);
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<O>(Op::f(static_cast<M>(x[i]), p));
  } else {
    for (int64_t i = 0; i < n; ++i) {
      M xv = static_cast<M>(*reinterpret_cast<const T*>(data[1] + i * s[1]));
      *reinterpret_cast<O*>(data[0] + i * s[0]) =
          static_cast<O>(Op::f(xv, p));
    }
  }
}

template <typename To, typename From>
inline To convert(From v) {
  if constexpr (std::is_same<To, bool>::value) {
    return static_cast<opmath_t<From>>(v) != opmath_t<From>(0);
  } else {
    return static_cast<To>(static_cast<opmath_t<To>>(static_cast<opmath_t<From>>(v)));
  }
}

template <typename From, typename To>
void cast_loop(char** data, const int64_t* s, int64_t n, const double*) {
  if (s[0] == sizeof(To) && s[1] == sizeof(From)) {
    To* __restrict out = reinterpret_cast<To*>(data[0]);
    const From* __restrict x = reinterpret_cast<const From*>(data[1]);
    for (int64_t i = 0; i < n; ++i) out[i] = convert<To>(x[i]);
  } else if (s[0] == sizeof(To) && s[1] == 0) {
    To* __restrict out = reinterpret_cast<To*>(data[0]);
    const To v = convert<To>(*reinterpret_cast<const From*>(data[1]));
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<To*>(data[0] + i * s[0]) =
          convert<To>(*reinterpret_cast<const From*>(data[1] + i * s[1]));
  }
}

template <typename T>
void where_loop(char** data, const int64_t* s, int64_t n, const double*) {
  constexpr int64_t st = sizeof(T);
  if (s[0] == st && s[1] == 1 && (s[2] == st || s[2] == 0) && (s[3] == st || s[3] == 0)) {
    // contiguous output and mask; each value contiguous or a scalar
    T* __restrict out = reinterpret_cast<T*>(data[0]);
    const bool* __restrict c = reinterpret_cast<const bool*>(data[1]);
    const T* a = reinterpret_cast<const T*>(data[2]);
    const T* b = reinterpret_cast<const T*>(data[3]);
    // A select on the bits, not a branch: a random mask would mispredict
    // half the branches (measured ~15x slower than this on 1e6 elements).
    using U = std::conditional_t<st == 1, uint8_t, std::conditional_t<st == 2, uint16_t,
              std::conditional_t<st == 4, uint32_t, uint64_t>>>;
    static_assert(sizeof(U) == sizeof(T), "where: no unsigned type of this size");
    const int64_t ia = s[2] ? 1 : 0, ib = s[3] ? 1 : 0;
    for (int64_t i = 0; i < n; ++i) {
      U av, bv;
      std::memcpy(&av, a + i * ia, sizeof(U));
      std::memcpy(&bv, b + i * ib, sizeof(U));
      const U mask = static_cast<U>(0) - static_cast<U>(c[i] ? 1 : 0);
      const U r = static_cast<U>((av & mask) | (bv & static_cast<U>(~mask)));
      std::memcpy(out + i, &r, sizeof(U));
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    bool c = *reinterpret_cast<const bool*>(data[1] + i * s[1]);
    *reinterpret_cast<T*>(data[0] + i * s[0]) =
        *reinterpret_cast<const T*>(data[c ? 2 : 3] + i * s[c ? 2 : 3]);
  }
}

// ---- reductions ------------------------------------------------------------
// Accumulator and output types: integers sum into int64, 16-bit floats
// accumulate in float.
template <typename T> struct SumAcc {
  using type = typename std::conditional<kIsFloat<opmath_t<T>>, opmath_t<T>,
                                         int64_t>::type;
};
template <typename T> using sum_acc_t = typename SumAcc<T>::type;
template <typename T>
using sum_out_t = typename std::conditional<kIsFloat<opmath_t<T>>, T, int64_t>::type;

template <typename T> inline sum_acc_t<T> load_acc(const char* p) {
  return static_cast<sum_acc_t<T>>(static_cast<opmath_t<T>>(*reinterpret_cast<const T*>(p)));
}

// A contiguous leaf of the pairwise sum: four 32-byte vectors of independent
// accumulators (GCC's vector extension lowers them to each ISA's registers;
// an array of accumulators was kept on the stack).
template <typename T>
T contiguous_leaf(const T* x, int64_t n) {
  typedef T V __attribute__((vector_size(32)));
  constexpr int64_t kL = 32 / sizeof(T);  // lanes per vector
  V a0 = {}, a1 = {}, a2 = {}, a3 = {};
  int64_t i = 0;
  for (; i + 4 * kL <= n; i += 4 * kL) {
    V v0, v1, v2, v3;
    memcpy(&v0, x + i, 32);
    memcpy(&v1, x + i + kL, 32);
    memcpy(&v2, x + i + 2 * kL, 32);
    memcpy(&v3, x + i + 3 * kL, 32);
    a0 += v0;
    a1 += v1;
    a2 += v2;
    a3 += v3;
  }
  V v = (a0 + a1) + (a2 + a3);
  for (int64_t w = kL / 2; w > 0; w /= 2)  // lanes combined pairwise
    for (int64_t j = 0; j < w; ++j) v[j] += v[j + w];
  T r = v[0];
  for (; i < n; ++i) r += x[i];
  return r;
}

// Pairwise summation (as NumPy): blocks of up to 512 summed with 32
// independent accumulators (two AVX-512 vectors of float), blocks combined
// as a binary tree. Error grows as O(log n).
template <typename T>
sum_acc_t<T> pairwise_sum(const char* p, int64_t n, int64_t stride) {
  using A = sum_acc_t<T>;
  constexpr int kLanes = 32;
  if (n < kLanes) {
    A r = 0;
    for (int64_t i = 0; i < n; ++i) r += load_acc<T>(p + i * stride);
    return r;
  }
  if constexpr (std::is_same<T, float>::value || std::is_same<T, double>::value) {
    if (n <= 512 && stride == sizeof(T)) return contiguous_leaf(reinterpret_cast<const T*>(p), n);
  }
  if (n <= 512) {
    A acc[kLanes];
    for (int j = 0; j < kLanes; ++j) acc[j] = load_acc<T>(p + j * stride);
    int64_t i = kLanes;
    if (stride == sizeof(T)) {
      const T* x = reinterpret_cast<const T*>(p);
      for (; i + kLanes <= n; i += kLanes)
        for (int j = 0; j < kLanes; ++j)
          acc[j] += static_cast<A>(static_cast<opmath_t<T>>(x[i + j]));
    } else {
      for (; i + kLanes <= n; i += kLanes)
        for (int j = 0; j < kLanes; ++j) acc[j] += load_acc<T>(p + (i + j) * stride);
    }
    for (int w = kLanes / 2; w > 0; w /= 2)  // combine lanes pairwise
      for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
    A r = acc[0];
    for (; i < n; ++i) r += load_acc<T>(p + i * stride);
    return r;
  }
  int64_t half = (n / 2) & ~int64_t(kLanes - 1);
  return pairwise_sum<T>(p, half, stride) +
         pairwise_sum<T>(p + half * stride, n - half, stride);
}

template <typename T>
void sum_reduce(const char* in, int64_t n, int64_t stride, char* out) {
  *reinterpret_cast<sum_out_t<T>*>(out) =
      static_cast<sum_out_t<T>>(pairwise_sum<T>(in, n, stride));
}

template <typename T>
void prod_reduce(const char* in, int64_t n, int64_t stride, char* out) {
  sum_acc_t<T> r = 1;
  for (int64_t i = 0; i < n; ++i) r *= load_acc<T>(in + i * stride);
  *reinterpret_cast<sum_out_t<T>*>(out) = static_cast<sum_out_t<T>>(r);
}

// max/min propagate NaN, as PyTorch. Contiguous float input runs 16
// independent lanes (vectorized) with NaN flags kept beside them.
template <typename T>
using nan_flag_t = typename std::conditional<sizeof(T) == 4, int32_t, int64_t>::type;

template <typename T, bool kMax>
inline T pick(T v, T acc) {
  return kMax ? (v > acc ? v : acc) : (v < acc ? v : acc);
}

template <typename T, bool kMax>
void extreme_reduce(const char* in, int64_t n, int64_t stride, char* out) {
  using M = opmath_t<T>;
  int64_t i = 1;
  M r = static_cast<M>(*reinterpret_cast<const T*>(in));
  bool nan = is_nan(r);
  if constexpr (kIsFloat<M> && std::is_same<M, T>::value) {
    if (stride == sizeof(T) && n >= 32) {
      const T* x = reinterpret_cast<const T*>(in);
      T acc[16];
      nan_flag_t<T> flag[16];
      for (int j = 0; j < 16; ++j) {
        acc[j] = x[j];
        flag[j] = static_cast<nan_flag_t<T>>(x[j] != x[j]);
      }
      for (i = 16; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; ++j) {
          T v = x[i + j];
          acc[j] = pick<T, kMax>(v, acc[j]);
          flag[j] |= static_cast<nan_flag_t<T>>(v != v);
        }
      r = acc[0];
      for (int j = 0; j < 16; ++j) {
        r = pick<T, kMax>(acc[j], r);
        nan |= flag[j] != 0;
      }
    }
  }
  for (; i < n; ++i) {
    M v = static_cast<M>(*reinterpret_cast<const T*>(in + i * stride));
    nan |= is_nan(v);
    r = pick<M, kMax>(v, r);
  }
  if constexpr (kIsFloat<M>) {
    if (nan) r = M(NAN);
  }
  *reinterpret_cast<T*>(out) = static_cast<T>(r);
}

// Index of the first max/min; the first NaN wins. The extreme is found by
// the vectorized reduction, then the first element equal to it.
template <typename T, bool kMax>
void arg_reduce(const char* in, int64_t n, int64_t stride, char* out) {
  using M = opmath_t<T>;
  T extreme;
  extreme_reduce<T, kMax>(in, n, stride, reinterpret_cast<char*>(&extreme));
  M best = static_cast<M>(extreme);
  bool nan = is_nan(best);
  int64_t idx = 0;
  for (int64_t i = 0; i < n; ++i) {
    M v = static_cast<M>(*reinterpret_cast<const T*>(in + i * stride));
    if (nan ? is_nan(v) : v == best) {
      idx = i;
      break;
    }
  }
  *reinterpret_cast<int64_t*>(out) = idx;
}

template <typename T, bool kAll>
void bool_reduce(const char* in, int64_t n, int64_t stride, char* out) {
  using M = opmath_t<T>;
  bool r = kAll;
  for (int64_t i = 0; i < n; ++i) {
    bool v = static_cast<M>(*reinterpret_cast<const T*>(in + i * stride)) != M(0);
    if (kAll ? !v : v) {
      r = !kAll;
      break;
    }
  }
  *reinterpret_cast<bool*>(out) = r;
}

// Column sums: rows are added in blocks of 64 into a block accumulator that
// is then added to the total, which bounds rounding error growth.
template <typename T>
void sum_cols(const char* in, int64_t rows, int64_t rs, int64_t cols,
              char* out) {
  using A = sum_acc_t<T>;
  A* total = static_cast<A*>(calloc(static_cast<size_t>(cols) * 2, sizeof(A)));
  A* block = total + cols;
  for (int64_t r0 = 0; r0 < rows; r0 += 64) {
    int64_t r1 = r0 + 64 < rows ? r0 + 64 : rows;
    for (int64_t j = 0; j < cols; ++j) block[j] = 0;
    for (int64_t r = r0; r < r1; ++r) {
      const T* x = reinterpret_cast<const T*>(in + r * rs);
      for (int64_t j = 0; j < cols; ++j)
        block[j] += static_cast<A>(static_cast<opmath_t<T>>(x[j]));
    }
    for (int64_t j = 0; j < cols; ++j) total[j] += block[j];
  }
  sum_out_t<T>* o = reinterpret_cast<sum_out_t<T>*>(out);
  for (int64_t j = 0; j < cols; ++j) o[j] = static_cast<sum_out_t<T>>(total[j]);
  free(total);
}

template <typename T>
void prod_cols(const char* in, int64_t rows, int64_t rs, int64_t cols,
               char* out) {
  using A = sum_acc_t<T>;
  A* acc = static_cast<A*>(malloc(static_cast<size_t>(cols) * sizeof(A)));
  for (int64_t j = 0; j < cols; ++j) acc[j] = 1;
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = reinterpret_cast<const T*>(in + r * rs);
    for (int64_t j = 0; j < cols; ++j)
      acc[j] *= static_cast<A>(static_cast<opmath_t<T>>(x[j]));
  }
  sum_out_t<T>* o = reinterpret_cast<sum_out_t<T>*>(out);
  for (int64_t j = 0; j < cols; ++j) o[j] = static_cast<sum_out_t<T>>(acc[j]);
  free(acc);
}

template <typename T, bool kMax>
void extreme_cols(const char* in, int64_t rows, int64_t rs, int64_t cols,
                  char* out) {
  using M = opmath_t<T>;
  T* o = reinterpret_cast<T*>(out);
  if constexpr (kIsFloat<M> && std::is_same<M, T>::value) {
    // Running max and NaN flags vectorize; NaN is applied after.
    using F = nan_flag_t<T>;
    F* flag = static_cast<F*>(calloc(static_cast<size_t>(cols), sizeof(F)));
    const T* x0 = reinterpret_cast<const T*>(in);
    for (int64_t j = 0; j < cols; ++j) o[j] = x0[j];
    for (int64_t r = 0; r < rows; ++r) {
      const T* x = reinterpret_cast<const T*>(in + r * rs);
      for (int64_t j = 0; j < cols; ++j) {
        T v = x[j];
        o[j] = pick<T, kMax>(v, o[j]);
        flag[j] |= static_cast<F>(v != v);
      }
    }
    for (int64_t j = 0; j < cols; ++j)
      if (flag[j]) o[j] = T(NAN);
    free(flag);
  } else {
    for (int64_t j = 0; j < cols; ++j)
      extreme_reduce<T, kMax>(in + j * static_cast<int64_t>(sizeof(T)), rows,
                              rs, out + j * static_cast<int64_t>(sizeof(T)));
  }
}

template <typename T, bool kAll>
void bool_cols(const char* in, int64_t rows, int64_t rs, int64_t cols,
               char* out) {
  using M = opmath_t<T>;
  bool* o = reinterpret_cast<bool*>(out);
  for (int64_t j = 0; j < cols; ++j) o[j] = kAll;
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = reinterpret_cast<const T*>(in + r * rs);
    for (int64_t j = 0; j < cols; ++j) {
      bool v = static_cast<M>(x[j]) != M(0);
      o[j] = kAll ? (o[j] && v) : (o[j] || v);
    }
  }
}

// ---- row kernels (NN) --------------------------------------------------------
// The max of a contiguous row (NaN ignored: a NaN row entry makes the
// softmax NaN through exp anyway), in four vector lanes-sets.
template <typename T>
T row_max(const T* x, int64_t n) {
  typedef T V __attribute__((vector_size(32)));
  constexpr int64_t kL = 32 / sizeof(T);
  T r = x[0];
  int64_t i = 0;
  if (n >= 4 * kL) {
    V a0, a1, a2, a3;
    memcpy(&a0, x, 32);
    a1 = a2 = a3 = a0;
    for (; i + 4 * kL <= n; i += 4 * kL) {
      V v0, v1, v2, v3;
      memcpy(&v0, x + i, 32);
      memcpy(&v1, x + i + kL, 32);
      memcpy(&v2, x + i + 2 * kL, 32);
      memcpy(&v3, x + i + 3 * kL, 32);
      a0 = v0 > a0 ? v0 : a0;
      a1 = v1 > a1 ? v1 : a1;
      a2 = v2 > a2 ? v2 : a2;
      a3 = v3 > a3 ? v3 : a3;
    }
    a0 = a1 > a0 ? a1 : a0;
    a2 = a3 > a2 ? a3 : a2;
    a0 = a2 > a0 ? a2 : a0;
    for (int64_t j = 0; j < kL; ++j) r = pick<T, true>(a0[j], r);
  }
  for (; i < n; ++i) r = pick<T, true>(x[i], r);
  return r;
}

// sum of exp(x[i] - shift) without storing the exponentials: blocks of 64
// go through a buffer in L1 (vectorized exp), then into vector accumulators.
template <typename T>
T row_sum_exp(const T* x, int64_t n, T shift) {
  constexpr int64_t kBlock = 64;
  T buf[kBlock];
  T total = 0;
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    int64_t len = n - i0 < kBlock ? n - i0 : kBlock;
    for (int64_t i = 0; i < len; ++i) buf[i] = m_fexp(x[i0 + i] - shift);
    total += len == kBlock ? contiguous_leaf(buf, kBlock)
                           : static_cast<T>(pairwise_sum<T>(reinterpret_cast<const char*>(buf), len, sizeof(T)));
  }
  return total;
}

// The float case with whole-register vectors and the vector exp (the hot
// loop of logsumexp and cross entropy): blocks of 1024 summed in vector
// accumulators, block sums added in double.
inline float row_sum_exp(const float* x, int64_t n, float shift) {
  constexpr int64_t kL = kWideBytes / sizeof(float), kBlock = 1024;
  double total = 0;
  int64_t i = 0;
  while (i + 2 * kL <= n) {
    ember_vf a0 = {}, a1 = {};
    int64_t end = i + kBlock < n ? i + kBlock : n;
    for (; i + 2 * kL <= end; i += 2 * kL) {
      ember_vf v0, v1;
      memcpy(&v0, x + i, sizeof(v0));
      memcpy(&v1, x + i + kL, sizeof(v1));
      a0 += ember_expf_nonpos(v0 - shift);
      a1 += ember_expf_nonpos(v1 - shift);
    }
    a0 += a1;
    float s = 0;
    for (int64_t j = 0; j < kL; ++j) s += a0[j];
    total += s;
  }
  for (; i < n; ++i) total += m_fexp(x[i] - shift);
  return static_cast<float>(total);
}

template <typename T>
void softmax_rows(const char* in, char* out, int64_t rows, int64_t cols, int flags) {
  const T* x0 = reinterpret_cast<const T*>(in);
  T* y0 = reinterpret_cast<T*>(out);
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = x0 + r * cols;
    T* y = y0 + r * cols;
    T mx = row_max(x, cols);
    if ((flags & 2) && mx == T(INFINITY)) {  // +inf dominates the sum, unless a NaN is there
      T v = mx;
      for (int64_t i = 0; i < cols; ++i)
        if (x[i] != x[i]) v = x[i];
      y0[r] = v;
      continue;
    }
    if (mx == -T(INFINITY) || mx != mx) mx = 0;  // all -inf: exp(-inf - 0) = 0
    if (flags & 2) {  // logsumexp only: one value per row, nothing else written
      y0[r] = mx + m_log(row_sum_exp(x, cols, mx));
    } else if (flags & 1) {  // log_softmax: two reads and one write
      T shift = mx + m_log(row_sum_exp(x, cols, mx));
      for (int64_t i = 0; i < cols; ++i) y[i] = x[i] - shift;
    } else {
      for (int64_t i = 0; i < cols; ++i) y[i] = m_fexp(x[i] - mx);
      T sum = static_cast<T>(pairwise_sum<T>(reinterpret_cast<const char*>(y), cols, sizeof(T)));
      T inv = T(1) / sum;
      for (int64_t i = 0; i < cols; ++i) y[i] *= inv;
    }
  }
}

template <typename T>
void layer_norm_rows(const char* in, char* out, char* mean_out, char* rstd_out, int64_t rows,
                     int64_t cols, double eps, const char* weight, const char* bias) {
  const T* x0 = reinterpret_cast<const T*>(in);
  T* y0 = reinterpret_cast<T*>(out);
  const T* w = reinterpret_cast<const T*>(weight);
  const T* b = reinterpret_cast<const T*>(bias);
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = x0 + r * cols;
    T* y = y0 + r * cols;
    T mean = static_cast<T>(pairwise_sum<T>(reinterpret_cast<const char*>(x), cols, sizeof(T))) /
             static_cast<T>(cols);
    for (int64_t i = 0; i < cols; ++i) y[i] = (x[i] - mean) * (x[i] - mean);
    T var = static_cast<T>(pairwise_sum<T>(reinterpret_cast<const char*>(y), cols, sizeof(T))) /
            static_cast<T>(cols);
    T rstd = T(1) / m_sqrt(var + static_cast<T>(eps));
    if (w && b) {
      for (int64_t i = 0; i < cols; ++i) y[i] = (x[i] - mean) * rstd * w[i] + b[i];
    } else if (w) {
      for (int64_t i = 0; i < cols; ++i) y[i] = (x[i] - mean) * rstd * w[i];
    } else {
      for (int64_t i = 0; i < cols; ++i) y[i] = (x[i] - mean) * rstd;
      if (b)
        for (int64_t i = 0; i < cols; ++i) y[i] += b[i];
    }
    reinterpret_cast<T*>(mean_out)[r] = mean;
    reinterpret_cast<T*>(rstd_out)[r] = rstd;
  }
}

// ---- registration ----------------------------------------------------------
#define EMBER_FOR_EACH_TYPE(_)                                                 \
  _(Bool, bool) _(UInt8, uint8_t) _(Int8, int8_t) _(Int16, int16_t)            \
  _(Int32, int32_t) _(Int64, int64_t) _(Float16, Half) _(BFloat16, BFloat16)   \
  _(Float32, float) _(Float64, double)

template <typename T> constexpr int type_index();
#define EMBER_TYPE_INDEX(S, T) \
  template <> constexpr int type_index<T>() { return static_cast<int>(ScalarType::S); }
EMBER_FOR_EACH_TYPE(EMBER_TYPE_INDEX)
#undef EMBER_TYPE_INDEX

template <typename Op, typename T>
void set_binary(KernelTable& t, BinaryOp op) {
  if constexpr (Op::types::template ok<opmath_t<T>>)
    t.binary[static_cast<int>(op)][type_index<T>()] = &binary_loop<Op, T>;
}
template <typename Op, typename T>
void set_unary(KernelTable& t, UnaryOp op) {
  if constexpr (Op::types::template ok<opmath_t<T>>)
    t.unary[static_cast<int>(op)][type_index<T>()] = &unary_loop<Op, T>;
}

template <typename T>
void fill_for_type(KernelTable& t) {
  constexpr int ti = type_index<T>();
#define B(op, Functor) set_binary<Functor, T>(t, BinaryOp::op);
  B(add, Add) B(sub, Sub) B(mul, Mul) B(div, Div) B(floor_divide, FloorDivide)
  B(remainder, Remainder) B(fmod, Fmod) B(pow, Pow) B(atan2, Atan2)
  B(minimum, Minimum) B(maximum, Maximum) B(eq, Eq) B(ne, Ne) B(lt, Lt)
  B(le, Le) B(gt, Gt) B(ge, Ge) B(logical_and, LogicalAnd)
  B(logical_or, LogicalOr) B(logical_xor, LogicalXor)
  B(bitwise_and, BitwiseAnd) B(bitwise_or, BitwiseOr) B(bitwise_xor, BitwiseXor)
  B(bitwise_left_shift, LeftShift) B(bitwise_right_shift, RightShift)
#undef B
#define U(op, Functor) set_unary<Functor, T>(t, UnaryOp::op);
  U(neg, Neg) U(abs, Abs) U(sign, Sign) U(exp, Exp) U(exp2, Exp2)
  U(expm1, Expm1) U(log, Log) U(log2, Log2) U(log10, Log10) U(log1p, Log1p)
  U(sqrt, Sqrt) U(rsqrt, Rsqrt) U(sin, Sin) U(cos, Cos) U(tan, Tan)
  U(asin, Asin) U(acos, Acos) U(atan, Atan) U(sinh, Sinh) U(cosh, Cosh)
  U(tanh, Tanh) U(sigmoid, Sigmoid) U(relu, Relu) U(erf, Erf) U(erfc, Erfc)
  U(floor, Floor) U(ceil, Ceil) U(round, Round) U(trunc, Trunc) U(frac, Frac)
  U(reciprocal, Reciprocal) U(logical_not, LogicalNot)
  U(bitwise_not, BitwiseNot) U(isnan, IsNan) U(isinf, IsInf)
  U(isfinite, IsFinite) U(nan_to_num, NanToNum) U(square, Square)
  U(signbit, Signbit) U(isposinf, IsPosInf) U(isneginf, IsNegInf)
#undef U
#define C(S, To) t.cast[ti][static_cast<int>(ScalarType::S)] = &cast_loop<T, To>;
  EMBER_FOR_EACH_TYPE(C)
#undef C
  t.where[ti] = &where_loop<T>;
  constexpr int sum = static_cast<int>(ReduceOp::sum);
  constexpr int prod = static_cast<int>(ReduceOp::prod);
  constexpr int amax = static_cast<int>(ReduceOp::amax);
  constexpr int amin = static_cast<int>(ReduceOp::amin);
  constexpr int all = static_cast<int>(ReduceOp::all);
  constexpr int any = static_cast<int>(ReduceOp::any);
  t.reduce[sum][ti] = &sum_reduce<T>;
  t.reduce[prod][ti] = &prod_reduce<T>;
  t.reduce[amax][ti] = &extreme_reduce<T, true>;
  t.reduce[amin][ti] = &extreme_reduce<T, false>;
  t.reduce[all][ti] = &bool_reduce<T, true>;
  t.reduce[any][ti] = &bool_reduce<T, false>;
  t.reduce[static_cast<int>(ReduceOp::argmax)][ti] = &arg_reduce<T, true>;
  t.reduce[static_cast<int>(ReduceOp::argmin)][ti] = &arg_reduce<T, false>;
  t.reduce_cols[sum][ti] = &sum_cols<T>;
  t.reduce_cols[prod][ti] = &prod_cols<T>;
  t.reduce_cols[amax][ti] = &extreme_cols<T, true>;
  t.reduce_cols[amin][ti] = &extreme_cols<T, false>;
  t.reduce_cols[all][ti] = &bool_cols<T, true>;
  t.reduce_cols[any][ti] = &bool_cols<T, false>;
}

void fill_table(KernelTable& t) {
#define F(S, T) fill_for_type<T>(t);
  EMBER_FOR_EACH_TYPE(F)
#undef F
  // (no std::initializer_list here: see Note [One copy per ISA])
  constexpr int f4 = static_cast<int>(ScalarType::Float32);
  constexpr int f8 = static_cast<int>(ScalarType::Float64);
  t.softmax_rows[f4] = &softmax_rows<float>;
  t.softmax_rows[f8] = &softmax_rows<double>;
  t.layer_norm_rows[f4] = &layer_norm_rows<float>;
  t.layer_norm_rows[f8] = &layer_norm_rows<double>;
  t.conv_direct[f4] = conv_direct_kernel<float>();
  t.conv_direct[f8] = conv_direct_kernel<double>();
  t.lstm_cell[f4] = &lstm_cell<float>;
  t.lstm_cell[f8] = &lstm_cell<double>;
  t.lstm_cell_backward[f4] = &lstm_cell_backward<float>;
  t.lstm_cell_backward[f8] = &lstm_cell_backward<double>;
  t.recurrent_gemm_f32 = &recurrent_gemm;
  t.recurrent_panel = kRecurrentPanel;
}
