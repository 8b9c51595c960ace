// SPDX-License-Identifier: BSD-3-Clause
#include "kernel_table.h"

#include <cstdlib>
#include <cstring>

#include "../../tensor/errors.h"

namespace ember {

#define EMBER_NAME_ENTRY(name) #name,
const char* binary_op_name(BinaryOp op) {
  static const char* names[] = {EMBER_BINARY_OPS(EMBER_NAME_ENTRY)};
  return names[static_cast<int>(op)];
}
const char* unary_op_name(UnaryOp op) {
  static const char* names[] = {EMBER_UNARY_OPS(EMBER_NAME_ENTRY)};
  return names[static_cast<int>(op)];
}
const char* reduce_op_name(ReduceOp op) {
  static const char* names[] = {EMBER_REDUCE_OPS(EMBER_NAME_ENTRY)};
  return names[static_cast<int>(op)];
}
#undef EMBER_NAME_ENTRY

namespace {

struct Selected {
  KernelTable table;
  const char* level;
};

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq");
}
bool cpu_has_avx2() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// EMBER_SIMD=baseline|avx2|avx512 caps the level (for tests and A/B runs).
Selected* select() {
  auto* s = new Selected();
  std::memset(&s->table, 0, sizeof(KernelTable));
  const char* cap = std::getenv("EMBER_SIMD");
  int max_level = 2;
  if (cap && std::strcmp(cap, "baseline") == 0) max_level = 0;
  if (cap && std::strcmp(cap, "avx2") == 0) max_level = 1;
  __builtin_cpu_init();
  register_kernels_baseline(s->table);
  s->level = "baseline";
  if (max_level >= 2 && cpu_has_avx512()) {
    register_kernels_avx512(s->table);
    s->level = "avx512";
  } else if (max_level >= 1 && cpu_has_avx2()) {
    register_kernels_avx2(s->table);
    s->level = "avx2";
  }
  return s;
}

const Selected& selected() {
  static const Selected* s = select();
  return *s;
}

const KernelTable* g_device_tables[static_cast<int>(DeviceType::NumTypes)] = {};

}  // namespace

void register_device_kernels(DeviceType device, const KernelTable* table) {
  g_device_tables[static_cast<int>(device)] = table;
}

const KernelTable& kernels(DeviceType device) {
  if (device == DeviceType::CPU) return selected().table;
  const KernelTable* t = g_device_tables[static_cast<int>(device)];
  EMBER_CHECK(t != nullptr, "no kernels for device type ",
              Device{device, -1}.str(), ": ember-core was built without it");
  return *t;
}

const char* simd_level() { return selected().level; }

}  // namespace ember
