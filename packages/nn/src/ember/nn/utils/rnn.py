# SPDX-License-Identifier: BSD-3-Clause
"""Variable-length sequences for the recurrent layers: ``PackedSequence`` and
``pad_sequence``, ``pack_padded_sequence``, ``pad_packed_sequence``,
``pack_sequence``, ``unpad_sequence``, ``unpack_sequence``.

A packed sequence stores the steps time-major without padding: step ``t``
holds the first ``batch_sizes[t]`` sequences, which are sorted by decreasing
length. Packing and unpacking are a single ``index_select`` each (indices
computed with no grad), so gradients flow through them."""

from __future__ import annotations

from collections import namedtuple

import ember

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


def invert_permutation(permutation):
    """The permutation ``q`` with ``q[p[i]] = i`` (``None`` for ``None``)."""
    if permutation is None:
        return None
    return ember.argsort(permutation)


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """The packed steps of a batch of sequences (see the module docstring).

    ``sorted_indices[i]`` is the original batch index of packed row ``i``;
    ``unsorted_indices`` is its inverse. Build it with ``pack_padded_sequence``
    or ``pack_sequence`` rather than by hand."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            # the legacy form PackedSequence((data, batch_sizes))
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise TypeError("PackedSequence: expected (data, batch_sizes) when batch_sizes is not given")
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never be created "
                "manually. They should be instantiated by functions like pack_sequence and pack_padded_sequences "
                "in nn.utils.rnn."
            )
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data):
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._with_data(data)

    def cpu(self, *args, **kwargs):
        return self._with_data(self.data.cpu(*args, **kwargs))

    def double(self):
        return self.to(dtype=ember.float64)

    def float(self):
        return self.to(dtype=ember.float32)

    def half(self):
        return self.to(dtype=ember.float16)

    def long(self):
        return self.to(dtype=ember.int64)

    def int(self):
        return self.to(dtype=ember.int32)

    def detach(self):
        return self._with_data(self.data.detach())

    @property
    def is_cuda(self):
        return self.data.device.type == "cuda"


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks tensors of shape ``[L_i, *]`` into ``[T, B, *]`` (``[B, T, *]`` with
    ``batch_first``), padding each to the longest with ``padding_value``."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, ember.Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    total = max(s.size(0) for s in sequences)
    padded = []
    for s in sequences:
        missing = total - s.size(0)
        if missing:
            fill = ember.full((missing, *s.shape[1:]), padding_value, dtype=s.dtype)
            s = ember.cat([s, fill] if padding_side == "right" else [fill, s])
        padded.append(s)
    return ember.stack(padded, 0 if batch_first else 1)


def _lengths_list(lengths):
    if isinstance(lengths, ember.Tensor):
        return [int(n) for n in lengths.tolist()]
    return [int(n) for n in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch ``[T, B, *]`` (``[B, T, *]`` with ``batch_first``) of
    sequences with the given lengths. With ``enforce_sorted`` the lengths must
    be decreasing; otherwise the batch is sorted here and the order kept in
    the result."""
    lengths = ember.as_tensor(_lengths_list(lengths), dtype=ember.int64)
    batch_dim = 0 if batch_first else 1
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = ember.sort(lengths, descending=True)
        input = input.index_select(batch_dim, sorted_indices)
    steps = input.size(1 - batch_dim)
    batch = input.size(batch_dim)
    ls = lengths.tolist()
    if len(ls) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(ls)} (batch_size={batch})")
    if batch == 0 or ls[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if any(a < b for a, b in zip(ls, ls[1:])):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
            "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if "
            "you do not need ONNX exportability."
        )
    if ls[0] > steps:
        raise RuntimeError(f"pack_padded_sequence: a length ({ls[0]}) exceeds the padded length {steps}")
    with ember.no_grad():
        valid = ember.arange(ls[0]).unsqueeze(1) < lengths.unsqueeze(0)  # [t, b]
        batch_sizes = valid.sum(1)
        flat = ember.arange(batch * steps)
        flat = flat.reshape(batch, steps).t() if batch_first else flat.reshape(steps, batch)
        index = flat[: ls[0]][valid]
    data = input.reshape(batch * steps, *input.shape[2:]).index_select(0, index)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of ``pack_padded_sequence``: returns the padded batch and the
    lengths (an int64 tensor), in the original batch order."""
    data, batch_sizes, _, unsorted_indices = sequence
    bs = [int(n) for n in batch_sizes.tolist()]
    steps, batch = len(bs), bs[0]
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {steps}"
            )
        steps = total_length
    with ember.no_grad():
        sizes = ember.as_tensor(bs + [0] * (steps - len(bs)), dtype=ember.int64)
        offsets = ember.cumsum(sizes, 0) - sizes
        b = ember.arange(batch).unsqueeze(0)
        # rows that fall in the padding read an extra row holding padding_value
        index = ember.where(b < sizes.unsqueeze(1), offsets.unsqueeze(1) + b, data.size(0))
        if batch_first:
            index = index.t()
        lengths = (ember.arange(batch).unsqueeze(0) < ember.as_tensor(bs).unsqueeze(1)).sum(0)
    fill = ember.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = ember.cat([data, fill]).index_select(0, index.reshape(-1))
    padded = padded.reshape(*index.shape, *data.shape[1:])
    if unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, unsorted_indices)
        lengths = lengths.index_select(0, unsorted_indices)
    return padded, lengths


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of tensors ``[L_i, *]`` (decreasing lengths unless
    ``enforce_sorted=False``)."""
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of unpadded sequences of a padded batch."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences.unbind(0), _lengths_list(lengths))]


def unpack_sequence(packed_sequences):
    """The list of sequences of a ``PackedSequence``, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
