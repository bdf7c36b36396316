#include "controlplane/sluicectl/top_view.h"

#include <cctype>

#include "controlplane/sluicectl/values.h"

namespace sluice::sluicectl::top {
namespace {

std::size_t index(View v) { return static_cast<std::size_t>(v); }

// The typed answer to `d`; Enter applies it, Esc forgets it.
KeyEffect promptKey(ViewState& state, char key) {
  std::string& typed = *state.delayPrompt;
  if (key == '\r' || key == '\n') {
    std::string why;
    const auto ms = readSecondsAsMs(typed, kMinDelayMs, kMaxDelayMs, why);
    state.notice = ms ? "" : "delay '" + typed + "' " + why;
    if (ms) state.delayMs = *ms;
    state.delayPrompt.reset();
    return ms ? KeyEffect::kRefresh : KeyEffect::kRedraw;
  }
  if (key == '\x1b') {
    state.delayPrompt.reset();
    return KeyEffect::kRedraw;
  }
  if (key == '\x7f' || key == '\b') {
    if (!typed.empty()) typed.pop_back();
    return KeyEffect::kRedraw;
  }
  if ((std::isdigit(static_cast<unsigned char>(key)) || key == '.') && typed.size() < 12) {
    typed += key;
    return KeyEffect::kRedraw;
  }
  return KeyEffect::kNone;
}

void moveSort(ViewState& state, bool forward) {
  const std::size_t n = sortableColumns(state.view);
  std::size_t& column = state.sortColumn[index(state.view)];
  column = forward ? (column + 1) % n : (column + n - 1) % n;
}

}  // namespace

KeyEffect handleKey(ViewState& state, char key) {
  if (state.delayPrompt) return promptKey(state, key);
  state.notice.clear();
  switch (key) {
    case 'q':
    case 'Q':
      return KeyEffect::kQuit;
    case 'v':
    case '\t':
      state.view = static_cast<View>((index(state.view) + 1) % kViewCount);
      return KeyEffect::kRedraw;
    case 'V':
      state.view = static_cast<View>((index(state.view) + kViewCount - 1) % kViewCount);
      return KeyEffect::kRedraw;
    case '1':
    case '2':
    case '3':
      state.view = static_cast<View>(key - '1');
      return KeyEffect::kRedraw;
    case 's':
    case '>':
      moveSort(state, true);
      return KeyEffect::kRedraw;
    case 'S':
    case '<':
      moveSort(state, false);
      return KeyEffect::kRedraw;
    case 'r':
    case 'R':
      state.reversed[index(state.view)] = !state.reversed[index(state.view)];
      return KeyEffect::kRedraw;
    case ' ':
      return KeyEffect::kRefresh;
    case 'd':
      state.delayPrompt = "";
      return KeyEffect::kRedraw;
    default:
      return KeyEffect::kNone;
  }
}

std::string secondsText(std::uint32_t ms) {
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 == 0) return text;
  std::string fraction = std::to_string(1000 + ms % 1000).substr(1);  // "050"
  fraction.erase(fraction.find_last_not_of('0') + 1);
  return text + "." + fraction;
}

}  // namespace sluice::sluicectl::top
