// Pieces shared by the virtual_server, real_server and
// virtual_server_group grammars. Internal to the parser.
#pragma once

#include "controlplane/config/grammars.h"

namespace sluice::config {

inline constexpr auto kDay = std::chrono::seconds{86400};
inline constexpr std::uint64_t kMaxCount = 4294967295u;

// What one `lb_kind` / `lvs_method` / `sorry_server_lvs_method` line says.
struct MethodLine {
  ForwardingMethod method = ForwardingMethod::kNat;
  std::optional<TunnelSpec> tunnel;  // set with TUN (defaults when the line has no options)
};

// `NAT | DR | TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`, the
// options in any order, with keepalived's rules and errors; sluice refuses
// remcsum. Not thread-safe.
MethodLine readMethod(const Args& a);

// The optional port after an address (virtual_server, real_server,
// sorry_server, a group entry): none and 0 both mean "no port", as in
// keepalived, which reads an explicit 0 as a missing port. Not thread-safe.
inline std::uint16_t optionalPort(const Args& a, std::size_t i) { return a.size() > i ? a.port(i, true) : 0; }

// The real_server block with its checks. Thread-safe.
Block<RealServer> realServerGrammar();

// Warns (after the whole file is read) when no dataplane fwmark rule sets
// `mark`, since then no packet can reach the service. Not thread-safe.
void warnIfMarkUnset(ParseContext& ctx, std::uint32_t mark, const SourceLocation& where);

// Keywords written on a virtual server or a real server that set the
// defaults of their checks; `timing` finds the CheckTiming in a T.
template <class T, class Get>
void addCheckDefaults(Block<T>& b, Get timing) {
  b.value("delay_loop", [timing](T& t, const Args& a) {
    a.expect(1, 1);
    timing(t).delayLoop = a.timer(0, Duration{1}, kDay);
  });
  b.value("connect_timeout", [timing](T& t, const Args& a) {
    a.expect(1, 1);
    timing(t).connectTimeout = a.timer(0, Duration{1}, std::chrono::seconds{3600});
  });
  b.value("retry", [timing](T& t, const Args& a) {
    a.expect(1, 1);
    timing(t).retry = a.number<std::uint32_t>(0, 0, 1'000'000);
  });
  b.value("delay_before_retry", [timing](T& t, const Args& a) {
    a.expect(1, 1);
    timing(t).delayBeforeRetry = a.timer(0, Duration{0}, kDay);
  });
  b.value("warmup", [timing](T& t, const Args& a) {
    a.expect(1, 1);
    timing(t).warmup = a.timer(0, Duration{0}, kDay);
  });
}

}  // namespace sluice::config
