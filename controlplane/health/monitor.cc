#include "controlplane/health/monitor.h"

#include <algorithm>
#include <random>

#include "controlplane/config/hex_octets.h"
#include "controlplane/config/keys.h"
#include "controlplane/health/bfd_probe.h"
#include "controlplane/health/dns_probe.h"
#include "controlplane/health/file_check.h"
#include "controlplane/health/misc_probe.h"
#include "controlplane/health/ping_probe.h"
#include "controlplane/health/smtp_probe.h"
#include "controlplane/health/stream_probe.h"
#include "controlplane/health/udp_probe.h"

namespace sluice::health {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string typeName(config::CheckType t) { return std::string(config::toString(t)); }

// The connection keywords the socket checks share (connect_ip, connect_port,
// bindto, bind_port, connect_timeout) into a probe's spec (TCP, HTTP, SSL,
// UDP, DNS, SMTP).
template <class Spec>
void setConnection(Spec& spec, const config::RealServer& rs, const config::HealthCheck& c) {
  spec.address = c.connectIp.value_or(rs.address);
  spec.port = c.connectPort.value_or(rs.port);
  spec.bindTo = c.bindTo;
  spec.bindPort = c.bindPort;
  spec.timeout = duration_cast<milliseconds>(c.connectTimeout);
}

std::function<std::unique_ptr<Probe>()> udpProbeFactory(const config::RealServer& rs, const config::HealthCheck& c) {
  UdpSpec u;
  setConnection(u, rs, c);
  // The model keeps the hex the parser checked and wrote.
  if (const auto payload = config::parseHexOctets(c.udp.payload, false)) u.payload = payload->data;
  u.requireReply = c.udp.requireReply;
  if (const auto reply = config::parseHexOctets(c.udp.reply, true)) {
    u.reply = reply->data;
    u.wildcard = reply->wildcard;
  }
  u.minReplyLength = c.udp.minReplyLength;
  u.maxReplyLength = c.udp.maxReplyLength;
  return [u] { return std::make_unique<UdpProbe>(u); };
}

// What a probe of `check` needs, resolved from the check, the real server
// and the virtual server as keepalived does.
std::function<std::unique_ptr<Probe>()> probeFactory(const config::Config& cfg, const config::VirtualServer& vs,
                                                     const config::RealServer& rs, const config::HealthCheck& c,
                                                     BfdSessions* bfd) {
  if (c.type == config::CheckType::kBfd) {
    auto reported = std::make_shared<BfdProbe::Reported>();
    return [bfd, name = c.bfdName, reported] { return std::make_unique<BfdProbe>(bfd, name, reported); };
  }
  if (c.type == config::CheckType::kMisc) {
    MiscSpec m;
    m.script.command = c.miscPath;
    m.script.timeout = duration_cast<milliseconds>(c.miscTimeout.value_or(c.delayLoop));
    m.script.user = c.user ? c.user : cfg.globalDefs.scriptUser;
    m.script.group = c.group;
    m.script.scriptSecurity = cfg.globalDefs.enableScriptSecurity;
    m.dynamic = c.miscDynamic;
    return [m] { return std::make_unique<MiscProbe>(m); };
  }
  if (c.type == config::CheckType::kDns) {
    DnsSpec d;
    setConnection(d, rs, c);
    d.type = c.dnsType;
    d.name = c.dnsName;
    return [d] { return std::make_unique<DnsProbe>(d); };
  }
  if (c.type == config::CheckType::kSmtp) {
    SmtpSpec m;
    setConnection(m, rs, c);
    m.heloName = c.heloName;
    m.realServer = rs.address;
    m.realServerPort = rs.port;
    return [m] { return std::make_unique<SmtpProbe>(m); };
  }
  if (c.type == config::CheckType::kUdp) return udpProbeFactory(rs, c);
  if (c.type == config::CheckType::kPing) {
    const PingSpec p{c.connectIp.value_or(rs.address), c.bindTo, duration_cast<milliseconds>(c.connectTimeout)};
    return [p] { return std::make_unique<PingProbe>(p); };
  }
  StreamSpec s;
  setConnection(s, rs, c);
  s.tls = c.type == config::CheckType::kSsl;
  s.sni = c.enableSni;
  for (const config::UrlCheck& u : c.urls) {
    UrlSpec url;
    url.path = u.path;
    url.digest = u.digest;
    url.status.clear();
    for (const config::StatusRange& r : u.statusCodes) url.status.emplace_back(r.first, r.last);
    url.host = u.virtualhost.value_or(c.virtualhost.value_or(rs.virtualhost.value_or(vs.virtualhost.value_or(
        s.address.isV4() ? config::toString(s.address) : "[" + config::toString(s.address) + "]"))));
    s.urls.push_back(std::move(url));
  }
  return [s] { return std::make_unique<StreamProbe>(s); };
}

}  // namespace

std::vector<CheckKey> checksOf(const config::Config& config) {
  std::vector<CheckKey> keys;
  for (const config::VirtualServer& vs : config.virtualServers) {
    for (const config::RealServer& rs : vs.realServers) {
      for (const config::HealthCheck& c : rs.checks) {
        keys.push_back(CheckKey{config::serviceKey(vs), config::serverKey(rs.address, rs.port), c, vs.alpha,
                                rs.address, rs.virtualhost ? rs.virtualhost : vs.virtualhost, std::nullopt});
        if (const config::BfdInstance* b = config.findBfdInstance(c.bfdName)) keys.back().bfd = *b;
      }
      if (rs.fileChecks.empty()) continue;
      CheckKey key{config::serviceKey(vs), config::serverKey(rs.address, rs.port), {}, false, rs.address, {}};
      key.fileChecks = rs.fileChecks;
      for (const config::FileCheck& c : rs.fileChecks) {
        if (const config::TrackFile* f = config.findTrackFile(c.trackFile)) key.trackFiles.push_back(*f);
      }
      key.weight = rs.weight;
      keys.push_back(std::move(key));
    }
  }
  return keys;
}

std::vector<config::BfdInstance> trackedBfdInstances(const config::Config& config) {
  std::vector<config::BfdInstance> tracked;
  auto add = [&](const std::vector<config::TrackRef>& refs) {
    for (const config::TrackRef& r : refs) {
      const config::BfdInstance* b = config.findBfdInstance(r.name);
      if (b != nullptr && std::find(tracked.begin(), tracked.end(), *b) == tracked.end()) tracked.push_back(*b);
    }
  };
  for (const config::VrrpInstance& i : config.vrrpInstances) add(i.trackBfds);
  for (const config::VrrpSyncGroup& g : config.vrrpSyncGroups) add(g.trackBfds);
  return tracked;
}

HealthMonitor::HealthMonitor(const config::Config& config, const std::vector<CheckerStatus>& previous,
                             common::LogSink log, BfdPorts bfdPorts,
                             const std::map<std::string, bool>& previousTrackedBfd) {
  std::random_device seeds;
  // Only the bfd_instances a BFD_CHECK or a track_bfd follows get a session.
  std::vector<config::BfdInstance> followed = trackedBfdInstances(config);
  for (const config::VirtualServer& vs : config.virtualServers) {
    for (const config::RealServer& rs : vs.realServers) {
      for (const config::HealthCheck& c : rs.checks) {
        const config::BfdInstance* b = c.type == config::CheckType::kBfd ? config.findBfdInstance(c.bfdName) : nullptr;
        if (b != nullptr && std::find(followed.begin(), followed.end(), *b) == followed.end()) followed.push_back(*b);
      }
    }
  }
  if (!followed.empty()) {
    bfd_ = std::make_unique<BfdSessions>(loop_, followed, std::move(log), bfdPorts.listen, bfdPorts.peer);
  }
  for (const config::BfdInstance& b : trackedBfdInstances(config)) {
    bfd_->subscribe(b.name, [this, name = b.name](bool up) {
      std::lock_guard lock(mutex_);
      bfdStates_[name] = up;
    });
    // keepalived's start: down until the session comes Up. Carried over
    // from a reload: Up until the session says otherwise or the grace ends.
    const auto before = previousTrackedBfd.find(b.name);
    bfdStates_[b.name] = before != previousTrackedBfd.end() && before->second;
    if (bfdStates_[b.name]) {
      loop_.after(bfd_->startupGrace(b.name), [this, name = b.name] {
        std::lock_guard lock(mutex_);
        bfdStates_[name] = bfd_->up(name);
      });
    }
  }
  for (const config::VirtualServer& vs : config.virtualServers) {
    for (const config::RealServer& rs : vs.realServers) {
      for (const config::HealthCheck& c : rs.checks) {
        CheckerSpec spec;
        spec.service = config::serviceKey(vs);
        spec.server = config::serverKey(rs.address, rs.port);
        spec.type = typeName(c.type);
        spec.delayLoop = duration_cast<milliseconds>(c.delayLoop);
        spec.delayBeforeRetry = duration_cast<milliseconds>(c.delayBeforeRetry);
        spec.warmup = duration_cast<milliseconds>(c.warmup);
        spec.rise = std::max<uint32_t>(c.rise, 1);
        spec.fall = std::max<uint32_t>(c.fall, 1);
        spec.startUp = !vs.alpha;
        for (const CheckerStatus& p : previous) {
          if (p.service == spec.service && p.server == spec.server && p.type == spec.type) {
            spec.startUp = p.up;
            spec.warmup = milliseconds(0);  // known state: check again at once
          }
        }
        if (c.type == config::CheckType::kBfd) {
          // Pushed, not polled: each probe waits for the session to change.
          spec.delayLoop = spec.delayBeforeRetry = spec.warmup = milliseconds(0);
          spec.rise = spec.fall = 1;
          if (c.bfdAlpha) spec.startUp = false;
        }
        spec.makeProbe = probeFactory(config, vs, rs, c, bfd_.get());
        const std::size_t index = checkers_.size();
        auto checker = std::make_unique<Checker>(
            loop_, std::move(spec),
            [this, index](const CheckerStatus& s, bool changed) {
              {
                std::lock_guard lock(mutex_);
                statuses_[index] = s;
              }
              if (changed) generation_.fetch_add(1, std::memory_order_acq_rel);
            },
            (uint64_t{seeds()} << 32) ^ seeds());
        statuses_.push_back(checker->status());
        checkers_.push_back(std::move(checker));
      }
    }
  }
  if (bfd_) bfd_->start();
  addFileChecks(config);
  for (auto& c : checkers_) c->start();
  thread_ = std::thread([this] { loop_.run(); });
}

HealthMonitor::~HealthMonitor() {
  loop_.stop();
  thread_.join();
  // The checkers (and their probes: sockets closed, scripts killed) go
  // before the loop they are registered on.
  fileWatch_.reset();
  checkers_.clear();
}

void HealthMonitor::addFileChecks(const config::Config& config) {
  std::vector<std::string> names, paths;
  for (const config::VirtualServer& vs : config.virtualServers) {
    for (const config::RealServer& rs : vs.realServers) {
      if (rs.fileChecks.empty()) continue;
      CheckerStatus s;
      s.service = config::serviceKey(vs);
      s.server = config::serverKey(rs.address, rs.port);
      s.type = "FILE_CHECK";
      s.lastChange = std::chrono::system_clock::now();
      fileServers_.push_back({rs, statuses_.size()});
      statuses_.push_back(std::move(s));
      for (const config::FileCheck& c : rs.fileChecks) {
        const config::TrackFile* f = config.findTrackFile(c.trackFile);
        if (f == nullptr || std::find(names.begin(), names.end(), f->name) != names.end()) continue;
        names.push_back(f->name);
        paths.push_back(f->path);
        trackFiles_.trackFiles.push_back(*f);
      }
    }
  }
  if (fileServers_.empty()) return;
  // Built on this thread before the loop runs; changes come on the loop's.
  fileWatch_ = std::make_unique<common::FileWatch>(loop_, paths, [this, names](std::size_t i, int64_t value) {
    onFileChange(names[i], value);
  });
  for (std::size_t i = 0; i < names.size(); ++i) fileValues_[names[i]] = fileWatch_->value(i);
  for (const FileServer& f : fileServers_) {
    const FileVerdict v = fileVerdict(trackFiles_, f.server, fileValues_);
    CheckerStatus& s = statuses_[f.status];
    s.up = v.up;
    s.weight = v.weight;
    s.lastError = v.why;
    s.probes = 1;
  }
}

void HealthMonitor::onFileChange(const std::string& name, int64_t value) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    fileValues_[name] = value;
    for (const FileServer& f : fileServers_) {
      const auto& checks = f.server.fileChecks;
      if (std::none_of(checks.begin(), checks.end(), [&](const config::FileCheck& c) { return c.trackFile == name; })) {
        continue;
      }
      const FileVerdict v = fileVerdict(trackFiles_, f.server, fileValues_);
      CheckerStatus& s = statuses_[f.status];
      ++s.probes;
      if (v.up == s.up && v.weight == s.weight) continue;
      if (v.up != s.up) {
        ++s.transitions;
        s.lastChange = std::chrono::system_clock::now();
        if (!v.up) ++s.failures;
      }
      s.up = v.up;
      s.weight = v.weight;
      if (!v.why.empty()) s.lastError = v.why;
      changed = true;
    }
  }
  if (changed) generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::map<std::string, int64_t> HealthMonitor::trackFileValues() const {
  std::lock_guard lock(mutex_);
  return fileValues_;
}

std::map<std::string, bool> HealthMonitor::trackedBfdStates() const {
  std::lock_guard lock(mutex_);
  return bfdStates_;
}

std::vector<CheckerStatus> HealthMonitor::snapshot() const {
  std::lock_guard lock(mutex_);
  return statuses_;
}

}  // namespace sluice::health
