// The keyword tree: for each block, which keywords it accepts and what
// each one does to the object being built. Registration reads like the
// configuration itself, e.g.
//
//   Block<VrrpInstance> instance;
//   instance.value("priority", setPriority);
//   instance.child<VrrpAuthentication>("authentication", ...);
//   instance.list("virtual_ipaddress", addVirtualIp);
//
// Handlers receive the object under construction explicitly; nothing is
// found through globals or "the last element of a list".
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/config/args.h"
#include "controlplane/config/parse_context.h"
#include "controlplane/config/skipped_keywords.h"
#include "controlplane/config/statement.h"

namespace sluice::config {

// Whether a child keyword must be followed by a { } block.
enum class BlockRule { kRequired, kOptional };

// The grammar of one block whose statements fill a T. Copyable; building
// one is cheap. run() is const and keeps no state, so one grammar may
// serve several parses, one at a time per ParseContext.
template <class T>
class Block {
 public:
  using Handler = std::function<void(T&, const Args&)>;

  // A keyword with values on its line and no block. Not thread-safe.
  void value(const std::string& keyword, Handler handler) {
    entries_[keyword] =
        Entry{false, BlockRule::kRequired, [handler](T& target, const Statement& st, ParseContext& ctx) {
                Args args(st, ctx);
                handler(target, args);
              }};
  }

  // A keyword whose block holds one item per line (`group { a b }`,
  // `virtual_ipaddress { ... }`); `handler` sees each line with its first
  // word as value 0. The keyword's own line may carry no values. Not thread-safe.
  void list(const std::string& keyword, Handler handler) {
    entries_[keyword] = Entry{
        true, BlockRule::kRequired, [handler, keyword](T& target, const Statement& st, ParseContext& ctx) {
          Args(st, ctx).none();
          for (const auto& line : st.body) {
            runOne(ctx, [&] {
              if (line.hasBlock) {
                throw ConfigError(line.where(), "unexpected block inside '" + keyword + "'");
              }
              Args args(line, ctx, true, keyword);
              handler(target, args);
            });
          }
        }};
  }

  // Handles every line whose first word is not a keyword of this block,
  // for blocks that are lists with a few keywords mixed in
  // (virtual_server_group: addresses and `fwmark N`). `label` names such
  // a line in messages. Not thread-safe.
  void otherwise(std::string label, Handler handler) {
    otherwiseLabel_ = std::move(label);
    otherwise_ = std::move(handler);
  }

  // A keyword that builds a C: `open` makes it from the keyword's values,
  // `body` fills it from the block, `close` checks it and hands it to the
  // parent. If `open` fails the block is skipped. Not thread-safe.
  template <class C>
  void child(const std::string& keyword, std::function<C(T&, const Args&)> open, Block<C> body,
             std::function<void(T&, C&&, const Args&)> close, BlockRule rule = BlockRule::kRequired) {
    entries_[keyword] = Entry{true, rule,
                              [open = std::move(open), body = std::move(body), close = std::move(close)](
                                  T& target, const Statement& st, ParseContext& ctx) {
                                Args args(st, ctx);
                                C item = open(target, args);
                                body.run(item, st.body, ctx);
                                close(target, std::move(item), args);
                              }};
  }

  // A keyword sluice knows but does not implement: warns with `why`
  // (stronger than "unknown keyword") and skips its block. Not thread-safe.
  void unsupported(const std::string& keyword, std::string why) {
    entries_[keyword] =
        Entry{true, BlockRule::kOptional,
              [keyword, why = std::move(why)](T&, const Statement& st, ParseContext& ctx) {
                ctx.diag().warning(st.where(), keyword + " is not supported by sluice: " + why);
              }};
  }

  // Dispatches each statement of `body` to its keyword. Unknown keywords
  // are warnings (their blocks skipped); a failing handler is an error and
  // the next statement is still read. Not thread-safe.
  void run(T& target, const std::vector<Statement>& body, ParseContext& ctx) const {
    for (const auto& st : body) {
      runOne(ctx, [&] { dispatch(target, st, ctx); });
    }
  }

 private:
  struct Entry {
    bool takesBlock = false;
    BlockRule rule = BlockRule::kRequired;
    std::function<void(T&, const Statement&, ParseContext&)> apply;
  };

  template <class F>
  static void runOne(ParseContext& ctx, F&& f) {
    try {
      f();
    } catch (const ConfigError& e) {
      ctx.diag().error(e.where(), e.what());
    }
  }

  void dispatch(T& target, const Statement& st, ParseContext& ctx) const {
    const auto it = st.keyword.quoted ? entries_.end() : entries_.find(st.keyword.text);
    if (it == entries_.end() && otherwise_) {
      if (st.hasBlock) {
        throw ConfigError(st.where(), "unexpected block after '" + st.keyword.text + "'");
      }
      Args args(st, ctx, true, otherwiseLabel_);
      otherwise_(target, args);
      return;
    }
    if (it == entries_.end()) {
      const std::string skipped = st.hasBlock ? " (its block is skipped)" : "";
      // A keyword of keepalived's that sluice skips: a warning that says
      // why. One keepalived does not know either: an error for -t.
      if (const auto why = skippedKeywordReason(st.keyword.text)) {
        ctx.diag().warning(st.where(), st.keyword.text + " is not supported by sluice: " + std::string(*why) + skipped);
      } else {
        ctx.diag().keepalivedError(st.where(), "unknown keyword '" + st.keyword.text + "'" + skipped);
      }
      return;
    }
    const Entry& entry = it->second;
    if (entry.takesBlock && !st.hasBlock && entry.rule == BlockRule::kRequired) {
      throw ConfigError(st.where(), "'" + st.keyword.text + "' needs a { } block");
    }
    if (!entry.takesBlock && st.hasBlock) {
      throw ConfigError(st.where(), "'" + st.keyword.text + "' does not take a { } block");
    }
    entry.apply(target, st, ctx);
  }

  std::map<std::string, Entry> entries_;
  Handler otherwise_;
  std::string otherwiseLabel_;
};

}  // namespace sluice::config
