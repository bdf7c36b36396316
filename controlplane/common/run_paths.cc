#include "controlplane/common/run_paths.h"

#include <sys/stat.h>

#include <filesystem>

namespace sluice::paths {

std::string namespaceSuffix() {
  struct stat self {};
  if (::stat("/proc/self/ns/net", &self) != 0) return "";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
    struct stat ns {};
    if (::stat(entry.path().c_str(), &ns) == 0 && ns.st_ino == self.st_ino && ns.st_dev == self.st_dev) {
      return "-" + entry.path().filename().string();
    }
  }
  // An unnamed namespace other than the host's (when that can be seen).
  struct stat init {};
  if (::stat("/proc/1/ns/net", &init) == 0 && (self.st_ino != init.st_ino || self.st_dev != init.st_dev)) {
    return "-netns-" + std::to_string(self.st_ino);
  }
  return "";
}

std::string defaultPidFile() { return "/run/sluice/sluiced" + namespaceSuffix() + ".pid"; }

std::string defaultApiSocket() { return "/run/sluice/sluice" + namespaceSuffix() + ".sock"; }

}  // namespace sluice::paths
