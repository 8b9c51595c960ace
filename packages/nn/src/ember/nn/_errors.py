# SPDX-License-Identifier: BSD-3-Clause
"""Where in a model an error happened.

Note [Module path in errors]
When a module's forward raises RuntimeError, ValueError, TypeError or
IndexError, ``Module.__call__`` prefixes the message with the module (its
repr line) and the shapes of its tensor inputs; as the exception passes up
through the parents' ``__call__``, each adds the child's attribute name, so
the outermost caller sees the full dotted path, e.g.
``Net.encoder.layers.3.fc1 (Linear(in_features=256, out_features=10,
bias=True)), input shape [32, 128]: mat1 and mat2 shapes cannot be
multiplied (32x128 and 256x10)``. The exception keeps its type and
traceback; only its message changes.
"""

from __future__ import annotations

import ember


def _shapes(args):
    shapes = []
    for a in args:
        if isinstance(a, ember.Tensor):
            shapes.append(list(a.shape))
        elif isinstance(a, (list, tuple)):
            shapes.extend(list(t.shape) for t in a if isinstance(t, ember.Tensor))
    return shapes


def _describe(module) -> str:
    extra = module.extra_repr()
    if "\n" in extra:
        extra = ""
    return f"{module._get_name()}({extra})"


def _format(info) -> str:
    site = info["site"]
    where = _describe(site)
    if info["path"]:
        where = f"{info['root']._get_name()}.{'.'.join(info['path'])} ({where})"
    shapes = info["shapes"]
    if len(shapes) == 1:
        where += f", input shape {shapes[0]}"
    elif shapes:
        where += ", input shapes " + ", ".join(str(s) for s in shapes)
    return f"{where}: {info['msg']}"


def annotate(exc, module, args) -> None:
    """Adds ``module`` (the site, or a parent on the way up) to ``exc``'s message."""
    info = getattr(exc, "_ember_nn_where", None)
    if info is None:
        if not exc.args or not isinstance(exc.args[0], str) or type(exc).__str__ is not BaseException.__str__:
            return
        info = {"msg": exc.args[0], "site": module, "root": module, "path": [], "open": True, "shapes": _shapes(args)}
        try:
            exc._ember_nn_where = info
        except AttributeError:
            return
    elif info["open"]:
        child = info["root"]
        # the child, or a deeper descendant a container holds (a ModuleList iterated in forward)
        name = next((n for n, m in module.named_modules() if m is child and n), None)
        if name is None:  # called a module that is not its descendant: the path ends here
            info["open"] = False
            return
        info["path"].insert(0, name)
        info["root"] = module
    else:
        return
    exc.args = (_format(info), *exc.args[1:])
