// What sluicectl top shows and how the keys change it: the view, its sort
// column and direction, the refresh delay (and the prompt that edits it).
// Pure, so every key is testable without a terminal.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::sluicectl::top {

enum class View : std::size_t {
  kServices,  // services and their real servers: rates, connections, weight, health
  kDrops,     // data plane drops by reason, packets per worker
  kSystem,    // VRRP instances, connection sync, health checks
};
inline constexpr std::size_t kViewCount = 3;

// The delay -d takes and the prompt accepts.
inline constexpr std::uint32_t kMinDelayMs = 100;
inline constexpr std::uint32_t kMaxDelayMs = 3600 * 1000;

struct ViewState {
  View view = View::kServices;
  std::array<std::size_t, kViewCount> sortColumn{};  // each view keeps its own
  std::array<bool, kViewCount> reversed{};
  std::uint32_t delayMs = 2000;
  std::optional<std::string> delayPrompt;  // while `d` is being answered: what was typed
  std::string notice;                      // one line for the user (a refused delay)
};

enum class KeyEffect {
  kNone,     // nothing to do
  kRedraw,   // the same data drawn again
  kRefresh,  // read the daemon again now
  kQuit,
};

// The number of columns a view sorts by, and the column it starts sorted
// by (its first). Thread-safe.
std::size_t sortableColumns(View view);

// Applies one key (a byte read from the terminal): q quit; v or Tab the
// next view, V the one before, 1-3 a view; s or > the next sort column,
// S or < the one before; r reverses; space refreshes; d asks for a new
// delay (digits, '.', Backspace, Enter, Esc). Thread-safe.
KeyEffect handleKey(ViewState& state, char key);

// "2", "0.5": a delay as top prints it. Thread-safe.
std::string secondsText(std::uint32_t ms);

}  // namespace sluice::sluicectl::top
