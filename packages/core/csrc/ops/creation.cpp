// SPDX-License-Identifier: BSD-3-Clause
#include "creation.h"

#include <cmath>
#include <type_traits>

#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "iterator.h"

namespace ember {

Tensor arange(double start, double end, double step, ScalarType dtype) {
  EMBER_CHECK(step != 0, "step must be nonzero");
  EMBER_CHECK(std::isfinite(start) && std::isfinite(end),
              "unsupported range: ", start, " -> ", end);
  EMBER_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
              "upper bound and larger bound inconsistent with step sign");
  double count = std::ceil((end - start) / step);
  EMBER_CHECK(count < 9.2e18, "arange: too many elements (", count, ")");
  int64_t n = static_cast<int64_t>(count);
  Tensor out = TensorImpl::empty({n}, dtype);
  EMBER_DISPATCH_ALL_TYPES(dtype, "arange", [&] {
    scalar_t* p = reinterpret_cast<scalar_t*>(out->data());
    parallel_for(0, n, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if constexpr (std::is_integral<scalar_t>::value) {
          p[i] = static_cast<scalar_t>(static_cast<int64_t>(start) +
                                       i * static_cast<int64_t>(step));
        } else {
          p[i] = static_cast<scalar_t>(static_cast<opmath_t<scalar_t>>(start + i * step));
        }
      }
    });
  });
  return out;
}

Tensor linspace(double start, double end, int64_t steps, ScalarType dtype) {
  EMBER_CHECK(steps >= 0, "number of steps must be non-negative");
  Tensor out = TensorImpl::empty({steps}, dtype);
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  int64_t half = steps / 2;
  EMBER_DISPATCH_ALL_TYPES(dtype, "linspace", [&] {
    scalar_t* p = reinterpret_cast<scalar_t*>(out->data());
    parallel_for(0, steps, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        // from both ends, so the last element is exactly `end`
        double v = (i < half || steps == 1) ? start + step * static_cast<double>(i)
                            : end - step * static_cast<double>(steps - 1 - i);
        if constexpr (std::is_integral<scalar_t>::value) {
          p[i] = static_cast<scalar_t>(static_cast<int64_t>(v));
        } else {
          p[i] = static_cast<scalar_t>(static_cast<opmath_t<scalar_t>>(v));
        }
      }
    });
  });
  return out;
}

}  // namespace ember
