// inspect.signature for every function, method and constructor of the module. pybind11 writes
// each signature as the docstring's first line, "name(a: T, b: T = 1) -> R", which inspect
// cannot read; CPython takes a builtin's signature from a docstring that starts
// "name(a, b=1)\n--\n\n". This rewrites each single-signature docstring into that form, keeping
// pybind11's typed line as the first line of the text that follows. A default that is not a
// Python literal (an object's repr) becomes `...`: there is a default, shown without its value.
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bindings.h"

namespace aegis::python {
namespace {

// Calls visit(i, c) for each character of `text` from `from` that is outside a quoted string,
// until visit returns false.
template <typename Visit>
void scan_unquoted(std::string_view text, size_t from, Visit visit) {
  char quote = 0;
  for (size_t i = from; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (!visit(i, c)) {
      return;
    }
  }
}

// The parts of `text` between top-level commas (outside brackets and quotes).
std::vector<std::string> split_top_level(std::string_view text) {
  std::vector<std::string> parts;
  int depth = 0;
  size_t start = 0;
  scan_unquoted(text, 0, [&](size_t i, char c) {
    if (c == '(' || c == '[' || c == '{' || c == '<') ++depth;
    else if (c == ')' || c == ']' || c == '}' || c == '>') --depth;
    else if (c == ',' && depth == 0) {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
    return true;
  });
  if (start < text.size()) parts.emplace_back(text.substr(start));
  for (auto& p : parts) {
    const size_t b = p.find_first_not_of(' ');
    p = b == std::string::npos ? "" : p.substr(b);
  }
  return parts;
}

// The index of the ')' that closes the '(' at `open`, or npos.
size_t closing_paren(std::string_view text, size_t open) {
  int depth = 0;
  size_t found = std::string::npos;
  scan_unquoted(text, open, [&](size_t i, char c) {
    if (c == '(') ++depth;
    else if (c == ')' && --depth == 0) found = i;
    return found == std::string::npos;
  });
  return found;
}

bool is_literal(const std::string& text) {
  static const py::object* literal_eval =
      new py::object(py::module_::import("ast").attr("literal_eval"));
  try {
    (*literal_eval)(text);
    return true;
  } catch (py::error_already_set&) {
    return false;
  }
}

// "name(self: X, a: T, b: T = 1) -> R\n\ndoc" -> "name(self, a, b=1)\n--\n\nname(...) -> R\n\ndoc".
// Empty when `doc` is not a single pybind11 signature. `self` stays a plain parameter (not
// CPython's "$self"): pybind11 binds every function to a capsule, which inspect would take for
// the instance and drop, and inspect drops `self` itself for classes and bound methods.
std::string text_signature_doc(std::string_view doc) {
  const std::string_view line = doc.substr(0, doc.find('\n'));  // the signature's line only
  const size_t open = line.find('(');
  if (open == std::string::npos || open == 0) return "";
  for (size_t i = 0; i < open; ++i)
    if (!(std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_')) return "";
  const size_t close = closing_paren(line, open);
  if (close == std::string::npos) return "";
  const std::string_view rest = line.substr(close + 1);
  if (!rest.empty() && rest.substr(0, 4) != " -> ") return "";
  std::string sig = std::string(line.substr(0, open)) + "(";
  bool first = true;
  for (const std::string& param : split_top_level(line.substr(open + 1, close - open - 1))) {
    if (param.empty()) continue;
    std::string out;
    if (param == "*" || param == "/") {
      out = param;
    } else {
      const size_t colon = param.find(':');
      const size_t eq = param.find(" = ");
      std::string name = param.substr(0, std::min(colon, eq));
      while (!name.empty() && name.back() == ' ') name.pop_back();
      out = name;
      if (eq != std::string::npos) {
        const std::string value = param.substr(eq + 3);
        out += "=" + (is_literal(value) ? value : std::string("..."));
      }
    }
    sig += (first ? "" : ", ") + out;
    first = false;
  }
  sig += ")\n--\n\n";
  return sig + std::string(doc);
}

void rewrite(PyObject* function) {
  if (!PyCFunction_Check(function)) return;
  auto* f = reinterpret_cast<PyCFunctionObject*>(function);
  // Only pybind11's own functions (bound to the capsule of their record): their docstring is
  // theirs to change; a builtin from elsewhere is left alone.
  if (!f->m_self || !PyCapsule_CheckExact(f->m_self)) return;
  if (!f->m_ml || !f->m_ml->ml_doc) return;
  const std::string doc = text_signature_doc(f->m_ml->ml_doc);
  if (doc.empty()) return;
  // pybind11 allocated ml_doc with strdup and frees it with free (pybind11.h, cpp_function).
  std::free(const_cast<char*>(f->m_ml->ml_doc));
  f->m_ml->ml_doc = strdup(doc.c_str());
}

void rewrite_class(py::handle cls) {
  const py::dict members(cls.attr("__dict__"));  // a copy of the mappingproxy
  for (auto [name, value] : members) {
    PyObject* v = value.ptr();
    if (PyInstanceMethod_Check(v)) {
      rewrite(PyInstanceMethod_GET_FUNCTION(v));
    } else if (py::isinstance(value, py::module_::import("builtins").attr("staticmethod"))) {
      rewrite(value.attr("__func__").ptr());
    }
  }
}

}  // namespace

void add_text_signatures(py::module_& m) {
  py::dict members = py::reinterpret_borrow<py::dict>(m.attr("__dict__"));
  for (auto [name, value] : members) {
    if (PyCFunction_Check(value.ptr()))
      rewrite(value.ptr());
    else if (PyType_Check(value.ptr()) &&
             py::str(value.attr("__module__")).cast<std::string>() == "aegis_governance._core")
      rewrite_class(value);
  }
}

}  // namespace aegis::python
