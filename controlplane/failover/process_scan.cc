#include "controlplane/failover/process_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace sluice::failover {
namespace {

std::string readSmall(const std::string& path, std::size_t limit) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out(limit, '\0');
  std::size_t got = 0;
  while (got < limit) {
    const ssize_t n = read(fd, out.data() + got, limit - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(fd);
  out.resize(got);
  return out;
}

}  // namespace

std::vector<ProcessEntry> readProcesses(const std::string& procRoot, bool comm, bool cmdline) {
  std::vector<ProcessEntry> out;
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(procRoot.c_str()), closedir);
  if (!dir) return out;
  while (const dirent* ent = readdir(dir.get())) {
    if (ent->d_name[0] < '1' || ent->d_name[0] > '9') continue;
    const std::string base = procRoot + "/" + ent->d_name;
    ProcessEntry p;
    if (comm) {
      // "PID (COMM) STATE ...": comm may hold blanks and parentheses, so
      // the last ')' ends it.
      const std::string stat = readSmall(base + "/stat", 512);
      const auto first = stat.find('(');
      const auto last = stat.rfind(')');
      if (first == std::string::npos || last == std::string::npos || last < first) continue;
      p.comm = stat.substr(first + 1, last - first - 1);
      p.zombie = last + 2 < stat.size() && stat[last + 2] == 'Z';
    }
    if (cmdline) p.cmdline = readSmall(base + "/cmdline", 4096);
    out.push_back(std::move(p));
  }
  return out;
}

bool processMatches(const config::TrackProcess& t, const ProcessEntry& p) {
  if (!t.fullCommand) return !p.zombie && p.comm == t.process;
  const auto end = p.cmdline.find('\0');
  const std::string argv0 = p.cmdline.substr(0, end);
  if (argv0 != t.process) return false;
  if (t.paramMatch == config::ParamMatch::kNone) return true;
  // The arguments as the kernel keeps them: each NUL-terminated.
  const std::string params = end == std::string::npos ? std::string() : p.cmdline.substr(end + 1);
  std::string wanted;
  for (const std::string& a : t.params) wanted += a + '\0';
  switch (t.paramMatch) {
    case config::ParamMatch::kExact: return params == wanted;
    case config::ParamMatch::kPartial: return params.compare(0, wanted.size(), wanted) == 0;
    case config::ParamMatch::kInitial:
      // The last given argument may be the start of the process's one.
      return wanted.empty() ||
             (params.size() >= wanted.size() && params.compare(0, wanted.size() - 1, wanted, 0, wanted.size() - 1) == 0);
    case config::ParamMatch::kNone: break;
  }
  return true;
}

ProcessQuorum::ProcessQuorum(const config::TrackProcess& t, uint32_t count)
    : quorum_(t.quorum),
      quorumMax_(t.quorumMax),
      terminateDelay_(t.terminateDelay),
      forkDelay_(t.forkDelay),
      held_(within(count)),
      count_(count) {}

bool ProcessQuorum::update(uint32_t count, Clock::time_point now) {
  count_ = count;
  const bool now_within = within(count);
  if (now_within == held_) {
    pendingSince_.reset();  // back before the delay ran out: no change
    return held_;
  }
  if (!pendingSince_) pendingSince_ = now;
  if (now - *pendingSince_ >= (now_within ? forkDelay_ : terminateDelay_)) {
    held_ = now_within;
    pendingSince_.reset();
  }
  return held_;
}

std::optional<ProcessQuorum::Clock::time_point> ProcessQuorum::due() const {
  if (!pendingSince_) return std::nullopt;
  return *pendingSince_ + (held_ ? terminateDelay_ : forkDelay_);
}

}  // namespace sluice::failover
