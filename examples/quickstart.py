# SPDX-License-Identifier: BSD-3-Clause
"""A short tour of ember's tensor core: `.venv/bin/python examples/quickstart.py`."""

import ember as torch  # PyTorch code runs with this one line changed

torch.manual_seed(0)

# Creation, broadcasting and type promotion follow PyTorch.
x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
print("x =", x)
print("x * 2 + 1 =", x * 2 + 1)
print("int + float scalar ->", (torch.tensor([1, 2]) + 0.5).dtype)

# Views share memory.
y = x.t()
y[0, 1] = 100.0
print("after writing through a transposed view, x =", x)

# Reductions over any dims.
print("sum over dim 1:", x.sum(dim=1), " mean:", x.mean(), " max:", x.max(dim=0))

# Matrix products on OpenBLAS.
w = torch.randn(3, 4)
print("x @ w has shape", tuple((x @ w).shape))

# Least squares by the normal equations, checked against numpy.
import numpy as np  # noqa: E402

a = torch.randn(100, 3, dtype=torch.float64)
true_coef = torch.tensor([[2.0], [-1.0], [0.5]], dtype=torch.float64)
b = a @ true_coef
normal = a.t() @ a
rhs = a.t() @ b
coef = np.linalg.solve(normal.numpy(), rhs.numpy())
print("recovered coefficients:", np.round(coef.ravel(), 6))
assert np.allclose(coef, true_coef.numpy())

# Zero-copy interop with numpy.
arr = np.ones(3, dtype=np.float32)
t = torch.from_numpy(arr)
t += 1
print("numpy array after an in-place add on its tensor:", arr)
