// SPDX-License-Identifier: BSD-3-Clause
// Note [Native recording]: the graph's node and saved-tensor base types and
// the native recorder of the pointwise ops.
#include "graph_record.h"

#include <structmember.h>

#include <atomic>
#include <cstddef>
#include <cstring>

#include "../cpu/kernels/kernel_table.h"
#include "../ops/elementwise.h"
#include "../tensor/errors.h"
#include "convert.h"

namespace ember {
namespace {

// ---- _C.GraphNode: the fields of every node of the graph ------------------
struct GraphNode {
  PyObject_HEAD
  PyObject* next_functions;  // per input: (node, output_nr) or (None, 0)
  PyObject* deriv;           // the derivative registry's entry (op nodes)
  PyObject* metas;           // per input: (shape, dtype), or None without gradient
  PyObject* attrs;           // what the derivative reads besides tensors
  PyObject* site;            // where the user's code ran the op
  PyObject* saved_inputs;
  PyObject* saved_outputs;
  PyObject* dict;
  PyObject* weakrefs;
  long long seq;  // creation order: backward runs newer nodes first
  int num_outputs;
};

std::atomic<long long> g_next_seq{0};

PyObject* g_empty_tuple = nullptr;

PyObject* alloc_node(PyTypeObject* type) {
  PyObject* obj = type->tp_alloc(type, 0);
  if (obj == nullptr) return nullptr;
  auto* node = reinterpret_cast<GraphNode*>(obj);
  Py_INCREF(g_empty_tuple);
  node->next_functions = g_empty_tuple;
  node->seq = g_next_seq.fetch_add(1, std::memory_order_relaxed);
  node->num_outputs = 1;
  return obj;
}

PyObject* node_new(PyTypeObject* type, PyObject*, PyObject*) { return alloc_node(type); }

int node_traverse(PyObject* self, visitproc visit, void* arg) {
  auto* n = reinterpret_cast<GraphNode*>(self);
  Py_VISIT(n->next_functions);
  Py_VISIT(n->deriv);
  Py_VISIT(n->metas);
  Py_VISIT(n->attrs);
  Py_VISIT(n->site);
  Py_VISIT(n->saved_inputs);
  Py_VISIT(n->saved_outputs);
  Py_VISIT(n->dict);
  Py_VISIT(Py_TYPE(self));  // heap subclasses own a reference to their type
  return 0;
}

int node_clear(PyObject* self) {
  auto* n = reinterpret_cast<GraphNode*>(self);
  Py_CLEAR(n->next_functions);
  Py_CLEAR(n->deriv);
  Py_CLEAR(n->metas);
  Py_CLEAR(n->attrs);
  Py_CLEAR(n->site);
  Py_CLEAR(n->saved_inputs);
  Py_CLEAR(n->saved_outputs);
  Py_CLEAR(n->dict);
  return 0;
}

void node_dealloc(PyObject* self) {
  PyObject_GC_UnTrack(self);
  auto* n = reinterpret_cast<GraphNode*>(self);
  if (n->weakrefs != nullptr) PyObject_ClearWeakRefs(self);
  node_clear(self);
  Py_TYPE(self)->tp_free(self);
}

PyMemberDef node_members[] = {
    {"next_functions", T_OBJECT, offsetof(GraphNode, next_functions), 0,
     "per input, (node, output_nr) of where its gradient goes"},
    {"_deriv", T_OBJECT, offsetof(GraphNode, deriv), 0, nullptr},
    {"_metas", T_OBJECT, offsetof(GraphNode, metas), 0, nullptr},
    {"attrs", T_OBJECT, offsetof(GraphNode, attrs), 0, nullptr},
    {"_site", T_OBJECT, offsetof(GraphNode, site), 0, nullptr},
    {"_saved_inputs", T_OBJECT, offsetof(GraphNode, saved_inputs), 0, nullptr},
    {"_saved_outputs", T_OBJECT, offsetof(GraphNode, saved_outputs), 0, nullptr},
    {"_seq", T_LONGLONG, offsetof(GraphNode, seq), 0, nullptr},
    {"_num_outputs", T_INT, offsetof(GraphNode, num_outputs), 0, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyGetSetDef node_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyTypeObject g_node_type = [] {
  PyTypeObject t;
  std::memset(&t, 0, sizeof t);
  Py_SET_REFCNT(reinterpret_cast<PyObject*>(&t), 1);
  t.tp_name = "ember._C.GraphNode";
  t.tp_doc = "The fields of a node of the autograd graph (Note [Native recording]).";
  t.tp_basicsize = sizeof(GraphNode);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC;
  t.tp_new = node_new;
  t.tp_traverse = node_traverse;
  t.tp_clear = node_clear;
  t.tp_dealloc = node_dealloc;
  t.tp_members = node_members;
  t.tp_getset = node_getset;
  t.tp_dictoffset = offsetof(GraphNode, dict);
  t.tp_weaklistoffset = offsetof(GraphNode, weakrefs);
  return t;
}();

// ---- _C.SavedTensorBase: a tensor kept for backward -----------------------
struct SavedTensorBase {
  PyObject_HEAD
  PyObject* data;     // the tensor (or what a pack hook made of it)
  PyObject* version;  // its version when saved
  PyObject* unpack;   // the unpack hook, or None
  PyObject* site;
  char is_output;
  int output_nr;
};

int saved_traverse(PyObject* self, visitproc visit, void* arg) {
  auto* s = reinterpret_cast<SavedTensorBase*>(self);
  Py_VISIT(s->data);
  Py_VISIT(s->version);
  Py_VISIT(s->unpack);
  Py_VISIT(s->site);
  Py_VISIT(Py_TYPE(self));
  return 0;
}

int saved_clear(PyObject* self) {
  auto* s = reinterpret_cast<SavedTensorBase*>(self);
  Py_CLEAR(s->data);
  Py_CLEAR(s->version);
  Py_CLEAR(s->unpack);
  Py_CLEAR(s->site);
  return 0;
}

void saved_dealloc(PyObject* self) {
  PyObject_GC_UnTrack(self);
  saved_clear(self);
  Py_TYPE(self)->tp_free(self);
}

PyMemberDef saved_members[] = {
    {"_data", T_OBJECT, offsetof(SavedTensorBase, data), 0, nullptr},
    {"_version", T_OBJECT, offsetof(SavedTensorBase, version), 0, nullptr},
    {"_unpack", T_OBJECT, offsetof(SavedTensorBase, unpack), 0, nullptr},
    {"_site", T_OBJECT, offsetof(SavedTensorBase, site), 0, nullptr},
    {"_is_output", T_BOOL, offsetof(SavedTensorBase, is_output), 0, nullptr},
    {"_output_nr", T_INT, offsetof(SavedTensorBase, output_nr), 0, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyTypeObject g_saved_type = [] {
  PyTypeObject t;
  std::memset(&t, 0, sizeof t);
  Py_SET_REFCNT(reinterpret_cast<PyObject*>(&t), 1);
  t.tp_name = "ember._C.SavedTensorBase";
  t.tp_doc = "The fields of a tensor saved for backward (Note [Native recording]).";
  t.tp_basicsize = sizeof(SavedTensorBase);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC;
  t.tp_new = PyType_GenericNew;
  t.tp_traverse = saved_traverse;
  t.tp_clear = saved_clear;
  t.tp_dealloc = saved_dealloc;
  t.tp_members = saved_members;
  return t;
}();

// ---- the recorder --------------------------------------------------------
struct Recipe {
  PyObject* deriv = nullptr;  // null: the Python handler records this op
  bool save_inputs = false;
  bool save_result = false;
  // per input: the inputs (bit i) whose needing a gradient makes it saved;
  // empty: every input is saved
  std::vector<unsigned> save_when;
};

// What ember-autograd registered; references are held for the process.
struct Recorder {
  PyObject* handlers = nullptr;        // the handler dict it stands in for
  PyTypeObject* node_type = nullptr;   // a subclass of GraphNode
  PyTypeObject* saved_type = nullptr;  // a subclass of SavedTensorBase
  PyObject* edge_fn = nullptr;         // gradient_edge(t), for views and new leaves
  PyObject* site_fn = nullptr;         // site(skip): where the user's code is
  Recipe binary[kNumBinaryOps];
  Recipe unary[kNumUnaryOps];
};

Recorder* g_recorder = nullptr;
bool g_enabled = true;            // off in anomaly mode (process-wide, as that mode)
thread_local int t_blockers = 0;  // saved-tensor hooks in force on this thread

PyObject* s_grad_fn;
PyObject* s_view_version;
PyObject* s_output_nr;
PyObject* s_accumulate;
PyObject* g_zero;
PyObject* g_one;
PyObject* g_no_edge;  // (None, 0)

const Recipe* recipe_for(const Recipe* table, int n, int op) {
  // only in place of the handlers it was registered with: a replaced dict gets every call
  if (g_recorder == nullptr || !g_enabled || t_blockers != 0 || g_recorder->handlers != autograd_handler() ||
      op < 0 || op >= n)
    return nullptr;
  const Recipe* r = &table[op];
  return r->deriv != nullptr ? r : nullptr;
}

// Where the gradient of tracked tensor x goes: (node, output_nr). A new
// reference; throws with the Python error set.
py::object edge_of(PyObject* x, const TensorImpl& impl) {
  py::object dict = py::reinterpret_steal<py::object>(PyObject_GenericGetDict(x, nullptr));
  if (!dict) throw py::error_already_set();
  PyObject* fn = PyDict_GetItemWithError(dict.ptr(), s_grad_fn);  // borrowed
  if (fn != nullptr && fn != Py_None) {
    // a recorded result that is not a view: its grad_fn is current
    if (PyDict_GetItemWithError(dict.ptr(), s_view_version) == nullptr && !PyErr_Occurred()) {
      PyObject* nr = PyDict_GetItemWithError(dict.ptr(), s_output_nr);
      if (nr == nullptr && PyErr_Occurred()) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(PyTuple_Pack(2, fn, nr ? nr : g_zero));
    }
  } else if (!impl.view_base) {
    PyObject* acc = PyDict_GetItemWithError(dict.ptr(), s_accumulate);
    if (acc != nullptr) return py::reinterpret_steal<py::object>(PyTuple_Pack(2, acc, g_zero));
  }
  if (PyErr_Occurred()) throw py::error_already_set();
  PyObject* edge = PyObject_CallOneArg(g_recorder->edge_fn, x);
  if (edge == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(edge);
}

py::object new_saved(PyObject* data, int64_t version, bool is_output) {
  PyTypeObject* type = g_recorder->saved_type;
  py::object obj = py::reinterpret_steal<py::object>(type->tp_alloc(type, 0));
  if (!obj) throw py::error_already_set();
  auto* s = reinterpret_cast<SavedTensorBase*>(obj.ptr());
  Py_INCREF(data);
  s->data = data;
  s->version = PyLong_FromLongLong(version);
  if (s->version == nullptr) throw py::error_already_set();
  s->is_output = is_output;
  s->output_nr = 0;
  return obj;
}

// Records `run()` (a one-output pointwise op of `n` inputs) as autograd's
// Python recorder would (ember.autograd._record.record).
template <typename Run>
py::object record_pointwise(const Recipe& recipe, PyObject* const* inputs, const Tensor* const* impls,
                            int n, Run run, py::object attrs) {
  py::tuple edges(n), metas(n);
  unsigned needs = 0;  // bit i: input i needs a gradient
  for (int i = 0; i < n; ++i) {
    const TensorImpl& t = **impls[i];
    if (t.tracked()) {
      needs |= 1u << i;
      PyTuple_SET_ITEM(edges.ptr(), i, edge_of(inputs[i], t).release().ptr());
      py::tuple shape(t.dim());
      for (int64_t d = 0; d < t.dim(); ++d) PyTuple_SET_ITEM(shape.ptr(), d, PyLong_FromLongLong(t.sizes()[d]));
      PyTuple_SET_ITEM(metas.ptr(), i, py::make_tuple(shape, dtype_object(t.dtype())).release().ptr());
    } else {
      Py_INCREF(g_no_edge);
      PyTuple_SET_ITEM(edges.ptr(), i, g_no_edge);
      Py_INCREF(Py_None);
      PyTuple_SET_ITEM(metas.ptr(), i, Py_None);
    }
  }
  py::object saved_inputs;
  if (recipe.save_inputs) {
    py::list saved(n);
    for (int i = 0; i < n; ++i) {
      if (!recipe.save_when.empty() && (recipe.save_when[static_cast<size_t>(i)] & needs) == 0) {
        saved[i] = py::none();  // no gradient that is needed reads it
        continue;
      }
      bool is_tensor = py::isinstance<TensorImpl>(inputs[i]);  // a Python number is kept as it is
      saved[i] = is_tensor ? new_saved(inputs[i], (*impls[i])->version(), false)
                           : py::reinterpret_borrow<py::object>(inputs[i]);
    }
    saved_inputs = std::move(saved);
  }
  Tensor out;
  {
    GradModeOff off;
    out = run();
  }
  py::object result = py::cast(out);
  if (!is_floating(out->dtype())) return result;  // outputs of integer dtype carry no gradient
  py::object site;
  if (recipe.save_inputs || recipe.save_result) {
    site = py::reinterpret_steal<py::object>(PyObject_CallOneArg(g_recorder->site_fn, g_one));
    if (!site) throw py::error_already_set();
  }
  py::object node_obj = py::reinterpret_steal<py::object>(alloc_node(g_recorder->node_type));
  if (!node_obj) throw py::error_already_set();
  auto* node = reinterpret_cast<GraphNode*>(node_obj.ptr());
  Py_SETREF(node->next_functions, edges.release().ptr());
  Py_INCREF(recipe.deriv);
  node->deriv = recipe.deriv;
  node->metas = metas.release().ptr();
  node->attrs = attrs.release().ptr();
  node->site = site ? site.release().ptr() : nullptr;
  node->saved_inputs = saved_inputs ? saved_inputs.release().ptr() : nullptr;
  if (recipe.save_result) {
    // a detached alias: the output holding its own node would make a cycle
    Tensor alias = out->as_strided(out->sizes(), out->strides(), out->offset());
    py::list saved(1);
    saved[0] = new_saved(py::cast(alias).ptr(), out->version(), true);
    node->saved_outputs = saved.release().ptr();
  }
  out->requires_grad = true;
  py::object dict = py::reinterpret_steal<py::object>(PyObject_GenericGetDict(result.ptr(), nullptr));
  if (!dict || PyDict_SetItem(dict.ptr(), s_grad_fn, node_obj.ptr()) != 0) throw py::error_already_set();
  return result;
}

Recipe recipe_from(py::handle entry, size_t arity) {
  auto t = entry.cast<py::tuple>();
  Recipe r;
  r.deriv = py::object(t[0]).release().ptr();
  r.save_inputs = t[1].cast<bool>();
  r.save_result = t[2].cast<bool>();
  for (auto mask : t[3].cast<py::tuple>()) r.save_when.push_back(mask.cast<unsigned>());
  EMBER_CHECK(r.save_when.empty() || r.save_when.size() == arity,
              "_set_native_recorder: expected no save masks or one per input (", arity, "), got ",
              r.save_when.size());
  return r;
}

void set_recorder(py::object handlers, py::object node_type, py::object saved_type, py::object edge_fn, py::object site_fn,
                  py::dict binary_recipes, py::dict unary_recipes) {
  EMBER_CHECK_TYPE(PyType_Check(node_type.ptr()) &&
                       PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(node_type.ptr()), &g_node_type),
                   "_set_native_recorder: node_type must subclass ember._C.GraphNode");
  EMBER_CHECK_TYPE(PyType_Check(saved_type.ptr()) &&
                       PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(saved_type.ptr()), &g_saved_type),
                   "_set_native_recorder: saved_type must subclass ember._C.SavedTensorBase");
  auto* r = new Recorder();  // kept for the process, as the handler dict
  r->handlers = handlers.release().ptr();
  r->node_type = reinterpret_cast<PyTypeObject*>(node_type.release().ptr());
  r->saved_type = reinterpret_cast<PyTypeObject*>(saved_type.release().ptr());
  r->edge_fn = edge_fn.release().ptr();
  r->site_fn = site_fn.release().ptr();
  for (auto [op, entry] : binary_recipes) {
    int i = op.cast<int>();
    EMBER_CHECK(i >= 0 && i < kNumBinaryOps, "_set_native_recorder: no binary op ", i);
    r->binary[i] = recipe_from(entry, 2);
  }
  for (auto [op, entry] : unary_recipes) {
    int i = op.cast<int>();
    EMBER_CHECK(i >= 0 && i < kNumUnaryOps, "_set_native_recorder: no unary op ", i);
    r->unary[i] = recipe_from(entry, 1);
  }
  g_recorder = r;
}

}  // namespace

py::object native_record_binary(int op, py::handle a, py::handle b, const Tensor& ta, const Tensor& tb) {
  const Recipe* recipe = recipe_for(g_recorder ? g_recorder->binary : nullptr, kNumBinaryOps, op);
  if (recipe == nullptr) return {};
  PyObject* inputs[2] = {a.ptr(), b.ptr()};
  const Tensor* impls[2] = {&ta, &tb};
  return record_pointwise(*recipe, inputs, impls, 2,
                          [&] { return binary(static_cast<BinaryOp>(op), ta, tb, nullptr); },
                          py::reinterpret_borrow<py::object>(g_empty_tuple));
}

py::object native_record_unary(int op, py::handle a, const Tensor& ta, const std::vector<double>& params) {
  const Recipe* recipe = recipe_for(g_recorder ? g_recorder->unary : nullptr, kNumUnaryOps, op);
  if (recipe == nullptr) return {};
  PyObject* inputs[1] = {a.ptr()};
  const Tensor* impls[1] = {&ta};
  return record_pointwise(*recipe, inputs, impls, 1,
                          [&] {
                            return unary(static_cast<UnaryOp>(op), ta, nullptr,
                                         params.empty() ? nullptr : params.data());
                          },
                          py::make_tuple(py::cast(params)));
}

void bind_graph_record(py::module_& m) {
  g_empty_tuple = PyTuple_New(0);
  s_grad_fn = PyUnicode_InternFromString("_grad_fn");
  s_view_version = PyUnicode_InternFromString("_view_version");
  s_output_nr = PyUnicode_InternFromString("_output_nr");
  s_accumulate = PyUnicode_InternFromString("_accumulate");
  g_zero = PyLong_FromLong(0);
  g_one = PyLong_FromLong(1);
  g_no_edge = PyTuple_Pack(2, Py_None, g_zero);
  if (PyType_Ready(&g_node_type) < 0 || PyType_Ready(&g_saved_type) < 0) throw py::error_already_set();
  Py_INCREF(&g_node_type);
  Py_INCREF(&g_saved_type);
  m.add_object("GraphNode", reinterpret_cast<PyObject*>(&g_node_type));
  m.add_object("SavedTensorBase", reinterpret_cast<PyObject*>(&g_saved_type));
  m.def("_set_native_recorder", &set_recorder, py::arg("handlers"), py::arg("node_type"), py::arg("saved_type"),
        py::arg("edge_fn"), py::arg("site_fn"), py::arg("binary"), py::arg("unary"),
        "Registers what the core needs to record pointwise ops natively (Note [Native recording]) "
        "while `handlers` is the registered handler dict: recipes map op ids to (derivative, "
        "saves inputs, saves result, per input the bit mask of the inputs whose gradient reads it).");
  m.def("_set_native_recording", [](bool on) {
    bool before = g_enabled;
    g_enabled = on;
    return before;
  }, py::arg("on"), "Turns native recording on or off for the process; returns the previous setting.");
  m.def("_block_native_recording", [](int delta) {
    t_blockers += delta;
    return t_blockers;
  }, py::arg("delta"), "Adds to this thread's count of reasons to record in Python (saved-tensor hooks).");
}

}  // namespace ember
