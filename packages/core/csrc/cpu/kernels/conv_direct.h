// SPDX-License-Identifier: BSD-3-Clause
// Direct stride-1 convolution over a zero-padded plane, one register tile at
// a time. Included only by kernels_isa.cpp, inside its ISA namespace.
//
// Note [Wide rows]: with the input zero-padded to a plane of width Wp, tap
// (ki, kj) of output pixel l = y * Wp + x reads plane[l + off(ki, kj)], so
// every tap is the same contiguous run of pixels shifted by a constant. The
// kernel computes all l < len (the columns x >= OW of each row are garbage
// the caller drops) with full vectors and no per-pixel bounds checks.
#pragma once

// The widest vectors: this is compute-bound with its accumulators in
// registers, where full-width AVX-512 pays (unlike the reductions, see
// docs/design/simd-dispatch.rst).
#if defined(__AVX512F__)
constexpr int kConvBytes = 64;
constexpr int kConvRows = 8;  // 32 registers: 8 x 3 accumulators + 3 inputs + 1 weight
#elif defined(__AVX__)
constexpr int kConvBytes = 32;
constexpr int kConvRows = 4;  // 16 registers: 4 x 3 accumulators + 3 inputs + 1 weight
#else
constexpr int kConvBytes = 16;
constexpr int kConvRows = 4;
#endif
constexpr int kConvVecs = 3;

// out[o][l] = sum over c < cin, t < taps of w[o][c][t] * x[c * plane + offs[t] + l]
// for o < cout and l < len rounded up to the tile. `packed` holds the
// weights as [ceil(cout / kConvRows)][cin * taps][kConvRows] (zero rows past
// cout); rows of `out` are ld apart. The caller leaves a tile of readable
// slack after the last channel.
template <typename T>
void conv_direct(const char* xpad, int64_t plane, int64_t cin, const int64_t* offs, int64_t taps,
                 const char* packed, int64_t cout, char* out, int64_t ld, int64_t len) {
  typedef T V __attribute__((vector_size(kConvBytes)));
  constexpr int kL = kConvBytes / sizeof(T);
  constexpr int kTile = kConvVecs * kL;
  const T* x = reinterpret_cast<const T*>(xpad);
  const T* w0 = reinterpret_cast<const T*>(packed);
  T* y = reinterpret_cast<T*>(out);
  int64_t k = cin * taps;
  // Channels in chunks whose tile-sized windows fit in half of L1 with room
  // for the weights; later chunks add onto the rows the earlier ones stored.
  int64_t span = (offs[taps - 1] + kTile) * static_cast<int64_t>(sizeof(T));
  int64_t chunk = (16 * 1024) / span < 1 ? 1 : (16 * 1024) / span;
  for (int64_t c0 = 0; c0 < cin; c0 += chunk) {
    int64_t c1 = c0 + chunk < cin ? c0 + chunk : cin;
    for (int64_t l0 = 0; l0 < len; l0 += kTile) {
      for (int64_t o0 = 0; o0 < cout; o0 += kConvRows) {
        int64_t rows = cout - o0 < kConvRows ? cout - o0 : kConvRows;
        const T* w = w0 + o0 * k + c0 * taps * kConvRows;
        V acc[kConvRows][kConvVecs];
#pragma GCC unroll 8
        for (int i = 0; i < kConvRows; ++i)
#pragma GCC unroll 3
          for (int v = 0; v < kConvVecs; ++v) acc[i][v] = V{};
        if (c0 > 0) {
#pragma GCC unroll 8
          for (int i = 0; i < kConvRows; ++i) {
            if (i >= rows) break;  // (a constant index keeps acc in registers)
#pragma GCC unroll 3
            for (int v = 0; v < kConvVecs; ++v)
              memcpy(&acc[i][v], y + (o0 + i) * ld + l0 + v * kL, sizeof(V));
          }
        }
        for (int64_t c = c0; c < c1; ++c) {
          const T* xc = x + c * plane + l0;
          for (int64_t t = 0; t < taps; ++t, w += kConvRows) {
            V in[kConvVecs];
#pragma GCC unroll 3
            for (int v = 0; v < kConvVecs; ++v) memcpy(&in[v], xc + offs[t] + v * kL, sizeof(V));
#pragma GCC unroll 8
            for (int i = 0; i < kConvRows; ++i) {
              V wi = V{} + w[i];
#pragma GCC unroll 3
              for (int v = 0; v < kConvVecs; ++v) acc[i][v] += wi * in[v];
            }
          }
        }
#pragma GCC unroll 8
        for (int i = 0; i < kConvRows; ++i) {
          if (i >= rows) break;
#pragma GCC unroll 3
          for (int v = 0; v < kConvVecs; ++v)
            memcpy(y + (o0 + i) * ld + l0 + v * kL, &acc[i][v], sizeof(V));
        }
      }
    }
  }
}

template <typename T>
ConvDirectKernel conv_direct_kernel() {
  return ConvDirectKernel{kConvRows, kConvVecs * kConvBytes / static_cast<int64_t>(sizeof(T)),
                          &conv_direct<T>};
}
