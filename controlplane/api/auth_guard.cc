#include "controlplane/api/auth_guard.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <time.h>

#include <stdexcept>

namespace sluice::api {
namespace {

// Addresses remembered at most: past this, ended windows are forgotten,
// and if that is not enough, all (a flood from many addresses must not
// grow the map without bound).
constexpr std::size_t kMaxWindows = 4096;

uint64_t monotonicNowMs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1'000'000;
}

bool sameConstantTime(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string_view authFailureName(AuthFailure f) {
  switch (f) {
    case AuthFailure::kMissingToken: return "missing_token";
    case AuthFailure::kWrongToken: return "wrong_token";
    case AuthFailure::kWrongSession: return "wrong_session";
    case AuthFailure::kLoginRefused: return "login_refused";
    case AuthFailure::kClientCertificate: return "client_certificate";
    case AuthFailure::kTlsHandshake: return "tls_handshake";
    case AuthFailure::kPlainHttp: return "plain_http";
    case AuthFailure::kCount: break;
  }
  return "unknown";
}

AuthGuard::AuthGuard(std::string token, AuthLimits limits, Clock now)
    : expected_("Bearer " + token),
      token_(std::move(token)),
      limits_(limits),
      now_(now ? std::move(now) : Clock(monotonicNowMs)) {
  if (token_.empty()) throw std::invalid_argument("the API's TCP listener needs a token");
}

bool AuthGuard::bearerMatches(std::string_view header) const { return sameConstantTime(header, expected_); }

bool AuthGuard::tokenMatches(std::string_view candidate) const { return sameConstantTime(candidate, token_); }

std::string AuthGuard::openSession() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for a session id");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(2 * sizeof bytes);
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  const uint64_t now = now_();
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [now](const auto& s) { return s.second <= now; });
  while (sessions_.size() >= limits_.maxSessions && !sessions_.empty()) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[id] = now + limits_.sessionMs;
  return id;
}

bool AuthGuard::sessionValid(std::string_view id) {
  const uint64_t now = now_();
  std::lock_guard lock(mutex_);
  // A map lookup by id: its time depends on the id's order among the
  // others, not on how many of its characters are right.
  const auto it = sessions_.find(id);
  return it != sessions_.end() && it->second > now;
}

void AuthGuard::fail(AuthFailure why, const std::string& address) {
  failures_[static_cast<std::size_t>(why)].fetch_add(1);
  if (limits_.failuresPerWindow == 0) return;
  const uint64_t now = now_();
  std::lock_guard lock(mutex_);
  if (windows_.size() >= kMaxWindows && !windows_.contains(address)) {
    std::erase_if(windows_, [&](const auto& w) { return now - w.second.startMs >= limits_.windowMs; });
    if (windows_.size() >= kMaxWindows) windows_.clear();
  }
  Window& w = windows_[address];
  if (w.failures == 0 || now - w.startMs >= limits_.windowMs) w = Window{now, 0};
  ++w.failures;
}

bool AuthGuard::limited(const std::string& address) {
  if (limits_.failuresPerWindow == 0) return false;
  const uint64_t now = now_();
  std::lock_guard lock(mutex_);
  const auto it = windows_.find(address);
  if (it == windows_.end()) return false;
  if (now - it->second.startMs >= limits_.windowMs) {
    windows_.erase(it);
    return false;
  }
  if (it->second.failures < limits_.failuresPerWindow) return false;
  rateLimited_.fetch_add(1);
  return true;
}

}  // namespace sluice::api
