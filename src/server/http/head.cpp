#include "head.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <optional>

namespace aegis::http {
namespace {

namespace bhttp = boost::beast::http;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes (and, in a query, turns '+' into ' '); false for a bad escape.
bool decode(std::string_view in, bool query, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (query && in[i] == '+') {
      *out += ' ';
    } else {
      *out += in[i];
    }
  }
  return true;
}

}  // namespace

bool parse_target(std::string_view target, Request* req) {
  // The absolute form (RFC 9112 §3.2.2), which a server must accept: its authority replaces the
  // Host field, and the rest is the origin form ("http://h:1" is "/").
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() < scheme.size() || lower(target.substr(0, scheme.size())) != scheme) continue;
    const std::string_view rest = target.substr(scheme.size());
    const size_t end = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, end);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
    req->authority = std::string(authority);
    target = end == std::string_view::npos ? std::string_view("/") : rest.substr(end);
    if (target[0] == '?') {
      req->path.assign(1, '/');
      return parse_query(target.substr(1), req);
    }
    break;
  }
  const size_t q = target.find('?');
  if (!decode(target.substr(0, q), false, &req->path) || req->path.empty() || req->path[0] != '/')
    return false;
  if (q == std::string_view::npos) return true;
  return parse_query(target.substr(q + 1), req);
}

bool parse_query(std::string_view rest, Request* req) {
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    std::string name, value;
    if (!decode(pair.substr(0, eq), true, &name) ||
        !decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true, &value))
      return false;
    if (!name.empty()) req->query.emplace_back(std::move(name), std::move(value));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return true;
}

namespace {

// RFC 9112 checks Beast leaves to us, on the raw header block (request line included): lines end
// in CRLF (no bare LF or CR), no obs-fold, no control character in a field, at most `max_fields`
// fields. The status to refuse with, or 0.
int check_head_block(std::string_view block, size_t max_fields, const char** why) {
  size_t fields = 0;
  size_t line_start = 0;
  for (size_t i = 0; i < block.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(block[i]);
    if (c == '\r') {
      if (i + 1 >= block.size() || block[i + 1] != '\n') {
        *why = "a bare CR in the header";
        return 400;
      }
      continue;
    }
    if (c == '\n') {
      if (i == 0 || block[i - 1] != '\r') {
        *why = "a line of the header ends in a bare LF";
        return 400;
      }
      if (line_start > 0 && i > line_start + 1) ++fields;  // not the request line, not the end
      line_start = i + 1;
      if (line_start < block.size() && (block[line_start] == ' ' || block[line_start] == '\t') &&
          line_start + 1 < block.size()) {
        *why = "obs-fold (a header line continued on the next) is not accepted";
        return 400;
      }
      continue;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      *why = "a control character in the header";
      return 400;
    }
  }
  if (fields > max_fields) {
    *why = "too many header fields";
    return 431;
  }
  return 0;
}

}  // namespace

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

HeadCheck read_head(std::string_view block, const Limits& limits,
                    bhttp::request_parser<bhttp::string_body>& parser, Request* out) {
  const char* why = "";
  if (const int status = check_head_block(block, limits.max_header_fields, &why))
    return {status, why};
  parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes + 4));
  // Set once the request is admitted (413 comes after 401). Not boost::none: Beast 1.74 compares
  // a length with it as greater than any limit.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(block.data(), block.size()), ec);
  if (ec || !parser.is_header_done()) return {400, "the request head is not valid HTTP/1.1"};
  const auto& head = parser.get();
  out->method = std::string(head.method_string());
  if (!parse_target(std::string_view(head.target().data(), head.target().size()), out))
    return {400, "the request target is malformed"};
  for (const auto& f : head)
    out->headers.emplace_back(
        lower(std::string_view(f.name_string().data(), f.name_string().size())),
        std::string(f.value()));
  if (head.version() != 11 && head.version() != 10) return {400, "HTTP/1.1 only"};
  // RFC 9112 §3.2: exactly one Host in HTTP/1.1 (at most one in 1.0); an absolute-form target's
  // authority takes its place.
  const size_t hosts = out->header_count("host");
  if (hosts > 1 || (hosts == 0 && head.version() == 11))
    return {400, "an HTTP/1.1 request needs exactly one Host header field"};
  if (!out->authority.empty()) {
    for (auto& [name, value] : out->headers)
      if (name == "host") value = out->authority;
    if (hosts == 0) out->headers.emplace_back("host", out->authority);
  }
  // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message is faulty framing.
  if (head.version() == 10 && out->header_count("transfer-encoding"))
    return {400, "Transfer-Encoding in an HTTP/1.0 request (faulty framing)"};
  if (const std::string* te = out->header("transfer-encoding")) {
    if (out->header_count("transfer-encoding") != 1 || lower(*te) != "chunked")
      return {400, "the only transfer coding accepted is chunked"};
  }
  if (const std::string* ce = out->header("content-encoding"); ce && lower(*ce) != "identity")
    return {415, "request bodies are not decompressed: send them uncompressed"};
  return {};
}

}  // namespace aegis::http

namespace aegis::http {

BodyDecoder::BodyDecoder(uint64_t content_length, bool chunked, size_t limit, size_t max_line)
    : state_(chunked          ? State::kSize
             : content_length ? State::kLength
                              : State::kDone),
      remaining_(content_length),
      limit_(limit),
      max_line_(max_line) {}

BodyDecoder::Status BodyDecoder::feed(std::string_view in, size_t* used, std::string* body) {
  size_t at = 0;
  std::optional<Status> stop;
  while (!stop && state_ != State::kDone && at < in.size()) {
    switch (state_) {
      case State::kLength:
        stop = take_bytes(in, at, *body, State::kDone);
        break;
      case State::kData:
        stop = take_bytes(in, at, *body, State::kDataEnd);
        break;
      case State::kDataEnd:
        stop = take_data_end(in, at);
        break;
      case State::kSize:
        stop = take_size_line(in, at);
        break;
      case State::kTrailer:
        stop = take_trailer_line(in, at);
        break;
      case State::kDone:
        break;
    }
  }
  *used = at;
  const Status status = stop.value_or(Status::kNeedMore);
  return status == Status::kNeedMore && state_ == State::kDone ? Status::kDone : status;
}

std::optional<BodyDecoder::Status> BodyDecoder::take_bytes(std::string_view in, size_t& at,
                                                           std::string& body, State then) {
  const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - at));
  if (total_ + n > limit_) return Status::kTooLarge;
  body.append(in.substr(at, n));
  total_ += n;
  at += n;
  remaining_ -= n;
  if (remaining_ == 0) state_ = then;
  return std::nullopt;
}

std::optional<BodyDecoder::Status> BodyDecoder::take_data_end(std::string_view in, size_t& at) {
  if (in.size() - at < 2) return Status::kNeedMore;
  if (in[at] != '\r' || in[at + 1] != '\n') return Status::kMalformed;
  at += 2;
  state_ = State::kSize;
  return std::nullopt;
}

std::optional<BodyDecoder::Status> BodyDecoder::take_size_line(std::string_view in, size_t& at) {
  bool bad = false;
  const std::optional<std::string_view> l = read_line(in, at, bad);
  if (bad) return Status::kMalformed;
  if (!l) return Status::kNeedMore;
  uint64_t size = 0;
  size_t i = 0;
  for (; i < l->size() && hex_value((*l)[i]) >= 0; ++i) {
    if (size >> 60) return Status::kMalformed;  // more than 60 bits of chunk size
    size = size * 16 + static_cast<uint64_t>(hex_value((*l)[i]));
  }
  if (i == 0 || (i < l->size() && (*l)[i] != ';' && (*l)[i] != ' ' && (*l)[i] != '\t'))
    return Status::kMalformed;  // a size, then nothing or chunk extensions
  for (char c : l->substr(i))
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return Status::kMalformed;
  if (size > limit_ - std::min<size_t>(limit_, total_)) return Status::kTooLarge;
  remaining_ = size;
  state_ = size ? State::kData : State::kTrailer;
  return std::nullopt;
}

std::optional<BodyDecoder::Status> BodyDecoder::take_trailer_line(std::string_view in, size_t& at) {
  bool bad = false;
  const std::optional<std::string_view> l = read_line(in, at, bad);
  if (bad) return Status::kMalformed;
  if (!l) return Status::kNeedMore;
  if (l->empty()) state_ = State::kDone;  // the blank line ends the message
  return std::nullopt;
}

std::optional<std::string_view> BodyDecoder::read_line(std::string_view in, size_t& at,
                                                       bool& bad) const {
  const size_t lf = in.find('\n', at);
  const size_t cr = in.find('\r', at);
  if (lf == std::string_view::npos) {
    bad = in.size() - at > max_line_ || (cr != std::string_view::npos && cr + 1 < in.size());
    return std::nullopt;
  }
  bad = lf == at || in[lf - 1] != '\r' || cr < lf - 1 || lf - at > max_line_ + 1;
  if (bad) return std::nullopt;
  const std::string_view l = in.substr(at, lf - 1 - at);
  at = lf + 1;
  return l;
}

}  // namespace aegis::http
