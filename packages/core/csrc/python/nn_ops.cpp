// SPDX-License-Identifier: BSD-3-Clause
// Bindings of the indexing, sorting and NN kernels.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "../ops/conv_direct.h"
#include "../ops/index.h"
#include "../ops/linalg.h"
#include "../ops/loss.h"
#include "../ops/lstm.h"
#include "../ops/nn.h"
#include "../ops/sort.h"
#include "../tensor/errors.h"
#include "autograd_seam.h"
#include "convert.h"

namespace ember {

void bind_nn_ops(py::module_& m) {
  m.def("take_offsets", recorded("take_offsets", &take_offsets), py::arg("src"), py::arg("offsets"),
        "Elements at int64 element offsets from src's first element.");
  m.def("put_offsets_", [](const Tensor& dst, const Tensor& offsets, py::handle values, int mode) {
    if (autograd_wants(dst, values)) {
      autograd_call("put_offsets_", dst, offsets, values, mode);
      return dst;
    }
    put_offsets_(dst, offsets, as_operand_or_throw(values, "index_put_"), static_cast<PutMode>(mode));
    return dst;
  }, py::arg("dst"), py::arg("offsets"), py::arg("values"), py::arg("mode"),
     "Writes values at element offsets: mode 0 assign, 1 add, 2 multiply, 3 amax, 4 amin.");
  m.def("nonzero", &nonzero, py::arg("t"));
  m.def("index_select", recorded("index_select", &index_select), py::arg("src"), py::arg("dim"), py::arg("index"),
        "Whole slices along dim picked by a 1-D index (bounds-checked).");
  m.def("index_add_", [](const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src,
                         double alpha) {
    if (autograd_wants(dst, src)) {
      autograd_call("index_add_", dst, dim, index, src, alpha);
      return dst;
    }
    index_add_(dst, dim, index, src, alpha);
    return dst;
  }, py::arg("dst"), py::arg("dim"), py::arg("index"), py::arg("src"), py::arg("alpha") = 1.0,
     "dst.select(dim, index[i]) += alpha * src.select(dim, i) (dst contiguous).");
  m.def("sort_last", recorded("sort_last", &sort_last), py::arg("t"), py::arg("descending"), py::arg("stable"));
  m.def("topk_last", recorded("topk_last", &topk_last), py::arg("t"), py::arg("k"), py::arg("largest"), py::arg("sorted"));
  m.def("searchsorted", &searchsorted, py::arg("sorted"), py::arg("values"), py::arg("right"));
  m.def("lstm_layer", [](const Tensor& x, const Tensor& w_ih, py::handle bias, const Tensor& h0, const Tensor& c0,
                         const Tensor& w_hh, bool reverse) -> py::object {
    Tensor b = bias.is_none() ? nullptr : bias.cast<Tensor>();
    if (autograd_wants(x, w_ih, b, h0, c0, w_hh))
      return autograd_call("lstm_layer", x, w_ih, bias, h0, c0, w_hh, reverse);
    return py::cast(lstm_layer(x, w_ih, b, h0, c0, w_hh, reverse));
  }, py::arg("x"), py::arg("w_ih"), py::arg("bias"), py::arg("h0"), py::arg("c0"), py::arg("w_hh"),
     py::arg("reverse"),
        "One LSTM layer over a sequence (Note [Fused LSTM layer]): (out, h_n, c_n, gates, cs).");
  m.def("lstm_layer_backward", [](py::handle d_out, py::handle d_hn, py::handle d_cn, const Tensor& gates,
                                  const Tensor& cs, const Tensor& c0, const Tensor& w_hh, bool reverse) {
    auto optional = [](py::handle h) -> Tensor { return h.is_none() ? nullptr : h.cast<Tensor>(); };
    Tensor go = optional(d_out), gh = optional(d_hn), gc = optional(d_cn);
    EMBER_CHECK(!autograd_wants(go, gh, gc, gates, c0, w_hh),
                "lstm_layer_backward is not differentiable: the LSTM layer's gradient cannot be "
                "differentiated again (create_graph=True)");
    return lstm_layer_backward(go, gh, gc, gates, cs, c0, w_hh, reverse);
  }, py::arg("d_out"), py::arg("d_hn"), py::arg("d_cn"), py::arg("gates"), py::arg("cs"), py::arg("c0"),
     py::arg("w_hh"), py::arg("reverse"), "The gradient of lstm_layer: (d_xp, dh0, dc0).");
  m.def("softmax", recorded("softmax", &softmax), py::arg("x"), py::arg("dim"), py::arg("log"));
  m.def("logsumexp_last", recorded("logsumexp_last", &logsumexp_last), py::arg("x"),
        "log(sum(exp(x))) over the last dim (float32/float64), fused.");
  m.def("layer_norm", [](const Tensor& x, int64_t n, py::handle w, py::handle b,
                         double eps) -> py::object {
    if (autograd_wants(x, w, b)) return autograd_call("layer_norm", x, n, w, b, eps);
    Tensor wt = w.is_none() ? nullptr : w.cast<Tensor>();
    Tensor bt = b.is_none() ? nullptr : b.cast<Tensor>();
    return py::cast(layer_norm(x, n, wt, bt, eps));
  }, py::arg("x"), py::arg("n"), py::arg("weight"), py::arg("bias"), py::arg("eps"));
  auto window = [](std::vector<int64_t> p) {
    return Window2d{p.at(0), p.at(1), p.at(2), p.at(3), p.at(4), p.at(5), p.at(6), p.at(7)};
  };
  // window params: [kh, kw, sh, sw, ph, pw, dh, dw]
  m.def("im2col", [window](const Tensor& x, std::vector<int64_t> p, int64_t oh,
                           int64_t ow) -> py::object {
    if (autograd_wants(x)) return autograd_call("im2col", x, p, oh, ow);
    return py::cast(im2col(x, window(std::move(p)), oh, ow));
  }, py::arg("x"), py::arg("params"), py::arg("oh"), py::arg("ow"));
  m.def("col2im", [window](const Tensor& cols, int64_t c, int64_t h, int64_t w,
                           std::vector<int64_t> p, int64_t oh, int64_t ow) -> py::object {
    if (autograd_wants(cols)) return autograd_call("col2im", cols, c, h, w, p, oh, ow);
    return py::cast(col2im(cols, c, h, w, window(std::move(p)), oh, ow));
  }, py::arg("cols"), py::arg("c"), py::arg("h"), py::arg("w"), py::arg("params"), py::arg("oh"),
     py::arg("ow"));
  m.def("conv2d_weight_grad", [window](const Tensor& go, const Tensor& x, std::vector<int64_t> p,
                                       int64_t groups) {
    EMBER_CHECK(!autograd_wants(go, x), "conv2d_weight_grad has no derivative: with autograd ",
                "recording, convolutions run on im2col and batched_gemm");
    return conv2d_weight_grad(go, x, window(std::move(p)), groups);
  }, py::arg("grad_output"), py::arg("input"), py::arg("params"), py::arg("groups"),
     "The weight gradient of conv2d (patch matrices built per image, in cache).");
  m.def("conv2d_direct_suits", [](const Tensor& t, int64_t oh, int64_t ow, int64_t kw, int64_t dw) {
    return conv2d_direct_suits(t->dtype(), oh, ow, kw, dw);
  }, py::arg("t"), py::arg("oh"), py::arg("ow"), py::arg("kw"), py::arg("dw"),
     "Whether conv2d_direct runs for t's dtype and beats im2col for this output.");
  // conv2d_weight_grad has no derivative, and conv2d_direct's covers the
  // forward convolution only: with autograd recording, the other uses run on
  // im2col and batched_gemm (the Python front asks autograd_records first).
  m.def("autograd_records", [](py::args args) {
    for (py::handle a : args)
      if (autograd_wants(a)) return true;
    return false;
  }, "Whether autograd records a call with these arguments.");
  m.def("conv2d_direct", [](const Tensor& x, const Tensor& w, py::handle b, int64_t pt, int64_t pl,
                            int64_t dh, int64_t dw, int64_t groups, int64_t oh, int64_t ow) -> py::object {
    if (autograd_wants(x, w, b))
      return autograd_call("conv2d_direct", x, w, b, pt, pl, dh, dw, groups, oh, ow);
    return py::cast(conv2d_direct(x, w, b.is_none() ? nullptr : b.cast<Tensor>(), pt, pl, dh, dw,
                                  groups, oh, ow));
  }, py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("pt"), py::arg("pl"), py::arg("dh"),
     py::arg("dw"), py::arg("groups"), py::arg("oh"), py::arg("ow"),
     "Stride-1 2-D correlation, the input placed at (pt, pl) of a zero-padded plane (cropped when negative).");
  m.def("class_cross_entropy", [](const Tensor& x, const Tensor& target, py::handle weight, int64_t ignore_index,
                                  double label_smoothing) {
    Tensor w = weight.is_none() ? nullptr : weight.cast<Tensor>();
    EMBER_CHECK(!autograd_wants(x, w), "class_cross_entropy is not differentiable: call "
                "ember.nn.functional.cross_entropy");
    return class_cross_entropy(x, target, w, ignore_index, label_smoothing);
  }, py::arg("input"), py::arg("target"), py::arg("weight"), py::arg("ignore_index"), py::arg("label_smoothing"),
     "Cross entropy of [N, C, D] logits against [N, D] int64 classes: (loss, target weight) per [N, D] element.");
  m.def("class_cross_entropy_backward", [](const Tensor& x, const Tensor& target, py::handle weight,
                                           int64_t ignore_index, double label_smoothing, const Tensor& grad,
                                           bool mean) {
    Tensor w = weight.is_none() ? nullptr : weight.cast<Tensor>();
    EMBER_CHECK(!autograd_wants(x, w, grad), "class_cross_entropy_backward is not differentiable: call "
                "ember.nn.functional.cross_entropy");
    return class_cross_entropy_backward(x, target, w, ignore_index, label_smoothing, grad, mean);
  }, py::arg("input"), py::arg("target"), py::arg("weight"), py::arg("ignore_index"), py::arg("label_smoothing"),
     py::arg("grad"), py::arg("mean"),
     "The gradient of class_cross_entropy's loss (times grad: one element, or [N, D]) with respect to input; "
     "mean divides by the counted targets' total weight.");
  m.def("lu_factor", recorded("lu_factor", &lu_factor));
  m.def("linalg_solve", recorded("linalg_solve", &solve));
  m.def("linalg_inv", recorded("linalg_inv", &inv));
  m.def("linalg_cholesky", recorded("linalg_cholesky", &cholesky));
  m.def("linalg_qr", recorded("linalg_qr", &qr));
  m.def("linalg_svd", recorded("linalg_svd", &svd));
  m.def("linalg_eigh", recorded("linalg_eigh", &eigh));
  m.def("linalg_lstsq", recorded("linalg_lstsq", &lstsq));
  m.def("max_pool2d", recorded("max_pool2d", &max_pool2d));
  m.def("max_pool2d_backward", [](const Tensor& grad, const Tensor& indices, int64_t h, int64_t w) {
    EMBER_CHECK(!autograd_wants(grad), "max_pool2d_backward is not differentiable: call "
                "ember.nn.functional.max_pool2d and differentiate it");
    return max_pool2d_backward(grad, indices, h, w);
  }, py::arg("grad"), py::arg("indices"), py::arg("h"), py::arg("w"),
     "The gradient of max_pool2d: grad added at each window's index within its h x w plane.");
  m.def("avg_pool2d", recorded("avg_pool2d", &avg_pool2d));
  m.def("avg_pool2d_backward", recorded("avg_pool2d_backward", &avg_pool2d_backward));
}

}  // namespace ember
