// SPDX-License-Identifier: BSD-3-Clause
// PyTorch's result-type rules: dimensioned tensors outrank 0-d tensors,
// which outrank Python scalars, unless a lower tier has a higher category
// (bool < integer < floating).
#pragma once
#include <vector>

#include "../tensor/tensor_impl.h"

namespace ember {

ScalarType default_float_dtype();
void set_default_float_dtype(ScalarType t);

ScalarType result_type(const std::vector<const TensorImpl*>& operands);
// PyTorch's canCast: no float -> integral, no non-bool -> bool.
bool can_cast(ScalarType from, ScalarType to);

}  // namespace ember
