# SPDX-License-Identifier: BSD-3-Clause
"""ember.utils: filled by components (``ember.utils.data`` from ember-data,
``ember.utils.checkpoint`` from ember-autograd), possibly installed elsewhere."""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)
