#include "controlplane/sluiced/options.h"

#include <sys/un.h>

#include "controlplane/config/parser.h"

namespace sluice::sluiced {
namespace {

// Walks the argument list; one instance per parse.
class OptionParser {
 public:
  explicit OptionParser(const std::vector<std::string>& args) : args_(args) {
    options_.configFile = config::kDefaultConfigPath;
  }

  OptionsResult run() {
    for (pos_ = 0; pos_ < args_.size(); ++pos_) {
      const std::string& arg = args_[pos_];
      if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
        if (!longOption(arg.substr(2))) {
          return {std::nullopt, error_};
        }
      } else if (arg.size() > 1 && arg[0] == '-') {
        if (!shortOptions(arg.substr(1))) {
          return {std::nullopt, error_};
        }
      } else {
        return {std::nullopt, "unexpected argument '" + arg + "'"};
      }
    }
    if (!validate()) {
      return {std::nullopt, error_};
    }
    return {options_, ""};
  }

 private:
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  // The value of an option that needs one: after '=' or the next argument.
  std::optional<std::string> value(const std::string& name, std::optional<std::string> inline_) {
    if (inline_) {
      return inline_;
    }
    if (pos_ + 1 >= args_.size()) {
      fail("option '" + name + "' needs a value");
      return std::nullopt;
    }
    return args_[++pos_];
  }

  bool longOption(const std::string& body) {
    const auto eq = body.find('=');
    const std::string name = body.substr(0, eq);
    std::optional<std::string> inlineValue;
    if (eq != std::string::npos) {
      inlineValue = body.substr(eq + 1);
    }
    auto noValue = [&](bool& flag) {
      if (inlineValue) {
        return fail("option '--" + name + "' takes no value");
      }
      flag = true;
      return true;
    };
    auto withValue = [&](auto& slot) {
      auto v = value("--" + name, inlineValue);
      if (!v) {
        return false;
      }
      slot = *v;
      return true;
    };
    if (name == "config-test") return noValue(options_.configTest);
    if (name == "dump-json") return noValue(options_.dumpJson);
    if (name == "log-syslog") return noValue(options_.logToSyslog);
    if (name == "help") return noValue(options_.help);
    if (name == "use-file") return withValue(options_.configFile);
    if (name == "config-id") return withValue(options_.configId);
    if (name == "api-socket") return withValue(options_.apiSocket);
    if (name == "pidfile") return withValue(options_.pidFile);
    if (name == "log-ident") {
      std::string ident;
      if (!withValue(ident)) return false;
      logIdentGiven_ = true;
      if (ident == "keepalived") options_.logIdents = common::LogIdents::kKeepalived;
      else if (ident == "sluiced") options_.logIdents = common::LogIdents::kSluiced;
      else return fail("--log-ident takes keepalived or sluiced, not '" + ident + "'");
      return true;
    }
    return fail("unknown option '--" + name + "'");
  }

  bool shortOptions(const std::string& letters) {
    for (std::size_t i = 0; i < letters.size(); ++i) {
      switch (letters[i]) {
        case 't':
          options_.configTest = true;
          break;
        case 'l':
          options_.logToSyslog = true;
          break;
        case 'h':
          options_.help = true;
          break;
        case 'f': {
          std::optional<std::string> rest;
          if (i + 1 < letters.size()) {
            rest = letters.substr(i + 1);
          }
          auto v = value("-f", rest);
          if (!v) {
            return false;
          }
          options_.configFile = *v;
          return true;
        }
        case 'i': {
          std::optional<std::string> rest;
          if (i + 1 < letters.size()) {
            rest = letters.substr(i + 1);
          }
          auto v = value("-i", rest);
          if (!v) {
            return false;
          }
          options_.configId = *v;
          return true;
        }
        default:
          return fail(std::string("unknown option '-") + letters[i] + "'");
      }
    }
    return true;
  }

  bool validate() {
    if (options_.help) {
      return true;
    }
    if (options_.configFile.empty()) {
      return fail("the configuration file name is empty");
    }
    if (options_.dumpJson && !options_.configTest) {
      return fail("--dump-json needs -t (it prints the checked configuration and exits)");
    }
    if (options_.apiSocket) {
      if (options_.apiSocket->empty()) {
        return fail("--api-socket needs a path");
      }
      if (options_.apiSocket->size() >= sizeof(sockaddr_un::sun_path)) {
        return fail("--api-socket path is longer than a Unix socket path may be (" +
                    std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)");
      }
    }
    if (options_.pidFile && options_.pidFile->empty()) {
      return fail("--pidfile needs a path");
    }
    if (logIdentGiven_ && !options_.logToSyslog) {
      return fail("--log-ident needs -l (it names the senders of the syslog lines)");
    }
    return true;
  }

  const std::vector<std::string>& args_;
  std::size_t pos_ = 0;
  bool logIdentGiven_ = false;
  Options options_;
  std::string error_;
};

}  // namespace

OptionsResult parseOptions(const std::vector<std::string>& args) { return OptionParser(args).run(); }

std::string usage(std::string_view program) {
  std::string p(program);
  return "Usage: " + p +
         " [options]\n"
         "Kernel-bypass Layer-4 load balancer driven by a keepalived.conf.\n"
         "\n"
         "  -f, --use-file FILE    configuration file (default " +
         std::string(config::kDefaultConfigPath) +
         ")\n"
         "  -t, --config-test      check the configuration, print a summary and exit\n"
         "  -i, --config-id ID     use the configuration lines marked @ID (and not @^ID);\n"
         "                         default: the host name up to its first '.'\n"
         "      --dump-json        with -t: print the checked configuration as JSON\n"
         "  -l, --log-syslog       also send messages to syslog (/dev/log, facility daemon)\n"
         "      --log-ident WHO    with -l, the syslog ident: sluiced (default), or keepalived\n"
         "                         for Keepalived_vrrp, Keepalived_healthcheckers and\n"
         "                         Keepalived, as keepalived's processes log\n"
         "      --api-socket PATH  Unix socket of the control API\n"
         "      --pidfile PATH     write the process id to PATH\n"
         "  -h, --help             show this help\n"
         "\n"
         "Exit status: 0 good, 1 configuration refused or run failed, 2 bad command line.\n";
}

}  // namespace sluice::sluiced
