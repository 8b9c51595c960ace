// SPDX-License-Identifier: BSD-3-Clause
#include "allocator.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#include "errors.h"

namespace ember {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kMinCachedBytes = 1 << 20;  // smaller blocks: malloc is fast

struct Cache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;  // size class -> block
  int64_t cached = 0, allocated = 0, hits = 0, misses = 0;
  int64_t limit = int64_t(1) << 30;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: frees may run at exit
  return *c;
}

// Rounds up to one of four classes per power of two (waste <= 25%).
size_t size_class(size_t n) {
  if (n < kMinCachedBytes) return (n + kAlignment - 1) & ~(kAlignment - 1);
  int shift = 63 - __builtin_clzll(n) - 2;
  size_t step = size_t(1) << shift;
  return (n + step - 1) & ~(step - 1);
}

void* raw_alloc(size_t n) {
  void* p = std::aligned_alloc(kAlignment, n == 0 ? kAlignment : n);
  EMBER_CHECK(p != nullptr, "CPU out of memory: tried to allocate ", n,
              " bytes");
  return p;
}

}  // namespace

void* cpu_alloc(size_t nbytes) {
  size_t cls = size_class(nbytes);
  Cache& c = cache();
  if (cls >= kMinCachedBytes) {
    std::lock_guard<std::mutex> lock(c.mu);
    c.allocated += static_cast<int64_t>(nbytes);
    auto it = c.free_blocks.find(cls);
    if (it != c.free_blocks.end()) {
      void* p = it->second;
      c.free_blocks.erase(it);
      c.cached -= static_cast<int64_t>(cls);
      ++c.hits;
      return p;
    }
    ++c.misses;
  }
  return raw_alloc(cls);
}

void cpu_free(void* ptr, size_t nbytes) {
  if (ptr == nullptr) return;
  size_t cls = size_class(nbytes);
  Cache& c = cache();
  if (cls >= kMinCachedBytes) {
    std::lock_guard<std::mutex> lock(c.mu);
    c.allocated -= static_cast<int64_t>(nbytes);
    if (c.cached + static_cast<int64_t>(cls) <= c.limit) {
      c.free_blocks.emplace(cls, ptr);
      c.cached += static_cast<int64_t>(cls);
      return;
    }
  }
  std::free(ptr);
}

void cpu_empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& kv : c.free_blocks) std::free(kv.second);
  c.free_blocks.clear();
  c.cached = 0;
}

void cpu_set_cache_limit(int64_t bytes) {
  EMBER_CHECK_VALUE(bytes >= 0, "cache limit must be >= 0, got ", bytes);
  {
    std::lock_guard<std::mutex> lock(cache().mu);
    cache().limit = bytes;
  }
  cpu_empty_cache();
}

AllocatorStats cpu_allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return {c.allocated, c.cached, c.hits, c.misses, c.limit};
}

}  // namespace ember
