#include "controlplane/api/router.h"

#include <charconv>
#include <vector>

#include "controlplane/api/api_error.h"
#include "controlplane/api/config_edit.h"
#include "controlplane/api/metrics.h"
#include "controlplane/api/resources.h"
#include "controlplane/api/status_page.h"
#include "controlplane/tables/table_builder.h"

namespace sluice::api {
namespace {

using nlohmann::json;

constexpr unsigned kDefaultPage = 1000;
constexpr unsigned kMaxPage = 10000;

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    const std::size_t j = path.find('/', i);
    const std::size_t end = j == std::string::npos ? path.size() : j;
    if (end > i) out.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

// Request text echoed in a message (a path, a key) may not be UTF-8: it is
// replaced (U+FFFD), since dump() would throw and the router must not.
Response jsonResponse(int status, const json& body) {
  return Response{status, body.dump(2, ' ', false, json::error_handler_t::replace) + "\n"};
}

json parseBody(const Request& r) {
  if (r.body.empty()) throw ApiError(400, "this request needs a JSON body");
  try {
    return json::parse(r.body);
  } catch (const json::parse_error& e) {
    throw ApiError(400, std::string("the body is not valid JSON: ") + e.what());
  }
}

// Only the query parameters a route knows are accepted.
void allowQuery(const Request& r, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : r.query) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw ApiError(400, "unknown query parameter '" + key + "'", key);
    }
  }
}

unsigned pageLimit(const Request& r) {
  const auto it = r.query.find("limit");
  if (it == r.query.end()) return kDefaultPage;
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || n == 0 || n > kMaxPage) {
    throw ApiError(400, "limit must be a number from 1 to " + std::to_string(kMaxPage), "limit");
  }
  return n;
}

[[noreturn]] void notAllowed(const Request& r, const char* allowed) {
  throw ApiError(405, r.method + " is not allowed on " + r.path + " (allowed: " + allowed + ")");
}

// A change: edit the running config, apply it everywhere or nowhere.
Response change(Backend& b, const config::Config& next, int status, const json& result) {
  b.apply(next);
  return jsonResponse(status, result);
}

Response servers(Backend& b, const Request& r, const std::string& sid, const std::vector<std::string>& p) {
  const config::Config& cfg = b.config();
  if (p.size() == 4) {  // /v1/services/{s}/servers
    if (r.method == "GET") {
      json list = json::array();
      for (const config::RealServer& rs : findService(cfg, sid).realServers) list.push_back(serverJson(rs));
      return jsonResponse(200, {{"real_servers", std::move(list)}});
    }
    if (r.method == "POST") {
      config::Config next = addServer(cfg, sid, parseBody(r));
      const json added = serverJson(findService(next, sid).realServers.back());
      return change(b, next, 201, added);
    }
    notAllowed(r, "GET, POST");
  }
  const std::string& rid = p[4];
  if (p.size() == 6 && p[5] == "drain") {
    if (r.method != "POST") notAllowed(r, "POST");
    config::Config next = drainServer(cfg, sid, rid);
    const json drained = serverJson(findServer(findService(next, sid), rid));
    return change(b, next, 200, drained);
  }
  if (p.size() != 5) throw ApiError(404, "no such resource: " + r.path);
  if (r.method == "GET") return jsonResponse(200, serverJson(findServer(findService(cfg, sid), rid)));
  if (r.method == "PATCH") {
    config::Config next = updateServer(cfg, sid, rid, parseBody(r));
    const json updated = serverJson(findServer(findService(next, sid), rid));
    return change(b, next, 200, updated);
  }
  if (r.method == "DELETE") return change(b, removeServer(cfg, sid, rid), 200, {{"deleted", rid}, {"service", sid}});
  notAllowed(r, "GET, PATCH, DELETE");
}

Response services(Backend& b, const Request& r, const std::vector<std::string>& p) {
  const config::Config& cfg = b.config();
  if (p.size() == 2) {
    if (r.method == "GET") return jsonResponse(200, servicesJson(cfg));
    if (r.method == "POST") {
      config::Config next = addService(cfg, parseBody(r));
      const json added = serviceJson(next.virtualServers.back());
      return change(b, next, 201, added);
    }
    notAllowed(r, "GET, POST");
  }
  const std::string& sid = p[2];
  if (p.size() >= 4) {
    if (p[3] != "servers" || p.size() > 6) throw ApiError(404, "no such resource: " + r.path);
    return servers(b, r, sid, p);
  }
  if (r.method == "GET") return jsonResponse(200, serviceJson(findService(cfg, sid)));
  if (r.method == "PATCH") {
    config::Config next = updateService(cfg, sid, parseBody(r));
    const json updated = serviceJson(findService(next, sid));
    return change(b, next, 200, updated);
  }
  if (r.method == "DELETE") return change(b, removeService(cfg, sid), 200, {{"deleted", sid}});
  notAllowed(r, "GET, PATCH, DELETE");
}

// The connection timeouts in force, as ipvsadm -L --timeout shows them.
json timeoutsJson(const config::Config& config) {
  const dp::ConnTimeouts t = tables::timeoutsOf(config);
  const auto seconds = [&](dp::ConnState state) { return t.ms[static_cast<std::size_t>(state)] / 1000; };
  return {{"tcp", seconds(dp::ConnState::kEstablished)},
          {"tcpfin", seconds(dp::ConnState::kFinWait)},
          {"udp", seconds(dp::ConnState::kUdp)}};
}

// A read-only resource.
Response get(const Request& r, const std::function<json()>& read) {
  if (r.method != "GET") notAllowed(r, "GET");
  return jsonResponse(200, read());
}

Response route(Backend& b, const Request& r) {
  const std::vector<std::string> p = segments(r.path);
  if (r.path == "/") {  // the status page (a query, such as a cache buster, is ignored)
    if (r.method != "GET") notAllowed(r, "GET");
    return statusPageResponse();
  }
  if (p.size() == 1 && p[0] == "metrics") {
    allowQuery(r, {});
    if (r.method != "GET") notAllowed(r, "GET");
    return Response{200, prometheusText(metricsSources(b)), "text/plain; version=0.0.4"};
  }
  if (p.empty() || p[0] != "v1" || p.size() < 2) throw ApiError(404, "no such resource: " + r.path + " (see /v1/...)");
  const std::string& what = p[1];
  if (what == "connections" && p.size() == 2) {
    allowQuery(r, {"limit", "cursor"});
    if (r.method != "GET") notAllowed(r, "GET");
    const auto cursor = r.query.find("cursor");
    return jsonResponse(200, b.connections(cursor == r.query.end() ? "" : cursor->second, pageLimit(r)));
  }
  if (what == "stats" && p.size() == 3 && p[2] == "zero") {
    allowQuery(r, {"service"});
    if (r.method != "POST") notAllowed(r, "POST");
    const auto service = r.query.find("service");
    b.zeroCounters(service == r.query.end() ? "" : service->second);
    return jsonResponse(200, {{"zeroed", service == r.query.end() ? "all" : service->second}});
  }
  allowQuery(r, {});
  if (what == "services") return services(b, r, p);
  if (what == "sync" && p.size() == 3 && (p[2] == "start" || p[2] == "stop")) {
    if (r.method != "POST") notAllowed(r, "POST");
    const json body = parseBody(r);
    const config::Config next = p[2] == "start" ? startSyncDaemon(b.config(), body)
                                                : stopSyncDaemon(b.config(), body.is_object() ? body.value("state", "") : "");
    return change(b, next, 200, {{p[2] == "start" ? "started" : "stopped", body.value("state", "")}});
  }
  if (what == "timeouts" && p.size() == 2) {
    if (r.method == "GET") return jsonResponse(200, timeoutsJson(b.config()));
    if (r.method != "PUT") notAllowed(r, "GET, PUT");
    const config::Config next = setTimeouts(b.config(), parseBody(r));
    return change(b, next, 200, timeoutsJson(next));
  }
  if (p.size() == 2) {
    if (what == "status") return get(r, [&] { return b.status(); });
    if (what == "stats") return get(r, [&] { return b.stats(); });
    if (what == "vrrp") return get(r, [&] { return b.vrrp(); });
    if (what == "sync") return get(r, [&] { return b.sync(); });
    if (what == "health") return get(r, [&] { return b.health(); });
    if (what == "config") return get(r, [&] { return configJson(b.config()); });
  }
  if (what == "config" && p.size() == 3 && p[2] == "diff") return get(r, [&] { return b.configDiff(); });
  if (what == "config" && p.size() == 3 && p[2] == "reload") {
    if (r.method != "POST") notAllowed(r, "POST");
    return jsonResponse(200, b.reload());
  }
  throw ApiError(404, "no such resource: " + r.path);
}

}  // namespace

Response errorResponse(int status, const std::string& message, const std::string& field,
                       const json& extra) {
  json body = {{"error", message}};
  if (!field.empty()) body["field"] = field;
  body.update(extra);
  return jsonResponse(status, body);
}

Response handle(Backend& backend, const Request& request) {
  try {
    return route(backend, request);
  } catch (const ApiError& e) {
    return errorResponse(e.status(), e.what(), e.field(), e.extra());
  } catch (const std::exception& e) {
    return errorResponse(500, std::string("internal error: ") + e.what());
  }
}

}  // namespace sluice::api
