// SPDX-License-Identifier: BSD-3-Clause
// Note [Native recording]
// ember-autograd records ops in Python (Note [Autograd seam]). For the
// pointwise kernels called without out= -- most of the ops in graphs of small
// tensors -- that costs more than the op itself, so the core can record them
// natively once ember-autograd has registered, per op, its derivative object
// and what the derivative saves. The core then builds exactly the objects the
// Python recorder would: a node of ember-autograd's node class (whose fields
// live in the _C.GraphNode base below), saved tensors (base
// _C.SavedTensorBase), edges and input metadata. It knows no derivative; it
// stores what the registration told it, and only while the handler dict it
// was registered with is the registered one. ember-autograd turns native
// recording off where its Python recorder must run (anomaly mode,
// saved-tensor hooks).
#pragma once
#include <vector>

#include "autograd_seam.h"

namespace ember {

// The recorded result, or a null object when the call is not recorded
// natively (then the Python handler takes it).
py::object native_record_binary(int op, py::handle a, py::handle b, const Tensor& ta,
                                const Tensor& tb);
py::object native_record_unary(int op, py::handle a, const Tensor& ta,
                               const std::vector<double>& params);

void bind_graph_record(py::module_& m);

}  // namespace ember
