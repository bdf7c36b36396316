#include "controlplane/config/lexer.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

// Words (and braces) of `text`, line ends as "|".
std::vector<std::string> lex(const std::string& text, Diagnostics* diagOut = nullptr) {
  Diagnostics diag;
  std::vector<std::string> out;
  for (const auto& t : tokenize(text, "t.conf", diag)) {
    out.push_back(t.kind == TokenKind::kEndOfLine ? "|" : t.text);
  }
  if (diagOut != nullptr) {
    *diagOut = diag;
  }
  return out;
}

using V = std::vector<std::string>;

TEST(Lexer, SplitsWordsAndLineEnds) {
  EXPECT_EQ(lex("priority 100\nstate MASTER\n"), (V{"priority", "100", "|", "state", "MASTER", "|"}));
}

TEST(Lexer, CommentsStartWithHashOrBangAnywhere) {
  EXPECT_EQ(lex("! whole line\n# also\ninterval 2 # every 2 seconds\nweight 2 ! note\n"),
            (V{"|", "|", "interval", "2", "|", "weight", "2", "|"}));
}

TEST(Lexer, HashInsideAWordIsNotAComment) {
  EXPECT_EQ(lex("auth_pass ab#cd!\n"), (V{"auth_pass", "ab#cd!", "|"}));
}

TEST(Lexer, QuotedStringsKeepBlanksAndHideComments) {
  EXPECT_EQ(lex("script \"killall -0 haproxy\" # c\n"), (V{"script", "killall -0 haproxy", "|"}));
  EXPECT_EQ(lex("x 'a # b' \"say \\\"hi\\\"\"\n"), (V{"x", "a # b", "say \"hi\"", "|"}));
  EXPECT_EQ(lex("x ab\"c d\"e\n"), (V{"x", "abc de", "|"}));
}

TEST(Lexer, QuotedBraceIsAWord) {
  Diagnostics diag;
  const auto tokens = tokenize("x \"{\"\n", "t.conf", diag);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[1].kind, TokenKind::kWord);
  EXPECT_TRUE(tokens[1].quoted);
}

TEST(Lexer, BracesSplitOffWordsButNotOffGlobs) {
  EXPECT_EQ(lex("real_server 1.2.3.4 80 {weight 1}\n"),
            (V{"real_server", "1.2.3.4", "80", "{", "weight", "1", "}", "|"}));
  EXPECT_EQ(lex("global_defs{\n}}\n"), (V{"global_defs", "{", "|", "}", "}", "|"}));
  EXPECT_EQ(lex("include conf.d/{a,b}.conf\n"), (V{"include", "conf.d/{a,b}.conf", "|"}));
}

TEST(Lexer, TokensKnowFileAndLine) {
  Diagnostics diag;
  const auto tokens = tokenize("a\n\n  b c\n", "x/y.conf", diag);
  ASSERT_EQ(tokens[2].text, "");
  const Token& b = tokens[3];
  EXPECT_EQ(b.text, "b");
  EXPECT_EQ(b.where.file, "x/y.conf");
  EXPECT_EQ(b.where.line, 3);
}

TEST(Lexer, UnterminatedQuoteIsAnErrorAtItsLine) {
  Diagnostics diag;
  lex("ok 1\nscript \"oops\n", &diag);
  ASSERT_TRUE(diag.hasErrors());
  EXPECT_EQ(diag.all().front().toString(), "t.conf:2: unterminated quoted string");
}

TEST(Lexer, CrLfLineEndsAreBlanks) { EXPECT_EQ(lex("priority 100\r\n"), (V{"priority", "100", "|"})); }

}  // namespace
}  // namespace sluice::config
