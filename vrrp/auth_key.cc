#include "vrrp/auth_key.h"

#include <algorithm>

namespace sluice::vrrp {

AuthKey authKeyFromPassword(std::string_view password) {
  AuthKey key{};
  const std::size_t n = std::min(password.size(), key.size());
  std::copy_n(password.begin(), n, key.begin());
  return key;
}

}  // namespace sluice::vrrp
