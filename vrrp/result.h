// A value or a named error, for functions that must not throw on bad input
// (decoding what the network sends). C++20 has no std::expected; this is the
// small part of it the library needs.
#pragma once

#include <utility>

namespace sluice::vrrp {

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)), ok_(true) {}  // NOLINT: implicit by design
  Result(E error) : error_(error), ok_(false) {}            // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }

  // Only meaningful when ok(); the error otherwise.
  const T& value() const { return value_; }
  T& value() { return value_; }
  const T* operator->() const { return &value_; }
  E error() const { return error_; }

 private:
  T value_{};
  E error_{};
  bool ok_;
};

}  // namespace sluice::vrrp
