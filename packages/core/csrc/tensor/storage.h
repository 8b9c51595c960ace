// SPDX-License-Identifier: BSD-3-Clause
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

#include "device.h"

namespace ember {

// Refcounted bytes on one device. Either owned (allocated by ember) or
// external memory with a deleter that runs when the last view lets go.
class Storage {
 public:
  using Deleter = std::function<void(void*)>;

  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes,
                                       Device device, Deleter deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  bool is_external() const { return static_cast<bool>(deleter_); }

  // Exchanges the bytes (and who frees them) with `other`: every tensor
  // viewing either storage sees the other's memory from now on. This is how
  // Tensor.share_memory_() moves a storage, with all its views, into shared
  // memory. Pointers taken from the old memory (numpy arrays, DLPack) are
  // not updated, as in PyTorch.
  void swap_memory(Storage& other) noexcept;

 private:
  Storage(void* data, size_t nbytes, Device device, Deleter deleter)
      : data_(data), nbytes_(nbytes), device_(device),
        deleter_(std::move(deleter)) {}
  void* data_;
  size_t nbytes_;
  Device device_;
  Deleter deleter_;  // empty: owned by the device's allocator
};

}  // namespace ember
