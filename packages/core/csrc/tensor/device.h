// SPDX-License-Identifier: BSD-3-Clause
#pragma once
#include <string>

namespace ember {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1, NumTypes };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = -1;  // -1: the current device of that type
  bool operator==(const Device& o) const {
    return type == o.type && index == o.index;
  }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const {
    std::string s = type == DeviceType::CPU ? "cpu" : "cuda";
    if (index >= 0) s += ":" + std::to_string(index);
    return s;
  }
};

}  // namespace ember
