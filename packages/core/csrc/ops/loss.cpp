// SPDX-License-Identifier: BSD-3-Clause
#include "loss.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "elementwise.h"

namespace ember {
namespace {

struct ClassGeometry {
  int64_t n, c, d;
};

// Checks every operand (and every target) before any element is read.
ClassGeometry check_class_operands(const char* name, const Tensor& input, const Tensor& target,
                                   const Tensor& weight, int64_t ignore_index) {
  EMBER_CHECK(input->dim() == 3 && input->is_contiguous(), name,
              ": expected contiguous [N, C, D] logits, got ", describe(*input));
  EMBER_CHECK_TYPE(input->dtype() == ScalarType::Float32 || input->dtype() == ScalarType::Float64, name,
              ": expected float32 or float64 logits, got ", describe(*input));
  ClassGeometry g{input->sizes()[0], input->sizes()[1], input->sizes()[2]};
  EMBER_CHECK(target->dtype() == ScalarType::Int64 && target->is_contiguous() && target->dim() == 2 &&
                  target->sizes()[0] == g.n && target->sizes()[1] == g.d,
              name, ": expected contiguous int64 targets of shape [", g.n, ", ", g.d, "], got ",
              describe(*target));
  EMBER_CHECK(!weight || (weight->dim() == 1 && weight->numel() == g.c && weight->is_contiguous() &&
                          weight->dtype() == input->dtype()),
              name, ": expected contiguous class weights of ", g.c, " elements and the logits' dtype, got ",
              describe(*weight));
  const int64_t* t = reinterpret_cast<const int64_t*>(target->data());
  for (int64_t i = 0; i < g.n * g.d; ++i)
    EMBER_CHECK_INDEX(t[i] == ignore_index || (t[i] >= 0 && t[i] < g.c), "Target ", t[i],
                      " is out of bounds.");
  return g;
}

// Rows (samples) per task: about 16k logits each.
int64_t rows_per_task(const ClassGeometry& g) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.c * g.d));
}

// max and log-sum-exp of the C logits x[0], x[D], ... (computed in double).
template <typename T>
double column_lse(const T* x, int64_t c, int64_t stride) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t k = 0; k < c; ++k) m = std::max(m, static_cast<double>(x[k * stride]));
  if (std::isinf(m)) return m;  // all -inf (or a +inf): log-sum-exp is m itself
  double s = 0;
  for (int64_t k = 0; k < c; ++k) s += std::exp(static_cast<double>(x[k * stride]) - m);
  return m + std::log(s);
}

}  // namespace

std::pair<Tensor, Tensor> class_cross_entropy(const Tensor& input, const Tensor& target,
                                              const Tensor& weight, int64_t ignore_index,
                                              double label_smoothing) {
  ClassGeometry g = check_class_operands("cross_entropy", input, target, weight, ignore_index);
  Tensor loss = TensorImpl::empty({g.n, g.d}, input->dtype());
  Tensor taken = TensorImpl::empty({g.n, g.d}, input->dtype());
  EMBER_DISPATCH_FLOATING_TYPES(input->dtype(), "cross_entropy", [&] {
    const scalar_t* x = reinterpret_cast<const scalar_t*>(input->data());
    const int64_t* t = reinterpret_cast<const int64_t*>(target->data());
    const scalar_t* w = weight ? reinterpret_cast<const scalar_t*>(weight->data()) : nullptr;
    scalar_t* out = reinterpret_cast<scalar_t*>(loss->data());
    scalar_t* wt = reinterpret_cast<scalar_t*>(taken->data());
    double s = label_smoothing;
    parallel_for(0, g.n, rows_per_task(g), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        for (int64_t j = 0; j < g.d; ++j) {
          int64_t at = i * g.d + j, cls = t[at];
          if (cls == ignore_index) {
            out[at] = wt[at] = scalar_t(0);
            continue;
          }
          const scalar_t* col = x + i * g.c * g.d + j;
          double lse = column_lse(col, g.c, g.d);
          double w_t = w ? static_cast<double>(w[cls]) : 1.0;
          double value = (1 - s) * w_t * (lse - static_cast<double>(col[cls * g.d]));
          if (s > 0) {
            double smooth = 0;
            for (int64_t k = 0; k < g.c; ++k)
              smooth += (w ? static_cast<double>(w[k]) : 1.0) * (lse - static_cast<double>(col[k * g.d]));
            value += s / static_cast<double>(g.c) * smooth;
          }
          out[at] = static_cast<scalar_t>(value);
          wt[at] = static_cast<scalar_t>(w_t);
        }
    });
  });
  return {loss, taken};
}

Tensor class_cross_entropy_backward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                    int64_t ignore_index, double label_smoothing, const Tensor& grad,
                                    bool mean) {
  ClassGeometry g = check_class_operands("cross_entropy_backward", input, target, weight, ignore_index);
  bool broadcast = grad->numel() == 1;
  EMBER_CHECK(grad->dtype() == input->dtype() && grad->is_contiguous() &&
                  (broadcast || (grad->dim() == 2 && grad->sizes()[0] == g.n && grad->sizes()[1] == g.d)),
              "cross_entropy_backward: expected a contiguous gradient of one element or of shape [", g.n,
              ", ", g.d, "] and the logits' dtype, got ", describe(*grad));
  Tensor out = TensorImpl::empty({g.n, g.c, g.d}, input->dtype());
  EMBER_DISPATCH_FLOATING_TYPES(input->dtype(), "cross_entropy_backward", [&] {
    const scalar_t* x = reinterpret_cast<const scalar_t*>(input->data());
    const int64_t* t = reinterpret_cast<const int64_t*>(target->data());
    const scalar_t* w = weight ? reinterpret_cast<const scalar_t*>(weight->data()) : nullptr;
    const scalar_t* up = reinterpret_cast<const scalar_t*>(grad->data());
    scalar_t* gi = reinterpret_cast<scalar_t*>(out->data());
    double w_sum = static_cast<double>(g.c);
    if (w) {
      w_sum = 0;
      for (int64_t k = 0; k < g.c; ++k) w_sum += static_cast<double>(w[k]);
    }
    double divisor = 1;
    if (mean) {  // the loss's denominator: the weight of the targets that count
      divisor = 0;
      for (int64_t i = 0; i < g.n * g.d; ++i)
        if (t[i] != ignore_index) divisor += w ? static_cast<double>(w[t[i]]) : 1.0;
    }
    double b_unit = label_smoothing / static_cast<double>(g.c);
    parallel_for(0, g.n, rows_per_task(g), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        for (int64_t j = 0; j < g.d; ++j) {
          int64_t at = i * g.d + j, cls = t[at];
          const scalar_t* col = x + i * g.c * g.d + j;
          scalar_t* gcol = gi + i * g.c * g.d + j;
          if (cls == ignore_index) {
            for (int64_t k = 0; k < g.c; ++k) gcol[k * g.d] = scalar_t(0);
            continue;
          }
          // d loss / d x[k] = p[k] (a + b w_sum) - b w[k] - a [k == t]
          double lse = column_lse(col, g.c, g.d);
          double u = static_cast<double>(up[broadcast ? 0 : at]) / divisor;
          double a = (1 - label_smoothing) * (w ? static_cast<double>(w[cls]) : 1.0);
          double total = a + b_unit * w_sum;
          for (int64_t k = 0; k < g.c; ++k) {
            double p = std::exp(static_cast<double>(col[k * g.d]) - lse);
            double v = p * total - b_unit * (w ? static_cast<double>(w[k]) : 1.0) - (k == cls ? a : 0.0);
            gcol[k * g.d] = static_cast<scalar_t>(u * v);
          }
        }
    });
  });
  return out;
}

}  // namespace ember
