// SPDX-License-Identifier: BSD-3-Clause
// The library's one thread pool (no OpenMP: see DESIGN.md). Fork-safe: a
// child process starts with no pool and builds a fresh one on first use.
#pragma once
#include <cstdint>
#include <functional>

namespace ember {

int get_num_threads();
// Sets the pool's size (OpenBLAS runs inside the pool: see ops/matmul.cpp).
void set_num_threads(int n);
bool in_parallel_region();

// Below this many flops a GEMM or convolution runs on the calling thread:
// waking the pool costs more than it saves. (One core does ~115 GFLOP/s in
// float32; two threads already halve a 128^3 product, 4.2e6 flops.)
constexpr double kParallelFlops = 4e6;

// Runs fn(chunk_begin, chunk_end) over [begin, end) split into contiguous
// chunks of at least `grain` items, one per thread. Runs inline when the
// range is small, the pool has one thread, or the caller is a worker.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace ember
