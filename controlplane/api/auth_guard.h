// Who may use the API's TCP listener: the bearer token, the status page's
// login sessions, the count of failed authentications by reason, and a
// limit on failures per client address. The HTTP threads and the TLS
// handshake share one guard: every member is thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace sluice::api {

// Why an attempt was refused; the label of sluice_api_auth_failures_total.
enum class AuthFailure : uint8_t {
  kMissingToken,       // no Authorization header (nor session, nor client certificate)
  kWrongToken,         // an Authorization header with another token
  kWrongSession,       // a session cookie that is unknown or expired
  kLoginRefused,       // the login form with a wrong token
  kClientCertificate,  // mutual TLS: no client certificate, or one that does not verify
  kTlsHandshake,       // any other failed TLS handshake (e.g. the client refused ours)
  kPlainHttp,          // plain HTTP sent to the TLS listener
  kCount
};

std::string_view authFailureName(AuthFailure f);

struct AuthLimits {
  // Failures an address may have in a window before its requests are
  // answered 429 until the window ends; 0: no limit.
  uint32_t failuresPerWindow = 20;
  uint64_t windowMs = 60'000;
  uint64_t sessionMs = 12 * 3600 * 1000;  // a login lasts 12 hours
  std::size_t maxSessions = 64;           // the oldest is forgotten first
};

class AuthGuard {
 public:
  using Clock = std::function<uint64_t()>;  // milliseconds, monotonic

  // `token` must not be empty. `now` defaults to CLOCK_MONOTONIC.
  AuthGuard(std::string token, AuthLimits limits, Clock now = {});

  // True when `header` is "Bearer TOKEN" with the token; constant time in
  // the header's contents.
  bool bearerMatches(std::string_view header) const;
  // True when `candidate` is the token itself (the login form); constant time.
  bool tokenMatches(std::string_view candidate) const;

  // A new session id (64 hex digits from OpenSSL's RAND_bytes) valid for
  // limits.sessionMs.
  std::string openSession();
  // True when `id` names a session that has not expired.
  bool sessionValid(std::string_view id);

  // Records a failure from `address` (any text naming the client).
  void fail(AuthFailure why, const std::string& address);
  // True when `address` has used up its failures in the current window;
  // such a request is counted as rate limited.
  bool limited(const std::string& address);

  uint64_t failures(AuthFailure why) const { return failures_[static_cast<std::size_t>(why)].load(); }
  uint64_t rateLimited() const { return rateLimited_.load(); }
  const AuthLimits& limits() const { return limits_; }

 private:
  struct Window {
    uint64_t startMs = 0;
    uint32_t failures = 0;
  };

  const std::string expected_;  // "Bearer TOKEN"
  const std::string token_;
  const AuthLimits limits_;
  const Clock now_;
  std::array<std::atomic<uint64_t>, static_cast<std::size_t>(AuthFailure::kCount)> failures_{};
  std::atomic<uint64_t> rateLimited_{0};
  std::mutex mutex_;                              // guards the two maps
  std::map<std::string, Window> windows_;         // by client address
  std::map<std::string, uint64_t, std::less<>> sessions_;  // id -> expiry (ms)
};

}  // namespace sluice::api
