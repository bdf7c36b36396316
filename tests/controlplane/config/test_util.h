// Shared by the config tests: temporary files and diagnostic lists.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "controlplane/config/parser.h"

namespace sluice::config::testing {

// A directory under $TMPDIR removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-config-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
  }

  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to `relative` (creating folders) and returns its full path.
  std::string write(const std::string& relative, const std::string& text) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file.string();
  }

  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// "file:line: message" of every diagnostic of one severity.
inline std::vector<std::string> messages(const ParseResult& r, Severity severity) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) {
    if (d.severity == severity) {
      out.push_back(d.toString());
    }
  }
  return out;
}

inline std::vector<std::string> errorsOf(const ParseResult& r) { return messages(r, Severity::kError); }

inline std::vector<std::string> warningsOf(const ParseResult& r) { return messages(r, Severity::kWarning); }

// The directory of the seed fixtures (set by meson).
inline std::string seedsDir() {
  const char* dir = std::getenv("SLUICE_SEEDS_DIR");
  return dir != nullptr ? dir : "tests/controlplane/config/seeds";
}

}  // namespace sluice::config::testing
