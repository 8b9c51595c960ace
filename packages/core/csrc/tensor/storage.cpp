// SPDX-License-Identifier: BSD-3-Clause
#include "storage.h"

#include <utility>

#include "allocator.h"
#include "errors.h"

namespace ember {

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  EMBER_CHECK(device.type == DeviceType::CPU, "cannot allocate on device ",
              device.str(), ": ember was built without support for it");
  void* p = cpu_alloc(nbytes);
  return std::shared_ptr<Storage>(new Storage(p, nbytes, device, nullptr));
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes,
                                       Device device, Deleter deleter) {
  if (!deleter) deleter = [](void*) {};
  return std::shared_ptr<Storage>(
      new Storage(data, nbytes, device, std::move(deleter)));
}

Storage::~Storage() {
  if (deleter_) {
    deleter_(data_);
  } else if (device_.type == DeviceType::CPU) {
    cpu_free(data_, nbytes_);
  }
}

void Storage::swap_memory(Storage& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(nbytes_, other.nbytes_);
  std::swap(device_, other.device_);
  std::swap(deleter_, other.deleter_);
}

}  // namespace ember
