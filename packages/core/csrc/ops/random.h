// SPDX-License-Identifier: BSD-3-Clause
// Counter-based random numbers (Philox4x32-10): element i of a draw uses
// counter (offset + i), so results do not depend on how many threads fill
// the tensor.
#pragma once
#include <cstdint>
#include <memory>

#include "../tensor/tensor_impl.h"

namespace ember {

class Generator {
 public:
  explicit Generator(uint64_t seed = 67280421310721ULL) : seed_(seed) {}
  void manual_seed(uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) {
    seed_ = seed;
    offset_ = offset;
  }
  // Reserves n counters and returns the first.
  uint64_t advance(uint64_t n) {
    uint64_t o = offset_;
    offset_ += n;
    return o;
  }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

std::shared_ptr<Generator> default_generator();

// In-place fills of a tensor of any dtype (values cast to it).
// `fresh`: t was just created by a factory, so its version stays 0.
void uniform_(const Tensor& t, double low, double high, Generator& g, bool fresh = false);
void normal_(const Tensor& t, double mean, double std, Generator& g, bool fresh = false);
// Integers uniform in [low, high).
void random_int_(const Tensor& t, int64_t low, int64_t high, Generator& g, bool fresh = false);
// A random permutation of 0..n-1 as int64.
Tensor randperm(int64_t n, Generator& g);

}  // namespace ember
