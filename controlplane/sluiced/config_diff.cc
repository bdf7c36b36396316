#include "controlplane/sluiced/config_diff.h"

#include <algorithm>

#include "controlplane/config/keys.h"

namespace sluice::sluiced {
namespace {

const config::VirtualServer* find(const config::Config& c, const std::string& key) {
  const auto it = std::find_if(c.virtualServers.begin(), c.virtualServers.end(),
                               [&](const config::VirtualServer& vs) { return config::serviceKey(vs) == key; });
  return it == c.virtualServers.end() ? nullptr : &*it;
}

// A group service changes with its virtual_server_group too.
bool sameGroup(const config::Config& a, const config::Config& b, const config::VirtualServer& vs) {
  if (vs.kind != config::VirtualServerKind::kGroup) return true;
  const config::VirtualServerGroup* x = a.findVirtualServerGroup(vs.group);
  const config::VirtualServerGroup* y = b.findVirtualServerGroup(vs.group);
  return x != nullptr && y != nullptr ? *x == *y : x == y;
}

}  // namespace

ServiceDiff diffServices(const config::Config& from, const config::Config& to) {
  ServiceDiff d;
  for (const config::VirtualServer& vs : to.virtualServers) {
    const std::string key = config::serviceKey(vs);
    const config::VirtualServer* old = find(from, key);
    if (old == nullptr) {
      d.added.push_back(key);
    } else if (!(*old == vs) || !sameGroup(from, to, vs)) {
      d.changed.push_back(key);
    }
  }
  for (const config::VirtualServer& vs : from.virtualServers) {
    const std::string key = config::serviceKey(vs);
    if (find(to, key) == nullptr) d.removed.push_back(key);
  }
  return d;
}

}  // namespace sluice::sluiced
