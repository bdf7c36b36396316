#include "controlplane/config/reader.h"

#include <gtest/gtest.h>

#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::TempDir;

// A compact rendering of the tree: "kw v1 v2 { child ... }".
std::string render(const std::vector<Statement>& statements) {
  std::string out;
  for (const auto& st : statements) {
    out += out.empty() ? "" : "; ";
    out += st.keyword.text;
    for (const auto& v : st.values) {
      out += " " + v.text;
    }
    if (st.hasBlock) {
      out += " { " + render(st.body) + " }";
    }
  }
  return out;
}

std::vector<std::string> errorsIn(const Diagnostics& diag) {
  std::vector<std::string> out;
  for (const auto& d : diag.all()) {
    if (d.severity == Severity::kError) {
      out.push_back(d.toString());
    }
  }
  return out;
}

TEST(Reader, BlocksOnOneLineAndBracesOnTheNextLine) {
  Diagnostics diag;
  Reader reader(diag);
  const auto st = reader.readString(
      "virtual_server 10.0.0.1 80\n"
      "{\n"
      "  real_server 1.2.3.4 80 { weight 1 }\n"
      "  real_server 1.2.3.5 80\n"
      "  {\n"
      "    TCP_CHECK { connect_timeout 3 }\n"
      "  }\n"
      "}\n",
      "t.conf");
  EXPECT_FALSE(diag.hasErrors());
  EXPECT_EQ(render(st),
            "virtual_server 10.0.0.1 80 { real_server 1.2.3.4 80 { weight 1 }; "
            "real_server 1.2.3.5 80 { TCP_CHECK { connect_timeout 3 } } }");
}

TEST(Reader, MissingCloseBraceIsReportedAtTheBlockThatStaysOpen) {
  Diagnostics diag;
  Reader reader(diag);
  reader.readString(
      "global_defs {\n"
      "  router_id a\n"
      "}\n"
      "vrrp_instance VI_1 {\n"
      "  state MASTER\n"
      "virtual_server 10.0.0.1 80 {\n"
      "}\n",
      "m.conf");
  EXPECT_EQ(errorsIn(diag),
            std::vector<std::string>{"m.conf:4: block of 'vrrp_instance' is never closed (missing '}')"});
}

TEST(Reader, StrayCloseBraceIsAnError) {
  Diagnostics diag;
  Reader reader(diag);
  reader.readString("a 1\n}\n", "s.conf");
  EXPECT_EQ(errorsIn(diag), std::vector<std::string>{"s.conf:2: unexpected '}' with no open block"});
}

TEST(Reader, LoneOpenBraceWithoutKeywordIsAnError) {
  Diagnostics diag;
  Reader reader(diag);
  reader.readString("{\n}\n", "s.conf");
  EXPECT_EQ(errorsIn(diag), std::vector<std::string>{"s.conf:1: '{' without a keyword before it"});
}

TEST(Reader, BlockNestingIsLimited) {
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text += "a {\n";
  }
  Diagnostics diag;
  Reader reader(diag);
  reader.readString(text, "deep.conf");
  EXPECT_EQ(errorsIn(diag), std::vector<std::string>{"deep.conf:65: blocks nested deeper than 64 levels"});
}

TEST(Reader, IncludeGlobIsRelativeToTheIncludingFileAndSorted) {
  TempDir dir;
  const auto main = dir.write("main.conf", "first\ninclude conf.d/*.conf\nlast\n");
  dir.write("conf.d/20-b.conf", "b 2\n");
  dir.write("conf.d/10-a.conf", "a 1 { x }\n");
  dir.write("conf.d/readme.txt", "not config\n");
  Diagnostics diag;
  Reader reader(diag);
  const auto st = reader.readFile(main);
  EXPECT_FALSE(diag.hasErrors());
  EXPECT_EQ(render(st), "first; a 1 { x }; b 2; last");
  ASSERT_EQ(st.size(), 4u);
  EXPECT_EQ(st[1].where().file, dir.path() + "/conf.d/10-a.conf");
  EXPECT_EQ(st[1].where().line, 1);
}

TEST(Reader, IncludeInsideABlockAndNestedIncludes) {
  TempDir dir;
  const auto main = dir.write("main.conf", "virtual_server 10.0.0.1 80 {\n  include rs/all.conf\n}\n");
  dir.write("rs/all.conf", "include one.conf\nincludea {two,three}.conf\n");
  dir.write("rs/one.conf", "real_server 1.1.1.1 80\n");
  dir.write("rs/two.conf", "real_server 2.2.2.2 80\n");
  dir.write("rs/three.conf", "real_server 3.3.3.3 80\n");
  Diagnostics diag;
  Reader reader(diag);
  const auto st = reader.readFile(main);
  EXPECT_FALSE(diag.hasErrors());
  EXPECT_EQ(render(st),
            "virtual_server 10.0.0.1 80 { real_server 1.1.1.1 80; real_server 2.2.2.2 80; "
            "real_server 3.3.3.3 80 }");
}

TEST(Reader, IncludeCycleIsAnError) {
  TempDir dir;
  const auto main = dir.write("a.conf", "include b.conf\n");
  dir.write("b.conf", "x 1\ninclude a.conf\n");
  Diagnostics diag;
  Reader reader(diag);
  reader.readFile(main);
  const auto errors = errorsIn(diag);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            dir.path() + "/b.conf:2: include cycle: '" + dir.path() + "/a.conf' is already being read");
}

TEST(Reader, IncludeDepthIsLimited) {
  TempDir dir;
  // f0 includes f1 ... includes f9: f9 would be 9 levels below f0.
  for (int i = 0; i < 10; ++i) {
    dir.write("f" + std::to_string(i) + ".conf",
              i < 9 ? "include f" + std::to_string(i + 1) + ".conf\n" : "leaf 1\n");
  }
  Diagnostics diag;
  Reader reader(diag);
  reader.readFile(dir.path() + "/f0.conf");
  const auto errors = errorsIn(diag);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("f8.conf:1: includes nested deeper than 8 levels"), std::string::npos)
      << errors[0];

  // Eight levels are fine.
  Diagnostics ok;
  Reader okReader(ok);
  const auto st = okReader.readFile(dir.path() + "/f1.conf");
  EXPECT_FALSE(ok.hasErrors());
  EXPECT_EQ(render(st), "leaf 1");
}

TEST(Reader, MissingIncludedFileIsAnErrorButAnEmptyGlobOnlyAWarning) {
  TempDir dir;
  const auto main = dir.write("main.conf", "include nothing/*.conf\ninclude missing.conf\n");
  Diagnostics diag;
  Reader reader(diag);
  reader.readFile(main);
  ASSERT_EQ(diag.all().size(), 2u);
  EXPECT_EQ(diag.all()[0].severity, Severity::kWarning);
  EXPECT_EQ(diag.all()[0].toString(), main + ":1: include 'nothing/*.conf' matches no file");
  EXPECT_EQ(diag.all()[1].severity, Severity::kError);
  EXPECT_EQ(diag.all()[1].where.line, 2);
}

TEST(Reader, UnreadableMainFileIsAnError) {
  Diagnostics diag;
  Reader reader(diag);
  reader.readFile("/nonexistent/keepalived.conf");
  ASSERT_TRUE(diag.hasErrors());
  EXPECT_EQ(diag.all()[0].toString(),
            "/nonexistent/keepalived.conf: cannot open configuration file: No such file or directory");
}

}  // namespace
}  // namespace sluice::config
