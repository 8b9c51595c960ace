// SPDX-License-Identifier: BSD-3-Clause
// Inner loops for every (op, dtype), compiled once per ISA: CMake builds this
// file with EMBER_ISA_NS/EMBER_REGISTER_FN set and the ISA's -m flags.
//
// Note [One copy per ISA]: everything here lives in the ISA's own inline
// namespace and an anonymous namespace, so no inline function or template
// instance is shared between ISA copies; otherwise the linker could keep an
// AVX-512 copy and run it on a CPU without AVX-512.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <type_traits>

#include "kernel_table.h"

namespace ember {
inline namespace EMBER_ISA_NS {
namespace {

#include "math.h"
#include "ops.h"
#include "conv_direct.h"
#include "recurrent.h"
#include "loops.h"

}  // namespace
}  // namespace EMBER_ISA_NS

void EMBER_REGISTER_FN(KernelTable& table) { EMBER_ISA_NS::fill_table(table); }

}  // namespace ember
