// SPDX-License-Identifier: BSD-3-Clause
#include "promotion.h"

#include "../tensor/errors.h"

namespace ember {
namespace {
ScalarType g_default_float = ScalarType::Float32;

ScalarType combine_categories(ScalarType higher, ScalarType lower) {
  if (is_floating(higher)) return higher;
  if (higher == ScalarType::Bool || is_floating(lower))
    return promote_types(higher, lower);
  if (higher != ScalarType::Undefined) return higher;
  return lower;
}
}  // namespace

ScalarType default_float_dtype() { return g_default_float; }
void set_default_float_dtype(ScalarType t) {
  EMBER_CHECK_TYPE(t == ScalarType::Float32 || t == ScalarType::Float64 ||
                       t == ScalarType::Float16 || t == ScalarType::BFloat16,
                   "only floating-point types are supported as the default "
                   "type, got ", scalar_type_name(t));
  g_default_float = t;
}

ScalarType result_type(const std::vector<const TensorImpl*>& operands) {
  ScalarType dim = ScalarType::Undefined, zero = ScalarType::Undefined,
             wrapped = ScalarType::Undefined;
  for (const TensorImpl* t : operands) {
    ScalarType s = t->dtype();
    if (t->is_wrapped_number) {
      if (is_floating(s)) s = g_default_float;
      wrapped = promote_types(wrapped, s);
    } else if (t->dim() == 0) {
      zero = promote_types(zero, s);
    } else {
      dim = promote_types(dim, s);
    }
  }
  return combine_categories(dim, combine_categories(zero, wrapped));
}

bool can_cast(ScalarType from, ScalarType to) {
  if (is_floating(from) && is_integral(to, true)) return false;
  if (from != ScalarType::Bool && to == ScalarType::Bool) return false;
  return true;
}

}  // namespace ember
