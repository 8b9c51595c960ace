// SPDX-License-Identifier: BSD-3-Clause
// C++ tests of core internals that Python cannot reach directly: 16-bit
// float rounding, the promotion table, shape checks, the thread pool
// (determinism, errors, fork) and the CPU block cache.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../../csrc/cpu/thread_pool.h"
#include "../../csrc/ops/elementwise.h"
#include "../../csrc/ops/reduce.h"
#include "../../csrc/tensor/allocator.h"
#include "../../csrc/tensor/errors.h"
#include "../../csrc/tensor/tensor_impl.h"

using namespace ember;

static int g_passed = 0, g_failed = 0;

#define EXPECT(cond)                                                    \
  do {                                                                  \
    if (cond) {                                                         \
      ++g_passed;                                                       \
    } else {                                                            \
      ++g_failed;                                                       \
      std::printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
    }                                                                   \
  } while (0)

template <typename F>
static bool throws_kind(F fn, ErrorKind kind, const char* needle) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind() == kind && std::strstr(e.what(), needle) != nullptr;
  }
  return false;
}

static void test_half() {
  // exact values round-trip; ties round to even; overflow saturates to inf
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f})
    EXPECT(static_cast<float>(Half(v)) == v);
  EXPECT(static_cast<float>(Half(1.0f + 1.0f / 2048)) == 1.0f);  // tie -> even
  EXPECT(std::isinf(static_cast<float>(Half(70000.0f))));
  EXPECT(std::isnan(static_cast<float>(Half(NAN))));
  EXPECT(static_cast<float>(BFloat16(1.0f)) == 1.0f);
  EXPECT(static_cast<float>(BFloat16(3.140625f)) == 3.140625f);
  EXPECT(std::isnan(static_cast<float>(BFloat16(NAN))));
}

static void test_promotion() {
  EXPECT(promote_types(ScalarType::UInt8, ScalarType::Int8) == ScalarType::Int16);
  EXPECT(promote_types(ScalarType::Float16, ScalarType::BFloat16) == ScalarType::Float32);
  EXPECT(promote_types(ScalarType::Bool, ScalarType::Int32) == ScalarType::Int32);
  EXPECT(promote_types(ScalarType::Int64, ScalarType::Float16) == ScalarType::Float16);
}

static void test_shapes() {
  EXPECT(broadcast_shapes({3, 1}, {4}) == (Shape{3, 4}));
  EXPECT(throws_kind([] { broadcast_shapes({3}, {4}); }, ErrorKind::Runtime, "must match"));
  EXPECT(throws_kind([] { wrap_dim(3, 2); }, ErrorKind::Index, "Dimension out of range"));
  EXPECT(throws_kind([] { checked_numel({int64_t(1) << 62, 8}); }, ErrorKind::Runtime, "overflows"));
  EXPECT(throws_kind([] { TensorImpl::empty({int64_t(1) << 61}, ScalarType::Float64); },
                     ErrorKind::Runtime, "overflows"));
  Tensor t = TensorImpl::empty({2, 3}, ScalarType::Float32);
  EXPECT(throws_kind([&] { t->as_strided({3, 3}, {3, 1}, 0); }, ErrorKind::Runtime, "storage"));
}

static Tensor iota(int64_t n) {
  Tensor t = TensorImpl::empty({n}, ScalarType::Float32);
  float* p = reinterpret_cast<float*>(t->data());
  for (int64_t i = 0; i < n; ++i) p[i] = 1.0f / static_cast<float>(i % 1000 + 1);
  return t;
}

static void test_threads() {
  Tensor x = iota(3'000'000);
  set_num_threads(1);
  float one = *reinterpret_cast<float*>(reduce(ReduceOp::sum, x, {}, false)->data());
  set_num_threads(2);
  float two = *reinterpret_cast<float*>(reduce(ReduceOp::sum, x, {}, false)->data());
  EXPECT(one == two);  // fixed blocks: same bits whatever the thread count

  std::atomic<int64_t> total{0};
  parallel_for(0, 1'000'000, 1000, [&](int64_t b, int64_t e) { total += e - b; });
  EXPECT(total == 1'000'000);
  EXPECT(throws_kind([] {
    parallel_for(0, 100000, 10, [](int64_t, int64_t) { EMBER_CHECK(false, "boom in worker"); });
  }, ErrorKind::Runtime, "boom in worker"));

  // A child forked after parallel work builds its own pool and finishes.
  pid_t pid = fork();
  if (pid == 0) {
    std::atomic<int64_t> n{0};
    parallel_for(0, 1'000'000, 1000, [&](int64_t b, int64_t e) { n += e - b; });
    _exit(n == 1'000'000 ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_cache() {
  cpu_empty_cache();
  AllocatorStats before = cpu_allocator_stats();
  { Tensor a = TensorImpl::empty({1 << 20}, ScalarType::Float32); }
  { Tensor b = TensorImpl::empty({1 << 20}, ScalarType::Float32); }
  AllocatorStats after = cpu_allocator_stats();
  EXPECT(after.cache_hits == before.cache_hits + 1);
  EXPECT(after.cached_bytes >= (4 << 20));
  cpu_empty_cache();
  EXPECT(cpu_allocator_stats().cached_bytes == 0);
}

int main() {
  test_half();
  test_promotion();
  test_shapes();
  test_threads();
  test_cache();
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
