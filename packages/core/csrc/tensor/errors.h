// SPDX-License-Identifier: BSD-3-Clause
// Typed errors. EMBER_CHECK* report user errors and map to the Python
// exception PyTorch raises (one translator, in csrc/python/module.cpp);
// EMBER_INTERNAL_ASSERT reports a bug in ember itself.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace ember {

enum class ErrorKind { Runtime, Value, Type, Index, NotImplemented };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& msg)
      : std::runtime_error(msg), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append(os, rest...);
}
template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, const Args&... args) {
  std::ostringstream os;
  append(os, args...);
  throw Error(kind, os.str());
}
}  // namespace detail

}  // namespace ember

#define EMBER_CHECK_KIND(KIND, cond, ...)                         \
  do {                                                            \
    if (__builtin_expect(!(cond), 0))                             \
      ::ember::detail::fail(::ember::ErrorKind::KIND, __VA_ARGS__); \
  } while (0)

#define EMBER_CHECK(cond, ...) EMBER_CHECK_KIND(Runtime, cond, __VA_ARGS__)
#define EMBER_CHECK_VALUE(cond, ...) EMBER_CHECK_KIND(Value, cond, __VA_ARGS__)
#define EMBER_CHECK_TYPE(cond, ...) EMBER_CHECK_KIND(Type, cond, __VA_ARGS__)
#define EMBER_CHECK_INDEX(cond, ...) EMBER_CHECK_KIND(Index, cond, __VA_ARGS__)
#define EMBER_INTERNAL_ASSERT(cond)                                      \
  EMBER_CHECK_KIND(Runtime, cond, "internal error in ember (please report): ", \
                   #cond, " at ", __FILE__, ":", __LINE__)
