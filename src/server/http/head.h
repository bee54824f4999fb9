// Internal: reading a request's head — the checks RFC 9112 asks for that Beast leaves to us, the
// target, the fields — as one function of the bytes, shared by the connection and the fuzzer.
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "message.h"
#include "server.h"

namespace aegis::http {

// 0, or the status a head is refused with (400, 415, 431) and why.
struct HeadCheck {
  int status = 0;
  const char* why = "";
};

// Reads a complete header block (request line to the blank line, CRLF CRLF included) into
// `out` (method, path, query, fields with lower-case names) through `parser`, which is then ready
// for the body. Refuses: a line not ended by CRLF, obs-fold, a control character, more than
// limits.max_header_fields fields (431), a head Beast rejects (conflicting lengths, a bad
// Content-Length, ...), a malformed target, an HTTP version other than 1.0 or 1.1, an HTTP/1.1
// request without exactly one Host (two in 1.0), Transfer-Encoding in HTTP/1.0, a transfer
// coding other than `chunked` alone, and a Content-Encoding other than identity (415). With an
// absolute-form target, the Host field holds the target's authority (RFC 9112 §3.2.2).
HeadCheck read_head(std::string_view block, const Limits& limits,
                    boost::beast::http::request_parser<boost::beast::http::string_body>& parser,
                    Request* out);

// Percent-decodes a request target into path and query ('+' is a space in the query); false
// for a bad escape or a path that does not start with '/'. The absolute form
// ("http://host:port/path?q") is accepted: its authority goes to `out->authority`.
bool parse_target(std::string_view target, Request* out);
// The query part (after '?') of a target into `out->query`; false for a bad escape.
bool parse_query(std::string_view query, Request* out);

std::string lower(std::string_view s);

}  // namespace aegis::http

namespace aegis::http {

// Reads a request body as it arrives — Content-Length, or chunked (RFC 9112 §7.1) with CRLF
// line ends only, chunk lines of at most `max_line` bytes, trailers skipped — and stops at
// `limit` body bytes. Pure: the connection and the fuzzer feed it the same way.
class BodyDecoder {
 public:
  enum class Status { kNeedMore, kDone, kTooLarge, kMalformed };

  BodyDecoder(uint64_t content_length, bool chunked, size_t limit, size_t max_line);
  // Consumes what it can of `in` (the bytes after those it consumed before), appending the body
  // to `body`; `*used` says how many bytes of `in` it took.
  Status feed(std::string_view in, size_t* used, std::string* body);

 private:
  enum class State { kLength, kSize, kData, kDataEnd, kTrailer, kDone };
  // One method per state reads `in` from `at`, moving `at` past what it takes. Each returns
  // nullopt to go on, else the status feed returns (kNeedMore: wait for more input).

  // Body bytes (Content-Length, or a chunk's data), then state `then` once they are all taken.
  std::optional<Status> take_bytes(std::string_view in, size_t& at, std::string& body, State then);
  // The CRLF after a chunk's data.
  std::optional<Status> take_data_end(std::string_view in, size_t& at);
  // A chunk size line: hex size, then nothing or chunk extensions.
  std::optional<Status> take_size_line(std::string_view in, size_t& at);
  // A trailer line, skipped; the blank line ends the message.
  std::optional<Status> take_trailer_line(std::string_view in, size_t& at);
  // The line at `at`, without its CRLF, and `at` moved past it; nullopt while it is incomplete;
  // `bad` for a bare LF or CR or an overlong line.
  std::optional<std::string_view> read_line(std::string_view in, size_t& at, bool& bad) const;

  State state_;
  uint64_t remaining_;
  size_t limit_, max_line_, total_ = 0;
};

}  // namespace aegis::http
