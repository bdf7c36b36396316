// Scripts run as script_user and are refused when enable_script_security
// finds that someone other than root could change them (keepalived's rule),
// for every kind of script: MISC_CHECK from a configuration, notify and
// quorum scripts through the health monitor, and scriptInsecurity's cases
// one by one (owner, group, world, parents, symbolic links, sticky dirs).
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "controlplane/common/notify_scripts.h"
#include "controlplane/common/script_runner.h"
#include "controlplane/config/parser.h"
#include "controlplane/health/monitor.h"

namespace sluice::health {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A root-owned 0755 directory under /tmp (sticky, which the rule accepts)
// with an "out" subdirectory anyone may write (sticky too) for the scripts'
// traces.
class Sandbox : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (file owners, users)";
    nobody_ = ::getpwnam("nobody");
    if (nobody_ == nullptr) GTEST_SKIP() << "needs user nobody";
    char tmpl[] = "/tmp/sluice-security-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    ::chmod(dir_.c_str(), 0755);
    fs::create_directory(dir_ / "out");
    ::chmod((dir_ / "out").c_str(), 01777);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }

  // An executable script that records who ran it in out/<name>.
  std::string script(const std::string& name, mode_t mode = 0755, const fs::path& in = {}) {
    const fs::path file = (in.empty() ? dir_ : in) / name;
    std::ofstream(file) << "#!/bin/sh\nid -u > " << (dir_ / "out" / name).string() << "\nexit 0\n";
    ::chmod(file.c_str(), mode);
    return file.string();
  }

  // The uid written by script `name`, waiting up to `wait` for it.
  std::optional<uid_t> ranAs(const std::string& name, std::chrono::milliseconds wait = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    do {
      std::ifstream in(dir_ / "out" / name);
      long uid = -1;
      if (in >> uid && uid >= 0) return static_cast<uid_t>(uid);
      std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
  }

  fs::path dir_;
  const passwd* nobody_ = nullptr;
};

TEST_F(Sandbox, ARootOwnedScriptInRootOwnedDirectoriesIsAccepted) {
  EXPECT_EQ(common::scriptInsecurity(script("ok.sh")), std::nullopt);
  // Group-writable is fine when the group is root's.
  const std::string rootGroup = script("root-group.sh", 0775);
  ::chown(rootGroup.c_str(), 0, 0);
  EXPECT_EQ(common::scriptInsecurity(rootGroup), std::nullopt);
}

TEST_F(Sandbox, AScriptOwnedByAnotherUserIsRefused) {
  const std::string s = script("theirs.sh");
  ASSERT_EQ(::chown(s.c_str(), nobody_->pw_uid, 0), 0);
  EXPECT_EQ(common::scriptInsecurity(s), s + " is owned by uid " + std::to_string(nobody_->pw_uid) + ", not root");
}

TEST_F(Sandbox, AScriptWritableByANonRootGroupIsRefused) {
  const group* daemon = ::getgrnam("daemon");
  if (daemon == nullptr) GTEST_SKIP() << "needs group daemon";
  const std::string s = script("group.sh", 0775);
  ASSERT_EQ(::chown(s.c_str(), 0, daemon->gr_gid), 0);
  ::chmod(s.c_str(), 0775);
  EXPECT_EQ(common::scriptInsecurity(s), s + " is writable by group " + std::to_string(daemon->gr_gid));
}

TEST_F(Sandbox, ADirectoryAboveOwnedByAnotherUserIsRefused) {
  const fs::path theirs = dir_ / "theirs";
  fs::create_directory(theirs);
  ::chmod(theirs.c_str(), 0755);
  ASSERT_EQ(::chown(theirs.c_str(), nobody_->pw_uid, 0), 0);
  const std::string s = script("inside.sh", 0755, theirs);
  EXPECT_EQ(common::scriptInsecurity(s), theirs.string() + " is owned by uid " + std::to_string(nobody_->pw_uid) + ", not root");
}

TEST_F(Sandbox, ARootOwnedLinkToAnotherUsersScriptIsRefused) {
  const fs::path theirs = dir_ / "theirs";
  fs::create_directory(theirs);
  ::chmod(theirs.c_str(), 0755);
  const std::string target = script("target.sh", 0755, theirs);
  ASSERT_EQ(::chown(target.c_str(), nobody_->pw_uid, 0), 0);
  const fs::path link = dir_ / "link.sh";
  fs::create_symlink(target, link);  // the link itself is root's
  const auto why = common::scriptInsecurity(link.string());
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("owned by uid " + std::to_string(nobody_->pw_uid)), std::string::npos) << *why;
}

TEST_F(Sandbox, AStickyWorldWritableDirectoryIsAcceptedAPlainOneIsNot) {
  // The sandbox lives in /tmp (sticky): accepted above. Without the bit:
  const fs::path open = dir_ / "open";
  fs::create_directory(open);
  ::chmod(open.c_str(), 0777);
  EXPECT_EQ(common::scriptInsecurity(script("open.sh", 0755, open)), open.string() + " is world-writable");
  ::chmod(open.c_str(), 01777);
  EXPECT_EQ(common::scriptInsecurity((open / "open.sh").string()), std::nullopt);
}

config::Config parse(const std::string& text) {
  auto r = config::parseString(text, "security.conf");
  if (!r.ok()) throw std::runtime_error(r.diagnostics.at(0).toString());
  return *r.config;
}

std::string globals(bool security) {
  return std::string("global_defs {\n    script_user nobody\n") + (security ? "    enable_script_security\n" : "") +
         "}\n";
}

TEST_F(Sandbox, MiscCheckRunsAsScriptUserAndAnUnsafeOneNotAtAll) {
  const std::string safe = script("misc-safe.sh");
  const std::string unsafe = script("misc-unsafe.sh", 0757);
  const config::Config c = parse(globals(true) + R"(
virtual_server 10.0.0.1 80 {
    protocol TCP
    real_server 127.0.0.1 80 {
        MISC_CHECK {
            misc_path ")" + safe + R"("
            delay_loop 1
            warmup 0
        }
    }
    real_server 127.0.0.2 80 {
        MISC_CHECK {
            misc_path ")" + unsafe + R"("
            delay_loop 1
            warmup 0
        }
    }
}
)");
  HealthMonitor monitor(c);
  EXPECT_EQ(ranAs("misc-safe.sh"), nobody_->pw_uid);
  EXPECT_EQ(ranAs("misc-unsafe.sh", 2500ms), std::nullopt) << "a world-writable MISC_CHECK script ran";
  bool refused = false;
  for (const auto& s : monitor.snapshot()) {
    refused = refused || s.lastError.find("enable_script_security: refusing " + unsafe) != std::string::npos;
  }
  EXPECT_TRUE(refused) << "the unsafe check's error names the refusal";
}

TEST_F(Sandbox, NotifyScriptsRunAsScriptUserAndUnsafeOnesAreRefused) {
  const config::Config c = parse(globals(true));
  common::NotifyScripts notify;
  notify.run(config::ScriptCommand{script("notify-safe.sh")}, c.globalDefs, 5s);
  notify.run(config::ScriptCommand{script("notify-unsafe.sh", 0757)}, c.globalDefs, 5s);
  EXPECT_EQ(ranAs("notify-safe.sh"), nobody_->pw_uid);
  EXPECT_EQ(ranAs("notify-unsafe.sh", 1500ms), std::nullopt) << "a world-writable notify script ran";
}

TEST_F(Sandbox, WithoutScriptSecurityScriptsStillRunAsScriptUser) {
  const config::Config c = parse(globals(false));
  common::NotifyScripts notify;
  notify.run(config::ScriptCommand{script("notify-plain.sh")}, c.globalDefs, 5s);
  EXPECT_EQ(ranAs("notify-plain.sh"), nobody_->pw_uid);
}

}  // namespace
}  // namespace sluice::health
