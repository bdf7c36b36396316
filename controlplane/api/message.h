// An API request and response as the router sees them, apart from HTTP
// transport details, so the router is tested without sockets.
#pragma once

#include <map>
#include <string>

namespace sluice::api {

struct Request {
  std::string method;  // GET, POST, PATCH, DELETE, ...
  std::string path;    // decoded, without the query
  std::map<std::string, std::string> query;
  std::string body;
};

struct Response {
  int status = 200;
  std::string body;
  std::string contentType = "application/json";
  std::map<std::string, std::string> headers = {};  // more response headers (the HTML pages' security headers)
};

}  // namespace sluice::api
