#include "controlplane/api/login_page.h"

namespace sluice::api {
namespace {

std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

constexpr std::string_view kHead = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sluice: log in</title>
<style>
body { font-family: system-ui, sans-serif; background: #f3f4f6; margin: 0; }
main { max-width: 24rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px;
       box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 1.3rem; margin: 0 0 1rem; }
label { display: block; margin-bottom: .4rem; }
input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
button { margin-top: 1rem; padding: .5rem 1.2rem; font-size: 1rem; }
.notice { background: #fde8e8; color: #8a1c1c; padding: .6rem; border-radius: 4px; margin-bottom: 1rem; }
p.small { color: #555; font-size: .85rem; }
</style></head>
<body><main>
<h1>sluice status</h1>
)";

constexpr std::string_view kForm = R"(<form method="post" action="/login">
<label for="token">API token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
<p class="small">The token of the <code>api</code> block (token or token_file). The page that follows
is read-only; the session lasts 12 hours.</p>
</main></body></html>
)";

}  // namespace

std::string loginPage(std::string_view notice) {
  std::string page(kHead);
  if (!notice.empty()) page += "<p class=\"notice\" id=\"notice\">" + escaped(notice) + "</p>\n";
  page += kForm;
  return page;
}

}  // namespace sluice::api
