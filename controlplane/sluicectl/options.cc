#include "controlplane/sluicectl/options.h"

#include <sys/un.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <limits>
#include <utility>

#include "controlplane/sluicectl/client.h"
#include "controlplane/sluicectl/top_view.h"
#include "controlplane/sluicectl/values.h"

namespace sluice::sluicectl {
namespace {

// keepalived's limits, so a value the daemon would refuse is refused here
// with the option's name: IPVS weights are C ints, and persistence_timeout
// is at most 31 days.
constexpr std::uint64_t kMaxWeight = std::numeric_limits<std::int32_t>::max();
constexpr std::uint64_t kMaxPersistence = 31 * 86400;
// What ipvsadm gives `-p` without a value.
constexpr std::uint32_t kDefaultPersistence = 300;

enum class Opt : unsigned {
  kApiSocket,
  kJson,
  kHelp,
  kStats,
  kRate,
  kTcp,
  kUdp,
  kSctp,
  kFwmark,
  kScheduler,
  kPersistent,
  kMethod,
  kServer,
  kWeight,
  kMasq,
  kGate,
  kIpip,
  kConnect,
  kCaCert,
  kCert,
  kKey,
  kTokenFile,
  kDelay,
  kIterations,
  kBatch,
  kOnce,
  kView,
  kCount,
};

enum class Arity { kNone, kRequired, kOptional };

struct OptionSpec {
  Opt id;
  char letter;  // 0: long form only
  std::string_view name;
  Arity arity;
};

// ipvsadm's letters and long names where ipvsadm has the option.
constexpr OptionSpec kOptions[] = {
    {Opt::kApiSocket, 0, "api-socket", Arity::kRequired},
    {Opt::kJson, 0, "json", Arity::kNone},
    {Opt::kHelp, 'h', "help", Arity::kNone},
    {Opt::kStats, 0, "stats", Arity::kNone},
    {Opt::kRate, 0, "rate", Arity::kNone},
    {Opt::kTcp, 't', "tcp-service", Arity::kRequired},
    {Opt::kUdp, 'u', "udp-service", Arity::kRequired},
    {Opt::kSctp, 0, "sctp-service", Arity::kRequired},
    {Opt::kFwmark, 'f', "fwmark-service", Arity::kRequired},
    {Opt::kScheduler, 's', "scheduler", Arity::kRequired},
    {Opt::kPersistent, 'p', "persistent", Arity::kOptional},
    {Opt::kMethod, 'M', "method", Arity::kRequired},
    {Opt::kServer, 'r', "real-server", Arity::kRequired},
    {Opt::kWeight, 'w', "weight", Arity::kRequired},
    {Opt::kMasq, 'm', "masquerading", Arity::kNone},
    {Opt::kGate, 'g', "gatewaying", Arity::kNone},
    {Opt::kIpip, 'i', "ipip", Arity::kNone},
    {Opt::kConnect, 0, "connect", Arity::kRequired},
    {Opt::kCaCert, 0, "cacert", Arity::kRequired},
    {Opt::kCert, 0, "cert", Arity::kRequired},
    {Opt::kKey, 0, "key", Arity::kRequired},
    {Opt::kTokenFile, 0, "token-file", Arity::kRequired},
    // top's letters.
    {Opt::kDelay, 'd', "delay", Arity::kRequired},
    {Opt::kIterations, 'n', "iterations", Arity::kRequired},
    {Opt::kBatch, 'b', "batch", Arity::kNone},
    {Opt::kOnce, 0, "once", Arity::kNone},
    {Opt::kView, 0, "view", Arity::kRequired},
};

using OptMask = std::uint32_t;
static_assert(static_cast<unsigned>(Opt::kCount) <= 32);

constexpr OptMask bits(std::initializer_list<Opt> opts) {
  OptMask m = 0;
  for (Opt o : opts) m |= OptMask{1} << static_cast<unsigned>(o);
  return m;
}

constexpr OptMask kGlobal = bits({Opt::kApiSocket, Opt::kJson, Opt::kHelp, Opt::kConnect, Opt::kCaCert, Opt::kCert,
                                  Opt::kKey, Opt::kTokenFile});
constexpr OptMask kServiceOpts = bits({Opt::kTcp, Opt::kUdp, Opt::kSctp, Opt::kFwmark});
constexpr OptMask kServiceSettings = bits({Opt::kScheduler, Opt::kPersistent, Opt::kMethod});

struct VerbSpec {
  Verb verb;
  std::string_view name;
  OptMask options;  // besides the global ones
  bool needsService;
  bool needsServer;
};

constexpr VerbSpec kVerbs[] = {
    {Verb::kList, "list", bits({Opt::kStats, Opt::kRate}), false, false},
    {Verb::kConns, "conns", 0, false, false},
    {Verb::kAddService, "add-service", kServiceOpts | kServiceSettings, true, false},
    {Verb::kEditService, "edit-service", kServiceOpts | kServiceSettings, true, false},
    {Verb::kDelService, "del-service", kServiceOpts, true, false},
    {Verb::kAddServer, "add-server",
     kServiceOpts | bits({Opt::kServer, Opt::kWeight, Opt::kMasq, Opt::kGate, Opt::kIpip}), true, true},
    {Verb::kDelServer, "del-server", kServiceOpts | bits({Opt::kServer}), true, true},
    {Verb::kWeight, "weight", kServiceOpts | bits({Opt::kServer, Opt::kWeight}), true, true},
    {Verb::kDrain, "drain", kServiceOpts | bits({Opt::kServer}), true, true},
    {Verb::kReload, "reload", 0, false, false},
    {Verb::kVrrp, "vrrp", 0, false, false},
    {Verb::kSync, "sync", 0, false, false},
    {Verb::kHealth, "health", 0, false, false},
    {Verb::kConfig, "config", 0, false, false},
    {Verb::kConfigDiff, "config-diff", 0, false, false},
    {Verb::kStatus, "status", 0, false, false},
    {Verb::kTop, "top", bits({Opt::kDelay, Opt::kIterations, Opt::kBatch, Opt::kOnce, Opt::kView}), false, false},
};

const VerbSpec& specOf(Verb verb) {
  return *std::find_if(std::begin(kVerbs), std::end(kVerbs), [&](const VerbSpec& v) { return v.verb == verb; });
}

// An option as the user wrote it: the spelling names it in errors.
struct Given {
  std::string spelling;  // "-w" or "--weight"
  std::optional<std::string> value;

  std::string quoted() const { return spelling + " '" + value.value_or("") + "'"; }
};

// Walks the arguments once, then turns what it saw into a Command.
class Parser {
 public:
  Parser(const std::vector<std::string>& args, const std::string& defaultSocket)
      : args_(args), defaultSocket_(defaultSocket) {}

  ParseResult run() {
    // Help wins over everything, so `sluicectl add-server --help` helps.
    if (std::any_of(args_.begin(), args_.end(), [](const std::string& a) { return a == "-h" || a == "--help"; })) {
      Command c;
      c.help = true;
      return {c, ""};
    }
    for (pos_ = 0; pos_ < args_.size(); ++pos_) {
      if (!word(args_[pos_])) return {std::nullopt, error_};
    }
    Command c;
    if (!build(c)) return {std::nullopt, error_};
    return {c, ""};
  }

 private:
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  bool word(const std::string& arg) {
    if (arg.size() > 2 && arg.rfind("--", 0) == 0) return longOption(arg);
    if (arg.size() > 1 && arg[0] == '-' && !isNegativeNumber(arg)) return shortOption(arg);
    if (!verb_ || isVerbName(arg)) return verbWord(arg);
    positionals_.push_back(arg);
    return true;
  }

  static bool isVerbName(const std::string& arg) {
    return std::any_of(std::begin(kVerbs), std::end(kVerbs), [&](const VerbSpec& v) { return v.name == arg; });
  }

  bool setVerb(Verb verb, const std::string& spelling) {
    if (verb_) return fail("two commands given: '" + verbSpelling_ + "' and '" + spelling + "'");
    verb_ = verb;
    verbSpelling_ = spelling;
    return true;
  }

  bool verbWord(const std::string& arg) {
    for (const auto& v : kVerbs) {
      if (v.name == arg) return setVerb(v.verb, arg);
    }
    return fail("unknown command '" + arg + "'");
  }

  bool longOption(const std::string& arg) {
    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::optional<std::string> inlineValue;
    if (eq != std::string::npos) inlineValue = arg.substr(eq + 1);
    // ipvsadm's long spellings of -L and -c.
    if ((name == "list" || name == "connection") && !inlineValue) {
      return setVerb(name == "list" ? Verb::kList : Verb::kConns, arg);
    }
    for (const auto& spec : kOptions) {
      if (spec.name == name) return take(spec, "--" + name, inlineValue);
    }
    return fail("unknown option '--" + name + "'");
  }

  bool shortOption(const std::string& arg) {
    const std::string letters = arg.substr(1);
    // top's -n N; everywhere else -n is ipvsadm's "numeric" (always so here).
    const bool nextIsNumber = pos_ + 1 < args_.size() && isDigits(args_[pos_ + 1]);
    if (letters == "n" && (verb_ == Verb::kTop || nextIsNumber)) {
      const auto* spec = std::find_if(std::begin(kOptions), std::end(kOptions),
                                      [](const OptionSpec& o) { return o.id == Opt::kIterations; });
      return take(*spec, "-n", std::nullopt);
    }
    // -L, -l, -n, -Ln, -Lnc, -c: ipvsadm's listing forms; sluicectl is always numeric.
    if (letters.find_first_not_of("Llnc") == std::string::npos) {
      return setVerb(letters.find('c') != std::string::npos ? Verb::kConns : Verb::kList, arg);
    }
    for (const auto& spec : kOptions) {
      if (spec.letter == 0 || spec.letter != letters[0]) continue;
      std::optional<std::string> attached;
      if (letters.size() > 1) {
        if (spec.arity == Arity::kNone) return fail("unknown option '" + arg + "' (give short options one at a time)");
        attached = letters.substr(1);  // -w3, -p300
      }
      return take(spec, std::string("-") + spec.letter, attached);
    }
    return fail("unknown option '" + arg + "'");
  }

  // Records an option and its value (inline, attached or the next argument).
  bool take(const OptionSpec& spec, const std::string& spelling, std::optional<std::string> value) {
    auto& slot = given_[static_cast<unsigned>(spec.id)];
    if (slot) return fail("option '" + spelling + "' given twice");
    if (spec.arity == Arity::kNone && value) return fail("option '" + spelling + "' takes no value");
    if (spec.arity != Arity::kNone && !value) {
      const bool next = pos_ + 1 < args_.size();
      const std::string nextArg = next ? args_[pos_ + 1] : "";
      if (spec.arity == Arity::kRequired) {
        if (!next || (nextArg.size() > 1 && nextArg[0] == '-' && !isNegativeNumber(nextArg))) {
          return fail("option '" + spelling + "' needs a value");
        }
        value = args_[++pos_];
      } else if (next && isDigits(nextArg)) {
        value = args_[++pos_];  // -p 600; a bare -p takes ipvsadm's default
      }
    }
    slot = Given{spelling, value};
    return true;
  }

  const std::optional<Given>& given(Opt o) const { return given_[static_cast<unsigned>(o)]; }

  bool build(Command& c) {
    c.verb = verb_.value_or(Verb::kList);
    const VerbSpec& spec = specOf(c.verb);
    const std::string verbName(spec.name);
    for (unsigned i = 0; i < given_.size(); ++i) {
      const OptMask bit = OptMask{1} << i;
      if (given_[i] && !((kGlobal | spec.options) & bit)) {
        return fail("option '" + given_[i]->spelling + "' does not apply to '" + verbName + "'");
      }
    }
    return socket(c) && columns(c) && service(c, spec) && server(c, spec) && settings(c) && weight(c, spec) &&
           somethingToChange(c) && topOptions(c);
  }

  bool somethingToChange(const Command& c) {
    if (c.verb != Verb::kEditService || c.scheduler || c.persistenceSeconds || c.method) return true;
    return fail("'edit-service' needs something to change: -s, -p or -M");
  }

  bool topOptions(Command& c) {
    std::string why;
    if (const auto& g = given(Opt::kDelay)) {
      const auto ms = readSecondsAsMs(*g->value, top::kMinDelayMs, top::kMaxDelayMs, why);
      if (!ms) return fail(g->quoted() + ": delay " + why);
      c.delayMs = *ms;
    }
    if (const auto& g = given(Opt::kIterations)) {
      const auto n = readNumber(*g->value, 1, std::numeric_limits<std::uint32_t>::max(), why);
      if (!n) return fail(g->quoted() + ": iterations " + why);
      c.iterations = *n;
    }
    if (given(Opt::kOnce)) {
      if (c.iterations) return fail("--once and '" + given(Opt::kIterations)->spelling + "' cannot be combined");
      c.iterations = 1;
    }
    c.batch = given(Opt::kBatch) || given(Opt::kOnce);
    if (const auto& g = given(Opt::kView)) {
      if (*g->value != "services" && *g->value != "drops" && *g->value != "vrrp") {
        return fail(g->quoted() + ": the views are services, drops and vrrp");
      }
      c.view = *g->value;
    }
    return true;
  }

  bool socket(Command& c) {
    c.json = given(Opt::kJson).has_value();
    c.apiSocket = defaultSocket_;
    if (const auto& g = given(Opt::kApiSocket)) {
      if (g->value->empty()) return fail("--api-socket needs a path");
      if (g->value->size() >= sizeof(sockaddr_un::sun_path)) {
        return fail("--api-socket path is longer than a Unix socket path may be (" +
                    std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)");
      }
      c.apiSocket = *g->value;
    }
    return remote(c);
  }

  // --connect and the options that only it uses.
  bool remote(Command& c) {
    const std::pair<Opt, std::string*> values[] = {{Opt::kConnect, &c.connect},   {Opt::kCaCert, &c.caCert},
                                                   {Opt::kCert, &c.clientCert},   {Opt::kKey, &c.clientKey},
                                                   {Opt::kTokenFile, &c.tokenFile}};
    for (const auto& [opt, field] : values) {
      if (const auto& g = given(opt)) {
        if (g->value->empty()) return fail("'" + g->spelling + "' needs a value");
        *field = *g->value;
      }
    }
    if (c.connect.empty()) {
      if (!c.caCert.empty() || !c.clientCert.empty() || !c.clientKey.empty() || !c.tokenFile.empty()) {
        return fail("--cacert, --cert, --key and --token-file go with --connect");
      }
      return true;
    }
    if (given(Opt::kApiSocket)) return fail("give --api-socket or --connect, not both");
    if (c.clientCert.empty() != c.clientKey.empty()) return fail("--cert and --key go together");
    if (const std::string why = urlProblem(c.connect); !why.empty()) return fail(why);
    if (!c.connect.starts_with("https://") && (!c.caCert.empty() || !c.clientCert.empty())) {
      return fail("--cacert, --cert and --key need an https:// URL");
    }
    return true;
  }

  bool columns(Command& c) {
    if (given(Opt::kStats) && given(Opt::kRate)) return fail("--stats and --rate cannot be combined");
    if (given(Opt::kStats)) c.columns = Columns::kStats;
    if (given(Opt::kRate)) c.columns = Columns::kRate;
    return true;
  }

  bool service(Command& c, const VerbSpec& spec) {
    const Given* chosen = nullptr;
    Opt which = Opt::kCount;
    for (Opt o : {Opt::kTcp, Opt::kUdp, Opt::kSctp, Opt::kFwmark}) {
      if (!given(o)) continue;
      if (chosen) return fail("give one service, not both '" + chosen->spelling + "' and '" + given(o)->spelling + "'");
      chosen = &*given(o);
      which = o;
    }
    if (!chosen) {
      if (!spec.needsService) return true;
      return fail("'" + std::string(spec.name) + "' needs a service: -t|-u|--sctp-service VIP:PORT or -f FWMARK");
    }
    ServiceSpec s;
    std::string why;
    if (which == Opt::kFwmark) {
      const auto mark = readNumber(*chosen->value, 1, std::numeric_limits<std::uint32_t>::max(), why);
      if (!mark) return fail(chosen->quoted() + ": fwmark " + why);
      s.fwmark = static_cast<std::uint32_t>(*mark);
    } else {
      const auto e = readEndpoint(*chosen->value, why);
      if (!e) return fail(chosen->quoted() + ": " + why);
      s.protocol = which == Opt::kTcp ? "TCP" : which == Opt::kUdp ? "UDP" : "SCTP";
      s.address = e->address;
      s.port = e->port.value_or(0);  // ipvsadm: host[:port], no port is port 0
    }
    c.service = s;
    return true;
  }

  bool server(Command& c, const VerbSpec& spec) {
    const auto& g = given(Opt::kServer);
    if (!g) {
      if (!spec.needsServer) return true;
      return fail("'" + std::string(spec.name) + "' needs a real server: -r RIP[:PORT]");
    }
    std::string why;
    const auto e = readEndpoint(*g->value, why);
    if (!e) return fail(g->quoted() + ": " + why);
    ServerSpec s{e->address, e->port};
    // A real server is named ADDRESS-PORT; like ipvsadm, the port defaults to
    // the service's: 0 for a fwmark or port-less service, the name of a real
    // server that keeps the port each client used. add-server may leave it to
    // the daemon.
    if (!s.port && c.verb != Verb::kAddServer) s.port = c.service->port;
    c.server = s;
    return true;
  }

  bool settings(Command& c) {
    std::string why;
    if (const auto& g = given(Opt::kScheduler)) {
      if (g->value->empty()) return fail(g->spelling + " needs a scheduler name");
      c.scheduler = *g->value;
    }
    if (const auto& g = given(Opt::kPersistent)) {
      std::uint64_t seconds = kDefaultPersistence;
      if (g->value) {
        const auto n = readNumber(*g->value, 1, kMaxPersistence, why);
        if (!n) return fail(g->quoted() + ": persistence timeout (seconds) " + why);
        seconds = *n;
      }
      c.persistenceSeconds = static_cast<std::uint32_t>(seconds);
    }
    if (const auto& g = given(Opt::kMethod)) {
      c.method = readMethod(*g->value);
      if (!c.method) return fail(g->quoted() + ": forwarding method is NAT, DR or TUN");
    }
    // ipvsadm's per-server switches.
    const Given* switchGiven = nullptr;
    constexpr std::pair<Opt, const char*> kSwitches[] = {{Opt::kMasq, "NAT"}, {Opt::kGate, "DR"}, {Opt::kIpip, "TUN"}};
    for (const auto& [opt, method] : kSwitches) {
      if (!given(opt)) continue;
      if (switchGiven) return fail("'" + switchGiven->spelling + "' and '" + given(opt)->spelling + "' conflict");
      switchGiven = &*given(opt);
      c.method = method;
    }
    return true;
  }

  bool weight(Command& c, const VerbSpec& spec) {
    const auto& g = given(Opt::kWeight);
    std::optional<Given> w = g;
    if (c.verb == Verb::kWeight && !positionals_.empty()) {
      if (w) return fail("give the weight once: '" + w->spelling + "' or the WEIGHT argument, not both");
      w = Given{"weight", positionals_.front()};
      positionals_.erase(positionals_.begin());
    }
    if (!positionals_.empty()) return fail("unexpected argument '" + positionals_.front() + "'");
    if (!w) {
      if (c.verb != Verb::kWeight) return true;
      return fail("'" + std::string(spec.name) + "' needs the new weight: weight -t VIP:PORT -r RIP[:PORT] WEIGHT");
    }
    std::string why;
    const auto n = readNumber(*w->value, 0, kMaxWeight, why);
    if (!n) return fail(w->quoted() + ": weight " + why);
    c.weight = static_cast<std::uint32_t>(*n);
    return true;
  }

  const std::vector<std::string>& args_;
  const std::string& defaultSocket_;
  std::size_t pos_ = 0;
  std::optional<Verb> verb_;
  std::string verbSpelling_;
  std::array<std::optional<Given>, static_cast<unsigned>(Opt::kCount)> given_;
  std::vector<std::string> positionals_;
  std::string error_;
};

}  // namespace

ParseResult parseCommandLine(const std::vector<std::string>& args, const std::string& defaultSocket) {
  return Parser(args, defaultSocket).run();
}

std::string usage(std::string_view program) {
  const std::string p(program);
  return "Usage: " + p + " [COMMAND] [OPTIONS]\n" +
         "Client of sluiced's control API, with ipvsadm's words and output.\n"
         "\n"
         "Commands:\n"
         "  list (-L, -l, -Ln) [--stats|--rate]   the services and real servers (the default)\n"
         "  conns (-Lnc, -c)                      the connection table\n"
         "  add-service SERVICE [-s SCHED] [-p [SECONDS]] [-M NAT|DR|TUN]\n"
         "  edit-service SERVICE [-s SCHED] [-p [SECONDS]] [-M NAT|DR|TUN]\n"
         "  del-service SERVICE\n"
         "  add-server SERVICE -r RIP[:PORT] [-w WEIGHT] [-m|-g|-i]\n"
         "  del-server SERVICE -r RIP[:PORT]\n"
         "  weight SERVICE -r RIP[:PORT] WEIGHT\n"
         "  drain SERVICE -r RIP[:PORT]              weight 0: open connections finish\n"
         "  reload                                re-read the configuration file\n"
         "  vrrp | health | status                VRRP instances, health checks, the daemon\n"
         "  sync                                  connection sync: role, peer, messages, drops\n"
         "  config                                the running configuration (JSON)\n"
         "  config-diff                           what run-time changes (API, ipvsadm) changed from the file\n"
         "  top [-d SECONDS] [-n N] [-b|--once] [--view services|drops|vrrp]\n"
         "                                        a live view: rates, connections, health, drops, VRRP, sync\n"
         "                                        (keys: q quit, v/Tab view, s/S or </> sort, r reverse, d delay)\n"
         "\n"
         "SERVICE is one of:\n"
         "  -t, --tcp-service VIP[:PORT]     e.g. 10.0.0.1:80 or [2001:db8::1]:80\n"
         "  -u, --udp-service VIP[:PORT]\n"
         "      --sctp-service VIP[:PORT]\n"
         "  -f, --fwmark-service FWMARK\n"
         "\n"
         "Options:\n"
         "  -s, --scheduler SCHED            rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh, fo, ovf\n"
         "  -p, --persistent [SECONDS]       persistent service (default 300 s)\n"
         "  -M, --method NAT|DR|TUN          the service's forwarding method\n"
         "  -r, --real-server RIP[:PORT]     the port defaults to the service's\n"
         "  -w, --weight WEIGHT              0.." +
         std::to_string(kMaxWeight) +
         "\n"
         "  -m, --masquerading               NAT\n"
         "  -g, --gatewaying                 direct routing (DR)\n"
         "  -i, --ipip                       tunnelling (TUN)\n"
         "      --stats, --rate              list counters or rates instead of connections\n"
         "      --json                       print the API's JSON instead of a table\n"
         "      --api-socket PATH            the daemon's socket (default /run/sluice/sluice[-NETNS].sock)\n"
         "      --connect URL                the API's TCP listener instead: https://HOST:PORT\n"
         "      --cacert FILE                the CA of its certificate (default: the system's CAs)\n"
         "      --cert FILE --key FILE       a client certificate, where the listener wants one\n"
         "      --token-file FILE            the bearer token (default: $SLUICE_API_TOKEN)\n"
         "  -d, --delay SECONDS              top: seconds between refreshes (default 2, at least 0.1)\n"
         "  -n, --iterations N               top: exit after N frames\n"
         "  -b, --batch                      top: frames as plain text on stdout, no terminal control\n"
         "      --once                       top: one frame as plain text (-b -n 1)\n"
         "      --view VIEW                  top: the view to start with (services, drops, vrrp)\n"
         "  -h, --help                       show this help\n"
         "\n"
         "Exit status: 0 done, 1 refused by sluiced, 2 bad command line, 3 sluiced not reachable.\n";
}

}  // namespace sluice::sluicectl
