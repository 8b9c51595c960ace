// SPDX-License-Identifier: BSD-3-Clause
#include "loss.h"

#include <algorithm>

#include "../cpu/thread_pool.h"
#include "../tensor/errors.h"
#include "iterator.h"
#include "nn.h"

namespace ember {
namespace {

// Checks every operand (and every target) before any element is read;
// returns the row length C.
int64_t check_class_operands(const char* name, const Tensor& input, const Tensor& target,
                             const Tensor& weight, int64_t ignore_index) {
  EMBER_CHECK(input->dim() == 2 && input->is_contiguous(), name,
              ": expected contiguous [R, C] logits, got ", describe(*input));
  EMBER_CHECK_TYPE(input->dtype() == ScalarType::Float32 || input->dtype() == ScalarType::Float64, name,
                   ": expected float32 or float64 logits, got ", describe(*input));
  int64_t rows = input->sizes()[0], c = input->sizes()[1];
  EMBER_CHECK(target->dtype() == ScalarType::Int64 && target->is_contiguous() && target->dim() == 1 &&
                  target->sizes()[0] == rows,
              name, ": expected contiguous int64 targets of shape [", rows, "], got ", describe(*target));
  EMBER_CHECK(!weight || (weight->dim() == 1 && weight->numel() == c && weight->is_contiguous() &&
                          weight->dtype() == input->dtype()),
              name, ": expected contiguous class weights of ", c, " elements and the logits' dtype, got ",
              describe(*weight));
  const int64_t* t = reinterpret_cast<const int64_t*>(target->data());
  for (int64_t r = 0; r < rows; ++r)
    EMBER_CHECK_INDEX(t[r] == ignore_index || (t[r] >= 0 && t[r] < c), "Target ", t[r], " is out of bounds.");
  return c;
}

int64_t rows_per_task(int64_t c) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, c)); }

// sum over k of w[k] * x[k] (w null: all ones), with independent partial
// sums so the loop is not one long dependency chain
template <typename T>
double weighted_sum(const T* x, const T* w, int64_t c) {
  double part[4] = {0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 4 <= c; k += 4)
    for (int j = 0; j < 4; ++j) part[j] += (w ? static_cast<double>(w[k + j]) : 1.0) * static_cast<double>(x[k + j]);
  for (; k < c; ++k) part[0] += (w ? static_cast<double>(w[k]) : 1.0) * static_cast<double>(x[k]);
  return (part[0] + part[1]) + (part[2] + part[3]);
}

}  // namespace

std::pair<Tensor, Tensor> class_cross_entropy(const Tensor& input, const Tensor& target,
                                              const Tensor& weight, int64_t ignore_index,
                                              double label_smoothing) {
  int64_t c = check_class_operands("cross_entropy", input, target, weight, ignore_index);
  int64_t rows = input->sizes()[0];
  // the fused, vectorized row kernel (no classes: every target is ignored)
  Tensor lse_t = c > 0 ? logsumexp_last(input) : TensorImpl::empty({rows}, input->dtype());
  Tensor loss = TensorImpl::empty({rows}, input->dtype());
  Tensor taken = TensorImpl::empty({rows}, input->dtype());
  EMBER_DISPATCH_FLOATING_TYPES(input->dtype(), "cross_entropy", [&] {
    const scalar_t* x = reinterpret_cast<const scalar_t*>(input->data());
    const scalar_t* lse = reinterpret_cast<const scalar_t*>(lse_t->data());
    const int64_t* t = reinterpret_cast<const int64_t*>(target->data());
    const scalar_t* w = weight ? reinterpret_cast<const scalar_t*>(weight->data()) : nullptr;
    scalar_t* out = reinterpret_cast<scalar_t*>(loss->data());
    scalar_t* wt = reinterpret_cast<scalar_t*>(taken->data());
    double s = label_smoothing, w_sum = c;
    if (w && s > 0) w_sum = weighted_sum(w, static_cast<const scalar_t*>(nullptr), c);  // sum of w
    parallel_for(0, rows, rows_per_task(c), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        int64_t cls = t[r];
        if (cls == ignore_index) {
          out[r] = wt[r] = scalar_t(0);
          continue;
        }
        const scalar_t* row = x + r * c;
        double l = static_cast<double>(lse[r]);
        double w_t = w ? static_cast<double>(w[cls]) : 1.0;
        double value = (1 - s) * w_t * (l - static_cast<double>(row[cls]));
        if (s > 0)  // s/C sum_k w[k] (lse - x[k])
          value += s / static_cast<double>(c) * (w_sum * l - weighted_sum(row, w, c));
        out[r] = static_cast<scalar_t>(value);
        wt[r] = static_cast<scalar_t>(w_t);
      }
    });
  });
  return {loss, taken};
}

Tensor class_cross_entropy_backward(const Tensor& input, const Tensor& target, const Tensor& weight,
                                    int64_t ignore_index, double label_smoothing, const Tensor& grad,
                                    bool mean) {
  int64_t c = check_class_operands("cross_entropy_backward", input, target, weight, ignore_index);
  int64_t rows = input->sizes()[0];
  bool broadcast = grad->numel() == 1;
  EMBER_CHECK(grad->dtype() == input->dtype() && grad->is_contiguous() &&
                  (broadcast || (grad->dim() == 1 && grad->sizes()[0] == rows)),
              "cross_entropy_backward: expected a contiguous gradient of one element or of shape [", rows,
              "] and the logits' dtype, got ", describe(*grad));
  Tensor out = softmax(input, 1, false);  // p, turned into the gradient in place
  EMBER_DISPATCH_FLOATING_TYPES(input->dtype(), "cross_entropy_backward", [&] {
    const int64_t* t = reinterpret_cast<const int64_t*>(target->data());
    const scalar_t* w = weight ? reinterpret_cast<const scalar_t*>(weight->data()) : nullptr;
    const scalar_t* up = reinterpret_cast<const scalar_t*>(grad->data());
    scalar_t* gi = reinterpret_cast<scalar_t*>(out->data());
    double w_sum = w ? weighted_sum(w, static_cast<const scalar_t*>(nullptr), c) : static_cast<double>(c);  // sum of w
    double divisor = 1;
    if (mean) {  // the loss's denominator: the weight of the targets that count
      divisor = 0;
      for (int64_t r = 0; r < rows; ++r)
        if (t[r] != ignore_index) divisor += w ? static_cast<double>(w[t[r]]) : 1.0;
    }
    double b_unit = label_smoothing / static_cast<double>(c);
    parallel_for(0, rows, rows_per_task(c), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        scalar_t* row = gi + r * c;
        int64_t cls = t[r];
        if (cls == ignore_index) {
          std::fill(row, row + c, scalar_t(0));
          continue;
        }
        // d loss / d x[k] = p[k] (a + b w_sum) - b w[k] - a [k == t], times u
        double u = static_cast<double>(up[broadcast ? 0 : r]) / divisor;
        double a = (1 - label_smoothing) * (w ? static_cast<double>(w[cls]) : 1.0);
        scalar_t scale = static_cast<scalar_t>(u * (a + b_unit * w_sum));
        scalar_t shift = static_cast<scalar_t>(u * b_unit);
        if (w && b_unit > 0) {
          for (int64_t k = 0; k < c; ++k) row[k] = row[k] * scale - shift * w[k];
        } else {
          for (int64_t k = 0; k < c; ++k) row[k] = row[k] * scale - shift;
        }
        row[cls] = static_cast<scalar_t>(static_cast<double>(row[cls]) - u * a);
      }
    });
  });
  return out;
}

}  // namespace ember
