// SPDX-License-Identifier: BSD-3-Clause
#include "random.h"

#include <cmath>

#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"
#include "iterator.h"

namespace ember {
namespace {

struct Words {
  uint32_t w[4];
};

// Philox4x32 with 10 rounds; the counter is (index, 0) and the key the seed.
Words philox(uint64_t seed, uint64_t index) {
  uint32_t c0 = static_cast<uint32_t>(index), c1 = static_cast<uint32_t>(index >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    uint64_t p0 = uint64_t(0xD2511F53u) * c0;
    uint64_t p1 = uint64_t(0xCD9E8D57u) * c2;
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

double to_unit(uint32_t hi, uint32_t lo) {  // uniform in [0, 1), 53 bits
  uint64_t bits = (uint64_t(hi) << 21) ^ (lo >> 11);
  return static_cast<double>(bits & ((uint64_t(1) << 53) - 1)) * 0x1.0p-53;
}

// Fills t (contiguous) with f(counter words of element i).
template <typename F>
void fill_random(const Tensor& t, Generator& g, bool fresh, F draw) {
  Tensor target = t->is_contiguous() ? t : TensorImpl::empty(t->sizes(), t->dtype());
  int64_t n = target->numel();
  uint64_t base = g.advance(static_cast<uint64_t>(n));
  uint64_t seed = g.seed();
  EMBER_DISPATCH_ALL_TYPES(target->dtype(), "random", [&] {
    scalar_t* p = reinterpret_cast<scalar_t*>(target->data());
    parallel_for(0, n, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        Words w = philox(seed, base + static_cast<uint64_t>(i));
        p[i] = static_cast<scalar_t>(static_cast<opmath_t<scalar_t>>(draw(w)));
      }
    });
  });
  if (target != t) copy_(t, target, false);
  if (!fresh) t->bump_version();
}

// Mantissa bits of each dtype: a uniform draw uses exactly that many random
// bits, so [0, 1) does not round up to 1 in a narrow type.
int uniform_digits(ScalarType t) {
  switch (t) {
    case ScalarType::Float16: return 11;
    case ScalarType::BFloat16: return 8;
    case ScalarType::Float64: return 53;
    default: return 24;
  }
}

}  // namespace

std::shared_ptr<Generator> default_generator() {
  static auto g = std::make_shared<Generator>();
  return g;
}

void uniform_(const Tensor& t, double low, double high, Generator& g, bool fresh) {
  EMBER_CHECK(low <= high, "uniform_ expects to return a [from, to) range, but "
              "found from=", low, " > to=", high);
  int digits = uniform_digits(t->dtype());
  fill_random(t, g, fresh, [&](const Words& w) {
    double u = digits == 53 ? to_unit(w.w[0], w.w[1])
                            : std::ldexp(static_cast<double>(w.w[0] >> (32 - digits)), -digits);
    return low + (high - low) * u;
  });
}

void normal_(const Tensor& t, double mean, double std, Generator& g, bool fresh) {
  EMBER_CHECK(std >= 0, "normal expects std >= 0.0, but found std ", std);
  fill_random(t, g, fresh, [&](const Words& w) {
    // Box-Muller from two 53-bit uniforms; u1 in (0, 1].
    double u1 = 1.0 - to_unit(w.w[0], w.w[1]);
    double u2 = to_unit(w.w[2], w.w[3]);
    return mean + std * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  });
}

void random_int_(const Tensor& t, int64_t low, int64_t high, Generator& g, bool fresh) {
  EMBER_CHECK(low < high, "random_ expects 'from' to be less than 'to', but got "
              "from=", low, " >= to=", high);
  uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  fill_random(t, g, fresh, [&](const Words& w) {
    uint64_t r = ((uint64_t(w.w[0]) << 32) | w.w[1]) % range;
    return static_cast<double>(static_cast<int64_t>(static_cast<uint64_t>(low) + r));
  });
}

Tensor randperm(int64_t n, Generator& g) {
  EMBER_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  Tensor out = TensorImpl::empty({n}, ScalarType::Int64);
  int64_t* p = reinterpret_cast<int64_t*>(out->data());
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  uint64_t base = g.advance(static_cast<uint64_t>(n));
  for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    Words w = philox(g.seed(), base + static_cast<uint64_t>(i));
    uint64_t r = ((uint64_t(w.w[0]) << 32) | w.w[1]) % static_cast<uint64_t>(i + 1);
    std::swap(p[i], p[r]);
  }
  return out;
}

}  // namespace ember
