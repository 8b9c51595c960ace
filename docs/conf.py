# SPDX-License-Identifier: BSD-3-Clause
"""Sphinx configuration for ember's documentation.

Build (warnings are errors)::

    .venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import ember

project = "ember"
author = "the ember developers"
copyright = "2026, the ember developers"  # noqa: A001 - Sphinx's name
version = ".".join(ember.__version__.split(".")[:2])
release = ember.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
]

exclude_patterns = ["_build"]
root_doc = "index"
default_role = "literal"
highlight_language = "python"

# autodoc: the API reference names each function explicitly; signatures come
# from the Python source (or a pybind11 docstring's first line).
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
napoleon_google_docstring = False
napoleon_numpy_docstring = True

# doctest builder: `>>>` blocks run with ember imported as in the pages.
doctest_global_setup = "import ember"

html_theme = "alabaster"
html_title = f"ember {release}"
html_theme_options = {
    "description": "PyTorch's API, a small fast core",
    "fixed_sidebar": True,
}
