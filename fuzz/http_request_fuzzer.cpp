// libFuzzer target for the request path of the HTTP server with the limits of `aegis serve`:
// the head block (framing, fields, target), Beast's parser of it, the route table and the body
// decoder fed as the connection feeds it (chunked or not, in pieces, up to the body limit). Nothing
// may crash, and a head that is accepted must be one the checks allow: CRLF lines, no control
// character, a path.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/head.h"
#include "http/router.h"

namespace {

const aegis::http::Router& table() {
  static const aegis::http::Router r = [] {
    aegis::http::Router t;
    auto nothing = [](aegis::http::Request&, const aegis::http::Caller&, aegis::http::Reply) {};
    for (const char* p : {"/v1/evaluate", "/v1/proposals/{proposal_id}/{action}", "/mcp"})
      t.add({"POST", p, aegis::http::Access::kPermission, "decide", aegis::http::Runs::kOnIoThread,
             nothing});
    return t;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bhttp = boost::beast::http;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  aegis::http::Limits limits;
  limits.max_body_bytes = 4096;
  const size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > limits.max_header_bytes + 4) return 0;
  const std::string_view block = in.substr(0, end + 4);
  bhttp::request_parser<bhttp::string_body> parser;
  aegis::http::Request req;
  const auto head = aegis::http::read_head(block, limits, parser, &req);
  if (head.status) return 0;
  if (req.method.empty() || req.path.empty() || req.path[0] != '/') std::abort();
  for (const auto& [name, value] : req.headers)
    for (char c : value)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) std::abort();
  std::vector<std::pair<std::string, std::string>> params;
  table().match(req.method, req.path, &params);
  // The body as the connection reads it: pieces arrive, the decoder is given everything it has
  // not consumed yet.
  aegis::http::BodyDecoder decoder(parser.content_length().value_or(0), parser.chunked(),
                                   limits.max_body_bytes, limits.max_header_bytes);
  std::string_view body = in.substr(end + 4);
  std::string buffered, decoded;
  auto status = aegis::http::BodyDecoder::Status::kNeedMore;
  while (status == aegis::http::BodyDecoder::Status::kNeedMore && !body.empty()) {
    const size_t piece = std::min<size_t>(body.size(), 1 + data[0] % 13);
    buffered.append(body.substr(0, piece));
    body.remove_prefix(piece);
    size_t used = 0;
    status = decoder.feed(buffered, &used, &decoded);
    if (used > buffered.size()) std::abort();
    buffered.erase(0, used);
  }
  if (decoded.size() > limits.max_body_bytes) std::abort();
  if (!parser.chunked() && status == aegis::http::BodyDecoder::Status::kDone &&
      decoded.size() != parser.content_length().value_or(0))
    std::abort();
  return 0;
}
