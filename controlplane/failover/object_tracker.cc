#include "controlplane/failover/object_tracker.h"

#include <algorithm>
#include <set>

namespace sluice::failover {
namespace {

// The names some vrrp_instance or vrrp_sync_group tracks: keepalived
// forgets the others.
std::set<std::string> trackedNames(const config::Config& config, bool files) {
  std::set<std::string> names;
  auto add = [&](const std::vector<config::TrackRef>& refs) {
    for (const config::TrackRef& r : refs) names.insert(r.name);
  };
  for (const config::VrrpInstance& i : config.vrrpInstances) add(files ? i.trackFiles : i.trackProcesses);
  for (const config::VrrpSyncGroup& g : config.vrrpSyncGroups) add(files ? g.trackFiles : g.trackProcesses);
  return names;
}

}  // namespace

ObjectTracker::ObjectTracker(const config::Config& config, common::LogSink log, std::string procRoot,
                             std::chrono::milliseconds scanEvery)
    : log_(common::orStderr(std::move(log))), procRoot_(std::move(procRoot)), scanEvery_(scanEvery) {
  const std::set<std::string> files = trackedNames(config, true);
  std::vector<std::string> paths;
  for (const config::TrackFile& f : config.trackFiles) {
    if (!files.contains(f.name)) continue;
    fileNames_.push_back(f.name);
    paths.push_back(f.path);
  }
  const std::set<std::string> processes = trackedNames(config, false);
  for (const config::TrackProcess& p : config.trackProcesses) {
    if (processes.contains(p.name)) processes_.push_back({p, nullptr});
  }
  if (fileNames_.empty() && processes_.empty()) return;
  if (!paths.empty()) {
    // keepalived reads the files before its instances start: so does this
    // (small regular files), before the loop runs.
    files_ = std::make_unique<common::FileWatch>(loop_, paths, [this](std::size_t i, int64_t value) {
      {
        const std::lock_guard lock(mutex_);
        fileValues_[fileNames_[i]] = value;
      }
      generation_.fetch_add(1, std::memory_order_release);
    });
    for (std::size_t i = 0; i < fileNames_.size(); ++i) fileValues_[fileNames_[i]] = files_->value(i);
  }
  if (!processes_.empty()) loop_.post([this] { scan(); });
  thread_ = std::thread([this] { loop_.run(); });
}

ObjectTracker::~ObjectTracker() {
  if (thread_.joinable()) {
    loop_.stop();
    thread_.join();
  }
  files_.reset();  // before the loop it is registered on
}

void ObjectTracker::scan() {
  const bool comm = std::any_of(processes_.begin(), processes_.end(), [](const Process& p) { return !p.config.fullCommand; });
  const bool cmdline = std::any_of(processes_.begin(), processes_.end(), [](const Process& p) { return p.config.fullCommand; });
  const std::vector<ProcessEntry> running = readProcesses(procRoot_, comm, cmdline);
  const auto now = ProcessQuorum::Clock::now();
  auto next = now + scanEvery_;
  bool changed = false;
  std::map<std::string, uint32_t> counts;
  for (Process& p : processes_) {
    const auto count = static_cast<uint32_t>(std::count_if(
        running.begin(), running.end(), [&](const ProcessEntry& e) { return processMatches(p.config, e); }));
    counts[p.config.name] = count;
    if (!p.quorum) {
      p.quorum = std::make_unique<ProcessQuorum>(p.config, count);
      changed = true;
    } else {
      const bool was = p.quorum->held();
      if (p.quorum->update(count, now) != was) {
        log_({common::LogSource::kVrrp, LOG_INFO,
              std::string("Quorum ") + (p.quorum->held() ? "gained" : "lost") + " for tracked process " +
                  p.config.name});
        changed = true;
      }
    }
    if (const auto due = p.quorum->due()) next = std::min(next, std::max(*due, now + std::chrono::milliseconds{1}));
  }
  {
    const std::lock_guard lock(mutex_);
    for (const Process& p : processes_) processStates_[p.config.name] = p.quorum->held();
    processCounts_ = std::move(counts);
  }
  if (changed) generation_.fetch_add(1, std::memory_order_release);
  loop_.at(next, [this] { scan(); });
}

std::map<std::string, int64_t> ObjectTracker::files() const {
  const std::lock_guard lock(mutex_);
  return fileValues_;
}

std::map<std::string, bool> ObjectTracker::processes() const {
  const std::lock_guard lock(mutex_);
  return processStates_;
}

std::map<std::string, uint32_t> ObjectTracker::processCounts() const {
  const std::lock_guard lock(mutex_);
  return processCounts_;
}

}  // namespace sluice::failover
