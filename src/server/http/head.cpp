#include "head.h"

#include <cctype>
#include <cstdint>
#include <limits>

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
    if (target.size() < scheme.size() || lower(target.substr(0, scheme.size())) != scheme)
      continue;
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
  if (!decode(target.substr(0, q), false, &req->path) || req->path.empty() ||
      req->path[0] != '/')
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
    out->headers.emplace_back(lower(std::string_view(f.name_string().data(), f.name_string().size())),
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
    : state_(chunked ? State::kSize : content_length ? State::kLength : State::kDone),
      remaining_(content_length),
      limit_(limit),
      max_line_(max_line) {}

BodyDecoder::Status BodyDecoder::feed(std::string_view in, size_t* used, std::string* body) {
  size_t at = 0;
  // The line starting at `at`, without its CRLF; nullopt while it is incomplete; `bad` for a
  // bare LF or CR or an overlong line.
  auto line = [&](bool* bad) -> std::optional<std::string_view> {
    const size_t lf = in.find('\n', at);
    const size_t cr = in.find('\r', at);
    if (lf == std::string_view::npos) {
      *bad = in.size() - at > max_line_ || (cr != std::string_view::npos && cr + 1 < in.size());
      return std::nullopt;
    }
    *bad = lf == at || in[lf - 1] != '\r' || cr < lf - 1 || lf - at > max_line_ + 1;
    if (*bad) return std::nullopt;
    const std::string_view l = in.substr(at, lf - 1 - at);
    at = lf + 1;
    return l;
  };
  Status status = Status::kNeedMore;
  while (status == Status::kNeedMore) {
    if (state_ == State::kDone) {
      status = Status::kDone;
      break;
    }
    if (at == in.size() && state_ != State::kDone) break;
    switch (state_) {
      case State::kLength:
      case State::kData: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - at));
        if (total_ + n > limit_) {
          status = Status::kTooLarge;
          break;
        }
        body->append(in.substr(at, n));
        total_ += n;
        at += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = state_ == State::kLength ? State::kDone : State::kDataEnd;
        break;
      }
      case State::kDataEnd: {
        if (in.size() - at < 2) goto out;
        if (in[at] != '\r' || in[at + 1] != '\n') {
          status = Status::kMalformed;
          break;
        }
        at += 2;
        state_ = State::kSize;
        break;
      }
      case State::kSize: {
        bool bad = false;
        const auto l = line(&bad);
        if (bad) {
          status = Status::kMalformed;
          break;
        }
        if (!l) goto out;
        uint64_t size = 0;
        size_t i = 0;
        for (; i < l->size() && hex_value((*l)[i]) >= 0; ++i) {
          if (size >> 60) {
            status = Status::kMalformed;  // more than 60 bits of chunk size
            break;
          }
          size = size * 16 + static_cast<uint64_t>(hex_value((*l)[i]));
        }
        if (status != Status::kNeedMore) break;
        if (i == 0 || (i < l->size() && (*l)[i] != ';' && (*l)[i] != ' ' && (*l)[i] != '\t')) {
          status = Status::kMalformed;  // a size, then nothing or chunk extensions
          break;
        }
        for (char c : l->substr(i))
          if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
            status = Status::kMalformed;
        if (status != Status::kNeedMore) break;
        if (size > limit_ - std::min<size_t>(limit_, total_)) {
          status = Status::kTooLarge;
          break;
        }
        remaining_ = size;
        state_ = size ? State::kData : State::kTrailer;
        break;
      }
      case State::kTrailer: {
        bool bad = false;
        const auto l = line(&bad);
        if (bad) {
          status = Status::kMalformed;
          break;
        }
        if (!l) goto out;
        if (l->empty()) state_ = State::kDone;  // the blank line ends the message
        break;
      }
      case State::kDone:
        break;
    }
  }
out:
  *used = at;
  if (status == Status::kNeedMore && state_ == State::kDone) status = Status::kDone;
  return status;
}

}  // namespace aegis::http
