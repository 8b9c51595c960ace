// SPDX-License-Identifier: BSD-3-Clause
// CPU allocator with a bounded cache of large blocks.
//
// Note [Why cache CPU blocks]: a large fresh allocation comes from mmap, and
// the first write to each of its pages faults; an out-of-place op on 1e7
// floats spends most of its time there. Reusing a freed block of the same
// size class avoids the faults. The cache is capped and can be emptied.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ember {

struct AllocatorStats {
  int64_t allocated_bytes;   // live blocks handed out, by requested size
  int64_t cached_bytes;      // freed blocks kept for reuse
  int64_t cache_hits;
  int64_t cache_misses;
  int64_t cache_limit_bytes;
};

void* cpu_alloc(size_t nbytes);
void cpu_free(void* ptr, size_t nbytes);
void cpu_empty_cache();
void cpu_set_cache_limit(int64_t bytes);
AllocatorStats cpu_allocator_stats();

}  // namespace ember
