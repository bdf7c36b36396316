#include "controlplane/sluicectl/top.h"

#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "controlplane/sluicectl/top_model.h"
#include "controlplane/sluicectl/top_render.h"
#include "controlplane/sluicectl/top_terminal.h"
#include "controlplane/sluicectl/top_view.h"

namespace sluice::sluicectl {
namespace {

using nlohmann::json;
using top::Sample;

std::uint64_t monotonicMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

top::View viewNamed(const std::string& name) {
  if (name == "drops") return top::View::kDrops;
  if (name == "vrrp") return top::View::kSystem;
  return top::View::kServices;
}

// One refresh's reading: a sample, or why there is none and how to exit.
struct Reading {
  std::optional<Sample> sample;
  std::string problem;
  int exit = kExitOk;
};

// GET path's JSON; nullopt (problem and exit set) when it cannot be had.
std::optional<json> get(ApiClient& client, const std::string& path, Reading& r) {
  const Exchange ex = client.request("GET", path);
  if (!ex.reply) {
    r.problem = "cannot reach sluiced at " + client.name() + ": " + ex.failure +
                (ex.notListening ? " (is sluiced running?)" : "");
    r.exit = kExitUnreachable;
    return std::nullopt;
  }
  json body = json::parse(ex.reply->body, nullptr, /*allow_exceptions=*/false);
  if (ex.reply->status != 200 || body.is_discarded()) {
    r.problem = "GET " + path + " answered HTTP " + std::to_string(ex.reply->status);
    r.exit = kExitRefused;
    return std::nullopt;
  }
  return body;
}

// The five reads of a frame; the first failure ends it (a daemon that
// does not answer one would make each of the others wait too).
Reading readDaemon(ApiClient& client) {
  Reading r;
  const auto stats = get(client, "/v1/stats", r);
  if (!stats) return r;
  const auto health = get(client, "/v1/health", r);
  if (!health) return r;
  const auto vrrp = get(client, "/v1/vrrp", r);
  if (!vrrp) return r;
  const auto sync = get(client, "/v1/sync", r);
  if (!sync) return r;
  const auto status = get(client, "/v1/status", r);
  if (!status) return r;
  r.sample = top::readSample(*stats, *health, *vrrp, *sync, *status, monotonicMs());
  return r;
}

// Frames as plain text, a blank line between them, like top -b.
int runBatch(const Command& c, ApiClient& client, top::ViewState& state, std::ostream& out, std::ostream& err) {
  std::optional<Sample> previous;
  for (std::uint64_t frame = 0; !c.iterations || frame < *c.iterations; ++frame) {
    if (previous) {
      const std::uint64_t due = previous->atMs + state.delayMs;
      const std::uint64_t now = monotonicMs();
      if (due > now) std::this_thread::sleep_for(std::chrono::milliseconds(due - now));
    }
    Reading r = readDaemon(client);
    if (!r.sample) {
      err << "sluicectl: " << r.problem << "\n";
      return r.exit;
    }
    previous = top::withRates(previous ? &*previous : nullptr, std::move(*r.sample));
    const top::Screen screen = top::render(*previous, state, "", 0, 0);
    if (frame) out << "\n";
    for (const auto& line : screen.lines) out << line << "\n";
    out.flush();
  }
  return kExitOk;
}

// The live view: a frame every delay, keys and resizes in between.
int runLive(const Command& c, ApiClient& client, top::ViewState& state, std::ostream& err) {
  std::string why;
  const auto terminal = top::Terminal::open(STDIN_FILENO, STDOUT_FILENO, why);
  if (!terminal) {
    err << "sluicectl: top: " << why << "\n";
    return kExitRefused;
  }
  std::optional<Sample> shown;
  std::string problem;  // why the last refresh failed; the last good frame stays
  const auto draw = [&] {
    const top::Size size = terminal->size();
    terminal->draw(top::render(shown.value_or(Sample{}), state, problem, size.width, size.height), size);
  };
  std::uint64_t frames = 0;
  std::uint64_t nextRefresh = monotonicMs();
  for (;;) {
    if (monotonicMs() >= nextRefresh) {
      Reading r = readDaemon(client);
      if (r.sample) {
        shown = top::withRates(shown ? &*shown : nullptr, std::move(*r.sample));
        problem.clear();
      } else {
        problem = r.problem;
      }
      draw();
      nextRefresh = monotonicMs() + state.delayMs;
      if (c.iterations && ++frames >= *c.iterations) return kExitOk;
    }
    const std::uint64_t now = monotonicMs();
    const top::Input input = terminal->wait(static_cast<int>(nextRefresh > now ? nextRefresh - now : 0));
    switch (input.kind) {
      case top::Input::Kind::kStop:
        return kExitOk;
      case top::Input::Kind::kResized:
        draw();
        break;
      case top::Input::Kind::kKeys:
        for (char key : input.keys) {
          switch (top::handleKey(state, key)) {
            case top::KeyEffect::kQuit:
              return kExitOk;
            case top::KeyEffect::kRefresh:
              nextRefresh = 0;
              break;
            case top::KeyEffect::kRedraw:
              draw();
              break;
            case top::KeyEffect::kNone:
              break;
          }
        }
        break;
      case top::Input::Kind::kTimeout:
        break;
    }
  }
}

}  // namespace

int runTop(const Command& command, ApiClient& client, std::ostream& out, std::ostream& err) {
  top::ViewState state;
  state.delayMs = command.delayMs;
  state.view = viewNamed(command.view);
  const bool terminal = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  if (command.batch || !terminal) return runBatch(command, client, state, out, err);
  return runLive(command, client, state, err);
}

}  // namespace sluice::sluicectl
